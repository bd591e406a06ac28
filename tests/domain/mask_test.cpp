#include <madoguchi/domain/mask.hpp>
#include <madoguchi/domain/qualification.hpp>

#include <gtest/gtest.h>

using namespace madoguchi;

TEST(Mask, HidesWhatIdentifiesAPerson) {
  EXPECT_EQ(mask::keep_prefix("33120015", 4), "3312****");
  EXPECT_EQ(mask::all("記号12"), "****");
  EXPECT_EQ(mask::name("デジタル 花子"), "デ***");
  EXPECT_EQ(mask::name("李"), "李***");  // the length does not leak
  EXPECT_EQ(mask::name(""), "");
  EXPECT_EQ(mask::birth_date("1980-04-01"), "1980-**-**");
}

TEST(Mask, InsuranceIdentity) {
  InsuranceIdentity id{*InsurerNumber::parse("33120015"), *InsuredSymbol::parse("12"),
                       *InsuredNumber::parse("3456"), *BranchNumber::parse("01")};
  const std::string m = id.masked();
  EXPECT_EQ(m, "3312****/**/****/**");
  EXPECT_EQ(m.find("3456"), std::string::npos);
}
