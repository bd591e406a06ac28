// The acceptance rules of the counter (受付の判断), from the government flyer and MHLW notices
// (DESIGN §4, docs/rules.md). Pure functions of what was shown, in which context, on which day:
// the visit date is an input, never the clock. Every date rule lives here (documents reports
// what a paper shows; card reports its certificate's dates; the gateway what it answered).
#pragma once

#include <madoguchi/domain/decision.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::policy {

// Who shows the paper, and why (one contract for API, page, CLI and audit).
enum class PresentationContext {
  Counter,          // the patient at the counter (窓口で本人)
  ParentWithChild,  // a parent bringing the child (保護者が児童を連れて)
  CardUnreadable,   // the card is shown but the reader or chip fails (カード読取不可)
  SchoolEscort,     // 保育士・教員の引率 (daycare, school trip, club trip)
  ReceiptSystem,    // a receipt system (レセコン) asking without anyone at the counter
  // Deprecated names kept for compatibility: "patient" is counter, "escort" is school_escort.
  Patient = Counter,
  Escort = SchoolEscort,
};
std::string_view to_string(PresentationContext c);  // "counter", "parent_with_child", …
// The five names, and the deprecated "patient" and "escort" (mapped).
std::optional<PresentationContext> context_from_string(std::string_view s);
bool is_deprecated_context_name(std::string_view s);
std::span<const PresentationContext> all_contexts();

enum class DocumentType {
  MynaportalQualification,   // 医療保険の資格情報 (PDF, print or phone screen)
  QualificationNotice,       // 資格情報のお知らせ (incl. its cut-off slip)
  QualificationCertificate,  // 資格確認書
  LegacyInsuranceCard,       // 健康保険証: every one expired on 2025-12-01
  OtherDocument,  // carries insurance numbers but proves nothing (限度額適用認定証, 受給者証, …)
  Unknown,  // not recognised
};
std::string_view to_string(DocumentType t);
std::optional<DocumentType> document_type_from_string(std::string_view s);
std::span<const DocumentType> all_document_types();

// Why the desk says the card cannot be read (card_unreadable must rest on one of these).
enum class CardFault {
  None,
  FailedCardCheck,      // a failed card check on the same terminal (its check id is recorded)
  DeclaredReaderFault,  // the desk declares a reader fault
};

struct Presentation {
  PresentationContext context = PresentationContext::Counter;
  DocumentType document = DocumentType::QualificationCertificate;
  std::optional<Date> valid_from{};   // 発効期日 (certificate)
  std::optional<Date> valid_until{};  // 有効期限 (certificate)
  bool card_shown = false;            // the マイナ保険証 itself is shown with the paper
  bool copy = false;                  // a copy (写し), not the original
  CardFault card_fault = CardFault::None;
  std::optional<Date> copay_valid_until{};  // 70+: the ratio's 有効期限 printed on the paper
  std::optional<CoPayRatio> copay{};        // the ratio printed on the paper
  std::optional<Date> saved_on{};           // 保存日時 of a Mynaportal PDF
};

struct Options {
  // A Mynaportal PDF saved longer ago than this is not accepted while the gateway is down.
  int max_unconfirmed_pdf_age_days = 30;
};

// How the paper stands before the online check.
struct DocumentVerdict {
  bool acceptable = false;           // may be accepted if the online check agrees
  bool unconfirmed_allowed = false;  // gateway down: accept now, re-confirm later
  std::vector<ReasonCode> reasons;   // why (and, when refused, what to tell the patient)
  DecisionFacts facts;
  std::string_view rule;  // id of the table row that decided (docs/rules.md)
};

DocumentVerdict judge_document(const Presentation& shown, const Date& visit,
                               const Options& options = {});

// What was asked of the gateway: an answer about anyone else is not an answer.
struct Inquiry {
  std::optional<InsuranceIdentity> identity{};  // nullopt: by card (the gateway maps the card)
  std::optional<Date> birth_date{};
};

// What the online check said, read against what was asked; nullopt validity: the gateway could
// not be asked (or its answer was about someone else: `mismatch`).
struct OnlineAnswer {
  std::optional<QualificationValidity> validity;
  std::optional<Qualification> qualification{};  // the result about the person asked
  bool mismatch = false;                         // every result was about someone else
};

// Reads a gateway answer: results whose 保険者番号・番号, 枝番 or 生年月日 differ from what was
// asked (another person, another member of the household) are ignored.
OnlineAnswer read_answer(QualificationValidity validity, std::span<const Qualification> results,
                         const Inquiry& asked);

// Card path and by-number path: the online answer alone decides, its 資格取得年月日 and
// 資格喪失年月日 compared with the visit date.
Decision decide_online(const OnlineAnswer& online, const Date& visit);

// Document path: the paper's verdict, then the online answer, which overrides the paper when
// it says the person was not insured on the visit date.
Decision decide_document(const DocumentVerdict& verdict, const OnlineAnswer& online,
                         const Date& visit);

// Re-confirmation of an acceptance made while the gateway was unreachable (the unconfirmed
// queue): the online answer for the original visit date. follow_up: the qualification was not
// found valid — someone must contact the patient.
struct Reconfirmation {
  Decision decision;
  bool follow_up = false;
};
Reconfirmation decide_reconfirmation(const OnlineAnswer& online, const Date& visit);

// The transitional measure (MHLW notice of 2025-11-12) ends after this day.
Date transitional_measure_last_day();
// Every legacy 健康保険証 expired on this day.
Date legacy_cards_expired_on();

}  // namespace madoguchi::policy
