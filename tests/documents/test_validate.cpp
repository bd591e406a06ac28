// Validation (validate.cpp): whether the paper is well formed — and nothing about the day's
// rules. 有効期限, 発効期日, the legacy cards' end and the transitional measure are the policy's:
// no finding of documents depends on them.
#include "documents_test_support.hpp"

namespace {

using namespace madoguchi::documents::testing;

const std::string kCertificate =
    "資格確認書\n"
    "有効期限 令和8年7月31日  発効期日 令和7年8月1日\n"
    "記号 1 番号 2 (枝番) 00\n"
    "生年月日 昭和30年2月1日\n"
    "保険者番号 138156\n";

TEST(DocumentsValidate, NoDateRuleOfThePolicy) {
  // Expired, not yet valid, a legacy card after 2025-12-01, a ratio past its 有効期限, an old
  // PDF: every one well formed, on any visit date.
  for (const char* visit : {"2019-04-30", "2026-07-31", "2026-08-01", "2030-01-01"}) {
    SCOPED_TRACE(visit);
    json j = text(kCertificate, visit);
    EXPECT_TRUE(j["valid"]) << j["validation"].dump();
    j = text("健康保険被保険者証\n記号 1 番号 2\n保険者番号 33120015\n", visit);
    EXPECT_TRUE(j["valid"]) << j["validation"].dump();
  }
  const json j = text(
      "医療保険の資格情報\n保存日時 2025年1月1日\n保険者番号 06139992\n記号 1 番号 2 枝番 00\n"
      "一部負担金割合 2割\n有効期限 2025年7月31日\n",
      "2026-01-20");
  for (const std::string code :
       {"valid_until.expired", "valid_from.not_yet_valid", "legacy_card.expired",
        "valid_until.copay_expired", "saved_at.age"})
    EXPECT_FALSE(has(j, code)) << code;
  EXPECT_TRUE(j["valid"]) << j["validation"].dump();
}

TEST(DocumentsValidate, FormErrors) {
  json j = text("資格確認書\n記号 1 番号 2 (枝番) 00\n");
  EXPECT_TRUE(has(j, "insurer_number.missing"));
  EXPECT_TRUE(has(j, "valid_until.missing"));
  EXPECT_FALSE(j["valid"]);
  j = text("資格確認書\n有効期限 令和7年7月31日  発効期日 令和7年8月1日\n" +
           std::string("記号 1 番号 2 (枝番) 00\n保険者番号 138156\n"));
  EXPECT_TRUE(has(j, "valid_from.after_valid_until"));
  j = text("資格確認書\n有効期限 令和8年7月31日\n記号 1 番号 2\n保険者番号 138156\n");
  EXPECT_TRUE(has(j, "branch.missing"));
  EXPECT_TRUE(j["valid"]);  // a warning
  j = text("請求書\n合計 1000円\n");
  EXPECT_EQ(j["document_type"], "unknown");
  EXPECT_TRUE(has(j, "document.unknown_type"));
  EXPECT_FALSE(j["valid"]);
}

TEST(DocumentsValidate, DatesAfterTheVisitAreNotWellFormed) {
  json j = text(kCertificate + "交付年月日 令和8年2月1日\n", "2026-01-20");
  EXPECT_TRUE(has(j, "issued_on.future"));
  j = text(kCertificate, "1955-01-31");
  EXPECT_TRUE(has(j, "birth_date.future"));
  EXPECT_FALSE(j["valid"]);
  j = text(
      "医療保険の資格情報\n保存日時 2026年1月21日\n保険者番号 06139992\n記号 1 番号 2 枝番 00\n",
      "2026-01-20");
  EXPECT_TRUE(has(j, "saved_at.future"));
  // Without a visit date nothing is compared with it.
  EXPECT_TRUE(
      madoguchi::documents::inspect_text(kCertificate + "交付年月日 令和9年1月1日\n", {}).valid());
}

}  // namespace
