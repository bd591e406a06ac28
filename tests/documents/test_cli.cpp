// The madoguchictl document inspect contract: JSON on stdout, exit codes, {"error": ...}.
#include <madoguchi_test/process.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace {

using nlohmann::json;
const std::string kCtl = MADOGUCHICTL_PATH;
const std::string kCorpus = MADOGUCHI_DOCUMENTS_CORPUS;

madoguchi_test::CommandResult ctl(const std::string& args) {
  return madoguchi_test::run_command(kCtl + " " + args + " 2>/dev/null");
}

TEST(MadoguchictlDocument, InspectPrintsTheJsonContract) {
  const auto r =
      ctl("document inspect " + kCorpus + "/cert_00_kokuho.pdf --visit-date 2026-01-20 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = json::parse(r.output);
  EXPECT_EQ(j["document_type"], "qualification_certificate");
  EXPECT_EQ(j["slip_only"], false);
  EXPECT_TRUE(j["evidence"].is_array());
  EXPECT_FALSE(j["evidence"].empty());
  EXPECT_TRUE(j["fields"].is_object());
  EXPECT_TRUE(j["sources"].is_object());
  EXPECT_TRUE(j["validation"].is_array());
  EXPECT_EQ(j["valid"], true);
  for (const char* key : {"insurer_number", "number", "birth_date", "valid_until", "valid_from"})
    EXPECT_TRUE(j["fields"].contains(key)) << key;
  EXPECT_TRUE(j["fields"]["copay_ratio"].is_number_integer());
  EXPECT_EQ(j["fields"]["valid_from"].get<std::string>().size(), 10u);  // YYYY-MM-DD
}

TEST(MadoguchictlDocument, InvalidDocumentExitsOne) {
  const auto r = ctl("document inspect " + kCorpus +
                     "/other_limit_certificate.pdf --visit-date 2026-01-20 --json");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const json j = json::parse(r.output);
  EXPECT_EQ(j["valid"], false);
  bool refused = false;
  for (const auto& v : j["validation"]) {
    EXPECT_TRUE(v.contains("message_ja") && v.contains("message_en") && v.contains("severity"));
    refused |= v["code"] == "document.not_proof_of_insurance";
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(j["document_type"], "other_document");
  EXPECT_EQ(j["other_kind"], "limit_certificate");
}

TEST(MadoguchictlDocument, UnreadableFileIsAnErrorObject) {
  for (const auto& [file, code] : std::vector<std::pair<std::string, std::string>>{
           {kCorpus + "/no-such-file.pdf", "document.file_unreadable"},
           {kCorpus + "/bad_truncated.pdf", "document.truncated"},
           {kCorpus + "/bad_encrypted.pdf", "document.encrypted"}}) {
    const auto r = ctl("document inspect " + file + " --json");
    EXPECT_NE(r.exit_code, 0);
    const json j = json::parse(r.output);
    EXPECT_EQ(j["error"]["code"], code);
    EXPECT_TRUE(j["error"]["message"].is_string());
  }
}

TEST(MadoguchictlDocument, UsageErrors) {
  EXPECT_EQ(ctl("document inspect").exit_code, 2);
  EXPECT_EQ(ctl("document inspect x.pdf --visit-date 2026-02-30").exit_code, 2);
  EXPECT_EQ(ctl("no-such-command").exit_code, 2);
  const auto text =
      ctl("document inspect " + kCorpus + "/myna_00_kumiai_table.pdf --visit-date 2026-01-20");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("mynaportal_qualification"), std::string::npos);
}

}  // namespace
