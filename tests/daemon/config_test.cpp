// madoguchid's configuration and log lines: nothing silently means a default, every log line is
// JSON whatever bytes it carries, and SIGHUP does not stop the daemon.
#include "config.hpp"
#include "daemon_fixture.hpp"
#include "logging.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

// load_config over a file (may be empty) and NAME=value variables.
madoguchi::Result<json> load(const std::string& file_text, std::vector<std::string> env = {},
                             const TempDir* dir = nullptr) {
  std::filesystem::path file;
  if (!file_text.empty()) {
    file = dir->path() / "madoguchid.json";
    std::ofstream(file) << file_text;
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  return madoguchid::load_config(file, envp.data());
}

std::string code_of(const madoguchi::Result<json>& r) { return r ? "ok" : r.error().code; }

}  // namespace

TEST(Config, DefaultsAndValidOverridesLoad) {
  auto r = load("", {"MADOGUCHI_LISTEN_HTTPS_PORT=9443", "MADOGUCHI_LOG_LEVEL=debug"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["listen"]["https_port"], 9443);
  EXPECT_EQ((*r)["log"]["level"], "debug");
  // Variables outside MADOGUCHI_ are not the daemon's business.
  EXPECT_TRUE(load("", {"PATH=/usr/bin", "MADOGUCHIX=1"}));
}

TEST(Config, UnknownVariableIsAnError) {
  auto r = load("", {"MADOGUCHI_LISTEN_HTTPS_PROT=9443"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "config.unknown_env");
  EXPECT_NE(r.error().message.find("MADOGUCHI_LISTEN_HTTPS_PROT"), std::string::npos);
}

TEST(Config, VariablesOfTheOtherToolsMayShareTheShell) {
  // madoguchictl's settings (docs/cli.md) and the scripts' are not the daemon's, and not typos.
  EXPECT_TRUE(load("", {"MADOGUCHI_URL=https://127.0.0.1:8443", "MADOGUCHI_CA_FILE=ca.crt",
                        "MADOGUCHI_TOKEN_FILE=t", "MADOGUCHI_LANG=en", "MADOGUCHI_BUILD_DIR=b",
                        "MADOGUCHI_TEST_RUN_DIR=/r"}));
  // ... but MADOGUCHI_GATEWAY_PORT is the daemon's gateway.port.
  auto r = load("", {"MADOGUCHI_GATEWAY_PORT=9555"});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["gateway"]["port"], 9555);
}

TEST(Config, PortOutOfRangeIsAnError) {
  for (const char* v : {"70000", "0", "-1", "65536"}) {
    auto r = load("", {std::string("MADOGUCHI_LISTEN_HTTPS_PORT=") + v});
    EXPECT_EQ(code_of(r), "config.range") << v;
  }
  EXPECT_TRUE(load("", {"MADOGUCHI_GATEWAY_PORT=65535"}));
  TempDir dir("config");
  EXPECT_EQ(code_of(load(R"({"gateway": {"port": 70000}})", {}, &dir)), "config.range");
  EXPECT_EQ(code_of(load(R"({"listen": {"io_threads": 0}})", {}, &dir)), "config.range");
  EXPECT_EQ(code_of(load(R"({"gateway": {"deadline_ms": -5}})", {}, &dir)), "config.range");
}

TEST(Config, FractionWhereAnIntegerIsExpectedIsAnError) {
  EXPECT_EQ(code_of(load("", {"MADOGUCHI_GATEWAY_DEADLINE_MS=1.5"})), "config.env");
  EXPECT_EQ(code_of(load("", {"MADOGUCHI_GATEWAY_DEADLINE_MS="})), "config.env");
  EXPECT_EQ(code_of(load("", {"MADOGUCHI_GATEWAY_DEADLINE_MS=12ms"})), "config.env");
  TempDir dir("config");
  EXPECT_EQ(code_of(load(R"({"gateway": {"deadline_ms": 1500.5}})", {}, &dir)), "config.type");
  EXPECT_EQ(code_of(load(R"({"listen": {"https_port": 8443.0}})", {}, &dir)), "config.type");
  EXPECT_EQ(code_of(load(R"({"listen": {"https_port": "8443"}})", {}, &dir)), "config.type");
  EXPECT_TRUE(load(R"({"gateway": {"deadline_ms": 1500}})", {}, &dir));
}

TEST(Config, UnknownLogLevelIsAnError) {
  auto r = load("", {"MADOGUCHI_LOG_LEVEL=verbose"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "config.log_level");
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    EXPECT_TRUE(load("", {std::string("MADOGUCHI_LOG_LEVEL=") + level})) << level;
}

TEST(LogLine, EscapedMessageIsValidJsonForAnyBytes) {
  std::mt19937 rng(15);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() % 256);
    const std::string line = "{\"msg\":\"" + madoguchid::json_escape(bytes) + "\"}";
    ASSERT_TRUE(json::accept(line)) << line;  // nlohmann rejects text that is not UTF-8
  }
  // Valid UTF-8 passes unchanged; a stray byte becomes U+FFFD; controls are escaped.
  EXPECT_EQ(json::parse("\"" + madoguchid::json_escape("保険者 \"x\"\\") + "\"").get<std::string>(),
            "保険者 \"x\"\\");
  EXPECT_EQ(madoguchid::json_escape("a\xff" "b"), "a\\ufffdb");
  EXPECT_EQ(madoguchid::json_escape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // a surrogate
  EXPECT_EQ(madoguchid::json_escape("\x01\x7f"), "\\u0001\\u007f");
}

TEST(LogLine, CheckIdIsAFieldOfItsOwn) {
  EXPECT_EQ(madoguchid::check_id_of("check 0b9f6d1e-3c1a-4c3e-9a53-2f1c8d2e7a10 answered"),
            "0b9f6d1e-3c1a-4c3e-9a53-2f1c8d2e7a10");
  EXPECT_EQ(madoguchid::check_id_of("check 4f1c2d3e"), "4f1c2d3e");
  EXPECT_EQ(madoguchid::check_id_of("check failed: something"), "");
  EXPECT_EQ(madoguchid::check_id_of("checking 4f1c2d3e"), "");
  EXPECT_EQ(madoguchid::check_id_of("audit: 4f1c2d3e"), "");
}

// Through the binary: a bad configuration stops the start with its code; SIGHUP does not stop
// the running daemon, and its log lines are JSON with the check id as a field.
TEST(DaemonConfig, BadConfigurationStopsTheStart) {
  const auto bin = (binary_dir() / "services/madoguchid/madoguchid").string();
  for (const std::string env : {"MADOGUCHI_LISTEN_HTTPS_PORT=70000", "MADOGUCHI_LOG_LEVEL=loud",
                                "MADOGUCHI_NO_SUCH_KEY=1"}) {
    auto r = run_command("env " + env + " " + bin + " --print-config");
    EXPECT_EQ(r.exit_code, 2) << env << ": " << r.output;
    EXPECT_NE(r.output.find("config."), std::string::npos) << r.output;
  }
}

TEST(DaemonConfig, SighupDoesNotStopTheDaemonAndLogLinesAreJson) {
  TempPostgres pg;
  TempDir dir("daemon-config");
  GatewaySim sim(dir);
  Daemon d(pg, dir, {"MADOGUCHI_LOG_LEVEL=debug", "MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port())});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  d.process().signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] { return d.log().find("SIGHUP: TLS certificate and key reloaded") != std::string::npos; },
      std::chrono::seconds(10)))
      << d.log();
  EXPECT_TRUE(d.process().running());
  EXPECT_EQ(d.get("/healthz").status, 200);
  // A check through the daemon logs (debug) a line about it, with its id as a field.
  // Card holder 1001 of the simulator's population (docs/gateway.md).
  auto a = d.post("/v1/checks/by-number", {{"insurer_number", "06139992"},
                                           {"symbol", "1001"},
                                           {"number", "1001"},
                                           {"branch", "00"}});
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string check_id = json::parse(a.body)["check_id"];
  int lines = 0;
  bool with_check_id = false;
  std::istringstream log(d.log());
  for (std::string line; std::getline(log, line);) {
    if (line.empty() || line[0] != '{') continue;  // curl or libpq chatter is not ours
    ++lines;
    ASSERT_TRUE(json::accept(line)) << line;
    const auto j = json::parse(line);
    if (j.contains("check_id") && j["check_id"] == check_id) with_check_id = true;
  }
  EXPECT_GT(lines, 3);
  EXPECT_TRUE(with_check_id) << d.log();
}

TEST(DaemonLogging, JournalPriorityFollowsTheLevel) {
  EXPECT_EQ(madoguchid::journal_priority("critical"), 2);
  EXPECT_EQ(madoguchid::journal_priority("error"), 3);
  EXPECT_EQ(madoguchid::journal_priority("warning"), 4);
  EXPECT_EQ(madoguchid::journal_priority("info"), 6);
  EXPECT_EQ(madoguchid::journal_priority("debug"), 7);
  EXPECT_EQ(madoguchid::journal_priority("trace"), 7);
}

TEST(DaemonLogging, JournalStreamMustNameThisStderr) {
  struct stat st {};
  ASSERT_EQ(::fstat(2, &st), 0);
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(madoguchid::stderr_is_journal(mine.c_str()));
  EXPECT_FALSE(madoguchid::stderr_is_journal(nullptr));
  EXPECT_FALSE(madoguchid::stderr_is_journal(""));
  EXPECT_FALSE(madoguchid::stderr_is_journal((mine + "x").c_str()));
  EXPECT_FALSE(madoguchid::stderr_is_journal(
      (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str()));
}

// Under systemd every line carries its priority for journald ("<N>"), then the JSON object.
TEST(DaemonLogging, LinesCarryTheJournalPriorityWhenStderrIsTheJournal) {
  TempPostgres pg;
  TempDir dir("daemon-journal");
  GatewaySim sim(dir);
  const auto log_file = dir.path() / "madoguchid.log";  // the fixture's log, made beforehand
  std::ofstream(log_file).close();
  struct stat st {};
  ASSERT_EQ(::stat(log_file.c_str(), &st), 0);
  Daemon d(pg, dir,
           {"MADOGUCHI_LOG_LEVEL=debug", "MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port()),
            "JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  // A check logs at debug and info.
  auto a = d.post("/v1/checks/by-number", {{"insurer_number", "06139992"},
                                           {"symbol", "1001"},
                                           {"number", "1001"},
                                           {"branch", "00"}});
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(d.process().stop(SIGTERM), 0) << d.log();
  std::map<int, int> by_priority;
  std::istringstream log(d.log());
  for (std::string line; std::getline(log, line);) {
    if (line.size() < 4 || line[0] != '<' || line[2] != '>') continue;  // libpq, curl chatter
    const auto j = json::parse(line.substr(3), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    const int priority = line[1] - '0';
    EXPECT_EQ(priority, madoguchid::journal_priority(j["level"].get<std::string>())) << line;
    ++by_priority[priority];
  }
  EXPECT_GT(by_priority[6], 1) << d.log();  // "listening", "stopping", ...
  const std::string all = "\n" + d.log();
  EXPECT_EQ(all.find("\n{\"time\""), std::string::npos) << "a line without its priority";
}
