#include <madoguchi/domain/copay.hpp>

#include <madoguchi/domain/text.hpp>

#include <regex>

namespace madoguchi {

Result<CoPayRatio> CoPayRatio::from_percent(int percent) {
  if (percent != 10 && percent != 20 && percent != 30)
    return make_error("copay.value", "co-pay ratio must be 1割, 2割 or 3割");
  return CoPayRatio(percent);
}

Result<CoPayRatio> CoPayRatio::parse(std::string_view text) {
  std::string t = text::normalise_identifier(text);
  // OCR reads 割 as 害 now and then.
  if (auto p = t.find("害"); p != std::string::npos) t.replace(p, 3, "割");
  // Kanji numerals: 「三割」 as printed on some certificates.
  for (const auto& [kanji, digit] :
       {std::pair{"一", "1"}, std::pair{"二", "2"}, std::pair{"三", "3"}})
    if (t.starts_with(kanji)) t.replace(0, 3, digit);
  static const std::regex wari(R"(^([0-9])割$)");
  static const std::regex percent(R"(^([0-9]{1,3})(%|％)?$)");
  static const std::regex fraction(R"(^0?\.([0-9])0*$)");
  std::smatch m;
  if (std::regex_match(t, m, wari)) return from_percent(std::stoi(m[1]) * 10);
  if (std::regex_match(t, m, fraction)) return from_percent(std::stoi(m[1]) * 10);
  if (std::regex_match(t, m, percent)) return from_percent(std::stoi(m[1]));
  return make_error("copay.format", "not a co-pay ratio");
}

std::string CoPayRatio::gateway_code() const {
  return percent_ < 100 ? "0" + std::to_string(percent_) : std::to_string(percent_);
}

std::string CoPayRatio::japanese() const { return std::to_string(percent_ / 10) + "割"; }

}  // namespace madoguchi
