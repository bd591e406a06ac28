// Running madoguchictl as a user does, against a daemon started by the test.
#pragma once

#include "daemon_fixture.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace cli_test {

struct CtlRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  nlohmann::json json() const { return nlohmann::json::parse(out, nullptr, false); }
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The environment a desk PC would have: the daemon's URL, its CA and a token file. `env` adds
// or overrides entries ("NAME=value", space-separated, no spaces in values) or removes them
// ("-u NAME"); `stdin_text` is fed to the command.
class Ctl {
 public:
  Ctl(const madoguchi_test::TempDir& dir, unsigned short https_port) : dir_(dir.path()) {
    token_file_ = dir_ / "desk-token";
    std::ofstream(token_file_) << madoguchi_test::kToken << "\n";
    vars_ = {{"HOME", dir_.string()},
             {"MADOGUCHI_URL", "https://127.0.0.1:" + std::to_string(https_port)},
             {"MADOGUCHI_CA_FILE", (madoguchi_test::Daemon::dev_certs() / "ca.crt").string()},
             {"MADOGUCHI_TOKEN_FILE", token_file_.string()}};
  }

  CtlRun operator()(const std::string& args, const std::string& env = "",
                    const std::string& stdin_text = "") const {
    auto vars = vars_;
    std::string command = "env -u MADOGUCHI_TOKEN -u MADOGUCHI_CTL_CONFIG -u MADOGUCHI_LANG";
    std::istringstream words(env);
    for (std::string w; words >> w;) {
      if (w == "-u" && words >> w) {
        vars.erase(w);
        command += " -u " + w;
      } else if (const auto eq = w.find('='); eq != std::string::npos) {
        vars[w.substr(0, eq)] = w.substr(eq + 1);
      }
    }
    for (const auto& [k, v] : vars) command += " " + k + "=" + quote(v);
    const auto in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    std::ofstream(in) << stdin_text;
    // In a subshell: run_command adds its own 2>&1, which must not take stderr from the file.
    auto r = madoguchi_test::run_command("(" + command + " " + MADOGUCHICTL_PATH + " " + args +
                                         " <" + quote(in.string()) + " >" + quote(out.string()) +
                                         " 2>" + quote(err.string()) + ")");
    return CtlRun{r.exit_code, slurp(out), slurp(err)};
  }

  const std::filesystem::path& token_file() const { return token_file_; }

 private:
  std::filesystem::path dir_, token_file_;
  std::map<std::string, std::string> vars_;
};

}  // namespace cli_test
