#include <madoguchi/domain/date.hpp>

#include <madoguchi/domain/text.hpp>

#include <array>
#include <charconv>
#include <cstdio>
#include <regex>

namespace madoguchi {

namespace {
using std::chrono::day;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

struct Era {
  std::string_view kanji;
  std::string_view letter;  // "R7.1.1"-style abbreviation
  year_month_day first_day;
};

// Newest first; each era ends the day before the next one starts. 明治 counts its years from
// 1868, but Japan printed Gregorian dates only from 明治6年1月1日 (1873-01-01): earlier 明治
// dates are lunar and cannot be converted by arithmetic, so they are refused (no living
// patient was born then; the oldest were born in the 明治40s).
constexpr std::array<Era, 5> kEras{{
    {"令和", "R", year{2019} / 5 / 1},
    {"平成", "H", year{1989} / 1 / 8},
    {"昭和", "S", year{1926} / 12 / 25},
    {"大正", "T", year{1912} / 7 / 30},
    {"明治", "M", year{1873} / 1 / 1},
}};
constexpr int kMeijiFirstYear = 1868;
int era_first_year(const Era& e) {
  return e.kanji == "明治" ? kMeijiFirstYear : static_cast<int>(e.first_day.year());
}

int to_int(const std::string& s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
}  // namespace

Result<Date> Date::from_ymd(int y, int m, int d) {
  const year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                           std::chrono::day{static_cast<unsigned>(d)}};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || !ymd.ok())
    return make_error("date.invalid", "the date does not exist");
  return Date(ymd);
}

Result<Date> Date::parse_iso(std::string_view text) {
  static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})$)");
  std::string t(text);
  std::smatch m;
  if (!std::regex_match(t, m, re)) return make_error("date.format", "expected YYYY-MM-DD");
  return from_ymd(to_int(m[1]), to_int(m[2]), to_int(m[3]));
}

Result<Date> Date::parse_compact(std::string_view text) {
  static const std::regex re(R"(^(\d{4})(\d{2})(\d{2})$)");
  std::string t(text);
  std::smatch m;
  if (!std::regex_match(t, m, re)) return make_error("date.format", "expected yyyyMMdd");
  return from_ymd(to_int(m[1]), to_int(m[2]), to_int(m[3]));
}

Result<Date> Date::parse_japanese(std::string_view text) {
  const std::string t = text::normalise_identifier(text);
  static const std::regex gregorian(
      R"(^(\d{4})(?:年|[-./])(\d{1,2})(?:月|[-./])(\d{1,2})(?:日)?$)");
  static const std::regex era(
      R"(^(令和|平成|昭和|大正|明治|R|H|S|T|M)(元|\d{1,2})(?:年|[-./])(\d{1,2})(?:月|[-./])(\d{1,2})(?:日)?$)",
      std::regex::icase);
  std::smatch m;
  if (std::regex_match(t, m, gregorian)) return from_ymd(to_int(m[1]), to_int(m[2]), to_int(m[3]));
  if (t.size() == 8 && text::all_digits(t)) return parse_compact(t);
  if (!std::regex_match(t, m, era)) return make_error("date.format", "not a recognisable date");

  std::string name = m[1];
  if (name.size() == 1)
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  const int era_year = m[2] == "元" ? 1 : to_int(m[2]);
  for (std::size_t i = 0; i < kEras.size(); ++i) {
    const Era& e = kEras[i];
    if (name != e.kanji && name != e.letter) continue;
    if (era_year < 1) return make_error("date.era_year", "era year must be 1 (元年) or later");
    auto d = from_ymd(era_first_year(e) + era_year - 1, to_int(m[3]), to_int(m[4]));
    if (!d) return d;
    if (d->ymd_ < e.first_day || (i > 0 && d->ymd_ >= kEras[i - 1].first_day))
      return make_error("date.era_range", "the date is outside its era");
    return d;
  }
  return make_error("date.format", "unknown era");
}

Date Date::in_japan(std::chrono::system_clock::time_point instant) {
  const auto jst = std::chrono::floor<std::chrono::days>(instant + std::chrono::hours(9));
  return Date(year_month_day{jst});
}

std::string Date::iso() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year(), month(), day());
  return buf;
}

std::string Date::compact() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", year(), month(), day());
  return buf;
}

std::string Date::japanese_era() const {
  for (const Era& e : kEras) {
    if (ymd_ < e.first_day) continue;
    const int n = year() - era_first_year(e) + 1;
    return std::string(e.kanji) + (n == 1 ? std::string("元") : std::to_string(n)) + "年" +
           std::to_string(month()) + "月" + std::to_string(day()) + "日";
  }
  return std::to_string(year()) + "年" + std::to_string(month()) + "月" + std::to_string(day()) +
         "日";
}

Date Date::add_days(int days) const {
  return Date(year_month_day{sys_days{ymd_} + std::chrono::days{days}});
}

Date Date::add_months(int months) const {
  year_month_day ym = ymd_ + std::chrono::months{months};
  if (!ym.ok()) ym = ym.year() / ym.month() / std::chrono::last;
  return Date(ym);
}

int Date::days_until(const Date& later) const {
  return static_cast<int>((sys_days{later.ymd_} - sys_days{ymd_}).count());
}

int Date::age_on(const Date& on) const {
  int age = on.year() - year();
  if (on.month() < month() || (on.month() == month() && on.day() < day())) --age;
  return age;
}

}  // namespace madoguchi
