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
    EXPECT_EQ(j["copy_marked"], truth["copy_marked"]) << j["evidence"].dump();
    EXPECT_EQ(j.value("other_kind", json()), truth.value("other_kind", json()));
    // Papers that are not proof of insurance: what they are matters, not their fields.
    if (truth["fields"].is_object()) {
      for (const auto& [key, expected] : truth["fields"].items()) {
        EXPECT_EQ(j["fields"].value(key, json()), expected)
            << key << " read from: " << j["sources"].value(key, json()).dump();
      }
      for (const auto& [key, value] : j["fields"].items())
        EXPECT_TRUE(truth["fields"].contains(key)) << "extra field " << key << " = " << value;
    }
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

}  // namespace
