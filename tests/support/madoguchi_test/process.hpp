// Test support: child processes that are always stopped, free loopback ports, temp dirs.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace madoguchi_test {

// A child process started with posix_spawnp (no fork of this threaded process), in a process
// group of its own; SIGTERM (then SIGKILL to the group) when destroyed. stdout and stderr go to
// `log_file` when given, so a failing test can show them. While it runs, a pid file under
// run_dir()/pids names it, so that a run's cleanup can stop what a crashed test left behind
// (and nothing else).
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
  void forget();  // reaped: drop the pid file
  pid_t pid_ = -1;
  std::filesystem::path log_file_;
  std::filesystem::path pid_file_;
};

// Runs a command to completion; returns its exit code and what it printed (stdout+stderr).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::string& shell_command);

// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short free_port();
// Whether 127.0.0.1:port can be bound right now.
bool port_is_free(unsigned short port);
// Polls until something accepts TCP connections on 127.0.0.1:port, or the timeout passes.
bool wait_for_port(unsigned short port, std::chrono::milliseconds timeout);

// Polls `condition` (every `poll`) until it holds or `timeout` passes; returns its last value.
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

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
// This test run's directory: $MADOGUCHI_TEST_RUN_DIR when set (deploy/test.sh sets one per run
// and cleans only it), else the build tree's test-var/. Holds pids/ and throwaway clusters.
std::filesystem::path run_dir();

}  // namespace madoguchi_test
