// The one mapping from outside fields to a by-number check: what is accepted, which code wins.
#include <madoguchi/check/inputs.hpp>

#include <gtest/gtest.h>

using namespace madoguchi;
using check::NumberCheckFields;

namespace {

// A fixed clinic day: the mapping takes it as input, the clock never enters.
const Date kToday = *Date::from_ymd(2026, 4, 1);

NumberCheckFields valid() {
  NumberCheckFields f;
  f.insurer_number = "06139992";
  f.number = "1234";
  return f;
}

std::string code_of(const NumberCheckFields& f) {
  auto c = check::to_number_check(f, kToday);
  return c ? std::string("ok") : c.error().code;
}

}  // namespace

TEST(NumberCheckFields, MinimalFieldsCheckTodayWithoutOptionalParts) {
  auto c = check::to_number_check(valid(), kToday);
  ASSERT_TRUE(c) << c.error().code;
  EXPECT_EQ(c->identity.insurer.digits(), "06139992");
  EXPECT_EQ(c->identity.number.value(), "1234");
  EXPECT_FALSE(c->identity.symbol);
  EXPECT_FALSE(c->identity.branch);
  EXPECT_FALSE(c->birth_date);
  EXPECT_EQ(c->visit_date, kToday);
  EXPECT_EQ(c->batch_id, "");
}

TEST(NumberCheckFields, AllFieldsAreCarried) {
  NumberCheckFields f = valid();
  f.symbol = "ABC";
  f.branch = "01";
  f.birth_date = "1980-02-29";
  f.visit_date = "2026-04-02";
  f.reference = "R-1";
  auto c = check::to_number_check(f, kToday);
  ASSERT_TRUE(c) << c.error().code;
  ASSERT_TRUE(c->identity.symbol);
  EXPECT_EQ(c->identity.symbol->value(), "ABC");
  ASSERT_TRUE(c->identity.branch);
  EXPECT_EQ(c->identity.branch->value(), "01");
  EXPECT_EQ(c->birth_date, *Date::from_ymd(1980, 2, 29));
  EXPECT_EQ(c->visit_date, *Date::from_ymd(2026, 4, 2));
}

TEST(NumberCheckFields, EachFieldHasItsOwnCode) {
  auto with = [](auto change) {
    NumberCheckFields f = valid();
    change(f);
    return code_of(f);
  };
  EXPECT_EQ(with([](auto& f) { f.insurer_number = ""; }), "insurer_number.empty");
  EXPECT_EQ(with([](auto& f) { f.insurer_number = "06139993"; }), "insurer_number.check_digit");
  EXPECT_EQ(with([](auto& f) { f.number = ""; }), "number.empty");
  EXPECT_EQ(with([](auto& f) { f.branch = "123"; }).substr(0, 7), "branch.");
  EXPECT_EQ(with([](auto& f) { f.birth_date = "19800101"; }), "birth_date.format");
  EXPECT_EQ(with([](auto& f) { f.birth_date = "2026-02-30"; }).substr(0, 11), "birth_date.");
  EXPECT_EQ(with([](auto& f) { f.visit_date = "tomorrow"; }), "visit_date.format");
}

TEST(NumberCheckFields, BirthDateBetween1868AndToday) {
  auto born = [](const char* d) {
    NumberCheckFields f = valid();
    f.birth_date = d;
    return code_of(f);
  };
  EXPECT_EQ(born("2026-04-01"), "ok");  // born today
  EXPECT_EQ(born("2026-04-02"), "birth_date.out_of_range");
  EXPECT_EQ(born("1868-01-01"), "ok");
  EXPECT_EQ(born("1867-12-31"), "birth_date.out_of_range");
}

TEST(NumberCheckFields, IndividualNumberIsRefusedInSymbolAndNumber) {
  NumberCheckFields f = valid();
  f.number = "123456789018";
  EXPECT_EQ(code_of(f), "number.individual_number");
  f = valid();
  f.symbol = "1234 5678 9018";
  EXPECT_EQ(code_of(f), "symbol.individual_number");
}

TEST(NumberCheckFields, FirstErrorWinsInFieldOrder) {
  NumberCheckFields f;
  f.insurer_number = "x";
  f.number = "";
  f.birth_date = "bad";
  EXPECT_EQ(code_of(f), "insurer_number.not_digits");
  f.insurer_number = "06139992";
  EXPECT_EQ(code_of(f), "number.empty");
}

TEST(RejectedNumber, KeepsWhatWasSentInAFormTheAuditStoreTakes) {
  NumberCheckFields f;
  f.insurer_number =
      "0613\x01"
      "9992";
  f.symbol = std::string(100, 'A');
  f.number =
      "12\x7f"
      "34";
  f.branch = "0\n1";
  const auto in = check::rejected_number(f, Error{"insurer_number.not_digits", "m"});
  EXPECT_EQ(in.method, audit::Method::Number);
  EXPECT_EQ(in.error_code, "insurer_number.not_digits");
  EXPECT_EQ(in.insurer_number, "06139992");
  EXPECT_EQ(in.insured_symbol, std::string(64, 'A'));
  EXPECT_EQ(in.insured_number, "1234");
  EXPECT_EQ(in.branch_number, "01");
  EXPECT_TRUE(in.document_sha256.empty());
}

TEST(RejectedNumber, CutsAtCodePointsNotBytes) {
  NumberCheckFields f;
  std::string kana;
  for (int i = 0; i < 70; ++i) kana += "\xE3\x81\x82";  // あ
  f.number = kana;
  const auto in = check::rejected_number(f, Error{"number.length", "m"});
  EXPECT_EQ(in.insured_number.size(), 64u * 3);
}
