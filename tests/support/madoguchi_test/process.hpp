// Test support: child processes that are always stopped, free loopback ports, temp dirs.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace madoguchi_test {

// A child process started with execvp; SIGTERM (then SIGKILL) when destroyed.
// stdout and stderr go to `log_file` when given, so a failing test can show them.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> extra_env = {},
               std::filesystem::path log_file = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Sends `sig` and waits up to `timeout`; returns the exit status (as from waitpid) or -1.
  int stop(int sig = 15, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string log() const;  // contents of the log file

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_file_;
};

// Runs a command to completion; returns its exit code and what it printed (stdout+stderr).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::string& shell_command);

// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short free_port();
// Polls until something accepts TCP connections on 127.0.0.1:port, or the timeout passes.
bool wait_for_port(unsigned short port, std::chrono::milliseconds timeout);

// A fresh directory under the build tree's test-var/, removed when destroyed.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "t");
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Paths baked in by CMake: the source tree and the build tree.
std::filesystem::path source_dir();
std::filesystem::path binary_dir();

}  // namespace madoguchi_test
