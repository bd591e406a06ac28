// The card path under faults, through the whole daemon (issue 15): pcscd killed and restarted in
// the middle of a card read; the virtual card pulled mid-transfer and as the PIN is verified. The
// desk gets a prompt failed check with the card reason (never a hang or a 5xx), the patient's PIN
// tries are spent only by PINs that reached the chip, every answer has its audit row, and the
// next check after the fault succeeds. Runs with a PC/SC stack of its own
// (tests/support/private-pcscd.sh); prints what the desk saw.
#include "card_test_support.hpp"
#include "fault_support.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <future>

using namespace madoguchi_test;
using namespace madoguchi_test::faults;

namespace {

Seen card_check(const Daemon& d, const json& body) {
  Seen s;
  const auto t0 = std::chrono::steady_clock::now();
  auto a = d.post("/v1/checks/by-card", body);
  s.took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  s.status = a.status;
  auto j = json::parse(a.body, nullptr, false);
  if (j.is_object()) {
    s.outcome = j.value("outcome", "");
    s.check_id = j.value("check_id", "");
    s.problem_code = j.value("code", "");
    if (j.contains("reasons") && j["reasons"].is_array() && !j["reasons"].empty())
      s.reason = j["reasons"][0].value("code", "");
  }
  return s;
}

int auth_tries_left(const std::filesystem::path& persona) {
  std::ifstream in(persona);
  return json::parse(in).value("auth_tries_left", -1);
}

// How many APDUs a by-card check sends before its VERIFY with the PIN ("00 20 00 80 04 …").
std::size_t apdus_before_verify(const card_test::VirtualCard& card) {
  const auto commands = card.commands();
  for (std::size_t i = 0; i < commands.size(); ++i)
    if (commands[i].rfind("0020008004", 0) == 0) return i;
  return commands.size();
}

class CardFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    pcscd_ = std::make_unique<card_test::Pcscd>(dir_.path());
    pcscd_->start();
    sim_ = std::make_unique<GatewaySim>(dir_, card_test::cert_dir() / "jpki-ca.crt");
    daemon_ = std::make_unique<Daemon>(
        pg_, dir_,
        std::vector<std::string>{"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim_->port())});
    ASSERT_TRUE(daemon_->wait_ready(std::chrono::seconds(20))) << daemon_->log();
  }

  Seen seen(const json& body) {
    auto s = card_check(*daemon_, body);
    if (!s.check_id.empty()) answered_.insert(s.check_id);
    return s;
  }

  void expect_audited() {
    ASSERT_TRUE(wait_spool_drained(*daemon_, std::chrono::seconds(30)));
    const auto t = tally(pg_, answered_);
    std::cout << "answered " << t.answered << " checks; audit rows lost: " << t.missing
              << ", duplicated: " << t.duplicated << "\n";
    EXPECT_EQ(t.missing, 0u);
    EXPECT_EQ(t.duplicated, 0u);
  }

  TempPostgres pg_;
  TempDir dir_{"card-faults"};
  std::unique_ptr<card_test::Pcscd> pcscd_;
  std::unique_ptr<GatewaySim> sim_;
  std::unique_ptr<Daemon> daemon_;
  std::set<std::string> answered_;
};

}  // namespace

TEST_F(CardFaults, CardPulledAsThePinIsVerifiedSpendsNoTry) {
  // One normal check first, to learn where in the exchange the PIN goes to the chip.
  const auto persona = card_test::write_persona(dir_.path(), {.serial = 1001, .tries = 3});
  std::size_t before_verify = 0;
  {
    card_test::VirtualCard card(persona, dir_.path());
    ASSERT_TRUE(card_test::wait_card_present(true)) << card.log();
    auto ok = seen({{"pin", "1234"}});
    ASSERT_EQ(ok.outcome, "accepted") << ok.text() << daemon_->log();
    before_verify = apdus_before_verify(card);
    ASSERT_LT(before_verify, card.commands().size()) << "no VERIFY with a PIN seen";
  }
  ASSERT_TRUE(card_test::wait_card_present(false));

  // The patient types a wrong PIN; the card leaves the reader as that VERIFY is sent.
  card_test::VirtualCard card(persona, dir_.path(),
                              {"--pull-after-apdus", std::to_string(before_verify)});
  ASSERT_TRUE(card_test::wait_card_present(true)) << card.log();
  auto pulled = seen({{"pin", "9999"}});
  std::cout << "card pulled as the PIN was verified: " << pulled.text() << "; tries left "
            << auth_tries_left(persona) << " of 3\n";
  EXPECT_EQ(pulled.status, 200) << pulled.text();
  EXPECT_EQ(pulled.outcome, "failed") << pulled.text();
  EXPECT_TRUE(pulled.reason == "card_not_present" || pulled.reason == "card_reader_fault")
      << pulled.text();
  EXPECT_LT(pulled.took, std::chrono::seconds(10)) << pulled.text();
  EXPECT_EQ(auth_tries_left(persona), 3) << "a try was spent by a PIN the chip never processed";

  // Back in the reader: the same wrong PIN now reaches the chip and spends exactly one try; the
  // right one is accepted.
  card.insert();
  ASSERT_TRUE(card_test::wait_card_present(true)) << card.log();
  auto wrong = seen({{"pin", "9999"}});
  std::cout << "reinserted, wrong PIN: " << wrong.text() << "; tries left "
            << auth_tries_left(persona) << "\n";
  EXPECT_EQ(wrong.reason, "card_wrong_pin") << wrong.text();
  EXPECT_EQ(auth_tries_left(persona), 2);
  auto right = seen({{"pin", "1234"}});
  std::cout << "right PIN: " << right.text() << "\n";
  EXPECT_EQ(right.outcome, "accepted") << right.text();
  expect_audited();
}

TEST_F(CardFaults, CardPulledMidTransferThenReinserted) {
  const auto persona = card_test::write_persona(dir_.path(), {.serial = 1001});
  // Three APDUs answered (SELECT AP, SELECT EF, the certificate's first chunk), then out of the
  // reader for a second.
  card_test::VirtualCard card(persona, dir_.path(),
                              {"--pull-after-apdus", "3", "--reinsert-after-ms", "1000"});
  ASSERT_TRUE(card_test::wait_card_present(true)) << card.log();
  auto pulled = seen({{"pin", "1234"}});
  std::cout << "card pulled mid-transfer: " << pulled.text() << "\n";
  EXPECT_EQ(pulled.status, 200) << pulled.text();
  EXPECT_EQ(pulled.outcome, "failed") << pulled.text();
  EXPECT_TRUE(pulled.reason == "card_not_present" || pulled.reason == "card_reader_fault")
      << pulled.text();
  EXPECT_EQ(auth_tries_left(persona), 3);
  ASSERT_TRUE(card_test::wait_card_present(true)) << card.log();
  auto again = seen({{"pin", "1234"}});
  std::cout << "reinserted: " << again.text() << "\n";
  EXPECT_EQ(again.outcome, "accepted") << again.text();
  expect_audited();
}

TEST_F(CardFaults, PcscdKilledMidReadAndRestarted) {
  const auto persona = card_test::write_persona(dir_.path(), {.serial = 1001});
  // Slow answers: the read takes seconds, so pcscd can die in its middle.
  card_test::VirtualCard card(persona, dir_.path(), {"--slow-ms", "250"});
  ASSERT_TRUE(card_test::wait_card_present(true)) << card.log();
  auto during = std::async(std::launch::async, [&] { return seen({{"pin", "1234"}}); });
  ASSERT_TRUE(wait_until([&] { return card.commands().size() >= 2; }, std::chrono::seconds(10)))
      << card.log();
  pcscd_->stop(SIGKILL);
  auto killed = during.get();
  std::cout << "pcscd killed mid-read: " << killed.text() << "\n";
  EXPECT_EQ(killed.status, 200) << killed.text();
  EXPECT_EQ(killed.outcome, "failed") << killed.text();
  EXPECT_TRUE(killed.reason == "card_reader_fault" || killed.reason == "card_not_present")
      << killed.text();
  EXPECT_LT(killed.took, std::chrono::seconds(15)) << killed.text();
  EXPECT_EQ(auth_tries_left(persona), 3);

  pcscd_->start();  // the virtual card reconnects to the new vpcd by itself
  ASSERT_TRUE(card_test::wait_card_present(true)) << card.log();
  Seen back;
  EXPECT_TRUE(wait_until(
      [&] {
        back = seen({{"pin", "1234"}});
        return back.outcome == "accepted";
      },
      std::chrono::seconds(40), std::chrono::milliseconds(500)))
      << back.text() << daemon_->log();
  std::cout << "pcscd restarted: " << back.text() << "\n";
  expect_audited();
}
