#include <madoguchi/domain/decision.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace madoguchi;

TEST(ReasonCodes, EveryCodeHasAUniqueStableStringAndBothMessages) {
  std::set<std::string_view> seen;
  ASSERT_EQ(all_reason_codes().size(), 26u);
  for (ReasonCode c : all_reason_codes()) {
    const ReasonText& t = describe(c);
    EXPECT_NE(t.code, "unknown");
    EXPECT_TRUE(seen.insert(t.code).second) << "duplicate code " << t.code;
    EXPECT_FALSE(t.message_ja.empty()) << t.code;
    EXPECT_FALSE(t.message_en.empty()) << t.code;
    EXPECT_EQ(reason_from_string(t.code), c);
  }
  EXPECT_FALSE(reason_from_string("no_such_code"));
}

TEST(ReasonCodes, ContractStringsDoNotChange) {
  // Receipt systems match on these strings.
  EXPECT_EQ(describe(ReasonCode::QualificationConfirmed).code, "qualification_confirmed");
  EXPECT_EQ(describe(ReasonCode::DocumentRequiresCard).code, "document_requires_card");
  EXPECT_EQ(describe(ReasonCode::CardReaderFault).code, "card_reader_fault");
  EXPECT_EQ(describe(ReasonCode::LegacyCardExpired).code, "legacy_card_expired");
}

TEST(Decision, MessagesJoinTheReasons) {
  Decision d;
  d.outcome = Outcome::Refused;
  d.reasons = {ReasonCode::CertificateExpired};
  EXPECT_EQ(d.message_ja(), "資格確認書の有効期限が切れています。");
  d.reasons.push_back(ReasonCode::GatewayUnavailable);
  EXPECT_EQ(d.message_en(),
            "The qualification certificate has expired. The online qualification check is "
            "unavailable.");
  EXPECT_EQ(to_string(Outcome::AcceptedUnconfirmed), "accepted_unconfirmed");
}
