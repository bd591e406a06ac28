// 資格情報: what the online check (or a document) says about a person's health insurance.
#pragma once

#include <madoguchi/domain/copay.hpp>
#include <madoguchi/domain/date.hpp>
#include <madoguchi/domain/identifiers.hpp>

#include <optional>
#include <string>

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
};

}  // namespace madoguchi
