// PostgreSQL restarted (an immediate stop, then start) while the unconfirmed queue is being
// worked (issue 15): acceptances made while the gateway was down are re-confirmed once it is
// back; the database going away in the middle leaves none stuck and none confirmed twice — one
// re-confirmation record per acceptance, the daemon up throughout.
#include "fault_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace madoguchi_test;
using namespace madoguchi_test::faults;

namespace {

std::string corpus(const std::string& name) {
  return (binary_dir() / "tests/documents/corpus" / name).string();
}

json person(const json& fields) {
  json p{{"insurer_number", fields["insurer_number"]},
         {"number", fields["number"]},
         {"name", "窓口　テスト"},
         {"insured_name", "窓口　テスト"},
         {"birth_date", "19800101"},
         {"qualification_date", "20150401"},
         {"copay", "030"},
         {"validity", 1}};
  if (fields.contains("symbol")) p["symbol"] = fields["symbol"];
  p["branch"] = fields.contains("branch") ? fields["branch"] : json("00");
  return p;
}

struct Queue {
  std::size_t total = 0, pending = 0;
};  // pending 999: the queue could not be read

Queue queue(const Daemon& d) {
  Queue q;
  auto r = d.get_authorized("/v1/unconfirmed?state=all");
  auto j = json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object() || !j.contains("items")) return Queue{0, 999};
  for (const auto& e : j["items"]) {
    ++q.total;
    if (e.value("state", "") == "pending") ++q.pending;
  }
  return q;
}

}  // namespace

TEST(ReconfirmUnderRestart, PostgresRestartedWhileTheQueueIsWorkedConfirmsEachOnce) {
  const std::string notice = "notice_01_kyokai";
  ASSERT_TRUE(std::filesystem::exists(corpus(notice + ".pdf")));
  TempPostgres pg;
  TempDir dir("reconfirm-restart");
  const std::string population = (dir.path() / "population.json").string();
  {
    std::ifstream in(corpus(notice + ".json"));
    const json truth = json::parse(in);
    std::ofstream out(population);
    out << json{{"people", {person(truth["fields"])}}}.dump();
  }
  const unsigned short port = free_port();  // nothing listens yet: the gateway is down
  Daemon d(pg, dir,
           {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(port), "MADOGUCHI_API_ALLOW_VISIT_DATE=true",
            "MADOGUCHI_UNCONFIRMED_RECHECK_SECONDS=1"});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(30))) << d.log();

  constexpr int kChecks = 12;
  std::set<std::string> unconfirmed;
  for (int i = 0; i < kChecks; ++i) {
    auto r = d.get(
        "/v1/checks/by-document?context=card_unreadable&reader_fault=true&"
        "visit_date=2026-05-01",
        std::string("-X POST -H 'Content-Type: application/pdf' -H 'Authorization: "
                    "Bearer ") +
            kToken + "' --data-binary @" + corpus(notice + ".pdf"));
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    ASSERT_EQ(j["outcome"], "accepted_unconfirmed") << r.body;
    unconfirmed.insert(j["check_id"].get<std::string>());
  }

  // The gateway comes back, slowly (300 ms an answer): the queue's worker holds its rows in one
  // open transaction while it asks the gateway about each. PostgreSQL stops right then.
  auto sim = start_sim(dir, port, {"--population", population, "--latency-ms", "300"});
  const std::string in_transaction =
      "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'";
  ASSERT_TRUE(wait_until([&] { return pg.psql(in_transaction) != "0"; }, std::chrono::seconds(30),
                         std::chrono::milliseconds(20)))
      << "the queue was never worked" << d.log();
  pg.stop_immediate();
  ASSERT_TRUE(wait_until([&] { return d.get("/readyz").status == 503; }, std::chrono::seconds(10),
                         std::chrono::milliseconds(50)));
  pg.start();
  const auto committed =
      pg.psql("SELECT count(*) FROM audit_checks WHERE reconfirms_check_id IS NOT NULL");
  std::cout << "PostgreSQL stopped while the queue's transaction was open; re-confirmations "
               "committed before: "
            << committed << " of " << kChecks << "\n";

  ASSERT_TRUE(wait_until([&] { return queue(d).pending == 0 && queue(d).total == kChecks; },
                         std::chrono::seconds(60), std::chrono::milliseconds(200)))
      << d.log();
  const auto counts = pg.psql(
      "SELECT count(*) || '|' || count(DISTINCT reconfirms_check_id) FROM audit_checks "
      "WHERE reconfirms_check_id IS NOT NULL");
  std::cout << "after the restart: 0 pending; re-confirmation records|distinct acceptances = "
            << counts << " (of " << kChecks << ")\n";
  EXPECT_EQ(counts, std::to_string(kChecks) + "|" + std::to_string(kChecks));
  const auto t = tally(pg, unconfirmed);
  std::cout << "audit rows of the acceptances lost: " << t.missing
            << ", duplicated: " << t.duplicated << "\n";
  EXPECT_EQ(t.missing, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_TRUE(d.process().running()) << d.log();
}
