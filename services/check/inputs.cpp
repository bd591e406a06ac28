#include <madoguchi/check/inputs.hpp>

#include <madoguchi/domain/text.hpp>

#include <algorithm>

namespace madoguchi::check {

namespace {

// Date errors are "date.*": name the field instead ("birth_date.format").
Result<Date> parse_date_field(const std::string& text, std::string_view field) {
  auto d = Date::parse_iso(text);
  if (!d) return Error{std::string(field) + d.error().code.substr(4), d.error().message};
  return d;
}

std::string as_given(const std::string& text) {
  std::u32string cps = text::decode_utf8(text);
  std::erase_if(cps, [](char32_t c) { return c < 0x20 || c == 0x7F; });
  if (cps.size() > 64) cps.resize(64);
  return text::encode_utf8(cps);
}

}  // namespace

Result<NumberCheck> to_number_check(const NumberCheckFields& fields, Date today) {
  // The 12-digit 個人番号 is refused in every identifier field, first, with one code per field:
  // a malformed insurer number or date must not carry one into the audit as "what was sent".
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string&>{"insurer_number", fields.insurer_number},
        {"symbol", fields.symbol},
        {"number", fields.number},
        {"branch", fields.branch},
        {"birth_date", fields.birth_date},
        {"visit_date", fields.visit_date}})
    if (contains_individual_number(value))
      return Error{std::string(name) + ".individual_number",
                   std::string(name) +
                       " looks like an individual number (12 digits), which must not be used "
                       "for health insurance"};
  auto insurer = InsurerNumber::parse(fields.insurer_number);
  if (!insurer) return insurer.error();
  auto number = InsuredNumber::parse(fields.number);
  if (!number) return number.error();
  NumberCheck check{InsuranceIdentity{*insurer, std::nullopt, *number, std::nullopt}, std::nullopt,
                    today, ""};
  if (!fields.symbol.empty()) {
    auto s = InsuredSymbol::parse(fields.symbol);
    if (!s) return s.error();
    check.identity.symbol = *s;
  }
  if (!fields.branch.empty()) {
    auto b = BranchNumber::parse(fields.branch);
    if (!b) return b.error();
    check.identity.branch = *b;
  }
  if (!fields.birth_date.empty()) {
    auto d = parse_date_field(fields.birth_date, "birth_date");
    if (!d) return d.error();
    if (d->year() < 1868 || *d > today)
      return Error{"birth_date.out_of_range", "birth date must be between 1868 and today"};
    check.birth_date = *d;
  }
  if (!fields.visit_date.empty()) {
    auto d = parse_date_field(fields.visit_date, "visit_date");
    if (!d) return d.error();
    check.visit_date = *d;
  }
  return Result<NumberCheck>(boost::system::in_place_value, std::move(check));
}

RejectedInput rejected_number(const NumberCheckFields& fields, const Error& error) {
  RejectedInput in;
  in.method = audit::Method::Number;
  in.error_code = error.code;
  in.insurer_number = as_given(fields.insurer_number);
  in.insured_symbol = as_given(fields.symbol);
  in.insured_number = as_given(fields.number);
  in.branch_number = as_given(fields.branch);
  return in;
}

}  // namespace madoguchi::check
