// 資格情報: what the online check (or a document) says about a person's health insurance.
#pragma once

#include <madoguchi/domain/copay.hpp>
#include <madoguchi/domain/date.hpp>
#include <madoguchi/domain/identifiers.hpp>

#include <optional>
#include <string>
#include <vector>

namespace madoguchi {

// The insurance card identity asked about: insurer number + 記号・番号・枝番.
struct InsuranceIdentity {
  InsurerNumber insurer;
  std::optional<InsuredSymbol> symbol;
  InsuredNumber number;
  std::optional<BranchNumber> branch;

  std::string masked() const;  // for logs: "3312****/**/****/**"
};

// QualificationValidity of the online-check gateway (DESIGN §6).
enum class QualificationValidity {
  Valid = 1,         // 有効
  Invalid = 2,       // 無効 (資格喪失)
  NewerExists = 3,   // 無効 — newer qualification exists
  NotFound = 4,      // 該当資格なし
  SeveralMatch = 5,  // 複数該当
  ValidUnregistered = 6,  // 有効・未登録: e.g. 医療扶助 (medical aid), qualified but not on file
};
std::string_view to_string(QualificationValidity v);

// What an online answer carries besides eligibility. The desk bills and asks by it; shown in
// the answer and kept in the audit record, not interpreted by the acceptance rules.
struct LimitCertificate {      // 限度額適用認定証
  std::string classification;  // 適用区分 as the gateway spells it
  std::string bracket;         // A01… B01… (LimitApplicationCertificateClassificationFlag)
  std::optional<Date> issued, valid_from, valid_until;
  std::optional<Date> long_term_since;  // 長期入院該当年月日
};
struct ElderlyCertificate {  // 高齢受給者証 (70–74)
  std::optional<Date> issued, valid_from, valid_until;
  std::optional<CoPayRatio> copay;
};
struct PublicExpense {           // 公費 (and 医療扶助 with its 医療券)
  std::string payer_number;      // 公費負担者番号
  std::string recipient_number;  // 受給者番号: sensitive like the insurance numbers
  std::optional<Date> valid_from, valid_until;
  std::string medical_ticket_type;  // 医療券の種別, "" when there is no 医療券
  std::optional<Date> ticket_valid_from, ticket_valid_until;
  std::string designated_institution;  // 指定医療機関名 on the 医療券
};
struct Consent {     // what the patient agreed to share (同意), when
  std::string kind;  // "specific_health_checkups" | "pharmacists" | "diagnosis" | "operations"
  bool agreed = false;
  std::string time;  // yyyyMMddHHmmss as the gateway wrote it, "" when not given
};
struct AnswerDetails {
  std::string card_classification;  // InsuredCardClassification: 01 一般 …, A1 医療扶助
  std::string sex;                  // 1 male, 2 female, 3 unset
  std::string name_of_other, name_of_other_kana, sex2;  // 通称名 and the sex shown with it
  std::optional<LimitCertificate> limit_certificate;
  std::optional<ElderlyCertificate> elderly_certificate;
  std::vector<PublicExpense> public_expenses;
  std::vector<Consent> consents;
  std::string prescription_issue;  // PrescriptionIssueSelect: 1 電子処方箋, 2 紙
};

struct Qualification {
  QualificationValidity validity = QualificationValidity::NotFound;
  std::optional<InsuranceIdentity> identity;
  std::string insurer_name;
  std::optional<Relationship> relationship;
  std::optional<CoPayRatio> copay;
  std::optional<Date> copay_valid_until;   // 70+ and 後期高齢者: the ratio may change after it
  std::optional<Date> qualification_date;  // 資格取得年月日
  std::optional<Date> disqualification_date;  // 資格喪失年月日
  std::optional<Date> card_valid_until;       // 有効期限 of a certificate, where one exists
  std::string name;                           // 氏名: sensitive, never logged unmasked
  std::string name_kana;                      // フリガナ
  std::optional<Date> birth_date;
  AnswerDetails details;  // from online answers only
};

}  // namespace madoguchi
