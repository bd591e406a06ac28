// The acceptance rules of the counter (受付の判断), from the government flyer and MHLW notices
// (DESIGN §4). Pure functions of what was shown, in which context, on which day: the visit date
// is an input, never the clock.
#pragma once

#include <madoguchi/domain/decision.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace madoguchi::policy {

// Who shows the document, and why.
enum class PresentationContext {
  Patient,         // the patient (or a parent with the child) at the counter, without the card
  CardUnreadable,  // the card is shown but the reader or the chip fails (カード読取不可)
  Escort,          // daycare/school escort: 保育士・教員 with the child (引率者)
};
std::string_view to_string(PresentationContext c);  // "patient" | "card_unreadable" | "escort"

enum class DocumentType {
  MynaportalQualification,   // 医療保険の資格情報 (PDF, print or phone screen)
  QualificationNotice,       // 資格情報のお知らせ (incl. its cut-off slip)
  QualificationCertificate,  // 資格確認書 (original or, in the escort case, a copy)
  LegacyInsuranceCard,       // 健康保険証: every one expired on 2025-12-01
};
std::string_view to_string(DocumentType t);

struct Presentation {
  PresentationContext context = PresentationContext::Patient;
  DocumentType document = DocumentType::QualificationCertificate;
  std::optional<Date> valid_from;   // 発効期日 (certificate)
  std::optional<Date> valid_until;  // 有効期限 (certificate)
};

// How the document stands before the online check.
struct DocumentVerdict {
  bool acceptable = false;           // may be accepted if the online check agrees
  bool unconfirmed_allowed = false;  // gateway down: accept now, re-confirm later
  std::vector<ReasonCode> reasons;   // why (and, when refused, what to tell the patient)
};

DocumentVerdict judge_document(const Presentation& shown, const Date& visit);

// What the online check said; nullopt validity: the gateway could not be asked.
struct OnlineAnswer {
  std::optional<QualificationValidity> validity;
  std::optional<Qualification> qualification;  // the first result, when there is one
};

// Card path and by-number path: the online answer alone decides.
Decision decide_online(const OnlineAnswer& online, const Date& visit);

// Document path: the document's verdict, then the online answer, which overrides the document
// when it says the person is not insured.
Decision decide_document(const DocumentVerdict& verdict, const OnlineAnswer& online,
                         const Date& visit);

// The transitional measure (MHLW notice of 2025-11-12) ends after this day.
Date transitional_measure_last_day();

}  // namespace madoguchi::policy
