// The request target through Boost.URL (issue 13): split while encoded, each segment decoded on
// its own; invalid escapes, NUL, encoded separators and ill-formed UTF-8 refused.
#include "request_target.hpp"

#include <gtest/gtest.h>

using madoguchi::api::detail::parse_target;

namespace {
struct Parsed {
  bool ok = false;
  std::string path;
  std::map<std::string, std::string> query;
};
Parsed parse(std::string_view target) {
  Parsed p;
  p.ok = parse_target(target, p.path, p.query);
  return p;
}
}  // namespace

TEST(RequestTarget, PathAndQueryAreDecodedPerPart) {
  auto p = parse("/v1/checks/a%20b?x=1&y&name=%E4%BF%9D+%E9%99%BA&&z=");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.path, "/v1/checks/a b");
  EXPECT_EQ(p.query.at("x"), "1");
  EXPECT_EQ(p.query.at("y"), "");
  EXPECT_EQ(p.query.at("z"), "");
  EXPECT_EQ(p.query.at("name"), "保 険");  // '+' is a space in a query only
  EXPECT_EQ(p.query.size(), 4u);
  EXPECT_EQ(parse("/a+b").path, "/a+b");
  EXPECT_EQ(parse("/").path, "/");
  EXPECT_EQ(parse("/v1/checks/").path, "/v1/checks/");
  EXPECT_EQ(parse("/healthz?").path, "/healthz");
  EXPECT_EQ(parse("/q?a=1&a=2").query.at("a"), "2");          // the last value wins
  EXPECT_EQ(parse("/q?k%3Dx=v%26w").query.at("k=x"), "v&w");  // escaped separators stay data
}

TEST(RequestTarget, AnEncodedSlashIsNoSeparator) {
  EXPECT_FALSE(parse("/v1/checks/a%2Fb").ok);
  EXPECT_FALSE(parse("/v1/checks/a%2fb").ok);
  EXPECT_FALSE(parse("/v1%2Fchecks").ok);
  EXPECT_TRUE(parse("/v1/checks?next=%2Fv1%2Fx").ok);  // in a query it is only text
}

TEST(RequestTarget, InvalidEscapesAreRefused) {
  EXPECT_FALSE(parse("/a%zz").ok);
  EXPECT_FALSE(parse("/a%4").ok);
  EXPECT_FALSE(parse("/a%").ok);
  EXPECT_FALSE(parse("/a?x=%G0").ok);
  EXPECT_FALSE(parse("/a?%=1").ok);
}

TEST(RequestTarget, NulIsRefused) {
  EXPECT_FALSE(parse("/a%00b").ok);
  EXPECT_FALSE(parse("/a?x=%00").ok);
  EXPECT_FALSE(parse("/a?%00=1").ok);
}

TEST(RequestTarget, IllFormedUtf8IsRefused) {
  EXPECT_FALSE(parse("/%C0%AF").ok);             // an overlong '/'
  EXPECT_FALSE(parse("/%ED%A0%80").ok);          // a surrogate
  EXPECT_FALSE(parse("/%F4%90%80%80").ok);       // above U+10FFFF
  EXPECT_FALSE(parse("/%E4%BF").ok);             // truncated
  EXPECT_FALSE(parse("/a?n=%FF").ok);            // in a value
  EXPECT_FALSE(parse("/a?%80=1").ok);            // in a name
  EXPECT_TRUE(parse("/%E4%BF%9D%E9%99%BA").ok);  // 保険
}

TEST(RequestTarget, OnlyTheOriginFormIsAccepted) {
  EXPECT_FALSE(parse("").ok);
  EXPECT_FALSE(parse("*").ok);
  EXPECT_FALSE(parse("http://example.test/a").ok);  // absolute-form: proxies only
  EXPECT_FALSE(parse("example.test:443").ok);       // authority-form: CONNECT only
  EXPECT_FALSE(parse("a/b").ok);
  EXPECT_FALSE(parse("/a b").ok);           // a raw space
  EXPECT_FALSE(parse("/a#x").ok);           // a fragment is never sent
  EXPECT_FALSE(parse("/\xE4\xBF\x9D").ok);  // raw non-ASCII must be escaped
}
