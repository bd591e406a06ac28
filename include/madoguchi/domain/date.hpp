// Calendar dates as they appear on Japanese documents: Gregorian and era (和暦).
#pragma once

#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <compare>
#include <string>
#include <string_view>

namespace madoguchi {

class Date {
 public:
  // A date that exists in the proleptic Gregorian calendar, or an error.
  static Result<Date> from_ymd(int year, int month, int day);
  // ISO "YYYY-MM-DD" and the gateway's "yyyyMMdd".
  static Result<Date> parse_iso(std::string_view text);
  static Result<Date> parse_compact(std::string_view text);
  // Everything a document may print: "2025年1月1日", "2025/1/1", "令和7年1月1日", "令和元年5月1日",
  // "R7.1.1", "H31.4.30", "平成３１年４月３０日", "明治45年7月29日", with spaces and full-width
  // digits. An era year outside its era (令和0年, 平成32年), a day that does not exist (2月30日)
  // or a 明治 date before the Gregorian calendar (明治6年1月1日) is an error.
  static Result<Date> parse_japanese(std::string_view text);
  // The calendar day in Japan (JST, UTC+9, no daylight saving) at `instant`. Pure: callers at
  // the transport edge pass the clock's now(); rules take the resulting date as input.
  static Date in_japan(std::chrono::system_clock::time_point instant);

  int year() const { return static_cast<int>(ymd_.year()); }
  unsigned month() const { return static_cast<unsigned>(ymd_.month()); }
  unsigned day() const { return static_cast<unsigned>(ymd_.day()); }

  std::string iso() const;           // 2025-01-01
  std::string compact() const;       // 20250101
  std::string japanese_era() const;  // 令和7年1月1日

  Date add_days(int days) const;
  Date add_months(int months) const;  // clamps to the month's last day
  int days_until(const Date& later) const;

  // Age in completed years on `on` (a person born on 29 Feb ages on 1 Mar in common years).
  int age_on(const Date& on) const;

  friend auto operator<=>(const Date&, const Date&) = default;
  friend bool operator==(const Date&, const Date&) = default;

 private:
  explicit Date(std::chrono::year_month_day ymd) : ymd_(ymd) {}
  std::chrono::year_month_day ymd_;
};

}  // namespace madoguchi
