#include <madoguchi/policy/acceptance.hpp>
#include <madoguchi/policy/rules_table.hpp>

#include <array>

namespace madoguchi::policy {

namespace {
using R = ReasonCode;
using Ctx = PresentationContext;
using Doc = DocumentType;
using V = QualificationValidity;

constexpr std::array<Ctx, 5> kContexts{Ctx::Counter, Ctx::ParentWithChild, Ctx::CardUnreadable,
                                       Ctx::SchoolEscort, Ctx::ReceiptSystem};
constexpr std::array<Doc, 6> kDocuments{
    Doc::MynaportalQualification, Doc::QualificationNotice, Doc::QualificationCertificate,
    Doc::LegacyInsuranceCard,     Doc::OtherDocument,       Doc::Unknown};

Decision refused(std::vector<ReasonCode> reasons, const DecisionFacts& facts) {
  Decision d;
  d.outcome = Outcome::Refused;
  d.reasons = std::move(reasons);
  d.facts = facts;
  return d;
}

void add(std::vector<ReasonCode>& reasons, ReasonCode r) {
  for (ReasonCode x : reasons)
    if (x == r) return;
  reasons.push_back(r);
}

// The visit lies within the qualification's own dates (資格取得年月日 ≤ visit < 資格喪失年月日).
enum class Period { Within, BeforeStart, AfterLoss };
Period on_visit(const Qualification& q, const Date& visit) {
  if (q.qualification_date && visit < *q.qualification_date) return Period::BeforeStart;
  if (q.disqualification_date && *q.disqualification_date <= visit) return Period::AfterLoss;
  return Period::Within;
}
}  // namespace

Date transitional_measure_last_day() { return *Date::from_ymd(2026, 3, 31); }
Date legacy_cards_expired_on() { return *Date::from_ymd(2025, 12, 1); }

std::string_view to_string(PresentationContext c) {
  switch (c) {
    case Ctx::Counter:
      return "counter";
    case Ctx::ParentWithChild:
      return "parent_with_child";
    case Ctx::CardUnreadable:
      return "card_unreadable";
    case Ctx::SchoolEscort:
      return "school_escort";
    case Ctx::ReceiptSystem:
      return "receipt_system";
  }
  return "counter";
}

std::optional<PresentationContext> context_from_string(std::string_view s) {
  for (Ctx c : kContexts)
    if (to_string(c) == s) return c;
  if (s == "patient") return Ctx::Counter;      // deprecated
  if (s == "escort") return Ctx::SchoolEscort;  // deprecated
  return std::nullopt;
}

bool is_deprecated_context_name(std::string_view s) { return s == "patient" || s == "escort"; }

std::span<const PresentationContext> all_contexts() { return kContexts; }

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
    case Doc::OtherDocument:
      return "other_document";
    case Doc::Unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<DocumentType> document_type_from_string(std::string_view s) {
  for (Doc d : kDocuments)
    if (to_string(d) == s) return d;
  return std::nullopt;
}

std::span<const DocumentType> all_document_types() { return kDocuments; }

DocumentVerdict judge_document(const Presentation& shown, const Date& visit,
                               const Options& options) {
  DocumentVerdict v;
  v.facts.valid_from = shown.valid_from;
  v.facts.valid_until = shown.valid_until;
  if (shown.copay) v.facts.document_copay_percent = shown.copay->percent();
  const Rule* rule = find_rule(shown, visit);
  if (!rule) {  // the table covers every case (tested); refuse rather than guess
    v.reasons = {R::NotProofOfInsurance};
    return v;
  }
  v.rule = rule->id;
  auto reason_of_row = [&] {
    if (rule->reason != R::QualificationConfirmed) add(v.reasons, rule->reason);
  };
  switch (rule->verdict) {
    case Verdict::Refuse:
      reason_of_row();
      return v;
    case Verdict::AcceptOnlineOnly:
      v.acceptable = true;
      reason_of_row();
      break;
    case Verdict::Accept:
      v.acceptable = v.unconfirmed_allowed = true;
      reason_of_row();
      break;
    case Verdict::CheckPeriod:
      if (!shown.valid_until) {
        v.reasons = {R::DocumentInvalid};  // 有効期限 unreadable or absent: cannot be judged
        return v;
      }
      if (*shown.valid_until < visit) {
        v.reasons = {R::CertificateExpired};
        return v;
      }
      if (shown.valid_from && visit < *shown.valid_from) {
        v.reasons = {R::CertificateNotYetValid};
        return v;
      }
      v.acceptable = v.unconfirmed_allowed = true;
      reason_of_row();
      break;
  }

  // card_unreadable rests on a failed card check on this terminal or a declared reader fault.
  if (shown.context == Ctx::CardUnreadable && (shown.document == Doc::MynaportalQualification ||
                                               shown.document == Doc::QualificationNotice)) {
    if (shown.card_fault == CardFault::None) {
      v.acceptable = v.unconfirmed_allowed = false;
      v.reasons = {R::CardUnreadableNotEstablished};
      return v;
    }
    add(v.reasons, shown.card_fault == CardFault::FailedCardCheck ? R::CardCheckFailedEarlier
                                                                  : R::CardReaderFaultDeclared);
  }
  // 70+: past the printed ratio's 有効期限 the ratio may have changed (the flyer's 注).
  if (shown.copay_valid_until && *shown.copay_valid_until < visit) {
    v.facts.copay_valid_until = shown.copay_valid_until;
    add(v.reasons, R::CoPayRatioExpiryPassed);
  }
  // 保存日時: shown with its age; an old PDF is not accepted without the online check.
  if (shown.document == Doc::MynaportalQualification && shown.saved_on) {
    const int age = shown.saved_on->days_until(visit);
    v.facts.saved_on = shown.saved_on;
    v.facts.saved_age_days = age;
    add(v.reasons, R::MynaportalSavedAge);
    if (age > options.max_unconfirmed_pdf_age_days) {
      v.unconfirmed_allowed = false;
      v.facts.max_unconfirmed_age_days = options.max_unconfirmed_pdf_age_days;
    }
  }
  return v;
}

OnlineAnswer read_answer(QualificationValidity validity, std::span<const Qualification> results,
                         const Inquiry& asked) {
  OnlineAnswer out;
  auto about_the_person = [&](const Qualification& q) {
    if (asked.identity && q.identity) {
      const auto& a = *asked.identity;
      const auto& g = *q.identity;
      if (g.insurer != a.insurer || g.number != a.number) return false;
      if (a.symbol && g.symbol && *a.symbol != *g.symbol) return false;
      // Another member of the same household: same 記号・番号, another 枝番.
      if (a.branch && g.branch && *a.branch != *g.branch) return false;
    }
    if (asked.birth_date && q.birth_date && *asked.birth_date != *q.birth_date) return false;
    return true;
  };
  for (const Qualification& q : results) {
    if (about_the_person(q)) {
      out.qualification = q;
      break;
    }
  }
  if (!results.empty() && !out.qualification) {
    out.mismatch = true;  // answers only about others: no answer at all
    return out;
  }
  out.validity = validity;
  return out;
}

Decision decide_online(const OnlineAnswer& online, const Date& visit) {
  Decision d;
  d.qualification = online.qualification;
  if (online.mismatch) {
    d.outcome = Outcome::Failed;
    d.reasons = {R::GatewayAnswerMismatch};
    return d;
  }
  if (!online.validity) {
    d.outcome = Outcome::Failed;
    d.reasons = {R::GatewayUnavailable};
    return d;
  }
  const Qualification* q = online.qualification ? &*online.qualification : nullptr;
  if (q) {
    d.facts.qualification_date = q->qualification_date;
    d.facts.disqualification_date = q->disqualification_date;
    if (q->copay) d.facts.online_copay_percent = q->copay->percent();
  }
  auto accepted = [&](ReasonCode main) {
    d.outcome = Outcome::Accepted;
    d.reasons = {main};
    // 70+ and 後期高齢者: past the ratio's expiry the ratio may have changed.
    if (q && q->copay_valid_until && *q->copay_valid_until < visit) {
      d.facts.copay_valid_until = q->copay_valid_until;
      d.reasons.push_back(R::CoPayRatioExpiryPassed);
    }
  };
  switch (*online.validity) {
    case V::Valid:
    case V::ValidUnregistered: {
      const Period p = q ? on_visit(*q, visit) : Period::Within;
      if (p == Period::BeforeStart) {
        d.outcome = Outcome::Refused;
        d.reasons = {R::QualificationNotYetStarted};
        return d;
      }
      if (p == Period::AfterLoss) {
        d.outcome = Outcome::Refused;
        d.reasons = {R::QualificationLost};
        return d;
      }
      accepted(R::QualificationConfirmed);
      if (*online.validity == V::ValidUnregistered)
        d.reasons.insert(d.reasons.begin() + 1, R::ValidUnregistered);
      return d;
    }
    case V::Invalid:
      // Lost since, but insured on the visit date (a re-confirmation of an earlier visit).
      if (q && q->disqualification_date && on_visit(*q, visit) == Period::Within) {
        accepted(R::QualificationValidOnVisitDate);
        return d;
      }
      d.outcome = Outcome::Refused;
      d.reasons = {R::QualificationLost};
      return d;
    case V::NewerExists:
      d.outcome = Outcome::Refused;
      d.reasons = {R::NewerQualificationExists};
      return d;
    case V::NotFound:
      d.outcome = Outcome::Refused;
      d.reasons = {R::QualificationNotFound};
      return d;
    case V::SeveralMatch:
      d.outcome = Outcome::NeedsMore;
      d.reasons = {R::SeveralQualificationsMatch};
      return d;
  }
  return d;
}

Decision decide_document(const DocumentVerdict& verdict, const OnlineAnswer& online,
                         const Date& visit) {
  if (!verdict.acceptable) return refused(verdict.reasons, verdict.facts);
  if (!online.validity && !online.mismatch) {
    if (!verdict.unconfirmed_allowed) {
      auto reasons = verdict.reasons;
      add(reasons, verdict.facts.max_unconfirmed_age_days ? R::MynaportalTooOldUnconfirmed
                                                          : R::GatewayUnavailable);
      Decision d = refused(std::move(reasons), verdict.facts);
      return d;
    }
    Decision d;
    d.outcome = Outcome::AcceptedUnconfirmed;
    d.reasons = verdict.reasons;
    d.reasons.push_back(R::UnconfirmedPendingRecheck);
    d.facts = verdict.facts;
    return d;
  }
  Decision d = decide_online(online, visit);
  // Merge the facts: the paper's dates, the online answer's.
  DecisionFacts f = verdict.facts;
  f.qualification_date = d.facts.qualification_date;
  f.disqualification_date = d.facts.disqualification_date;
  f.online_copay_percent = d.facts.online_copay_percent;
  if (d.facts.copay_valid_until) f.copay_valid_until = d.facts.copay_valid_until;
  d.facts = f;
  // Online says "not insured": that overrides the paper. Otherwise keep both reasons.
  if (d.outcome == Outcome::Accepted) {
    std::vector<ReasonCode> reasons{d.reasons.front()};
    for (ReasonCode r : verdict.reasons) add(reasons, r);
    for (std::size_t i = 1; i < d.reasons.size(); ++i) add(reasons, d.reasons[i]);
    // A printed ratio that disagrees with the online one: the online one holds.
    if (f.document_copay_percent && f.online_copay_percent &&
        *f.document_copay_percent != *f.online_copay_percent)
      add(reasons, R::CoPayRatioDiffers);
    d.reasons = std::move(reasons);
  }
  return d;
}

Reconfirmation decide_reconfirmation(const OnlineAnswer& online, const Date& visit) {
  Reconfirmation r;
  r.decision = decide_online(online, visit);
  if (r.decision.outcome == Outcome::Accepted) {
    r.decision.reasons.insert(r.decision.reasons.begin(), R::Reconfirmed);
  } else if (online.validity || online.mismatch) {
    // Answered, and not valid for that visit: flagged for follow-up, never silently dropped.
    r.follow_up = true;
    r.decision.reasons.insert(r.decision.reasons.begin(), R::ReconfirmationFollowUp);
  }
  return r;
}

}  // namespace madoguchi::policy
