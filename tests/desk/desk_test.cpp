// The front desk in a real browser: Debian's headless Chromium (driven by playwright-core, see
// desk.spec.mjs) against madoguchid with PostgreSQL, the gateway simulator over mutual TLS and
// the virtual card behind pcscd + vpcd. This fixture starts them all, runs the browser script,
// and checks that every check the page showed has its audit row.
#include "card_test_support.hpp"
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

std::filesystem::path desk_dir() { return binary_dir() / "tests/desk"; }

TEST(Desk, BrowserWalksThroughEveryScreen) {
  TempPostgres pg;
  TempDir dir("desk");
  card_test::Pcscd pcscd(dir.path());
  pcscd.start();
  GatewaySim sim(dir, card_test::cert_dir() / "jpki-ca.crt");
  // The reader belongs to the counter the page signs in as (docs/security.md).
  Daemon daemon(pg, dir,
                {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port()),
                 "MADOGUCHI_TERMINAL_ID=desk-e2e"});
  ASSERT_TRUE(daemon.wait_ready(std::chrono::seconds(20))) << daemon.log();

  // Holder 1001 (valid, 3割) with the full three PIN tries; the page pulls and inserts it
  // through the signals the virtual card understands.
  const auto persona = card_test::write_persona(dir.path(), {.serial = 1001, .pin = "1234"});
  ChildProcess vcard(
      {card_test::vcard_binary().string(), "run", "--persona", persona.string(), "--apdu-log",
       (dir.path() / "apdu.log").string(), "--port", std::to_string(card_test::vpcd_port())},
      {}, dir.path() / "vcard.log");
  ASSERT_TRUE(card_test::wait_card_present(true)) << vcard.log();

  // Documents dated around today (JST), naming the same holder.
  const auto docs = dir.path() / "documents";
  auto made =
      run_command("/usr/bin/python3 " + (source_dir() / "tests/desk/make_documents.py").string() +
                  " --out " + docs.string());
  ASSERT_EQ(made.exit_code, 0) << made.output;

  const auto shots = desk_dir() / "screenshots";
  const auto results = dir.path() / "checks.json";
  const std::string env =
      "DESK_URL=https://127.0.0.1:" + std::to_string(daemon.https_port()) + "/" +
      " DESK_CTL=" + (binary_dir() / "services/madoguchictl/madoguchictl").string() +
      " MADOGUCHI_DATABASE_CONNINFO='" + pg.conninfo() + "'" +
      " DESK_VCARD_PID=" + std::to_string(vcard.pid()) + " DESK_DOCUMENTS=" + docs.string() +
      " DESK_SCREENSHOTS=" + shots.string() + " DESK_RESULTS=" + results.string() +
      " DESK_PROFILE=" + (dir.path() / "chromium-profile").string();
  // playwright-core as package-lock.json pins it (no browser is downloaded: Debian's is used).
  auto npm = run_command("cd " + desk_dir().string() +
                         " && npm ci --no-audit --no-fund --loglevel=error 2>&1");
  ASSERT_EQ(npm.exit_code, 0) << npm.output;
  auto run = run_command(env + " node " + (desk_dir() / "desk.spec.mjs").string() + " 2>&1");
  ASSERT_EQ(run.exit_code, 0) << run.output << "\n--- daemon log ---\n" << daemon.log();
  std::cout << run.output;

  // Every check the page showed is in the audit log, with the method it was made by.
  std::ifstream in(results);
  const json checks = json::parse(in);
  ASSERT_GE(checks.size(), 7u) << checks.dump();
  for (const auto& c : checks) {
    const std::string id = c["check_id"];
    ASSERT_EQ(id.find('\''), std::string::npos);
    const std::string row = pg.psql(
        "SELECT method || ' ' || outcome || ' ' || terminal_id FROM "
        "audit_checks WHERE check_id = '" +
        id + "'");
    EXPECT_EQ(row.substr(0, row.find_last_not_of("\n") + 1),
              c["method"].get<std::string>() + " " + c["outcome"].get<std::string>() + " desk-e2e")
        << c.dump();
  }
  // The session and the used code are stored as hashes only.
  EXPECT_EQ(pg.psql("SELECT count(*) FROM desk_sessions WHERE session_sha256 ~ '^[0-9a-f]{64}$'"),
            "1");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM desk_enrolment_codes WHERE used_at IS NOT NULL"), "1");
}

}  // namespace
