#include <madoguchi/domain/copay.hpp>

#include <gtest/gtest.h>

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
