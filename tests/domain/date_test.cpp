#include <madoguchi/domain/date.hpp>

#include <gtest/gtest.h>

using namespace madoguchi;

namespace {
std::string iso(std::string_view text) {
  auto d = Date::parse_japanese(text);
  return d ? d->iso() : "error:" + d.error().code;
}
}  // namespace

TEST(Date, Gregorian) {
  EXPECT_EQ(iso("2025年1月1日"), "2025-01-01");
  EXPECT_EQ(iso("２０２５年１２月 １日"), "2025-12-01");
  EXPECT_EQ(iso("2025/12/1"), "2025-12-01");
  EXPECT_EQ(iso("2025-12-01"), "2025-12-01");
  EXPECT_EQ(iso("20251201"), "2025-12-01");
}

TEST(Date, EraDates) {
  EXPECT_EQ(iso("令和7年1月1日"), "2025-01-01");
  EXPECT_EQ(iso("令和元年5月1日"), "2019-05-01");
  EXPECT_EQ(iso("令和 ７ 年 ４ 月 １ 日"), "2025-04-01");
  EXPECT_EQ(iso("平成31年4月30日"), "2019-04-30");
  EXPECT_EQ(iso("平成元年1月8日"), "1989-01-08");
  EXPECT_EQ(iso("昭和64年1月7日"), "1989-01-07");
  EXPECT_EQ(iso("昭和元年12月25日"), "1926-12-25");
  EXPECT_EQ(iso("大正元年7月30日"), "1912-07-30");
  EXPECT_EQ(iso("大正15年12月24日"), "1926-12-24");
}

// The oldest patients were born in 明治 (until 1912-07-29); Gregorian dates from 明治6年.
TEST(Date, MeijiBirthDates) {
  EXPECT_EQ(iso("明治45年7月29日"), "1912-07-29");
  EXPECT_EQ(iso("明治44年1月2日"), "1911-01-02");
  EXPECT_EQ(iso("明治６年１月１日"), "1873-01-01");
  EXPECT_EQ(iso("M44.1.2"), "1911-01-02");
  EXPECT_EQ(Date::from_ymd(1911, 1, 2)->japanese_era(), "明治44年1月2日");
  EXPECT_EQ(Date::from_ymd(1912, 7, 30)->japanese_era(), "大正元年7月30日");
}

TEST(Date, Abbreviations) {
  EXPECT_EQ(iso("R7.1.1"), "2025-01-01");
  EXPECT_EQ(iso("r7.1.1"), "2025-01-01");
  EXPECT_EQ(iso("H31.4.30"), "2019-04-30");
  EXPECT_EQ(iso("S55.10.2"), "1980-10-02");
  EXPECT_EQ(iso("Ｒ７．１．１"), "2025-01-01");
}

TEST(Date, InvalidEraYearsAndDays) {
  EXPECT_EQ(iso("令和0年1月1日"), "error:date.era_year");
  EXPECT_EQ(iso("平成32年1月1日"), "error:date.era_range");
  EXPECT_EQ(iso("平成31年5月1日"), "error:date.era_range");   // already 令和
  EXPECT_EQ(iso("令和元年4月30日"), "error:date.era_range");  // still 平成
  EXPECT_EQ(iso("平成元年1月7日"), "error:date.era_range");   // still 昭和
  EXPECT_EQ(iso("2025年2月30日"), "error:date.invalid");
  EXPECT_EQ(iso("2023年2月29日"), "error:date.invalid");
  EXPECT_EQ(iso("2024年2月29日"), "2024-02-29");
  EXPECT_EQ(iso("2025年13月1日"), "error:date.invalid");
  EXPECT_EQ(iso("明治5年12月2日"), "error:date.era_range");   // still the lunar calendar
  EXPECT_EQ(iso("明治45年7月30日"), "error:date.era_range");  // already 大正
  EXPECT_EQ(iso("〇年〇月〇日"), "error:date.format");
  EXPECT_EQ(iso(""), "error:date.format");
}

TEST(Date, IsoAndCompact) {
  EXPECT_EQ(Date::parse_iso("2026-03-31")->compact(), "20260331");
  EXPECT_EQ(Date::parse_compact("20260331")->iso(), "2026-03-31");
  EXPECT_FALSE(Date::parse_iso("2026-3-31"));
  EXPECT_FALSE(Date::parse_compact("20260231"));
}

TEST(Date, EraRendering) {
  EXPECT_EQ(Date::from_ymd(2019, 5, 1)->japanese_era(), "令和元年5月1日");
  EXPECT_EQ(Date::from_ymd(2025, 12, 1)->japanese_era(), "令和7年12月1日");
  EXPECT_EQ(Date::from_ymd(1989, 1, 7)->japanese_era(), "昭和64年1月7日");
}

TEST(Date, Arithmetic) {
  const Date d = *Date::from_ymd(2025, 11, 30);
  EXPECT_EQ(d.add_days(1).iso(), "2025-12-01");
  EXPECT_EQ(d.add_months(3).iso(), "2026-02-28");  // clamped
  EXPECT_EQ(d.days_until(*Date::from_ymd(2026, 3, 31)), 121);
  EXPECT_LT(d, d.add_days(1));
}

TEST(Date, Age) {
  const Date born = *Date::from_ymd(1955, 4, 2);
  EXPECT_EQ(born.age_on(*Date::from_ymd(2025, 4, 1)), 69);
  EXPECT_EQ(born.age_on(*Date::from_ymd(2025, 4, 2)), 70);
  const Date leap = *Date::from_ymd(2004, 2, 29);
  EXPECT_EQ(leap.age_on(*Date::from_ymd(2025, 2, 28)), 20);
  EXPECT_EQ(leap.age_on(*Date::from_ymd(2025, 3, 1)), 21);
}

TEST(Date, InJapanIsUtcPlusNine) {
  using namespace std::chrono;
  // 2026-11-25 14:59:59 UTC is still the 25th in Japan; 15:00 UTC is the 26th.
  const sys_seconds before = sys_days{year{2026} / 11 / 25} + hours(14) + minutes(59) + seconds(59);
  EXPECT_EQ(Date::in_japan(before).iso(), "2026-11-25");
  EXPECT_EQ(Date::in_japan(before + seconds(1)).iso(), "2026-11-26");
  EXPECT_EQ(Date::in_japan(sys_days{year{2025} / 12 / 31} + hours(15)).iso(), "2026-01-01");
}
