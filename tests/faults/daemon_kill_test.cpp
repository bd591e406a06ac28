// The daemon killed (SIGKILL) under load — four desks checking by number and a batch of
// tomorrow's appointments in flight — then started again on the same spool and database
// (issue 15): every check whose answer reached a caller has exactly one audit row; what the
// callers saw while it died is printed.
#include "fault_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>

using namespace madoguchi_test;
using namespace madoguchi_test::faults;

TEST(DaemonKilled, UnderLoadWithABatchEveryAnsweredCheckHasItsAuditRow) {
  TempPostgres pg;
  TempDir dir("daemon-killed");
  const unsigned short port = free_port();
  // A little latency keeps checks in flight at the moment of the kill.
  // The batch stays "in progress" at the gateway for 5 s: the kill comes while it runs.
  auto sim = start_sim(dir, port, {"--latency-ms", "20", "--batch-delay-ms", "5000"});
  const std::vector<std::string> env{"MADOGUCHI_GATEWAY_PORT=" + std::to_string(port)};

  std::mutex mu;
  std::set<std::string> answered;
  std::map<std::string, int> seen;  // "HTTP 200 accepted", "HTTP 0 (connection lost)", …
  auto note = [&](const std::string& what) {
    std::lock_guard lock(mu);
    ++seen[what];
  };
  int batch_items_answered = 0;
  std::atomic<int> singles{0};
  std::atomic<bool> batch_done{false};
  std::string batch_seen;
  {
    Daemon d(pg, dir, env);
    ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
    std::atomic<bool> stop{false};
    std::vector<std::thread> load;
    for (int t = 0; t < 4; ++t)
      load.emplace_back([&] {
        while (!stop) {
          auto s = check(d);
          note(s.status == 0
                   ? "HTTP 0 (connection lost)"
                   : "HTTP " + std::to_string(s.status) + " " + s.outcome + s.problem_code);
          if (s.status == 200 && !s.check_id.empty()) {
            ++singles;
            std::lock_guard lock(mu);
            answered.insert(s.check_id);
          }
        }
      });
    std::thread batch([&] {
      json items = json::array();
      for (int i = 0; i < 200; ++i) {
        json item = kInsured;
        item.erase("visit_date");
        item["reference"] = "appt-" + std::to_string(i);
        items.push_back(item);
      }
      auto a = d.post("/v1/checks/batch", {{"visit_date", "2026-11-26"}, {"items", items}});
      batch_done = true;
      batch_seen = "HTTP " + std::to_string(a.status);
      auto j = json::parse(a.body, nullptr, false);
      if (a.status == 200 && j.is_object() && j.contains("results")) {
        std::lock_guard lock(mu);
        for (const auto& r : j["results"])
          if (r.contains("check_id")) {
            answered.insert(r["check_id"].get<std::string>());
            ++batch_items_answered;
          }
      }
    });
    const bool going =
        wait_until([&] { return singles >= 20 || batch_done; }, std::chrono::seconds(60));
    const bool batch_in_flight = !batch_done;
    d.process().stop(SIGKILL);
    stop = true;
    for (auto& t : load) t.join();
    batch.join();
    ASSERT_TRUE(going) << "the load never got going" << d.log();
    EXPECT_TRUE(batch_in_flight) << "the batch was answered before the kill: not exercised";
  }

  Daemon again(pg, dir, env);
  ASSERT_TRUE(again.wait_ready(std::chrono::seconds(30))) << again.log();
  ASSERT_TRUE(wait_spool_drained(again, std::chrono::seconds(60))) << again.log();
  // The restarted daemon answers as before.
  auto after = check(again);
  EXPECT_EQ(after.status, 200) << after.text();
  EXPECT_EQ(after.outcome, "accepted") << after.text();

  const auto t = tally(pg, answered);
  std::cout << "what the callers saw until the kill:\n";
  for (const auto& [what, n] : seen) std::cout << "  " << n << " x " << what << "\n";
  std::cout << "batch: " << batch_seen << ", " << batch_items_answered << " items answered\n"
            << "after the restart: " << after.text() << "\n"
            << "answered " << t.answered << " checks; rows in PostgreSQL "
            << pg.psql("SELECT count(*) FROM audit_checks") << "; audit rows lost: " << t.missing
            << ", duplicated: " << t.duplicated << "\n";
  EXPECT_EQ(t.missing, 0u);
  EXPECT_EQ(t.duplicated, 0u);
}
