// The card path through the whole daemon: pcscd + vpcd + madoguchi-vcard → madoguchid →
// gateway simulator over mutual TLS, which verifies the card's signature over its challenge.
#include "card_test_support.hpp"
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

class CardCheck : public ::testing::Test {
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

  void insert(const card_test::PersonaSpec& spec) {
    card_ = std::make_unique<card_test::VirtualCard>(card_test::write_persona(dir_.path(), spec),
                                                     dir_.path());
    ASSERT_TRUE(card_test::wait_card_present(true)) << card_->log();
  }

  json check(const json& body) {
    auto a = daemon_->post("/v1/checks/by-card", body);
    EXPECT_EQ(a.status, 200) << a.body << daemon_->log();
    return a.status == 200 ? json::parse(a.body) : json::object();
  }

  TempPostgres pg_;
  TempDir dir_{"card-check"};
  std::unique_ptr<card_test::Pcscd> pcscd_;
  std::unique_ptr<GatewaySim> sim_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<card_test::VirtualCard> card_;
};

}  // namespace

TEST_F(CardCheck, RightPinSignatureVerifiedByTheGatewayAccepts) {
  insert({.serial = 1001});
  auto j = check({{"pin", "1234"}});
  EXPECT_EQ(j["outcome"], "accepted");
  EXPECT_EQ(j["reasons"][0]["code"], "qualification_confirmed");
  EXPECT_EQ(j["qualification"]["copay_percent"], 30);
  auto rec =
      json::parse(daemon_->get_authorized("/v1/checks/" + j["check_id"].get<std::string>()).body);
  EXPECT_EQ(rec["method"], "card");
  EXPECT_EQ(rec["identity"]["insurer_number"], "06139992");
  // The card never saw a SELECT of the 券面事項入力補助AP (individual number).
  for (const auto& apdu : card_->commands())
    EXPECT_EQ(apdu.find("D3921000310001010408"), std::string::npos) << apdu;
}

TEST_F(CardCheck, LostQualificationIsRefusedByCardToo) {
  insert({.serial = 1003});
  auto j = check({{"pin", "1234"}});
  EXPECT_EQ(j["outcome"], "refused");
  EXPECT_EQ(j["reasons"][0]["code"], "qualification_lost");
}

TEST_F(CardCheck, WrongPinFailsAndTheLastTryIsNeverSpent) {
  insert({.serial = 1001, .pin = "1234", .tries = 2});
  auto wrong = check({{"pin", "9999"}});
  EXPECT_EQ(wrong["outcome"], "failed");
  EXPECT_EQ(wrong["reasons"][0]["code"], "card_wrong_pin");
  // One try left now: Madoguchi refuses to send even the right PIN.
  auto guard = check({{"pin", "1234"}});
  EXPECT_EQ(guard["outcome"], "failed");
  EXPECT_EQ(guard["reasons"][0]["code"], "card_pin_last_try");
  // The desk can still confirm visually (目視確認).
  auto visual = check({{"visual_confirmation", true}});
  EXPECT_EQ(visual["outcome"], "accepted");
}

TEST_F(CardCheck, CertificateFromAnotherCaIsRejectedByTheGateway) {
  // Same serial as holder 1001, but issued by a CA the gateway does not trust.
  TempDir other("other-ca");
  run_command("bash " + (source_dir() / "deploy/dev-certs.sh").string() + " " +
              other.path().string());
  const auto persona = other.path() / "forged.json";
  auto r = run_command(card_test::vcard_binary().string() + " issue --jpki-ca " +
                       (other.path() / "jpki-ca.crt").string() + " --jpki-ca-key " +
                       (other.path() / "jpki-ca.key").string() + " --serial 1001 --out " +
                       persona.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  card_ = std::make_unique<card_test::VirtualCard>(persona, dir_.path());
  ASSERT_TRUE(card_test::wait_card_present(true));
  auto j = check({{"pin", "1234"}});
  EXPECT_NE(j["outcome"], "accepted");
}

TEST_F(CardCheck, NoCardOnTheReaderIsItsOwnReason) {
  auto j = check({{"pin", "1234"}});
  EXPECT_EQ(j["outcome"], "failed");
  const std::string reason = j["reasons"][0]["code"];
  EXPECT_TRUE(reason == "card_not_present" || reason == "card_reader_fault") << reason;
}
