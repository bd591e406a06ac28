// docs/rules.md shows the policy's own table: the generated section must equal rules_markdown(),
// so the two cannot drift. MADOGUCHI_WRITE_RULES_DOC=1 rewrites the section.
#include <madoguchi/policy/rules_table.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {
constexpr std::string_view kBegin =
    "<!-- rules-table:begin (generated: policy::rules_markdown) -->\n";
constexpr std::string_view kEnd = "<!-- rules-table:end -->";
}  // namespace

TEST(RulesDoc, TheDocumentShowsThePolicysTable) {
  const std::string path = std::string(MADOGUCHI_SOURCE_DIR) + "/docs/rules.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const auto b = doc.find(kBegin), e = doc.find(kEnd);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string shown = doc.substr(b + kBegin.size(), e - b - kBegin.size());
  const std::string table = madoguchi::policy::rules_markdown();
  if (shown != table && std::getenv("MADOGUCHI_WRITE_RULES_DOC")) {
    doc.replace(b + kBegin.size(), e - b - kBegin.size(), table);
    std::ofstream(path) << doc;
    return;
  }
  EXPECT_EQ(shown, table) << "docs/rules.md is out of date: run policy_test with "
                             "MADOGUCHI_WRITE_RULES_DOC=1";
}
