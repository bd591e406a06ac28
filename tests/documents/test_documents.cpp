// The documents module against its generated corpus (generate_corpus.py): every PDF classified
// and extracted field by field; every bad input with its own error; the library on text.
#include <madoguchi/documents/documents.hpp>

#include <madoguchi/domain/identifiers.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace {

using madoguchi::Date;
using nlohmann::json;
namespace docs = madoguchi::documents;
namespace fs = std::filesystem;

const fs::path kCorpus = MADOGUCHI_DOCUMENTS_CORPUS;

json manifest() {
  std::ifstream in(kCorpus / "manifest.json");
  EXPECT_TRUE(in) << "corpus missing: build target documents_corpus";
  return json::parse(in);
}

docs::InspectOptions options_for(const json& truth) {
  docs::InspectOptions o;
  o.visit_date = Date::parse_iso(truth["visit_date"].get<std::string>()).value();
  return o;
}

std::vector<std::string> codes(const json& report) {
  std::vector<std::string> out;
  for (const auto& v : report["validation"]) out.push_back(v["code"]);
  return out;
}

TEST(DocumentsCorpus, EveryPdfIsClassifiedAndExtractedFieldByField) {
  const json m = manifest();
  ASSERT_GE(m["documents"].size(), 25u);
  for (const json& truth : m["documents"]) {
    SCOPED_TRACE(truth["id"].get<std::string>());
    auto r = docs::inspect_file(kCorpus / truth["file"].get<std::string>(), options_for(truth));
    ASSERT_TRUE(r) << r.error().code;
    const json j = docs::to_json(*r);
    EXPECT_EQ(j["text_source"], "pdf_text");
    EXPECT_EQ(j["document_type"], truth["document_type"]) << j["evidence"].dump();
    EXPECT_EQ(j["slip_only"], truth["slip_only"]);
    for (const auto& [key, expected] : truth["fields"].items()) {
      EXPECT_EQ(j["fields"].value(key, json()), expected)
          << key << " read from: " << j["sources"].value(key, json()).dump();
    }
    for (const auto& [key, value] : j["fields"].items())
      EXPECT_TRUE(truth["fields"].contains(key)) << "extra field " << key << " = " << value;
    const auto got = codes(j);
    for (const auto& c : truth["expect_codes"])
      EXPECT_NE(std::find(got.begin(), got.end(), c), got.end()) << "missing finding " << c;
    EXPECT_EQ(j["valid"], truth["expect_valid"]) << j["validation"].dump(1);
    // Every field found has its source text, and nothing ever carries the 個人番号.
    for (const auto& [key, value] : j["fields"].items()) EXPECT_TRUE(j["sources"].contains(key));
    const std::string dump = j.dump();
    EXPECT_FALSE(madoguchi::contains_individual_number(dump)) << dump;
    if (truth.contains("individual_number")) {
      EXPECT_EQ(dump.find(truth["individual_number"].get<std::string>()), std::string::npos);
      EXPECT_EQ(dump.find(truth["individual_number"].get<std::string>().substr(0, 4) + " "),
                std::string::npos);
    }
  }
}

TEST(DocumentsCorpus, EachBadInputGetsItsSpecificError) {
  const json m = manifest();
  ASSERT_GE(m["bad"].size(), 6u);
  for (const json& bad : m["bad"]) {
    SCOPED_TRACE(bad["file"].get<std::string>());
    auto r = docs::inspect_file(kCorpus / bad["file"].get<std::string>(), {});
    ASSERT_FALSE(r) << "read a bad input as " << docs::to_string(r->type);
    EXPECT_EQ(r.error().code, bad["error"]);
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(DocumentsLimits, SizePageAndTimeCaps) {
  const fs::path good = kCorpus / "cert_00_kokuho.pdf";
  docs::InspectOptions small;
  small.max_bytes = 1000;
  auto r = docs::inspect_file(good, small);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "document.too_large");

  docs::InspectOptions two_pages;
  two_pages.max_pages = 2;
  r = docs::inspect_file(kCorpus / "many_pages.pdf", two_pages);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "document.too_many_pages");
  EXPECT_TRUE(docs::inspect_file(kCorpus / "many_pages.pdf", {}));  // within the default cap

  docs::InspectOptions hurried;
  hurried.time_limit = std::chrono::milliseconds(1);
  r = docs::inspect_file(kCorpus / manifest()["scans"][0]["file"].get<std::string>(), hurried);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "document.timeout");

  docs::InspectOptions few_pixels;
  few_pixels.max_pixels = 1000;
  r = docs::inspect_file(kCorpus / manifest()["scans"][0]["file"].get<std::string>(), few_pixels);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "document.too_large");

  r = docs::inspect_file(kCorpus / "no-such-file.pdf", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "document.file_unreadable");
}

// ---- the analyser on plain text: the tolerance the issue asks for -------------------------

docs::InspectOptions on(const char* iso) {
  docs::InspectOptions o;
  o.visit_date = Date::parse_iso(iso).value();
  return o;
}

json text(const std::string& t, const char* visit = "2026-01-20") {
  return docs::to_json(docs::inspect_text(t, on(visit)));
}

bool has(const json& j, const std::string& code) {
  const auto c = codes(j);
  return std::find(c.begin(), c.end(), code) != c.end();
}

TEST(DocumentsText, SpacedLabelsFullWidthDigitsEraDatesAndPlaceholders) {
  const json j = text(
      "医療保険の資格情報\n"
      "保存日時：令和８年１月１０日 9:00時点\n"
      "保 険 者 名   さくら健康保険組合\n"
      "保 険 者 番 号   ０６１３９９９２\n"
      "記 号   １２\n"
      "番 号   ３４５\n"
      "枝 番   ０１\n"
      "氏 名   山田 花子\n"
      "本人・家族の別   家族\n"
      "一 部 負 担 金 割 合   —\n"
      "有 効 期 限   —\n");
  EXPECT_EQ(j["document_type"], "mynaportal_qualification");
  EXPECT_EQ(j["fields"]["insurer_number"], "06139992");
  EXPECT_EQ(j["fields"]["symbol"], "12");
  EXPECT_EQ(j["fields"]["number"], "345");
  EXPECT_EQ(j["fields"]["branch"], "01");
  EXPECT_EQ(j["fields"]["relationship"], "dependent");
  EXPECT_EQ(j["fields"]["saved_at"], "2026-01-10");
  EXPECT_FALSE(j["fields"].contains("copay_ratio"));  // "—": not shown
  EXPECT_FALSE(j["fields"].contains("valid_until"));
  EXPECT_EQ(j["sources"]["copay_ratio"], "—");
  EXPECT_TRUE(j["valid"]) << j.dump(1);
  EXPECT_TRUE(has(j, "saved_at.age"));
}

TEST(DocumentsText, CertificateDatesAgainstTheVisitDate) {
  const std::string cert =
      "資格確認書\n"
      "有効期限 令和８年７月３１日  発効期日 令和元年5月1日\n"
      "記号 千代田１ 番号 ２０１ (枝番) ００\n"
      "生年月日 昭和30年2月1日 負担割合 ３割\n"
      "保険者番号 138156\n";
  json j = text(cert, "2026-07-31");
  EXPECT_EQ(j["document_type"], "qualification_certificate");
  EXPECT_EQ(j["fields"]["valid_until"], "2026-07-31");
  EXPECT_EQ(j["fields"]["valid_from"], "2019-05-01");
  EXPECT_EQ(j["fields"]["symbol"], "千代田1");
  EXPECT_EQ(j["fields"]["copay_ratio"], 30);
  EXPECT_TRUE(j["valid"]) << j.dump(1);  // the last day is still valid
  j = text(cert, "2026-08-01");
  EXPECT_TRUE(has(j, "valid_until.expired"));
  EXPECT_FALSE(j["valid"]);
  j = text(cert, "2019-04-30");
  EXPECT_TRUE(has(j, "valid_from.not_yet_valid"));
}

TEST(DocumentsText, InvalidValuesAreReportedNotReturned) {
  const json j = text(
      "資格確認書\n"
      "有効期限 令和8年2月30日\n"
      "記号 1 番号 2 (枝番) 1\n"
      "保険者番号 138157\n"
      "負担割合 5割\n");
  EXPECT_FALSE(j["fields"].contains("insurer_number"));
  EXPECT_EQ(j["sources"]["insurer_number"], "138157");
  EXPECT_TRUE(has(j, "insurer_number.check_digit"));
  EXPECT_TRUE(has(j, "branch.format"));
  EXPECT_TRUE(has(j, "valid_until.invalid"));
  EXPECT_TRUE(has(j, "copay_ratio.invalid"));
  EXPECT_FALSE(j["valid"]);
}

TEST(DocumentsText, OcrConfusionsAreMappedInFieldParsers) {
  const json j = text(
      "資格確認書\n"
      "有効期限 2O26年9月3O昌\n"
      "記号 1O 番号 2 (枝番) O1\n"
      "負担割合 2害\n"
      "保険者番号 33120O15\n");
  EXPECT_EQ(j["fields"]["valid_until"], "2026-09-30");
  EXPECT_EQ(j["fields"]["insurer_number"], "33120015");
  EXPECT_EQ(j["fields"]["symbol"], "10");
  EXPECT_EQ(j["fields"]["branch"], "01");
  EXPECT_EQ(j["fields"]["copay_ratio"], 20);
}

TEST(DocumentsText, IndividualNumberIsDroppedAndFlagged) {
  for (const char* number : {"123456789018", "1234 5678 9018", "１２３４５６７８９０１８"}) {
    SCOPED_TRACE(number);
    const json j =
        text(std::string("資格情報のお知らせ\n保険者番号 33120015\n記号 1 番号 2 (枝番) 00\n") +
             "個人番号 " + number + "\n備考 " + number + "\n");
    EXPECT_TRUE(has(j, "individual_number.dropped"));
    EXPECT_FALSE(madoguchi::contains_individual_number(j.dump()));
    EXPECT_EQ(j.dump().find("9018"), std::string::npos);
    EXPECT_EQ(j["fields"]["number"], "2");
  }
}

TEST(DocumentsText, ValueOnTheNextLineAndWrappedValues) {
  const json j = text(
      "医療保険の資格情報\n"
      "保険者番号\n"
      "33120015\n"
      "住所\n"
      "東京都千代田区\n");
  EXPECT_EQ(j["fields"]["insurer_number"], "33120015");
  EXPECT_EQ(j["fields"]["address"], "東京都千代田区");
}

TEST(DocumentsText, NoticeAndSlipThatDisagreeAreFlagged) {
  const json j = text(
      "資格情報のお知らせ\n保険者番号 33120015\n記号 1 番号 200 (枝番) 00\n"
      "下部を切り取ってご利用いただけます\n"
      "資格情報のお知らせ 令和7年12月1日発行\n記号 1 番号 201 (枝番) 00\n");
  EXPECT_EQ(j["slip_only"], false);
  EXPECT_EQ(j["fields"]["number"], "200");
  EXPECT_EQ(j["fields"]["issued_on"], "2025-12-01");
  EXPECT_TRUE(has(j, "number.conflict"));
}

TEST(DocumentsText, LegacyCardAndUnknown) {
  json j = text("健康保険被保険者証\n記号 1 番号 2\n保険者番号 33120015\n", "2026-04-01");
  EXPECT_EQ(j["document_type"], "legacy_insurance_card");
  EXPECT_TRUE(has(j, "legacy_card.expired"));
  j = text("請求書\n合計 1000円\n");
  EXPECT_EQ(j["document_type"], "unknown");
  EXPECT_TRUE(has(j, "document.unknown_type"));
  EXPECT_FALSE(j["valid"]);
}

}  // namespace
