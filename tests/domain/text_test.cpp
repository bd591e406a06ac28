// The one strict UTF-8 validator and decoder (issue 13): each ill-formed kind refused.
#include <madoguchi/domain/text.hpp>

#include <gtest/gtest.h>

using madoguchi::text::decode_utf8;
using madoguchi::text::encode_utf8;
using madoguchi::text::valid_utf8;

TEST(Utf8, WellFormedTextIsValid) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("abc"));
  EXPECT_TRUE(valid_utf8("保険者番号 ０６１３９９９２"));
  EXPECT_TRUE(valid_utf8("\xC2\x80"));              // U+0080, the first two-byte form
  EXPECT_TRUE(valid_utf8("\xE0\xA0\x80"));          // U+0800
  EXPECT_TRUE(valid_utf8("\xED\x9F\xBF"));          // U+D7FF, just below the surrogates
  EXPECT_TRUE(valid_utf8("\xEE\x80\x80"));          // U+E000, just above them
  EXPECT_TRUE(valid_utf8("\xF0\x90\x80\x80"));      // U+10000
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF, the last code point
  EXPECT_TRUE(valid_utf8(std::string("a\0b", 3)));  // NUL is UTF-8; refusing it is the caller's
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98\x80"), U"\U0001F600");
}

TEST(Utf8, OverlongFormsAreRefused) {
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));  // '/' in two bytes
  EXPECT_FALSE(valid_utf8("\xC1\xBF"));
  EXPECT_FALSE(valid_utf8("\xC0\x80"));          // NUL in two bytes ("modified UTF-8")
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // '/' in three
  EXPECT_FALSE(valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three
  EXPECT_FALSE(valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four
  EXPECT_FALSE(valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four
  EXPECT_EQ(decode_utf8("\xC0\xAF"), U"\uFFFD\uFFFD");
  EXPECT_EQ(decode_utf8("a\xE0\x80\xAF"
                        "b"),
            U"a\uFFFD\uFFFD\uFFFDb");
}

TEST(Utf8, SurrogatesAreRefused) {
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(valid_utf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 pair
  EXPECT_EQ(decode_utf8("\xED\xA0\x80"), U"\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(encode_utf8(std::u32string(1, char32_t(0xD800))), "\xEF\xBF\xBD");
}

TEST(Utf8, CodePointsAboveTheLastAreRefused) {
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xF7\xBF\xBF\xBF"));      // U+1FFFFF
  EXPECT_FALSE(valid_utf8("\xF8\x88\x80\x80\x80"));  // the old five-byte form
  EXPECT_FALSE(valid_utf8("\xFC\x84\x80\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xFE"));
  EXPECT_FALSE(valid_utf8("\xFF"));
  EXPECT_EQ(encode_utf8(std::u32string(1, char32_t(0x110000))), "\xEF\xBF\xBD");
}

TEST(Utf8, TruncatedAndStrayBytesAreRefused) {
  EXPECT_FALSE(valid_utf8("\x80"));  // a lone continuation byte
  EXPECT_FALSE(valid_utf8("a\xBF"));
  EXPECT_FALSE(valid_utf8("\xC3"));      // cut after the lead byte
  EXPECT_FALSE(valid_utf8("\xE4\xBF"));  // 保 cut short
  EXPECT_FALSE(valid_utf8("\xF0\x9F\x98"));
  EXPECT_FALSE(
      valid_utf8("\xE4"
                 "a"
                 "\xBF"));  // a lead byte followed by ASCII
  // One U+FFFD per maximal ill-formed subpart, and the next character survives.
  EXPECT_EQ(decode_utf8("\xE4\xBF"
                        "a"),
            U"\uFFFDa");
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98"
                        "x"),
            U"\uFFFDx");
  EXPECT_EQ(decode_utf8("\xE4"
                        "a"),
            U"\uFFFDa");
}

TEST(Utf8, EveryTwoByteStringAgreesWithTheDecoder) {
  // Exhaustive over two bytes: valid exactly when decoding yields no U+FFFD from them and
  // re-encoding gives the same bytes back.
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      const std::string s{static_cast<char>(a), static_cast<char>(b)};
      const auto cps = decode_utf8(s);
      const bool round_trips = encode_utf8(cps) == s;
      EXPECT_EQ(valid_utf8(s), round_trips) << a << " " << b;
    }
}
