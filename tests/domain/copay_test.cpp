#include <madoguchi/domain/copay.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace madoguchi;

TEST(CoPayRatio, ParsesEveryPrintedForm) {
  EXPECT_EQ(CoPayRatio::parse("3割")->percent(), 30);
  EXPECT_EQ(CoPayRatio::parse("１割")->percent(), 10);
  EXPECT_EQ(CoPayRatio::parse("2 割")->percent(), 20);
  EXPECT_EQ(CoPayRatio::parse("30%")->percent(), 30);
  EXPECT_EQ(CoPayRatio::parse("２０％")->percent(), 20);
  EXPECT_EQ(CoPayRatio::parse("010")->percent(), 10);
  EXPECT_EQ(CoPayRatio::parse("0.3")->percent(), 30);
  EXPECT_EQ(CoPayRatio::parse("3害")->percent(), 30);   // OCR noise
  EXPECT_EQ(CoPayRatio::parse("三割")->percent(), 30);  // kanji numerals
  EXPECT_EQ(CoPayRatio::parse("一割")->percent(), 10);
  EXPECT_EQ(CoPayRatio::parse("二 割")->percent(), 20);
}

TEST(CoPayRatio, RejectsOtherValues) {
  EXPECT_EQ(CoPayRatio::parse("4割").error().code, "copay.value");
  EXPECT_EQ(CoPayRatio::parse("25%").error().code, "copay.value");
  EXPECT_EQ(CoPayRatio::parse("〇割").error().code, "copay.format");
  EXPECT_EQ(CoPayRatio::parse("四割").error().code, "copay.format");
  EXPECT_EQ(CoPayRatio::parse("—").error().code, "copay.format");
  EXPECT_EQ(CoPayRatio::parse("").error().code, "copay.format");
}

TEST(CoPayRatio, Renders) {
  auto r = CoPayRatio::from_percent(10);
  EXPECT_EQ(r->gateway_code(), "010");
  EXPECT_EQ(r->japanese(), "1割");
}

// Parsed by hand for speed; the regular expressions it replaced are the oracle here.
TEST(CoPayRatio, AgreesWithTheRegularExpressionsOverRandomStrings) {
  const std::regex wari(R"(^([0-9])割$)");
  const std::regex percent(R"(^([0-9]{1,3})(%|％)?$)");
  const std::regex fraction(R"(^0?\.([0-9])0*$)");
  const std::vector<std::string> pieces = {"0", "1", "2", "3", "5", ".", "%", "％", "割", "x"};
  std::mt19937 rng(20251201);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int n = std::uniform_int_distribution<int>(0, 5)(rng); n > 0; --n)
      s += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
    std::smatch m;
    std::optional<int> expected;
    if (std::regex_match(s, m, wari) || std::regex_match(s, m, fraction))
      expected = std::stoi(m[1]) * 10;
    else if (std::regex_match(s, m, percent))
      expected = std::stoi(m[1]);
    const auto got = CoPayRatio::parse(s);
    if (!expected) {
      ASSERT_EQ(got.error().code, "copay.format") << s;
    } else if (*expected == 10 || *expected == 20 || *expected == 30) {
      ASSERT_TRUE(got) << s;
      ASSERT_EQ(got->percent(), *expected) << s;
    } else {
      ASSERT_EQ(got.error().code, "copay.value") << s;
    }
  }
}
