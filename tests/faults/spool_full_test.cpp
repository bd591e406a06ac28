// The audit spool's disk full while PostgreSQL is down (issue 15): checks that cannot be made
// durable are refused with a clear code (503, no decision without a record), checks answered
// before keep their records, nothing half written is left in the spool; once space returns the
// daemon answers again, and once PostgreSQL is back the spool replays cleanly (no corrupt
// region, every answered check exactly once). The spool lives on a small tmpfs mounted in the
// test's own mount namespace (private-mounts.sh).
#include "fault_support.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

using namespace madoguchi_test;
using namespace madoguchi_test::faults;

namespace {

// A counter of the daemon's /metrics (plain HTTP on loopback), -1 when absent.
double metric(const Daemon& d, const std::string& name) {
  auto r = run_command("curl -sS --max-time 5 http://127.0.0.1:" + std::to_string(d.http_port()) +
                       "/metrics");
  std::size_t at = 0;
  while ((at = r.output.find(name, at)) != std::string::npos) {
    const bool line_start = at == 0 || r.output[at - 1] == '\n';
    const char next = at + name.size() < r.output.size() ? r.output[at + name.size()] : '\n';
    if (line_start && (next == ' ' || next == '{'))
      return std::atof(r.output.c_str() + r.output.find(' ', at));
    at += name.size();
  }
  return -1;
}

}  // namespace

TEST(SpoolDiskFull, ChecksRefusedClearlyNothingHalfWrittenReplaysAfterSpaceReturns) {
  if (!std::getenv("MADOGUCHI_TEST_PRIVATE_MOUNTS"))
    GTEST_SKIP() << "needs root and a mount namespace of its own (private-mounts.sh) to mount a "
                    "small filesystem for the spool";
  TempPostgres pg;
  TempDir dir("spool-full");
  const auto spool = dir.path() / "spool";
  std::filesystem::create_directories(spool);
  auto mounted =
      run_command("mount -t tmpfs -o size=128k,mode=0700 madoguchi-spool " + spool.string());
  if (mounted.exit_code != 0) GTEST_SKIP() << "cannot mount a tmpfs: " << mounted.output;

  const unsigned short port = free_port();
  auto sim = start_sim(dir, port);
  Daemon d(pg, dir, {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(port)});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  std::set<std::string> answered;
  auto first = check(d);
  ASSERT_EQ(first.outcome, "accepted") << first.text();
  answered.insert(first.check_id);

  pg.stop_immediate();
  int spooled = 0;
  Seen refused;
  for (int i = 0; i < 2000; ++i) {
    auto s = check(d);
    if (s.status != 200) {
      refused = s;
      break;
    }
    ASSERT_FALSE(s.check_id.empty()) << s.text();
    answered.insert(s.check_id);
    ++spooled;
  }
  std::cout << "PostgreSQL down, spool on 128 KiB: " << spooled << " checks answered (spooled), "
            << "then " << refused.text() << "\n";
  ASSERT_GT(spooled, 0) << "no check went to the spool";
  ASSERT_NE(refused.status, 0) << "the spool never filled";
  EXPECT_EQ(refused.status, 503) << refused.text();
  EXPECT_EQ(refused.problem_code.rfind("audit.", 0), 0u) << refused.text();
  EXPECT_TRUE(refused.outcome.empty()) << "a decision without a durable record: " << refused.text();
  // Still full: still refused, the same way; the daemon stays up.
  auto again = check(d);
  EXPECT_EQ(again.status, 503) << again.text();
  EXPECT_TRUE(d.process().running()) << d.log();

  // Space returns (PostgreSQL still down): answered again, through the spool.
  ASSERT_EQ(run_command("mount -o remount,size=16m " + spool.string()).exit_code, 0);
  auto back = check(d);
  EXPECT_EQ(back.status, 200) << back.text();
  if (!back.check_id.empty()) answered.insert(back.check_id);
  std::cout << "space back: " << back.text() << "\n";

  pg.start();
  ASSERT_TRUE(wait_spool_drained(d, std::chrono::seconds(60))) << d.log();
  const double corrupt = metric(d, "madoguchi_audit_spool_corrupt_total");
  const auto t = tally(pg, answered);
  std::cout << "PostgreSQL back: spool replayed; corrupt spool regions: " << corrupt
            << "; answered " << t.answered << " checks; audit rows lost: " << t.missing
            << ", duplicated: " << t.duplicated << "\n";
  EXPECT_EQ(corrupt, 0.0) << "a half-written frame was left in the spool";
  EXPECT_EQ(t.missing, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  // The refused checks left no record to be replayed.
  if (!refused.check_id.empty()) {
    EXPECT_EQ(
        pg.psql("SELECT count(*) FROM audit_checks WHERE check_id = '" + refused.check_id + "'"),
        "0");
  }
  d.process().stop(SIGTERM);
  run_command("umount " + spool.string());
}
