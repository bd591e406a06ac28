#include <madoguchi/domain/decision.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace madoguchi;

TEST(ReasonCodes, EveryCodeHasAUniqueStableStringAndBothMessages) {
  std::set<std::string_view> seen;
  ASSERT_EQ(all_reason_codes().size(), 45u);
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
  // What happened, then what to ask next; the expiry date when it is known.
  EXPECT_EQ(
      d.message_ja(),
      "資格確認書の有効期限が切れています。新しい資格確認書またはマイナ保険証をお持ちください。");
  d.facts.valid_until = *Date::from_ymd(2026, 3, 31);
  EXPECT_EQ(
      d.message_ja(),
      "資格確認書の有効期限（2026年3月31日）が切れています。新しい資格確認書またはマイナ保険証を"
      "お持ちください。");
  d.reasons.push_back(ReasonCode::GatewayUnavailable);
  EXPECT_EQ(d.message_en(),
            "The qualification certificate expired on 2026-03-31. Ask for the new qualification "
            "certificate or the MyNumber insurance card. The online qualification check is "
            "unavailable. Try the online check again later.");
  EXPECT_EQ(d.next_step_ja(), "新しい資格確認書またはマイナ保険証をお持ちください。");
  EXPECT_EQ(to_string(Outcome::AcceptedUnconfirmed), "accepted_unconfirmed");
  EXPECT_EQ(to_string(Outcome::NeedsMore), "needs_more");
}
