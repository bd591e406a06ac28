// The flyer's acceptance table (DESIGN §4), one row at a time.
#include <madoguchi/policy/acceptance.hpp>

#include <gtest/gtest.h>

using namespace madoguchi;
using namespace madoguchi::policy;

namespace {
Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }
const Date kVisit = day(2026, 11, 25);

OnlineAnswer valid() { return {QualificationValidity::Valid, Qualification{}}; }
OnlineAnswer lost() { return {QualificationValidity::Invalid, std::nullopt}; }
OnlineAnswer unreachable() { return {}; }

Decision show(DocumentType doc, PresentationContext ctx, const OnlineAnswer& online,
              Date visit = kVisit, std::optional<Date> from = {}, std::optional<Date> until = {}) {
  Presentation shown{ctx, doc, from, until};
  if (ctx == PresentationContext::CardUnreadable) {  // the card is there, the reader failed
    shown.card_shown = true;
    shown.card_fault = CardFault::DeclaredReaderFault;
  }
  const auto verdict = judge_document(shown, visit);
  return decide_document(verdict, online, visit);
}

std::string main_reason(const Decision& d) {
  return d.reasons.empty() ? "" : std::string(describe(d.reasons.front()).code);
}
}  // namespace

TEST(Acceptance, MynaportalPdfOrNoticeAloneIsRefusedAtTheCounter) {
  for (auto doc : {DocumentType::MynaportalQualification, DocumentType::QualificationNotice}) {
    auto d = show(doc, PresentationContext::Patient, valid());
    EXPECT_EQ(d.outcome, Outcome::Refused) << to_string(doc);
    EXPECT_EQ(main_reason(d), "document_requires_card");
    EXPECT_NE(d.message_ja().find("マイナ保険証とあわせて"), std::string::npos);
  }
}

TEST(Acceptance, CardUnreadableWithDocumentIsAcceptedAndConfirmedOnline) {
  for (auto doc : {DocumentType::MynaportalQualification, DocumentType::QualificationNotice}) {
    auto d = show(doc, PresentationContext::CardUnreadable, valid());
    EXPECT_EQ(d.outcome, Outcome::Accepted);
    EXPECT_EQ(main_reason(d), "qualification_confirmed");
  }
}

TEST(Acceptance, EscortMayShowTheDocumentAlone) {
  for (auto doc : {DocumentType::MynaportalQualification, DocumentType::QualificationNotice,
                   DocumentType::QualificationCertificate}) {
    auto d =
        show(doc, PresentationContext::Escort, valid(), kVisit, day(2025, 12, 2), day(2026, 12, 1));
    EXPECT_EQ(d.outcome, Outcome::Accepted) << to_string(doc);
    ASSERT_EQ(d.reasons.size(), 2u);
    EXPECT_EQ(d.reasons[1], ReasonCode::EscortDocumentAccepted);
  }
}

TEST(Acceptance, CertificateWithinItsPeriodIsAcceptedAlone) {
  auto d = show(DocumentType::QualificationCertificate, PresentationContext::Patient, valid(),
                kVisit, day(2025, 12, 2), day(2026, 12, 1));
  EXPECT_EQ(d.outcome, Outcome::Accepted);
  EXPECT_EQ(d.reasons[1], ReasonCode::CertificateValid);
  // The last day of 有効期限 still counts.
  auto last = show(DocumentType::QualificationCertificate, PresentationContext::Patient, valid(),
                   day(2026, 12, 1), day(2025, 12, 2), day(2026, 12, 1));
  EXPECT_EQ(last.outcome, Outcome::Accepted);
}

TEST(Acceptance, CertificateWithoutAReadableExpiryIsNotAccepted) {
  // An expired certificate whose 有効期限 could not be read must not pass as valid.
  auto d = show(DocumentType::QualificationCertificate, PresentationContext::Patient, valid(),
                kVisit, day(2025, 12, 2), std::nullopt);
  EXPECT_EQ(d.outcome, Outcome::Refused);
  EXPECT_EQ(main_reason(d), "document_invalid");
  auto down = show(DocumentType::QualificationCertificate, PresentationContext::Patient,
                   unreachable(), kVisit);
  EXPECT_NE(down.outcome, Outcome::AcceptedUnconfirmed);
}

TEST(Acceptance, ExpiredOrNotYetValidCertificateIsRefused) {
  auto expired = show(DocumentType::QualificationCertificate, PresentationContext::Patient, valid(),
                      kVisit, day(2025, 8, 1), day(2026, 7, 31));
  EXPECT_EQ(expired.outcome, Outcome::Refused);
  EXPECT_EQ(main_reason(expired), "certificate_expired");
  auto early = show(DocumentType::QualificationCertificate, PresentationContext::Patient, valid(),
                    kVisit, day(2026, 12, 1), day(2027, 11, 30));
  EXPECT_EQ(main_reason(early), "certificate_not_yet_valid");
}

TEST(Acceptance, LegacyCardOnlyDuringTheTransitionalMeasureAndOnlyIfConfirmed) {
  const Date march = day(2026, 3, 31);
  auto ok = show(DocumentType::LegacyInsuranceCard, PresentationContext::Patient, valid(), march);
  EXPECT_EQ(ok.outcome, Outcome::Accepted);
  EXPECT_EQ(ok.reasons[1], ReasonCode::LegacyCardTransitional);
  // Gateway down: no "unconfirmed" acceptance for an expired card.
  auto down =
      show(DocumentType::LegacyInsuranceCard, PresentationContext::Patient, unreachable(), march);
  EXPECT_EQ(down.outcome, Outcome::Refused);
  auto april = show(DocumentType::LegacyInsuranceCard, PresentationContext::Patient, valid(),
                    day(2026, 4, 1));
  EXPECT_EQ(april.outcome, Outcome::Refused);
  EXPECT_EQ(main_reason(april), "legacy_card_expired");
  EXPECT_NE(april.message_ja().find("資格確認書"), std::string::npos);
  // Before 2025-12-01 it was simply valid.
  auto before = show(DocumentType::LegacyInsuranceCard, PresentationContext::Patient, valid(),
                     day(2025, 11, 30));
  EXPECT_EQ(before.outcome, Outcome::Accepted);
  EXPECT_EQ(before.reasons, std::vector<ReasonCode>{ReasonCode::QualificationConfirmed});
}

TEST(Acceptance, NoticeAloneDuringTheTransitionalMeasure) {
  auto d = show(DocumentType::QualificationNotice, PresentationContext::Patient, valid(),
                day(2026, 2, 1));
  EXPECT_EQ(d.outcome, Outcome::Accepted);
  auto down = show(DocumentType::QualificationNotice, PresentationContext::Patient, unreachable(),
                   day(2026, 2, 1));
  EXPECT_EQ(down.outcome, Outcome::Refused);
  // The Mynaportal PDF is not covered by the measure.
  auto pdf = show(DocumentType::MynaportalQualification, PresentationContext::Patient, valid(),
                  day(2026, 2, 1));
  EXPECT_EQ(pdf.outcome, Outcome::Refused);
}

TEST(Acceptance, OnlineLossOverridesTheDocument) {
  auto d = show(DocumentType::QualificationCertificate, PresentationContext::Patient, lost(),
                kVisit, day(2025, 12, 2), day(2026, 12, 1));
  EXPECT_EQ(d.outcome, Outcome::Refused);
  EXPECT_EQ(main_reason(d), "qualification_lost");
}

TEST(Acceptance, GatewayDownMarksDocumentAcceptanceUnconfirmed) {
  auto d =
      show(DocumentType::QualificationNotice, PresentationContext::CardUnreadable, unreachable());
  EXPECT_EQ(d.outcome, Outcome::AcceptedUnconfirmed);
  EXPECT_EQ(d.reasons.back(), ReasonCode::UnconfirmedPendingRecheck);
}

TEST(Online, EveryValidityHasItsDecision) {
  struct Row {
    QualificationValidity validity;
    Outcome outcome;
    const char* reason;
  };
  for (const Row& row :
       {Row{QualificationValidity::Valid, Outcome::Accepted, "qualification_confirmed"},
        Row{QualificationValidity::Invalid, Outcome::Refused, "qualification_lost"},
        Row{QualificationValidity::NewerExists, Outcome::Refused, "newer_qualification_exists"},
        Row{QualificationValidity::NotFound, Outcome::Refused, "qualification_not_found"},
        Row{QualificationValidity::SeveralMatch, Outcome::NeedsMore,
            "several_qualifications_match"},
        Row{QualificationValidity::ValidUnregistered, Outcome::Accepted,
            "qualification_confirmed"}}) {
    auto d = decide_online({row.validity, std::nullopt}, kVisit);
    EXPECT_EQ(d.outcome, row.outcome);
    EXPECT_EQ(main_reason(d), row.reason);
  }
  auto down = decide_online(unreachable(), kVisit);
  EXPECT_EQ(down.outcome, Outcome::Failed);
  EXPECT_EQ(main_reason(down), "gateway_unavailable");
}

TEST(Online, ElderlyCoPayRatioPastItsExpiryIsFlagged) {
  Qualification q;
  q.validity = QualificationValidity::Valid;
  q.copay = *CoPayRatio::from_percent(20);
  q.copay_valid_until = day(2026, 7, 31);
  auto d = decide_online({QualificationValidity::Valid, q}, kVisit);
  EXPECT_EQ(d.outcome, Outcome::Accepted);
  ASSERT_EQ(d.reasons.size(), 2u);
  EXPECT_EQ(d.reasons[1], ReasonCode::CoPayRatioExpiryPassed);
  auto before = decide_online({QualificationValidity::Valid, q}, day(2026, 7, 31));
  EXPECT_EQ(before.reasons.size(), 1u);
}
