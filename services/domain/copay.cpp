#include <madoguchi/domain/copay.hpp>

#include <madoguchi/domain/text.hpp>

#include <algorithm>

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
  // "3割", "0.3" / ".30", "30" / "30%" / "30％": matched by hand, this runs for every answer.
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const std::string_view v = t;
  if (v.size() == 4 && digit(v[0]) && v.substr(1) == "割") return from_percent((v[0] - '0') * 10);
  if (std::string_view f = v.starts_with("0.")  ? v.substr(2)
                           : v.starts_with(".") ? v.substr(1)
                                                : "";
      !f.empty() && digit(f[0]) && f.find_first_not_of('0', 1) == std::string_view::npos)
    return from_percent((f[0] - '0') * 10);
  std::string_view n = v;
  if (n.ends_with("%"))
    n.remove_suffix(1);
  else if (n.ends_with("％"))
    n.remove_suffix(3);
  if (!n.empty() && n.size() <= 3 && std::all_of(n.begin(), n.end(), digit)) {
    int percent = 0;
    for (char c : n) percent = percent * 10 + (c - '0');
    return from_percent(percent);
  }
  return make_error("copay.format", "not a co-pay ratio");
}

std::string CoPayRatio::gateway_code() const {
  return percent_ < 100 ? "0" + std::to_string(percent_) : std::to_string(percent_);
}

std::string CoPayRatio::japanese() const { return std::to_string(percent_ / 10) + "割"; }

}  // namespace madoguchi
