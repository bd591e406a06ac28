#include <madoguchi/policy/acceptance.hpp>

#include <array>

namespace madoguchi::policy {

namespace {
using R = ReasonCode;
using Ctx = PresentationContext;
using Doc = DocumentType;

// The flyer's table for the documents that are valid only with the card (DESIGN §4), by
// context. The certificate and the legacy card depend on dates and are judged below.
struct CompanionRule {
  Doc document;
  Ctx context;
  bool acceptable;
  bool unconfirmed_allowed;
  ReasonCode reason;
};
constexpr std::array<CompanionRule, 6> kCompanionRules{{
    {Doc::MynaportalQualification, Ctx::CardUnreadable, true, true, R::QualificationConfirmed},
    {Doc::QualificationNotice, Ctx::CardUnreadable, true, true, R::QualificationConfirmed},
    {Doc::MynaportalQualification, Ctx::Escort, true, true, R::EscortDocumentAccepted},
    {Doc::QualificationNotice, Ctx::Escort, true, true, R::EscortDocumentAccepted},
    // "この画面のみでは受診できません" / "このお知らせのみでは受診できません"
    {Doc::MynaportalQualification, Ctx::Patient, false, false, R::DocumentRequiresCard},
    {Doc::QualificationNotice, Ctx::Patient, false, false, R::DocumentRequiresCard},
}};

const Date kLegacyCardsExpired = *Date::from_ymd(2025, 12, 1);
const Date kTransitionalLastDay = *Date::from_ymd(2026, 3, 31);

Decision refused(std::vector<ReasonCode> reasons) {
  Decision d;
  d.outcome = Outcome::Refused;
  d.reasons = std::move(reasons);
  return d;
}
}  // namespace

Date transitional_measure_last_day() { return kTransitionalLastDay; }

std::string_view to_string(PresentationContext c) {
  switch (c) {
    case Ctx::Patient:
      return "patient";
    case Ctx::CardUnreadable:
      return "card_unreadable";
    case Ctx::Escort:
      return "escort";
  }
  return "patient";
}

std::string_view to_string(DocumentType t) {
  switch (t) {
    case Doc::MynaportalQualification:
      return "mynaportal_qualification";
    case Doc::QualificationNotice:
      return "qualification_notice";
    case Doc::QualificationCertificate:
      return "qualification_certificate";
    case Doc::LegacyInsuranceCard:
      return "legacy_insurance_card";
  }
  return "unknown";
}

DocumentVerdict judge_document(const Presentation& shown, const Date& visit) {
  DocumentVerdict v;
  switch (shown.document) {
    case Doc::QualificationCertificate:
      // Valid alone for anyone (escorts show a deposited copy) within 発効期日..有効期限.
      if (!shown.valid_until) {
        v.reasons = {R::DocumentInvalid};  // 有効期限 unreadable or absent: cannot be judged
      } else if (*shown.valid_until < visit) {
        v.reasons = {R::CertificateExpired};
      } else if (shown.valid_from && visit < *shown.valid_from) {
        v.reasons = {R::CertificateNotYetValid};
      } else {
        v.acceptable = v.unconfirmed_allowed = true;
        v.reasons = {shown.context == Ctx::Escort ? R::EscortDocumentAccepted
                                                  : R::CertificateValid};
      }
      return v;
    case Doc::LegacyInsuranceCard:
      if (visit < kLegacyCardsExpired) {  // still valid then
        v.acceptable = v.unconfirmed_allowed = true;
      } else if (visit <= kTransitionalLastDay) {
        v.acceptable = true;  // only if confirmed online: no unconfirmed acceptance
        v.reasons = {R::LegacyCardTransitional};
      } else {
        v.reasons = {R::LegacyCardExpired};
      }
      return v;
    case Doc::MynaportalQualification:
    case Doc::QualificationNotice:
      break;
  }
  // The notice alone is covered by the transitional measure too (until 2026-03-31).
  if (shown.document == Doc::QualificationNotice && shown.context == Ctx::Patient &&
      visit <= kTransitionalLastDay) {
    v.acceptable = true;
    v.reasons = {R::LegacyCardTransitional};
    return v;
  }
  for (const CompanionRule& rule : kCompanionRules) {
    if (rule.document != shown.document || rule.context != shown.context) continue;
    v.acceptable = rule.acceptable;
    v.unconfirmed_allowed = rule.unconfirmed_allowed;
    if (rule.reason != R::QualificationConfirmed) v.reasons = {rule.reason};
    return v;
  }
  v.reasons = {R::DocumentRequiresCard};
  return v;
}

Decision decide_online(const OnlineAnswer& online, const Date& visit) {
  Decision d;
  d.qualification = online.qualification;
  if (!online.validity) {
    d.outcome = Outcome::Failed;
    d.reasons = {R::GatewayUnavailable};
    return d;
  }
  switch (*online.validity) {
    case QualificationValidity::Valid:
    case QualificationValidity::ValidUnregistered:  // 有効・未登録 (medical aid): qualified
      d.outcome = Outcome::Accepted;
      d.reasons = {R::QualificationConfirmed};
      // 70+ and 後期高齢者: past the ratio's expiry the ratio may have changed.
      if (online.qualification && online.qualification->copay_valid_until &&
          *online.qualification->copay_valid_until < visit)
        d.reasons.push_back(R::CoPayRatioExpiryPassed);
      return d;
    case QualificationValidity::Invalid:
      d.outcome = Outcome::Refused;
      d.reasons = {R::QualificationLost};
      return d;
    case QualificationValidity::NewerExists:
      d.outcome = Outcome::Refused;
      d.reasons = {R::NewerQualificationExists};
      return d;
    case QualificationValidity::NotFound:
      d.outcome = Outcome::Refused;
      d.reasons = {R::QualificationNotFound};
      return d;
    case QualificationValidity::SeveralMatch:
      d.outcome = Outcome::Refused;
      d.reasons = {R::SeveralQualificationsMatch};
      return d;
  }
  return d;
}

Decision decide_document(const DocumentVerdict& verdict, const OnlineAnswer& online,
                         const Date& visit) {
  if (!verdict.acceptable) return refused(verdict.reasons);
  if (!online.validity) {
    if (!verdict.unconfirmed_allowed) {
      auto reasons = verdict.reasons;
      reasons.push_back(R::GatewayUnavailable);
      return refused(std::move(reasons));
    }
    Decision d;
    d.outcome = Outcome::AcceptedUnconfirmed;
    d.reasons = verdict.reasons;
    d.reasons.push_back(R::UnconfirmedPendingRecheck);
    return d;
  }
  Decision d = decide_online(online, visit);
  // Online says "not insured": that overrides the document. Otherwise keep both reasons.
  std::vector<ReasonCode> reasons = d.reasons;
  if (d.outcome == Outcome::Accepted)
    reasons.insert(reasons.begin() + 1, verdict.reasons.begin(), verdict.reasons.end());
  d.reasons = std::move(reasons);
  return d;
}

}  // namespace madoguchi::policy
