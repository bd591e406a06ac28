// madoguchid as a user runs it: a real PostgreSQL, real TLS, HTTP answers checked with curl.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

using namespace madoguchi_test;
using nlohmann::json;

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
  HttpAnswer down;
  for (int i = 0; i < 50 && down.status != 503; ++i) {  // the probe is cached for a second
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    down = d.get("/readyz");
  }
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
  // ... and for nothing else: checks, records and the page need HTTPS.
  for (const char* path : {"/v1/checks", "/", "/v1/checks/by-number"}) {
    auto plain = run_command("curl -sS -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:" +
                             std::to_string(d.http_port()) + path);
    EXPECT_EQ(plain.output, "403") << path;
  }
  auto metrics = run_command("curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                             std::to_string(d.http_port()) + "/metrics");
  EXPECT_EQ(metrics.output, "200");
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

TEST(Daemon, TlsRefusesSuitesWithoutForwardSecrecyOrAead) {
  TempPostgres pg;
  TempDir dir("daemon");
  Daemon d(pg, dir);
  const std::string connect =
      "openssl s_client -brief -connect 127.0.0.1:" + std::to_string(d.https_port()) +
      " </dev/null 2>&1";
  auto handshake = [&](const std::string& options) { return run_command(connect + " " + options); };
  // TLS 1.2 with ECDHE and AES-GCM, and TLS 1.3, are spoken.
  auto good = handshake("-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_NE(good.output.find("ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos) << good.output;
  auto tls13 = handshake("-tls1_3");
  EXPECT_NE(tls13.output.find("TLSv1.3"), std::string::npos) << tls13.output;
  // RSA key exchange, CBC and old protocol versions are refused.
  for (const char* weak :
       {"-tls1_2 -cipher AES128-SHA", "-tls1_2 -cipher AES256-GCM-SHA384",
        "-tls1_2 -cipher ECDHE-RSA-AES128-SHA", "-tls1_1 -cipher DEFAULT@SECLEVEL=0"}) {
    auto r = handshake(weak);
    EXPECT_EQ(r.output.find("Protocol version:"), std::string::npos) << weak << "\n" << r.output;
    EXPECT_EQ(r.output.find("Ciphersuite:"), std::string::npos) << weak << "\n" << r.output;
  }
}
