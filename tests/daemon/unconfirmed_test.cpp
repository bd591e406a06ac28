// The unconfirmed queue end to end: the gateway is down, documents are accepted unconfirmed by
// two daemons on one database; the daemons restart (the queue is in PostgreSQL); the gateway
// comes back and every acceptance is re-confirmed automatically — as a new audit record linked
// to the first, exactly once although both daemons work on the queue; a lost qualification is
// flagged for follow-up.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

std::string corpus(const std::string& name) {
  return (binary_dir() / "tests/documents/corpus" / name).string();
}

json truth(const std::string& id) {
  std::ifstream in(corpus(id + ".json"));
  return json::parse(in);
}

HttpAnswer upload(const Daemon& d, const std::string& file, const std::string& query) {
  return d.get(
      "/v1/checks/by-document?" + query,
      std::string("-X POST -H 'Content-Type: application/pdf' -H 'Authorization: Bearer ") +
          kToken + "' --data-binary @" + file);
}

// The simulator on a port chosen beforehand: the daemons know it while it is still down.
std::unique_ptr<ChildProcess> start_sim(const TempDir& dir, unsigned short port,
                                        const std::string& population) {
  const auto certs = Daemon::dev_certs();
  auto sim = std::make_unique<ChildProcess>(
      std::vector<std::string>{
          (binary_dir() / "services/gateway-sim/madoguchi-gateway-sim").string(), "--port",
          std::to_string(port), "--cert", (certs / "gateway.crt").string(), "--key",
          (certs / "gateway.key").string(), "--ca", (certs / "ca.crt").string(), "--jpki-ca",
          (certs / "jpki-ca.crt").string(), "--population", population},
      std::vector<std::string>{}, dir.path() / "gateway-sim.log");
  if (!wait_for_port(port, std::chrono::seconds(20)))
    throw std::runtime_error("gateway simulator did not listen: " + sim->log());
  return sim;
}

json person(const json& fields, int validity) {
  json p{{"insurer_number", fields["insurer_number"]},
         {"number", fields["number"]},
         {"name", "窓口　テスト"},
         {"insured_name", "窓口　テスト"},
         {"birth_date", "19800101"},
         {"qualification_date", "20150401"},
         {"copay", "030"},
         {"validity", validity}};
  if (fields.contains("symbol")) p["symbol"] = fields["symbol"];
  p["branch"] = fields.contains("branch") ? fields["branch"] : json("00");
  if (validity == 2) {
    p["disqualification_date"] = "20260401";  // lost before the visit (2026-05-01)
    p["reason_of_loss"] = "03";
  }
  return p;
}

}  // namespace

TEST(UnconfirmedQueue, GatewayBackReconfirmsEveryAcceptanceOnceWithTwoDaemons) {
  // Two notices of the corpus: one insured, one whose qualification was lost before the visit.
  const std::string insured = "notice_01_kyokai", lost = "notice_02_kokuho";
  ASSERT_TRUE(std::filesystem::exists(corpus(insured + ".pdf")));
  ASSERT_TRUE(std::filesystem::exists(corpus(lost + ".pdf")));
  TempPostgres pg;
  TempDir dir_a("unconfirmed-a"), dir_b("unconfirmed-b"), sim_dir("unconfirmed-sim");
  const std::string population = (sim_dir.path() / "population.json").string();
  {
    std::ofstream out(population);
    out << json{{"people", {person(truth(insured)["fields"], 1), person(truth(lost)["fields"], 2)}}}
               .dump();
  }
  const unsigned short gateway_port = free_port();  // nothing listens yet: the gateway is down
  const std::vector<std::string> env{"MADOGUCHI_GATEWAY_PORT=" + std::to_string(gateway_port),
                                     "MADOGUCHI_API_ALLOW_VISIT_DATE=true",
                                     "MADOGUCHI_UNCONFIRMED_RECHECK_SECONDS=1"};
  const std::string query = "context=card_unreadable&reader_fault=true&visit_date=2026-05-01";

  std::set<std::string> unconfirmed;  // check ids accepted while the gateway was down
  {
    Daemon a(pg, dir_a, env);
    ASSERT_TRUE(a.wait_ready(std::chrono::seconds(30))) << a.log();
    Daemon b(pg, dir_b, env);
    ASSERT_TRUE(b.wait_ready(std::chrono::seconds(30))) << b.log();
    for (int i = 0; i < 8; ++i) {
      const Daemon& d = i % 2 ? b : a;
      auto r = upload(d, corpus((i == 7 ? lost : insured) + ".pdf"), query);
      ASSERT_EQ(r.status, 200) << r.body;
      const json j = json::parse(r.body);
      ASSERT_EQ(j["outcome"], "accepted_unconfirmed") << r.body;
      EXPECT_EQ(j["reasons"].back()["code"], "unconfirmed_pending_recheck");
      unconfirmed.insert(j["check_id"].get<std::string>());
    }
    auto pending = a.get_authorized("/v1/unconfirmed?state=pending");
    ASSERT_EQ(pending.status, 200) << pending.body;
    EXPECT_EQ(json::parse(pending.body)["items"].size(), 8u) << pending.body;
    // The daemons stop here: the queue must survive them.
  }

  Daemon a(pg, dir_a, env);
  Daemon b(pg, dir_b, env);
  ASSERT_TRUE(a.wait_ready(std::chrono::seconds(30))) << a.log();
  ASSERT_TRUE(b.wait_ready(std::chrono::seconds(30))) << b.log();
  auto sim = start_sim(sim_dir, gateway_port, population);

  // Both daemons poll the queue every second; wait until nothing is pending.
  json all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto r = b.get_authorized("/v1/unconfirmed?state=all");
    ASSERT_EQ(r.status, 200) << r.body;
    all = json::parse(r.body)["items"];
    bool done = all.size() == unconfirmed.size();
    for (const auto& e : all) done = done && e["state"] != "pending";
    if (done) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << r.body << a.log() << b.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  int reconfirmed = 0, follow_up = 0;
  for (const auto& e : all) {
    EXPECT_TRUE(unconfirmed.count(e["check_id"].get<std::string>()));
    const std::string state = e["state"];
    const std::string id = e["reconfirmation"]["check_id"];
    // The new record links to the first; the first is unchanged.
    auto rec = json::parse(a.get_authorized("/v1/checks/" + id).body);
    EXPECT_EQ(rec["reconfirms_check_id"], e["check_id"]) << rec.dump();
    EXPECT_EQ(rec["visit_date"], "2026-05-01");
    auto first =
        json::parse(a.get_authorized("/v1/checks/" + e["check_id"].get<std::string>()).body);
    EXPECT_EQ(first["outcome"], "accepted_unconfirmed");
    EXPECT_EQ(first["card_fault"], "declared_reader_fault");
    if (state == "reconfirmed") {
      ++reconfirmed;
      EXPECT_EQ(rec["outcome"], "accepted");
      EXPECT_EQ(rec["reasons"][0], "reconfirmed");
    } else {
      ++follow_up;
      EXPECT_EQ(state, "follow_up");
      EXPECT_TRUE(e["follow_up"].get<bool>());
      EXPECT_EQ(rec["outcome"], "refused");
      EXPECT_EQ(rec["reasons"][0], "reconfirmation_follow_up");
      EXPECT_EQ(rec["reasons"][1], "qualification_lost");
    }
  }
  EXPECT_EQ(reconfirmed, 7);
  EXPECT_EQ(follow_up, 1);
  // Exactly one re-confirmation record per unconfirmed check, though two daemons worked.
  EXPECT_EQ(pg.psql("SELECT count(*), count(DISTINCT reconfirms_check_id) FROM audit_checks "
                    "WHERE reconfirms_check_id IS NOT NULL"),
            "8|8");
  // The open queue (what still needs someone) holds only the follow-up.
  auto open = json::parse(a.get_authorized("/v1/unconfirmed").body)["items"];
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0]["state"], "follow_up");
}
