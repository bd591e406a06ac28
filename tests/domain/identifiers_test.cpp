#include <madoguchi/domain/identifiers.hpp>
#include <madoguchi/domain/text.hpp>

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

using namespace madoguchi;

TEST(InsurerNumber, AcceptsTheDesignExamples) {
  for (const char* n : {"33120015", "138156", "63132286"}) {
    auto r = InsurerNumber::parse(n);
    ASSERT_TRUE(r) << n << ": " << r.error().code;
    EXPECT_EQ(r->digits(), n);
  }
}

TEST(InsurerNumber, CheckDigitWorkedExample) {
  // DESIGN §2: 3312001|5.
  EXPECT_EQ(InsurerNumber::check_digit("3312001"), 5);
  EXPECT_EQ(InsurerNumber::check_digit("13815"), 6);
}

TEST(InsurerNumber, RejectsWrongCheckDigit) {
  auto r = InsurerNumber::parse("138157");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "insurer_number.check_digit");
  EXPECT_FALSE(InsurerNumber::parse("33120016"));
}

TEST(InsurerNumber, EveryWrongLastDigitIsRejected) {
  for (char c = '0'; c <= '9'; ++c) {
    std::string n = std::string("3312001") + c;
    EXPECT_EQ(static_cast<bool>(InsurerNumber::parse(n)), c == '5') << n;
  }
}

TEST(InsurerNumber, RejectsWrongLengthAndNonDigits) {
  EXPECT_EQ(InsurerNumber::parse("3312001").error().code, "insurer_number.length");
  EXPECT_EQ(InsurerNumber::parse("331200150").error().code, "insurer_number.length");
  EXPECT_EQ(InsurerNumber::parse("3312A015").error().code, "insurer_number.not_digits");
  EXPECT_EQ(InsurerNumber::parse("").error().code, "insurer_number.empty");
  EXPECT_EQ(InsurerNumber::parse(" 　").error().code, "insurer_number.empty");
}

TEST(InsurerNumber, NormalisesFullWidthAndSpaces) {
  auto r = InsurerNumber::parse("３３１２ ００１５");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->digits(), "33120015");
  auto k = InsurerNumber::parse(" １３８　１５６ ");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->is_national_health_insurance());
  EXPECT_EQ(k->padded8(), "  138156");
}

TEST(InsurerNumber, MaskedKeepsOnlyThePrefecturePart) {
  EXPECT_EQ(InsurerNumber::parse("33120015")->masked(), "3312****");
}

TEST(InsurerNumber, ValueOnErrorThrowsOnlyInsideTheCaller) {
  auto r = InsurerNumber::parse("138157");
  EXPECT_THROW((void)r.value(), BadResultAccess);
}

TEST(InsuredSymbolAndNumber, NormaliseAndKeepKanaAndHyphens) {
  auto s = InsuredSymbol::parse("ＡＢ－１２");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->value(), "AB-12");
  auto k = InsuredSymbol::parse("東京 あ");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->value(), "東京あ");
  auto n = InsuredNumber::parse("１２３４５６７");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->value(), "1234567");
  EXPECT_EQ(n->masked(), "*******");
  EXPECT_EQ(InsuredNumber::parse("").error().code, "number.empty");
  EXPECT_EQ(InsuredSymbol::parse(std::string(40, '1')).error().code, "symbol.length");
  EXPECT_EQ(InsuredNumber::parse(std::string("12\x01", 3)).error().code,
            "number.invalid_character");
}

TEST(BranchNumber, ExactlyTwoDigits) {
  EXPECT_EQ(BranchNumber::parse("００")->value(), "00");
  EXPECT_EQ(BranchNumber::parse(" 01 ")->value(), "01");
  EXPECT_EQ(BranchNumber::parse("1").error().code, "branch.format");
  EXPECT_EQ(BranchNumber::parse("001").error().code, "branch.format");
  EXPECT_EQ(BranchNumber::parse("0a").error().code, "branch.format");
  EXPECT_EQ(BranchNumber::parse("").error().code, "branch.empty");
}

TEST(Relationship, ParsesJapaneseAndCodes) {
  EXPECT_EQ(*parse_relationship("本人"), Relationship::Self);
  EXPECT_EQ(*parse_relationship("家 族"), Relationship::Dependent);
  EXPECT_EQ(*parse_relationship("2"), Relationship::Dependent);
  EXPECT_FALSE(parse_relationship("その他"));
  EXPECT_EQ(to_string(Relationship::Self), "self");
}

TEST(IndividualNumber, FoundInRunsOfTwelveDigitsOnly) {
  EXPECT_TRUE(contains_individual_number("個人番号 123456789012"));
  EXPECT_TRUE(contains_individual_number("１２３４５６７８９０１２"));
  EXPECT_TRUE(contains_individual_number("1234 5678 9012"));
  EXPECT_FALSE(contains_individual_number("保険者番号 33120015 番号 1234567"));
  EXPECT_FALSE(contains_individual_number("1234567890123"));  // 13 digits: not one
  EXPECT_FALSE(contains_individual_number("12345678901"));
}

TEST(IndividualNumber, RefusedAsSymbolOrNumberInEveryForm) {
  for (const char* typed : {"123456789012", "１２３４５６７８９０１２", "1234 5678 9012",
                            "1234-5678-9012", "１２３４－５６７８－９０１２"}) {
    SCOPED_TRACE(typed);
    EXPECT_EQ(InsuredNumber::parse(typed).error().code, "number.individual_number");
    EXPECT_EQ(InsuredSymbol::parse(typed).error().code, "symbol.individual_number");
  }
  // Neighbours of the pattern are ordinary insurance numbers.
  EXPECT_TRUE(InsuredNumber::parse("12345678901"));
  EXPECT_TRUE(InsuredNumber::parse("1234567890123"));
  EXPECT_TRUE(InsuredNumber::parse("0123-001"));
}

TEST(Text, HalfWidthAndUtf8RoundTrip) {
  EXPECT_EQ(text::to_half_width("ＡＢＣ１２３－ー"), "ABC123--");
  EXPECT_EQ(text::normalise_identifier(" 1 2\t3\n"), "123");
  const std::string s = "資格確認書🙂";
  EXPECT_EQ(text::encode_utf8(text::decode_utf8(s)), s);
  EXPECT_EQ(text::decode_utf8("\xff")[0], U'\uFFFD');
}

// The guard is scanned by hand for speed; the regular expression it replaced stays here as the
// oracle, over strings made of the characters that matter (digits, both separators, others).
TEST(IndividualNumber, AgreesWithTheRegularExpressionOverRandomStrings) {
  const std::regex oracle(R"((^|[^0-9])([0-9]{12}|[0-9]{4}[ -][0-9]{4}[ -][0-9]{4})([^0-9]|$))");
  std::mt19937 rng(20251201);
  const std::string alphabet = "0123456789012345678901234567890123456789 -a";
  for (int i = 0; i < 20000; ++i) {
    std::string s(std::uniform_int_distribution<int>(0, 20)(rng), ' ');
    for (char& c : s)
      c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    ASSERT_EQ(contains_individual_number(s), std::regex_search(s, oracle)) << '"' << s << '"';
  }
}
