// Gateway answers read against what was asked, dates against the visit, and what the desk is
// told about them.
#include <madoguchi/policy/acceptance.hpp>

#include <gtest/gtest.h>

using namespace madoguchi;
using namespace madoguchi::policy;

namespace {
Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }

InsuranceIdentity identity(const char* branch) {
  InsuranceIdentity id{*InsurerNumber::parse("06139992"), *InsuredSymbol::parse("1001"),
                       *InsuredNumber::parse("1001"), std::nullopt};
  if (branch) id.branch = *BranchNumber::parse(branch);
  return id;
}

Qualification result(const char* branch, Date birth) {
  Qualification q;
  q.validity = QualificationValidity::Valid;
  q.identity = identity(branch);
  q.birth_date = birth;
  return q;
}
}  // namespace

TEST(ReadAnswer, AnAnswerAboutAnotherHouseholdMemberIsIgnored) {
  const std::vector<Qualification> child{result("02", day(2022, 5, 10))};
  // Asked for 枝番 00, answered about 枝番 02: not this person.
  auto a = read_answer(QualificationValidity::Valid, child, {identity("00"), std::nullopt});
  EXPECT_TRUE(a.mismatch);
  EXPECT_FALSE(a.validity);
  auto d = decide_online(a, day(2026, 5, 1));
  EXPECT_EQ(d.outcome, Outcome::Failed);
  EXPECT_EQ(d.reasons.front(), ReasonCode::GatewayAnswerMismatch);
  // Same 枝番 unknown, but the birth date differs.
  auto b = read_answer(QualificationValidity::Valid, child, {identity(nullptr), day(1985, 4, 12)});
  EXPECT_TRUE(b.mismatch);
  // The matching one of several results is chosen.
  const std::vector<Qualification> both{result("02", day(2022, 5, 10)),
                                        result("00", day(1985, 4, 12))};
  auto c = read_answer(QualificationValidity::Valid, both, {identity("00"), std::nullopt});
  ASSERT_TRUE(c.qualification);
  EXPECT_EQ(c.qualification->birth_date, day(1985, 4, 12));
  EXPECT_EQ(decide_online(c, day(2026, 5, 1)).outcome, Outcome::Accepted);
  // By card nothing was asked: the answer stands.
  auto card = read_answer(QualificationValidity::Valid, child, {});
  EXPECT_FALSE(card.mismatch);
}

TEST(ReadAnswer, SeveralMatchNeedsTheBranchOrTheBirthDate) {
  auto d = decide_online(read_answer(QualificationValidity::SeveralMatch, {}, {identity(nullptr)}),
                         day(2026, 5, 1));
  EXPECT_EQ(to_string(d.outcome), "needs_more");
  EXPECT_NE(d.next_step_ja().find("枝番"), std::string::npos);
  EXPECT_NE(d.next_step_ja().find("生年月日"), std::string::npos);
}

TEST(ReadAnswer, NewerQualificationAsksForTheNewInsurance) {
  auto d = decide_online({QualificationValidity::NewerExists, std::nullopt}, day(2026, 5, 1));
  EXPECT_EQ(d.outcome, Outcome::Refused);
  EXPECT_NE(d.message_ja().find("新しい保険"), std::string::npos);
}

TEST(ReadAnswer, ValidUnregisteredIsUnderstood) {
  auto d =
      decide_online({QualificationValidity::ValidUnregistered, Qualification{}}, day(2026, 5, 1));
  EXPECT_EQ(d.outcome, Outcome::Accepted);
  ASSERT_EQ(d.reasons.size(), 2u);
  EXPECT_EQ(d.reasons[1], ReasonCode::ValidUnregistered);
}

TEST(VisitDate, LossAndStartDatesAreComparedWithTheVisit) {
  Qualification q;
  q.validity = QualificationValidity::Invalid;
  q.qualification_date = day(2012, 4, 1);
  q.disqualification_date = day(2025, 9, 30);  // 資格喪失年月日: not insured from this day
  // A visit before the loss (a re-confirmation of an old visit): insured then.
  auto before = decide_online({QualificationValidity::Invalid, q}, day(2025, 9, 29));
  EXPECT_EQ(before.outcome, Outcome::Accepted);
  EXPECT_EQ(before.reasons.front(), ReasonCode::QualificationValidOnVisitDate);
  auto on = decide_online({QualificationValidity::Invalid, q}, day(2025, 9, 30));
  EXPECT_EQ(on.outcome, Outcome::Refused);
  EXPECT_NE(on.message_ja().find("2025年9月30日"), std::string::npos) << on.message_ja();
  // "Valid" but the visit falls before 資格取得年月日.
  q.validity = QualificationValidity::Valid;
  q.disqualification_date.reset();
  auto early = decide_online({QualificationValidity::Valid, q}, day(2012, 3, 31));
  EXPECT_EQ(early.reasons.front(), ReasonCode::QualificationNotYetStarted);
  EXPECT_EQ(decide_online({QualificationValidity::Valid, q}, day(2012, 4, 1)).outcome,
            Outcome::Accepted);
}

TEST(Reconfirmation, ValidIsReconfirmedLostIsFlaggedDownStaysQueued) {
  const Date visit = day(2026, 5, 1);
  auto ok = decide_reconfirmation({QualificationValidity::Valid, Qualification{}}, visit);
  EXPECT_EQ(ok.decision.outcome, Outcome::Accepted);
  EXPECT_EQ(ok.decision.reasons.front(), ReasonCode::Reconfirmed);
  EXPECT_FALSE(ok.follow_up);
  auto lost = decide_reconfirmation({QualificationValidity::Invalid, std::nullopt}, visit);
  EXPECT_TRUE(lost.follow_up);
  EXPECT_EQ(lost.decision.reasons.front(), ReasonCode::ReconfirmationFollowUp);
  EXPECT_EQ(lost.decision.reasons[1], ReasonCode::QualificationLost);
  auto down = decide_reconfirmation({}, visit);
  EXPECT_FALSE(down.follow_up);
  EXPECT_EQ(down.decision.outcome, Outcome::Failed);
}

TEST(DocumentFacts, CoPayRatiosAndMynaportalAge) {
  const Date visit = day(2026, 8, 20);
  Presentation p;
  p.context = PresentationContext::SchoolEscort;
  p.document = DocumentType::MynaportalQualification;
  p.copay = *CoPayRatio::from_percent(20);
  p.copay_valid_until = day(2026, 7, 31);  // the 70+ ratio's 有効期限 has passed
  p.saved_on = day(2026, 6, 1);
  Options o;
  o.max_unconfirmed_pdf_age_days = 30;
  const auto v = judge_document(p, visit, o);
  EXPECT_TRUE(v.acceptable);
  EXPECT_FALSE(v.unconfirmed_allowed);  // 80 days old
  EXPECT_EQ(v.facts.saved_age_days, 80);
  Qualification q;
  q.copay = *CoPayRatio::from_percent(30);
  auto d = decide_document(v, {QualificationValidity::Valid, q}, visit);
  EXPECT_EQ(d.outcome, Outcome::Accepted);
  auto has = [&](ReasonCode r) {
    return std::find(d.reasons.begin(), d.reasons.end(), r) != d.reasons.end();
  };
  EXPECT_TRUE(has(ReasonCode::CoPayRatioExpiryPassed));
  EXPECT_TRUE(has(ReasonCode::CoPayRatioDiffers));
  EXPECT_TRUE(has(ReasonCode::MynaportalSavedAge));
  EXPECT_NE(d.message_ja().find("80日前"), std::string::npos) << d.message_ja();
  EXPECT_NE(d.message_ja().find("20%"), std::string::npos) << d.message_ja();
  // The gateway down: the old PDF is refused, saying why.
  auto down = decide_document(v, {}, visit);
  EXPECT_EQ(down.outcome, Outcome::Refused);
  EXPECT_EQ(down.reasons.back(), ReasonCode::MynaportalTooOldUnconfirmed);
  // A fresh one is accepted unconfirmed.
  p.saved_on = day(2026, 8, 1);
  EXPECT_EQ(decide_document(judge_document(p, visit, o), {}, visit).outcome,
            Outcome::AcceptedUnconfirmed);
}

TEST(Messages, EveryCodeSaysWhatHappenedAndSentencesNameTheirFacts) {
  for (ReasonCode r : all_reason_codes()) {
    const auto& t = describe(r);
    EXPECT_FALSE(t.message_ja.empty()) << t.code;
    EXPECT_FALSE(t.message_en.empty()) << t.code;
    EXPECT_EQ(reason_from_string(t.code), r);
    // Without facts, no placeholder is left behind.
    EXPECT_EQ(message_ja(r, {}).find('{'), std::string::npos) << t.code;
  }
  DecisionFacts f;
  f.valid_until = day(2026, 3, 31);
  EXPECT_EQ(message_ja(ReasonCode::CertificateExpired, f),
            "資格確認書の有効期限（2026年3月31日）が切れています。"
            "新しい資格確認書またはマイナ保険証をお持ちください。");
  EXPECT_EQ(
      message_ja(ReasonCode::CertificateExpired, {}),
      "資格確認書の有効期限が切れています。新しい資格確認書またはマイナ保険証をお持ちください。");
  f.tries_left = 2;
  EXPECT_NE(message_ja(ReasonCode::CardWrongPin, f).find("残り2回"), std::string::npos);
  EXPECT_NE(message_ja(ReasonCode::CardLocked, f).find("目視確認"), std::string::npos);
  EXPECT_NE(message_ja(ReasonCode::LegacyCardExpired, f)
                .find("資格確認書またはマイナ保険証をお持ちください"),
            std::string::npos);
}
