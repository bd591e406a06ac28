// Issue 4 at the daemon level: checks are answered only once their audit record is durable, and
// none is lost or duplicated through a PostgreSQL outage or a SIGKILL of the daemon.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <set>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

// Fixed card holder 1001 of the simulator's population (docs/gateway.md): insured, 本人, 3割.
const json kInsured = {{"insurer_number", "06139992"},
                       {"symbol", "1001"},
                       {"number", "1001"},
                       {"branch", "00"},
                       {"visit_date", "2026-11-25"}};

std::vector<std::string> gateway_env(const GatewaySim& sim) {
  return {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port())};
}

bool wait_spool_drained(const Daemon& d, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto a = d.get("/readyz");
    if (a.status == 200 && json::parse(a.body)["spool_depth"] == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

std::multiset<std::string> rows(const TempPostgres& pg) {
  std::multiset<std::string> out;
  std::string all = pg.psql("SELECT check_id FROM audit_checks");
  std::size_t i = 0;
  while (i < all.size()) {
    auto nl = all.find('\n', i);
    out.insert(all.substr(i, nl == std::string::npos ? std::string::npos : nl - i));
    if (nl == std::string::npos) break;
    i = nl + 1;
  }
  return out;
}

}  // namespace

TEST(Checks, ByNumberAnswersWithTheDecisionAndIsAudited) {
  TempPostgres pg;
  TempDir dir("checks");
  GatewaySim sim(dir);
  Daemon d(pg, dir, gateway_env(sim));
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();

  auto ok = d.post("/v1/checks/by-number", kInsured);
  ASSERT_EQ(ok.status, 200) << ok.body << d.log();
  auto j = json::parse(ok.body);
  EXPECT_EQ(j["outcome"], "accepted");
  EXPECT_EQ(j["reasons"][0]["code"], "qualification_confirmed");
  EXPECT_EQ(j["qualification"]["copay_percent"], 30);
  EXPECT_EQ(j["durability"], "database");

  // What the desk saw is what the audit log says.
  auto read = d.get_authorized("/v1/checks/" + j["check_id"].get<std::string>());
  ASSERT_EQ(read.status, 200) << read.body;
  auto rec = json::parse(read.body);
  EXPECT_EQ(rec["outcome"], "accepted");
  EXPECT_EQ(rec["client_id"], "desk-test");
  EXPECT_EQ(rec["identity"]["insurer_number"], "06139992");
  EXPECT_EQ(rec["gateway"]["qualification_validity"], 1);
  // ... and the plain log never shows the number.
  EXPECT_EQ(d.log().find("06139992"), std::string::npos);

  // Fixed holder 1003 lost the qualification.
  auto lost = d.post(
      "/v1/checks/by-number",
      {{"insurer_number", "01130012"}, {"symbol", "1003"}, {"number", "1003"}, {"branch", "00"}});
  ASSERT_EQ(lost.status, 200) << lost.body;
  EXPECT_EQ(json::parse(lost.body)["outcome"], "refused");
  EXPECT_EQ(json::parse(lost.body)["reasons"][0]["code"], "qualification_lost");

  // The operator's view of the same two checks (docs/operations.md), on the loopback probe port.
  auto m = run_command("curl -sS http://127.0.0.1:" + std::to_string(d.http_port()) + "/metrics");
  ASSERT_EQ(m.exit_code, 0) << m.output;
  EXPECT_NE(m.output.find("madoguchi_checks_total{method=\"number\",outcome=\"accepted\"} 1"),
            std::string::npos)
      << m.output;
  EXPECT_NE(m.output.find("madoguchi_checks_total{method=\"number\",outcome=\"refused\"} 1"),
            std::string::npos)
      << m.output;
  EXPECT_NE(m.output.find("madoguchi_check_duration_seconds_count{method=\"number\"} 2"),
            std::string::npos)
      << m.output;
  EXPECT_NE(m.output.find("madoguchi_audit_database_up 1"), std::string::npos) << m.output;
  EXPECT_NE(m.output.find("madoguchi_gateway_breaker_state{state=\"closed\"} 1"), std::string::npos)
      << m.output;
  // Read from their owners at the scrape: the spool is empty, nothing waits for re-confirmation.
  EXPECT_NE(m.output.find("madoguchi_audit_spool_bytes 0"), std::string::npos) << m.output;
  EXPECT_NE(m.output.find("madoguchi_unconfirmed_checks{state=\"pending\"} 0"), std::string::npos)
      << m.output;
}

TEST(Checks, InvalidInputIsRefusedWithAStableCodeAndStillAudited) {
  TempPostgres pg;
  TempDir dir("checks");
  Daemon d(pg, dir);
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  auto bad = d.post("/v1/checks/by-number", {{"insurer_number", "138157"}, {"number", "1"}});
  ASSERT_EQ(bad.status, 422) << bad.body;
  auto j = json::parse(bad.body);
  EXPECT_EQ(j["code"], "insurer_number.check_digit");
  auto rec = d.get_authorized("/v1/checks/" + j["check_id"].get<std::string>());
  ASSERT_EQ(rec.status, 200);
  EXPECT_EQ(json::parse(rec.body)["outcome"], "failed");
  EXPECT_EQ(json::parse(rec.body)["reasons"][0], "insurer_number.check_digit");

  EXPECT_EQ(d.post("/v1/checks/by-number", json::array()).status, 400);

  // A 12-digit individual number typed as 番号 is refused before the gateway is asked (no
  // gateway runs here: asking would have answered 200 gateway_unavailable), and the audit keeps
  // only that a refused input happened.
  auto mynumber =
      d.post("/v1/checks/by-number",
             {{"insurer_number", "06139992"}, {"symbol", "1001"}, {"number", "1234 5678 9012"}});
  ASSERT_EQ(mynumber.status, 422) << mynumber.body;
  auto refused = json::parse(mynumber.body);
  EXPECT_EQ(refused["code"], "number.individual_number");
  const std::string id = refused["check_id"].get<std::string>();
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE check_id = '" + id +
                    "' AND (coalesce(insurer_number, '') <> '' OR coalesce(insured_symbol, '') <> "
                    "'' OR coalesce(insured_number, '') <> '')"),
            "0");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE insured_number LIKE '%9012%'"), "0");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE check_id = '" + id + "'"), "1");
  EXPECT_EQ(d.log().find("9012"), std::string::npos);
}

TEST(Checks, GatewayDownIsAFailedCheckNotAnError) {
  TempPostgres pg;
  TempDir dir("checks");
  Daemon d(pg, dir, {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(free_port())});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  const auto t0 = std::chrono::steady_clock::now();
  auto a = d.post("/v1/checks/by-number", kInsured);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(json::parse(a.body)["outcome"], "failed");
  EXPECT_EQ(json::parse(a.body)["reasons"][0]["code"], "gateway_unavailable");
  EXPECT_LT(took, std::chrono::seconds(5));  // the gateway deadline is 3 s
}

TEST(Checks, BatchOfTomorrowsAppointments) {
  TempPostgres pg;
  TempDir dir("batch");
  GatewaySim sim(dir);
  Daemon d(pg, dir, gateway_env(sim));
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();

  json items = json::array();
  for (int i = 0; i < 300; ++i) {
    json item = kInsured;
    item.erase("visit_date");
    item["reference"] = "appt-" + std::to_string(i);
    items.push_back(item);
  }
  items[7] = {{"insurer_number", "01130012"},
              {"symbol", "1003"},
              {"number", "1003"},
              {"branch", "00"},
              {"reference", "appt-7"}};  // lost qualification
  items[9] = {{"insurer_number", "138157"}, {"number", "1"}, {"reference", "appt-9"}};
  auto a = d.post("/v1/checks/batch", {{"visit_date", "2026-11-26"}, {"items", items}});
  ASSERT_EQ(a.status, 200) << a.body.substr(0, 500) << d.log();
  auto j = json::parse(a.body);
  ASSERT_EQ(j["results"].size(), 300u);
  EXPECT_EQ(j["results"][0]["outcome"], "accepted");
  EXPECT_EQ(j["results"][0]["reference"], "appt-0");
  EXPECT_EQ(j["results"][7]["reasons"][0]["code"], "qualification_lost");
  EXPECT_EQ(j["results"][9]["error"]["code"], "insurer_number.check_digit");
  EXPECT_FALSE(j["results"][9].contains("outcome"));
  // One record per item; the 299 looked up share the batch id.
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), "300");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE batch_id = '" +
                    j["batch_id"].get<std::string>() + "'"),
            "299");
  EXPECT_EQ(d.post("/v1/checks/batch", {{"items", json::array()}}).status, 400);
}

TEST(Durability, PostgresOutageUnderLoadLosesAndDuplicatesNothing) {
  TempPostgres pg;
  TempDir dir("outage");
  GatewaySim sim(dir);
  Daemon d(pg, dir, gateway_env(sim));
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();

  std::mutex mu;
  std::set<std::string> answered;
  std::atomic<int> errors{0}, spooled{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&] {
      while (!stop) {
        auto a = d.post("/v1/checks/by-number", kInsured);
        if (a.status != 200) {
          ++errors;
          continue;
        }
        auto j = json::parse(a.body);
        if (j["durability"] == "spooled") ++spooled;
        std::lock_guard lock(mu);
        answered.insert(j["check_id"].get<std::string>());
      }
    });
  }
  ASSERT_TRUE(madoguchi_test::wait_until(
      [&] {
        std::lock_guard lock(mu);
        return answered.size() >= 20;
      },
      std::chrono::milliseconds(30000)))
      << "the load never got going";
  pg.stop_immediate();
  std::this_thread::sleep_for(std::chrono::seconds(21));
  pg.start();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  for (auto& t : load) t.join();

  EXPECT_EQ(errors.load(), 0) << "the daemon must keep answering during the outage";
  EXPECT_GT(spooled.load(), 0) << "no check went through the spool: the outage was not exercised";
  ASSERT_TRUE(wait_spool_drained(d, std::chrono::seconds(60))) << d.log();

  const auto in_db = rows(pg);
  EXPECT_EQ(in_db.size(), answered.size()) << "rows in PostgreSQL vs checks answered";
  for (const auto& id : answered) EXPECT_EQ(in_db.count(id), 1u) << id;
  std::cout << "answered " << answered.size() << " checks, " << spooled.load()
            << " through the spool\n";
}

TEST(Durability, SigkillWhileSpooledLosesNothing) {
  TempPostgres pg;
  TempDir dir("sigkill");
  GatewaySim sim(dir);
  std::set<std::string> answered;
  {
    Daemon d(pg, dir, gateway_env(sim));
    ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
    pg.stop_immediate();
    for (int i = 0; i < 30; ++i) {
      auto a = d.post("/v1/checks/by-number", kInsured);
      ASSERT_EQ(a.status, 200) << a.body;
      auto j = json::parse(a.body);
      EXPECT_EQ(j["durability"], "spooled");
      answered.insert(j["check_id"].get<std::string>());
    }
    d.process().stop(SIGKILL);
  }
  pg.start();
  Daemon again(pg, dir, gateway_env(sim));
  ASSERT_TRUE(again.wait_ready(std::chrono::seconds(20))) << again.log();
  ASSERT_TRUE(wait_spool_drained(again, std::chrono::seconds(30))) << again.log();
  const auto in_db = rows(pg);
  EXPECT_EQ(in_db.size(), answered.size());
  for (const auto& id : answered) EXPECT_EQ(in_db.count(id), 1u) << id;
}
