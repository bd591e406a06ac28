#include <madoguchi/domain/identifiers.hpp>

#include <madoguchi/domain/mask.hpp>
#include <madoguchi/domain/text.hpp>

namespace madoguchi {

int InsurerNumber::check_digit(std::string_view body) {
  // From the digit next to the check digit leftwards: weights 2,1,2,1,…; sum the digits of
  // each product; check = 10 - (sum mod 10), or 0.
  int sum = 0;
  int weight = 2;
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    const int p = (*it - '0') * weight;
    sum += p / 10 + p % 10;
    weight = weight == 2 ? 1 : 2;
  }
  return sum % 10 == 0 ? 0 : 10 - sum % 10;
}

Result<InsurerNumber> InsurerNumber::parse(std::string_view text) {
  std::string d = text::normalise_identifier(text);
  if (d.empty()) return make_error("insurer_number.empty", "insurer number is empty");
  if (!text::all_digits(d))
    return make_error("insurer_number.not_digits", "insurer number must contain digits only");
  if (d.size() != 6 && d.size() != 8)
    return make_error("insurer_number.length", "insurer number must have 6 or 8 digits");
  const std::string_view body(d.data(), d.size() - 1);
  if (check_digit(body) != d.back() - '0')
    return make_error("insurer_number.check_digit", "insurer number check digit does not match");
  return InsurerNumber(std::move(d));
}

std::string InsurerNumber::padded8() const {
  return digits_.size() == 8 ? digits_ : std::string(8 - digits_.size(), ' ') + digits_;
}

std::string InsurerNumber::masked() const { return mask::keep_prefix(digits_, 4); }

namespace {
// Symbols and numbers: printable, no control characters, bounded length; inner hyphens kept.
Result<std::string> parse_card_string(std::string_view text, const char* what,
                                      std::size_t max_chars) {
  std::string v = text::normalise_identifier(text);
  const std::string field(what);
  if (v.empty()) return make_error(field + ".empty", field + " is empty");
  const auto cps = text::decode_utf8(v);
  if (cps.size() > max_chars) return make_error(field + ".length", field + " is too long");
  for (char32_t c : cps) {
    if (c < 0x20 || c == 0x7F || c == 0xFFFD)
      return make_error(field + ".invalid_character", field + " has an invalid character");
  }
  // The 12-digit 個人番号 may not be used for health insurance at the desk: typed into 記号 or
  // 番号 by mistake it must be refused before anyone asks the gateway or writes it down.
  if (contains_individual_number(v))
    return make_error(field + ".individual_number",
                      field +
                          " looks like an individual number (12 digits), which must not be "
                          "used; enter the insurance card's 記号・番号");
  // in_place: Error is an aggregate of strings, so a bare string would be ambiguous.
  return Result<std::string>(boost::system::in_place_value, std::move(v));
}
// The given form minus blanks (ASCII and ideographic): full-width characters and hyphens stay as
// they came, but the spacing of a label or an OCR read is never sent on.
std::string without_blanks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (text.substr(i, 3) == "\xE3\x80\x80") {  // U+3000
      i += 2;
      continue;
    }
    out.push_back(c);
  }
  return out;
}
}  // namespace

Result<InsuredSymbol> InsuredSymbol::parse(std::string_view text) {
  auto v = parse_card_string(text, "symbol", 38);
  if (!v) return v.error();
  return InsuredSymbol(std::move(*v), without_blanks(text));
}
std::string InsuredSymbol::masked() const { return mask::all(value_); }

Result<InsuredNumber> InsuredNumber::parse(std::string_view text) {
  auto v = parse_card_string(text, "number", 38);
  if (!v) return v.error();
  return InsuredNumber(std::move(*v), without_blanks(text));
}
std::string InsuredNumber::masked() const { return mask::all(value_); }

Result<BranchNumber> BranchNumber::parse(std::string_view text) {
  std::string d = text::normalise_identifier(text);
  if (d.empty()) return make_error("branch.empty", "branch number is empty");
  if (!text::all_digits(d) || d.size() != 2)
    return make_error("branch.format", "branch number must be exactly 2 digits");
  return BranchNumber(std::move(d));
}

Result<Relationship> parse_relationship(std::string_view text) {
  const std::string t = text::normalise_identifier(text);
  if (t == "本人" || t == "1" || t == "self" || t == "被保険者") return Relationship::Self;
  if (t == "家族" || t == "2" || t == "dependent" || t == "被扶養者")
    return Relationship::Dependent;
  return make_error("relationship.unknown", "relationship must be 本人 or 家族");
}

std::string_view to_string(Relationship r) {
  return r == Relationship::Self ? "self" : "dependent";
}

bool contains_individual_number(std::string_view text) {
  // 12 digits in a row, or grouped 4-4-4 as printed on the card's back, neither touching
  // another digit. Scanned by hand: this guards every identifier of every check.
  const std::string t = text::to_half_width(text);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // The length of the run of digits at i (0 when t[i] is not a digit).
  const auto run = [&](std::size_t i) {
    std::size_t j = i;
    while (j < t.size() && digit(t[j])) ++j;
    return j - i;
  };
  const auto separator = [&](std::size_t i) {
    return i < t.size() && (t[i] == ' ' || t[i] == '-');
  };
  for (std::size_t i = 0; i < t.size();) {
    const std::size_t n = run(i);
    if (n == 0) {
      ++i;
      continue;
    }
    if (n == 12) return true;
    if (n == 4 && separator(i + 4) && run(i + 5) == 4 && separator(i + 9) && run(i + 10) == 4)
      return true;
    i += n;
  }
  return false;
}

}  // namespace madoguchi
