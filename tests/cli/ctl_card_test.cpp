// madoguchictl check card against a running daemon with the real card stack: pcscd + vpcd +
// madoguchi-vcard, the simulator verifying the card's signature. The PIN comes from stdin only.
#include "card_test_support.hpp"
#include "ctl_support.hpp"

#include <gtest/gtest.h>

using namespace madoguchi_test;
using cli_test::Ctl;
using cli_test::CtlRun;
using nlohmann::json;

namespace {

class CtlCardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pcscd_ = std::make_unique<card_test::Pcscd>(dir_.path());
    pcscd_->start();
    sim_ = std::make_unique<GatewaySim>(dir_, card_test::cert_dir() / "jpki-ca.crt");
    daemon_ = std::make_unique<Daemon>(
        pg_, dir_,
        std::vector<std::string>{"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim_->port())});
    ASSERT_TRUE(daemon_->wait_ready(std::chrono::seconds(20))) << daemon_->log();
    ctl_ = std::make_unique<Ctl>(dir_, daemon_->https_port());
  }

  void insert(const card_test::PersonaSpec& spec) {
    card_ = std::make_unique<card_test::VirtualCard>(card_test::write_persona(dir_.path(), spec),
                                                     dir_.path());
    ASSERT_TRUE(card_test::wait_card_present(true)) << card_->log();
  }

  TempPostgres pg_;
  TempDir dir_{"cli-card"};
  std::unique_ptr<card_test::Pcscd> pcscd_;
  std::unique_ptr<GatewaySim> sim_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<card_test::VirtualCard> card_;
  std::unique_ptr<Ctl> ctl_;
};

}  // namespace

TEST_F(CtlCardTest, RightPinFromStdinAccepts) {
  insert({.serial = 1001});
  const CtlRun r = (*ctl_)("check card --pin-stdin --json", "", "1234\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << daemon_->log();
  EXPECT_EQ(r.json()["outcome"], "accepted");
  EXPECT_EQ(r.json()["qualification"]["copay_percent"], 30);
  const CtlRun text = (*ctl_)("check card --pin-stdin", "", "1234\n");
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("結果: 受付可"), std::string::npos) << text.out;
}

TEST_F(CtlCardTest, WrongPinIsNotAcceptedAndShowsTheTriesLeft) {
  insert({.serial = 1001});
  const CtlRun r = (*ctl_)("check card --pin-stdin --json", "", "9999\n");
  EXPECT_NE(r.exit_code, 0) << r.out;
  const json j = r.json();
  EXPECT_EQ(j["reasons"][0]["code"], "card_wrong_pin") << r.out;
  EXPECT_EQ(r.exit_code, j["outcome"] == "refused" ? 1 : 3) << r.out;
}

TEST_F(CtlCardTest, VisualConfirmationAndAPulledCard) {
  insert({.serial = 1001});
  const CtlRun visual = (*ctl_)("check card --visual --json");
  EXPECT_EQ(visual.exit_code, 0) << visual.out << visual.err;
  EXPECT_EQ(visual.json()["outcome"], "accepted");
  card_->pull();
  ASSERT_TRUE(card_test::wait_card_present(false));
  const CtlRun gone = (*ctl_)("check card --pin-stdin --json", "", "1234\n");
  EXPECT_EQ(gone.exit_code, 3) << gone.out << gone.err;  // present the card again
  EXPECT_EQ(gone.json()["reasons"][0]["code"], "card_not_present") << gone.out;
}

TEST_F(CtlCardTest, APinIsNeverAnArgumentAndAMalformedOneSpendsNoTry) {
  // Two tries: one malformed PIN reaching the card would leave the last one, which the daemon
  // never spends (card_pin_last_try), so the right PIN at the end would not be sent.
  insert({.serial = 1001, .tries = 2});
  // stdin is not a terminal and no flag says where the PIN comes from.
  EXPECT_EQ((*ctl_)("check card").exit_code, 2);
  EXPECT_EQ((*ctl_)("check card --pin=1234").exit_code, 2);
  EXPECT_EQ((*ctl_)("check card --pin-stdin", "", "12\n").exit_code, 2);
  EXPECT_EQ((*ctl_)("check card --pin-stdin", "", "12a4\n").exit_code, 2);
  EXPECT_EQ((*ctl_)("check card --pin-stdin --visual", "", "1234\n").exit_code, 2);
  // None of those reached the card: the right PIN still works at the first try.
  const CtlRun r = (*ctl_)("check card --pin-stdin --json", "", "1234\n");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.json()["outcome"], "accepted") << r.out;
}
