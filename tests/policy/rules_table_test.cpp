// Every row of the decision table × every gateway answer, at the boundary dates: 2025-11-30 /
// 2025-12-01 (legacy cards), 2026-03-31 / 2026-04-01 (transitional measure), a certificate's
// expiry day itself and its 発効期日 the next day. The expectations come from an oracle written
// here from DESIGN §4, not from the policy's code.
#include <madoguchi/policy/acceptance.hpp>
#include <madoguchi/policy/rules_table.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace madoguchi;
using namespace madoguchi::policy;

namespace {
Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }

// The gateway answers a check can meet.
struct Answer {
  const char* name;
  OnlineAnswer online;
};

Qualification with_dates(QualificationValidity v, std::optional<Date> from,
                         std::optional<Date> loss) {
  Qualification q;
  q.validity = v;
  q.qualification_date = from;
  q.disqualification_date = loss;
  return q;
}

std::vector<Answer> answers(const Date& visit) {
  using V = QualificationValidity;
  return {
      {"unreachable", {}},
      {"mismatch", {std::nullopt, std::nullopt, true}},
      {"1_valid", {V::Valid, with_dates(V::Valid, day(2015, 4, 1), std::nullopt)}},
      {"1_valid_lost_on_visit", {V::Valid, with_dates(V::Valid, day(2015, 4, 1), visit)}},
      {"1_valid_starts_tomorrow",
       {V::Valid, with_dates(V::Valid, visit.add_days(1), std::nullopt)}},
      {"2_invalid", {V::Invalid, with_dates(V::Invalid, day(2015, 4, 1), visit.add_days(-1))}},
      {"2_invalid_lost_after_visit",
       {V::Invalid, with_dates(V::Invalid, day(2015, 4, 1), visit.add_days(1))}},
      {"3_newer", {V::NewerExists, std::nullopt}},
      {"4_not_found", {V::NotFound, std::nullopt}},
      {"5_several", {V::SeveralMatch, std::nullopt}},
      {"6_valid_unregistered",
       {V::ValidUnregistered, with_dates(V::ValidUnregistered, std::nullopt, std::nullopt)}},
  };
}

struct Expected {
  Outcome outcome;
  ReasonCode main;
};

// The online answer alone (DESIGN §4 and §6), for a paper that may be accepted.
Expected online_oracle(const std::string& a) {
  if (a == "mismatch") return {Outcome::Failed, ReasonCode::GatewayAnswerMismatch};
  if (a == "1_valid" || a == "6_valid_unregistered")
    return {Outcome::Accepted, ReasonCode::QualificationConfirmed};
  if (a == "2_invalid_lost_after_visit")
    return {Outcome::Accepted, ReasonCode::QualificationValidOnVisitDate};
  if (a == "1_valid_lost_on_visit" || a == "2_invalid")
    return {Outcome::Refused, ReasonCode::QualificationLost};
  if (a == "1_valid_starts_tomorrow")
    return {Outcome::Refused, ReasonCode::QualificationNotYetStarted};
  if (a == "3_newer") return {Outcome::Refused, ReasonCode::NewerQualificationExists};
  if (a == "4_not_found") return {Outcome::Refused, ReasonCode::QualificationNotFound};
  return {Outcome::NeedsMore, ReasonCode::SeveralQualificationsMatch};
}

// Certificate dates around the visit: the expiry day itself, expired the day before, 発効期日
// the next day, and no readable expiry.
struct Period {
  const char* name;
  std::optional<Date> from, until;
};
std::vector<Period> periods(const Date& visit) {
  return {{"expires_on_visit", visit.add_days(-365), visit},
          {"expired_yesterday", visit.add_days(-365), visit.add_days(-1)},
          {"effective_tomorrow", visit.add_days(1), visit.add_days(366)},
          {"effective_today", visit, visit.add_days(365)},
          {"no_expiry", visit.add_days(-30), std::nullopt}};
}

const std::vector<Date> kBoundaryVisits{day(2025, 11, 30), day(2025, 12, 1), day(2026, 3, 31),
                                        day(2026, 4, 1), day(2026, 11, 25)};

std::vector<bool> values(Match m) {
  if (m == Match::Yes) return {true};
  if (m == Match::No) return {false};
  return {false, true};
}
}  // namespace

TEST(RulesTable, RowIdsAreUniqueAndEveryRowCitesItsSource) {
  std::set<std::string_view> ids;
  for (const Rule& r : rules()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_FALSE(r.source.empty()) << r.id;
    EXPECT_FALSE(r.summary_ja.empty()) << r.id;
    EXPECT_FALSE(r.summary_en.empty()) << r.id;
    EXPECT_NE(r.contexts, 0u) << r.id;
  }
}

TEST(RulesTable, EveryPresentationOnEveryBoundaryDayHasARow) {
  for (const Date& visit : kBoundaryVisits)
    for (DocumentType doc : all_document_types())
      for (PresentationContext ctx : all_contexts())
        for (bool card : {false, true})
          for (bool copy : {false, true}) {
            Presentation p;
            p.context = ctx;
            p.document = doc;
            p.card_shown = card;
            p.copy = copy;
            EXPECT_NE(find_rule(p, visit), nullptr)
                << to_string(doc) << " " << to_string(ctx) << " " << visit.iso();
          }
}

// The sweep: row × its contexts × card/copy × boundary day × certificate period × answer.
TEST(RulesTable, EveryRowTimesEveryGatewayAnswerAtTheBoundaryDates) {
  std::set<std::string_view> rows_reached;
  int cases = 0;
  for (const Rule& rule : rules()) {
    for (PresentationContext ctx : all_contexts()) {
      if ((rule.contexts & context_bit(ctx)) == 0) continue;
      for (bool card : values(rule.card_shown))
        for (bool copy : values(rule.copy))
          for (const Date& visit : kBoundaryVisits)
            for (const Period& period : periods(visit)) {
              Presentation p;
              p.context = ctx;
              p.document = rule.document;
              p.card_shown = card;
              p.copy = copy;
              p.card_fault = CardFault::DeclaredReaderFault;
              p.valid_from = period.from;
              p.valid_until = period.until;
              if (find_rule(p, visit) != &rule) continue;  // an earlier row takes it, or dates
              rows_reached.insert(rule.id);
              const auto verdict = judge_document(p, visit);
              EXPECT_EQ(verdict.rule, rule.id);
              for (const Answer& a : answers(visit)) {
                ++cases;
                const Decision d = decide_document(verdict, a.online, visit);
                const std::string where = std::string(rule.id) + " " + std::string(to_string(ctx)) +
                                          " card=" + std::to_string(card) +
                                          " copy=" + std::to_string(copy) + " " + visit.iso() +
                                          " " + period.name + " " + a.name;
                ASSERT_FALSE(d.reasons.empty()) << where;
                Expected want{Outcome::Refused, rule.reason};
                bool paper_ok = rule.verdict != Verdict::Refuse;
                if (rule.verdict == Verdict::CheckPeriod) {
                  if (!period.until) {
                    paper_ok = false;
                    want.main = ReasonCode::DocumentInvalid;
                  } else if (*period.until < visit) {
                    paper_ok = false;
                    want.main = ReasonCode::CertificateExpired;
                  } else if (period.from && visit < *period.from) {
                    paper_ok = false;
                    want.main = ReasonCode::CertificateNotYetValid;
                  }
                }
                if (paper_ok) {
                  const std::string answer = a.name;
                  if (answer == "unreachable") {
                    if (rule.verdict == Verdict::AcceptOnlineOnly)
                      want = {Outcome::Refused, rule.reason};
                    else
                      want = {Outcome::AcceptedUnconfirmed, d.reasons.front()};
                  } else {
                    want = online_oracle(answer);
                  }
                }
                EXPECT_EQ(to_string(d.outcome), to_string(want.outcome)) << where;
                EXPECT_EQ(describe(d.reasons.front()).code, describe(want.main).code) << where;
                if (d.outcome == Outcome::AcceptedUnconfirmed) {
                  EXPECT_EQ(d.reasons.back(), ReasonCode::UnconfirmedPendingRecheck) << where;
                }
                // What the desk is told: a sentence per reason, and a next step unless accepted.
                EXPECT_FALSE(d.message_ja().empty()) << where;
                EXPECT_EQ(d.message_ja().find('{'), std::string::npos) << where;
                if (d.outcome != Outcome::Accepted && d.outcome != Outcome::AcceptedUnconfirmed) {
                  EXPECT_FALSE(d.next_step_ja().empty()) << where;
                }
              }
            }
    }
  }
  for (const Rule& r : rules())
    EXPECT_TRUE(rows_reached.count(r.id)) << "row never reached: " << r.id;
  EXPECT_GT(cases, 2000);
}

// Hand-written cases: the situations of the flyer, named.
TEST(RulesTable, TheFlyersCases) {
  using Ctx = PresentationContext;
  using Doc = DocumentType;
  const Date visit = day(2026, 5, 11);
  const OnlineAnswer ok{QualificationValidity::Valid, Qualification{}};
  const OnlineAnswer down{};
  struct Case {
    const char* what;
    Doc doc;
    Ctx ctx;
    bool card, copy;
    CardFault fault;
    const OnlineAnswer& online;
    Outcome outcome;
    ReasonCode main;
  };
  const Case cases[] = {
      {"PDF alone at the counter", Doc::MynaportalQualification, Ctx::Counter, false, false,
       CardFault::None, ok, Outcome::Refused, ReasonCode::DocumentRequiresCard},
      {"parent with the child's notice", Doc::QualificationNotice, Ctx::ParentWithChild, false,
       false, CardFault::None, ok, Outcome::Refused, ReasonCode::ParentMustShowCard},
      {"card + PDF, reader fault declared", Doc::MynaportalQualification, Ctx::CardUnreadable, true,
       false, CardFault::DeclaredReaderFault, ok, Outcome::Accepted,
       ReasonCode::QualificationConfirmed},
      {"card + notice, failed card check, gateway down", Doc::QualificationNotice,
       Ctx::CardUnreadable, true, false, CardFault::FailedCardCheck, down,
       Outcome::AcceptedUnconfirmed, ReasonCode::CardCheckFailedEarlier},
      {"card_unreadable without a failed check or a declared fault", Doc::QualificationNotice,
       Ctx::CardUnreadable, true, false, CardFault::None, ok, Outcome::Refused,
       ReasonCode::CardUnreadableNotEstablished},
      {"card_unreadable without the card", Doc::MynaportalQualification, Ctx::CardUnreadable, false,
       false, CardFault::DeclaredReaderFault, ok, Outcome::Refused,
       ReasonCode::DocumentRequiresCard},
      {"card shown at the counter with the PDF", Doc::MynaportalQualification, Ctx::Counter, true,
       false, CardFault::None, ok, Outcome::Refused, ReasonCode::ReadTheCardFirst},
      {"escort with a copy of the notice", Doc::QualificationNotice, Ctx::SchoolEscort, false, true,
       CardFault::None, ok, Outcome::Accepted, ReasonCode::QualificationConfirmed},
      {"escort with a deposited certificate copy", Doc::QualificationCertificate, Ctx::SchoolEscort,
       false, true, CardFault::None, ok, Outcome::Accepted, ReasonCode::QualificationConfirmed},
      {"certificate copy at the counter", Doc::QualificationCertificate, Ctx::Counter, false, true,
       CardFault::None, ok, Outcome::Refused, ReasonCode::CertificateCopyNotAccepted},
      {"certificate copy from a parent", Doc::QualificationCertificate, Ctx::ParentWithChild, false,
       true, CardFault::None, ok, Outcome::Refused, ReasonCode::CertificateCopyNotAccepted},
      {"notice copy with the card", Doc::QualificationNotice, Ctx::CardUnreadable, true, true,
       CardFault::DeclaredReaderFault, ok, Outcome::Refused, ReasonCode::DocumentCopyNotAccepted},
      {"original certificate from a receipt system", Doc::QualificationCertificate,
       Ctx::ReceiptSystem, false, false, CardFault::None, ok, Outcome::Accepted,
       ReasonCode::QualificationConfirmed},
      {"limit certificate (限度額適用認定証) in any context", Doc::OtherDocument, Ctx::SchoolEscort,
       true, false, CardFault::None, ok, Outcome::Refused, ReasonCode::NotProofOfInsurance},
  };
  for (const Case& c : cases) {
    Presentation p;
    p.context = c.ctx;
    p.document = c.doc;
    p.card_shown = c.card;
    p.copy = c.copy;
    p.card_fault = c.fault;
    p.valid_from = day(2025, 12, 1);
    p.valid_until = day(2026, 11, 30);
    const Decision d = decide_document(judge_document(p, visit), c.online, visit);
    EXPECT_EQ(to_string(d.outcome), to_string(c.outcome)) << c.what;
    ASSERT_FALSE(d.reasons.empty()) << c.what;
    if (c.outcome == Outcome::AcceptedUnconfirmed)
      EXPECT_NE(std::find(d.reasons.begin(), d.reasons.end(), c.main), d.reasons.end()) << c.what;
    else
      EXPECT_EQ(describe(d.reasons.front()).code, describe(c.main).code) << c.what;
  }
}

TEST(Contexts, NamesAreTheContractAndTheOldOnesAreMapped) {
  std::vector<std::string> names;
  for (auto c : all_contexts()) names.emplace_back(to_string(c));
  EXPECT_EQ(names, (std::vector<std::string>{"counter", "parent_with_child", "card_unreadable",
                                             "school_escort", "receipt_system"}));
  for (auto c : all_contexts()) EXPECT_EQ(context_from_string(to_string(c)), c);
  EXPECT_EQ(context_from_string("patient"), PresentationContext::Counter);
  EXPECT_EQ(context_from_string("escort"), PresentationContext::SchoolEscort);
  EXPECT_TRUE(is_deprecated_context_name("patient"));
  EXPECT_FALSE(context_from_string("Counter"));
  for (auto t : all_document_types()) EXPECT_EQ(document_type_from_string(to_string(t)), t);
}
