// madoguchid as a user runs it: a real PostgreSQL, real TLS, HTTP answers checked with curl.
#include <madoguchi_test/postgres.hpp>
#include <madoguchi_test/process.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

// The token the test desk presents; the daemon is configured with only its SHA-256.
constexpr const char* kToken = "a-desk-token";

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class Daemon {
 public:
  Daemon(const TempPostgres& pg, const TempDir& dir, std::vector<std::string> extra_env = {})
      : https_port_(free_port()), http_port_(free_port()) {
    const auto certs = dev_certs();
    ca_ = (certs / "ca.crt").string();
    std::vector<std::string> env{
        "MADOGUCHI_LISTEN_HTTPS_PORT=" + std::to_string(https_port_),
        "MADOGUCHI_LISTEN_HTTP_PORT=" + std::to_string(http_port_),
        "MADOGUCHI_TLS_CERT_FILE=" + (certs / "madoguchid.crt").string(),
        "MADOGUCHI_TLS_KEY_FILE=" + (certs / "madoguchid.key").string(),
        "MADOGUCHI_DATABASE_CONNINFO=" + pg.conninfo(),
        "MADOGUCHI_AUDIT_SPOOL_DIR=" + (dir.path() / "spool").string(),
        "MADOGUCHI_GATEWAY_CA_FILE=" + (certs / "ca.crt").string(),
        "MADOGUCHI_GATEWAY_CERT_FILE=" + (certs / "client.crt").string(),
        "MADOGUCHI_GATEWAY_KEY_FILE=" + (certs / "client.key").string(),
        std::string("MADOGUCHI_API_CLIENTS=[{\"id\":\"desk-test\",\"token_sha256\":\"") +
            token_sha256() + "\"}]",
    };
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    log_ = dir.path() / "madoguchid.log";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{(binary_dir() / "services/madoguchid/madoguchid").string()}, env,
        log_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!wait_for_port(https_port_, std::chrono::milliseconds(100))) {
      if (!process_->running() || std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("madoguchid did not listen: " + process_->log());
    }
  }

  // Made once per test process: RSA key generation is the slow part of a daemon's start here.
  static std::filesystem::path dev_certs() {
    static TempDir dir("certs");
    static const bool made = [] {
      auto r = run_command("bash " + (source_dir() / "deploy/dev-certs.sh").string() + " " +
                           dir.path().string());
      if (r.exit_code != 0) throw std::runtime_error("dev-certs.sh: " + r.output);
      return true;
    }();
    (void)made;
    return dir.path();
  }

  static std::string token_sha256() {
    auto r = run_command(std::string("printf %s ") + kToken + " | sha256sum | cut -d' ' -f1");
    return r.output.substr(0, 64);
  }

  HttpAnswer get(const std::string& path, const std::string& extra_curl_args = "") const {
    auto r = run_command("curl -sS --max-time 10 --cacert " + ca_ + " " + extra_curl_args +
                         " -w '\\n%{http_code}' https://127.0.0.1:" + std::to_string(https_port_) +
                         path);
    HttpAnswer a;
    const auto nl = r.output.rfind('\n');
    if (nl == std::string::npos) return a;
    a.body = r.output.substr(0, nl);
    a.status = std::atoi(r.output.c_str() + nl + 1);
    return a;
  }

  HttpAnswer get_authorized(const std::string& path) const {
    return get(path, std::string("-H 'Authorization: Bearer ") + kToken + "'");
  }

  bool wait_ready(std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (get("/readyz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  unsigned short https_port() const { return https_port_; }
  unsigned short http_port() const { return http_port_; }
  ChildProcess& process() { return *process_; }
  std::string log() const { return process_->log(); }

 private:
  unsigned short https_port_, http_port_;
  std::string ca_;
  std::filesystem::path log_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace

TEST(Daemon, HealthzAnswersOverVerifiedHttps) {
  TempPostgres pg;
  TempDir dir("daemon");
  Daemon d(pg, dir);
  auto a = d.get("/healthz");
  EXPECT_EQ(a.status, 200) << d.log();
  EXPECT_EQ(json::parse(a.body)["status"], "ok");
}

TEST(Daemon, ReadyOnlyWithDatabaseAndMigrations) {
  TempPostgres pg;
  TempDir dir("daemon");
  Daemon d(pg, dir);
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  auto ready = json::parse(d.get("/readyz").body);
  EXPECT_EQ(ready["status"], "ready");
  EXPECT_EQ(ready["database"], "ok");
  // The migrations the daemon applied are recorded.
  EXPECT_GE(std::stoi(pg.psql("SELECT count(*) FROM schema_migrations")), 1);

  pg.stop_immediate();
  auto down = d.get("/readyz");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(json::parse(down.body)["status"], "not_ready");
  EXPECT_EQ(d.get("/healthz").status, 200);  // alive, just not ready

  pg.start();
  EXPECT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
}

TEST(Daemon, NotReadyBeforeTheDatabaseExists) {
  TempPostgres pg;
  pg.stop_immediate();
  TempDir dir("daemon");
  Daemon d(pg, dir);
  EXPECT_EQ(d.get("/readyz").status, 503);
  pg.start();  // the daemon applies the migrations once the server is there
  EXPECT_TRUE(d.wait_ready(std::chrono::seconds(30))) << d.log();
}

TEST(Daemon, RestartIsIdempotent) {
  TempPostgres pg;
  TempDir dir("daemon");
  const std::string applied = [&] {
    Daemon d(pg, dir);
    EXPECT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
    return pg.psql("SELECT count(*) FROM schema_migrations");
  }();
  Daemon again(pg, dir);
  EXPECT_TRUE(again.wait_ready(std::chrono::seconds(20))) << again.log();
  EXPECT_EQ(pg.psql("SELECT count(*) FROM schema_migrations"), applied);
}

TEST(Daemon, PlainHttpOnLoopbackForProbes) {
  TempPostgres pg;
  TempDir dir("daemon");
  Daemon d(pg, dir);
  auto r = run_command("curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                       std::to_string(d.http_port()) + "/healthz");
  EXPECT_EQ(r.output, "200");
}

TEST(Daemon, RefusesPlainHttpOffLoopback) {
  TempPostgres pg;
  TempDir dir("daemon");
  EXPECT_THROW(Daemon(pg, dir, {"MADOGUCHI_LISTEN_HTTP_ADDRESS=0.0.0.0"}), std::runtime_error);
}

TEST(Daemon, ApiCallersMustAuthenticate) {
  TempPostgres pg;
  TempDir dir("daemon");
  Daemon d(pg, dir);
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();

  auto missing = d.get("/v1/checks");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(json::parse(missing.body)["code"], "auth.missing_token");

  auto wrong = d.get("/v1/checks", "-H 'Authorization: Bearer not-the-token'");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(wrong.body)["code"], "auth.invalid_token");

  auto ok = d.get_authorized("/v1/checks");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(json::parse(ok.body)["items"].is_array());

  auto bad = d.get_authorized("/v1/checks?limit=9999");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["code"], "api.bad_limit");

  EXPECT_EQ(d.get_authorized("/no/such/path").status, 404);
}

TEST(Daemon, StopsCleanlyOnSigterm) {
  TempPostgres pg;
  TempDir dir("daemon");
  Daemon d(pg, dir);
  ASSERT_EQ(d.get("/healthz").status, 200);
  const int status = d.process().stop(SIGTERM, std::chrono::seconds(15));
  ASSERT_NE(status, -1) << "did not stop within 15 s";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << d.log();
  EXPECT_NE(d.log().find("\"msg\":\"stopped\""), std::string::npos) << d.log();
}

TEST(Daemon, RejectsUnknownConfigurationKeys) {
  TempDir dir("daemon");
  const auto file = dir.path() / "bad.json";
  run_command("echo '{\"listen\": {\"https_prot\": 1}}' > " + file.string());
  auto r = run_command((binary_dir() / "services/madoguchid/madoguchid").string() + " --config " +
                       file.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("config.unknown_key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("listen.https_prot"), std::string::npos) << r.output;
}
