// The online gateway misbehaving, as the front desk sees it (issue 15): killed, hanging past the
// deadline, answering a cut-off XmlMsg, an HTTP 500, closing the connection, presenting a
// certificate our pinned CA did not issue. Each fault must give a prompt, clear answer (a failed
// check with reason gateway_unavailable, never a 5xx or a hang), an audit row for every answer,
// and a normal answer again once the gateway is healthy. The test prints what the desk saw.
#include "fault_support.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>

using namespace madoguchi_test;
using namespace madoguchi_test::faults;

namespace {

constexpr int kDeadlineMs = 1500;

std::string gateway_error_of(const TempPostgres& pg, const std::string& check_id) {
  return pg.psql("SELECT coalesce(gateway_error_code, '-') FROM audit_checks WHERE check_id = '" +
                 check_id + "'");
}

}  // namespace

TEST(GatewayFaults, EachFaultIsAPromptFailedCheckAuditedAndRecoveredFrom) {
  TempPostgres pg;
  TempDir dir("gateway-faults");
  const unsigned short port = free_port();
  Daemon d(pg, dir,
           {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(port),
            "MADOGUCHI_GATEWAY_DEADLINE_MS=" + std::to_string(kDeadlineMs)});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();

  // A certificate for "localhost" from a CA the daemon does not trust.
  const auto rogue = dir.path() / "rogue";
  std::filesystem::create_directories(rogue);
  auto made = run_command(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      (rogue / "gateway.key").string() + " -out " + (rogue / "gateway.crt").string() + " 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.output;

  std::set<std::string> answered;
  auto sim = start_sim(dir, port);
  auto baseline = check(d);
  ASSERT_EQ(baseline.status, 200) << baseline.text() << d.log();
  ASSERT_EQ(baseline.outcome, "accepted") << baseline.text();
  answered.insert(baseline.check_id);
  std::cout << "healthy gateway:          " << baseline.text() << "\n";

  struct Fault {
    std::string name;
    std::vector<std::string> sim_args;  // empty + kill: the simulator killed
    bool kill = false;
    std::string gateway_error;  // the audit row's gateway_error_code
  };
  const std::vector<Fault> faults{
      {"simulator killed", {}, true, "gateway.unavailable"},
      {"hanging (latency 3x deadline)",
       {"--latency-ms", std::to_string(3 * kDeadlineMs)},
       false,
       "gateway.timeout"},
      {"malformed XmlMsg", {"--fault", "malformed-xml"}, false, ""},
      {"HTTP 500", {"--fault", "http-500"}, false, "gateway.rejected"},
      {"connection closed", {"--fault", "reset"}, false, "gateway.unavailable"},
      {"untrusted certificate",
       {"--cert", (rogue / "gateway.crt").string(), "--key", (rogue / "gateway.key").string()},
       false,
       "gateway.tls"},
  };

  for (const auto& f : faults) {
    SCOPED_TRACE(f.name);
    sim->stop(SIGKILL);  // healthy before each fault
    sim.reset();
    if (!f.kill) sim = start_sim(dir, port, f.sim_args);

    // Two desks at once: both answered within the deadline (plus scheduling), and the daemon's
    // other endpoints stay responsive while the gateway misbehaves.
    auto other = std::async(std::launch::async, [&] { return check(d); });
    auto seen = check(d);
    auto seen2 = other.get();
    const auto healthz = d.get("/healthz");
    for (const auto* s : {&seen, &seen2}) {
      EXPECT_EQ(s->status, 200) << s->text();
      EXPECT_EQ(s->outcome, "failed") << s->text();
      EXPECT_EQ(s->reason, "gateway_unavailable") << s->text();
      EXPECT_LT(s->took.count(), kDeadlineMs + 2500) << s->text();
      if (!s->check_id.empty()) answered.insert(s->check_id);
    }
    EXPECT_EQ(healthz.status, 200);
    const auto recorded = seen.check_id.empty() ? "" : gateway_error_of(pg, seen.check_id);
    if (!f.gateway_error.empty()) {
      EXPECT_EQ(recorded, f.gateway_error);
    }
    std::cout << f.name << ": " << seen.text() << " | " << seen2.text()
              << " | audit gateway_error_code=" << recorded << "\n";

    // Healthy again: the next check (or one soon after, once a tripped breaker probes) is
    // answered normally.
    if (sim) sim->stop(SIGKILL);
    sim.reset();
    sim = start_sim(dir, port);
    const auto t0 = std::chrono::steady_clock::now();
    Seen back;
    EXPECT_TRUE(wait_until(
        [&] {
          back = check(d);
          if (!back.check_id.empty()) answered.insert(back.check_id);
          return back.outcome == "accepted";
        },
        std::chrono::seconds(15), std::chrono::milliseconds(200)))
        << back.text() << d.log();
    std::cout << "  gateway healthy again: " << back.text() << " after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - t0)
                     .count()
              << " ms\n";
  }

  ASSERT_TRUE(wait_spool_drained(d, std::chrono::seconds(30))) << d.log();
  const auto t = tally(pg, answered);
  std::cout << "answered " << t.answered << " checks; audit rows lost: " << t.missing
            << ", duplicated: " << t.duplicated << "\n";
  EXPECT_EQ(t.missing, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_TRUE(d.process().running()) << d.log();
}
