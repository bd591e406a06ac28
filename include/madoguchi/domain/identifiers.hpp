// The identifiers printed on every insurance document and asked for by the online check.
#pragma once

#include <madoguchi/domain/result.hpp>

#include <string>
#include <string_view>

namespace madoguchi {

// 保険者番号: 8 digits (法別番号 2 + 都道府県番号 2 + 保険者別番号 3 + 検証番号 1), or 6 digits
// for 国民健康保険. The last digit is a Luhn-style check digit (MHLW 保険者番号設定要領).
class InsurerNumber {
 public:
  // Accepts full-width digits and stray spaces; rejects anything but 6 or 8 digits with a
  // correct check digit.
  static Result<InsurerNumber> parse(std::string_view text);
  // The check digit for the digits before it (5 or 7 of them).
  static int check_digit(std::string_view body_digits);

  const std::string& digits() const { return digits_; }
  bool is_national_health_insurance() const { return digits_.size() == 6; }  // 国民健康保険
  // The online interface always carries 8 digits: 国保 numbers are left-padded with blanks.
  std::string padded8() const;
  std::string masked() const;

  friend bool operator==(const InsurerNumber&, const InsurerNumber&) = default;

 private:
  explicit InsurerNumber(std::string d) : digits_(std::move(d)) {}
  std::string digits_;
};

// 記号: digits, kana, kanji, hyphens; may be absent on some 国保 documents.
class InsuredSymbol {
 public:
  static Result<InsuredSymbol> parse(std::string_view text);
  const std::string& value() const { return value_; }  // normalised: compare by this
  // As given (full-width forms and hyphens kept, blanks dropped): what goes back to the gateway.
  const std::string& as_given() const { return given_; }
  std::string masked() const;
  friend bool operator==(const InsuredSymbol& a, const InsuredSymbol& b) {
    return a.value_ == b.value_;
  }

 private:
  InsuredSymbol(std::string v, std::string given)
      : value_(std::move(v)), given_(std::move(given)) {}
  std::string value_;
  std::string given_;
};

// 番号: the insured person's number within the insurer.
class InsuredNumber {
 public:
  static Result<InsuredNumber> parse(std::string_view text);
  const std::string& value() const { return value_; }  // normalised: compare by this
  // As given (full-width forms and hyphens kept, blanks dropped): what goes back to the gateway.
  const std::string& as_given() const { return given_; }
  std::string masked() const;
  friend bool operator==(const InsuredNumber& a, const InsuredNumber& b) {
    return a.value_ == b.value_;
  }

 private:
  InsuredNumber(std::string v, std::string given)
      : value_(std::move(v)), given_(std::move(given)) {}
  std::string value_;
  std::string given_;
};

// 枝番: two digits identifying the individual within the insured household.
class BranchNumber {
 public:
  static Result<BranchNumber> parse(std::string_view text);
  const std::string& value() const { return value_; }
  friend bool operator==(const BranchNumber&, const BranchNumber&) = default;

 private:
  explicit BranchNumber(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

// 本人・家族の別
enum class Relationship { Self, Dependent };  // 本人, 家族
Result<Relationship> parse_relationship(std::string_view text);
std::string_view to_string(Relationship r);  // "self" | "dependent"

// The 12-digit 個人番号 must never be read, parsed, stored or logged. Parsers use this to find
// and drop it: true when the text holds a run of exactly 12 digits (after normalisation).
bool contains_individual_number(std::string_view text);

}  // namespace madoguchi
