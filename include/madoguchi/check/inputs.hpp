// From the fields a caller sends to a check: the one mapping shared by every front end (REST,
// batches, FHIR, the served folders, the desk's page), so that a new front end copies nothing.
#pragma once

#include <madoguchi/check/check_service.hpp>
#include <madoguchi/domain/date.hpp>

#include <string>

namespace madoguchi::check {

// The by-number fields as sent, still text ("" = not given).
struct NumberCheckFields {
  std::string insurer_number;  // 保険者番号
  std::string symbol;          // 記号 (optional)
  std::string number;          // 番号
  std::string branch;          // 枝番 (optional)
  std::string birth_date;      // YYYY-MM-DD (optional)
  std::string visit_date;      // YYYY-MM-DD; "" = `today`
  std::string reference;       // the caller's own reference (a receipt system's), not checked
};

// Every identifier validated, the first error wins, with the domain's stable codes
// ("insurer_number.check_digit", "number.individual_number": the 12-digit 個人番号 is refused
// here, before anyone asks the gateway). Date errors name their field ("birth_date.format",
// "visit_date.format"); a birth date before 1868 or after `today` is "birth_date.out_of_range".
// `today` is the clinic's day, taken from the clock by the caller.
Result<NumberCheck> to_number_check(const NumberCheckFields& fields, Date today);

// What was sent, for the audit record of an attempt that could not become a check: each field as
// given but as valid UTF-8, without control characters and at most 64 characters, so that the
// audit store always takes it (the check service drops the identifiers of a refused 個人番号).
RejectedInput rejected_number(const NumberCheckFields& fields, const Error& error);

}  // namespace madoguchi::check
