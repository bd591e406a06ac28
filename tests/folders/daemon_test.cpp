// A receipt system that talks to a 資格確認端末 only through its folders, pointed at Madoguchi:
// the daemon serves the folders (folders.enabled), asks the gateway simulator over mutual TLS
// and records every check in PostgreSQL. The receipt system's side is Madoguchi's own folder
// client (FolderTransport, the one that talks to real terminals) and a hand-written file.
#include "daemon_fixture.hpp"

#include <madoguchi/gateway/folder.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace madoguchi_test;
namespace fs = std::filesystem;
namespace gw = madoguchi::gateway;
using namespace std::chrono_literals;

namespace {

madoguchi::InsuranceIdentity identity(const char* insurer, const char* symbol, const char* number,
                                      const char* branch) {
  madoguchi::InsuranceIdentity id{*madoguchi::InsurerNumber::parse(insurer), std::nullopt,
                                  *madoguchi::InsuredNumber::parse(number),
                                  *madoguchi::BranchNumber::parse(branch)};
  if (*symbol) id.symbol = *madoguchi::InsuredSymbol::parse(symbol);
  return id;
}

std::optional<std::string> await_file(const fs::path& p, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (fs::exists(p)) {
      std::ifstream in(p, std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      return s.str();
    }
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

class ServedFoldersDaemon : public ::testing::Test {
 protected:
  ServedFoldersDaemon()
      : dir_("served-folders"),
        sim_(dir_),
        root_(dir_.path() / "oqs"),
        daemon_(pg_, dir_,
                {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim_.port()),
                 "MADOGUCHI_FOLDERS_ENABLED=true", "MADOGUCHI_FOLDERS_ROOT=" + root_.string(),
                 "MADOGUCHI_FOLDERS_CLIENT_ID=recepta-folder", "MADOGUCHI_CARD_ENABLED=false"}) {}

  gw::FolderTransport receipt_system(gw::CharacterCode encoding) {
    return gw::FolderTransport({.root = root_,
                                .medical_institution_code = "1312345678",
                                .deadline = 15s,
                                .batch_deadline = 60s,
                                .encoding = encoding,
                                .settle = 100ms});
  }

  TempPostgres pg_;
  TempDir dir_;
  GatewaySim sim_;
  fs::path root_;
  Daemon daemon_;
};

TEST_F(ServedFoldersDaemon, SingleRequestsInBothEncodingsAreAnsweredAndAudited) {
  ASSERT_TRUE(daemon_.wait_ready(20s)) << daemon_.log();
  // Shift_JIS, as terminals are set up: fixed holder 1008 (国保, full-width 記号・番号).
  auto sjis = receipt_system(gw::CharacterCode::ShiftJis);
  auto lee = sjis.confirm_by_number(
      {identity("138156", "医国１２３", "０１２３‐００１", "00"), std::nullopt, false});
  ASSERT_TRUE(lee) << lee.error().code << ": " << lee.error().message << daemon_.log();
  EXPECT_EQ(lee->validity, madoguchi::QualificationValidity::Valid);
  ASSERT_EQ(lee->qualifications.size(), 1u);
  EXPECT_EQ(lee->qualifications[0].identity->number.as_given(), "０１２３‐００１");
  // What the gateway answered beyond eligibility comes through (限度額 bracket, 通称名).
  ASSERT_TRUE(lee->qualifications[0].details.limit_certificate);
  EXPECT_EQ(lee->qualifications[0].details.limit_certificate->bracket, "A03");
  EXPECT_EQ(lee->qualifications[0].details.name_of_other, "李　敏");
  ASSERT_TRUE(lee->qualifications[0].copay);
  EXPECT_EQ(lee->qualifications[0].copay->percent(), 30);
  const std::string lee_check = lee->reference_number;  // Madoguchi's check id

  // UTF-8, written by hand: fixed holder 1003 (lost).
  gw::MessageHeader h;
  h.process_execution_time = "20261125093000";
  h.qualification_confirmation_date = "20261125";
  h.medical_institution_code = "1312345678";
  h.arbitrary_file_identifier = "R0001";
  h.reference_classification = gw::ReferenceClassification::InsuranceCardInfo;
  const fs::path tmp = root_ / "req" / ".OQSsiquc01req_R0001.xml.tmp";
  std::ofstream(tmp, std::ios::binary)
      << gw::write(gw::Request{h, gw::SearchInfo{"01130012", "1003", "1003", "00", "", false}});
  fs::rename(tmp, root_ / "req" / "OQSsiquc01req_R0001.xml");
  auto bytes = await_file(root_ / "res" / "OQSsiquc01res_R0001.xml", 15s);
  ASSERT_TRUE(bytes) << daemon_.log();
  EXPECT_LT(bytes->find("encoding=\"UTF-8\""), 40u);
  auto lost = gw::parse_response(*bytes);
  ASSERT_TRUE(lost) << lost.error().message;
  EXPECT_EQ(lost->header.arbitrary_file_identifier, "R0001");
  const auto& answer = std::get<gw::QualificationAnswer>(lost->body);
  EXPECT_EQ(answer.validity, madoguchi::QualificationValidity::Invalid);
  ASSERT_EQ(answer.results.size(), 1u);
  EXPECT_EQ(answer.results[0].disqualification_date, "20250930");
  const std::string lost_check = answer.results[0].reference_number;

  // Both are audited, by the folder's client at the daemon's terminal, with the gateway's
  // answer; the answers' ReferenceNumber names the records.
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM audit_checks WHERE client_id = 'recepta-folder' AND "
                     "terminal_id = 'desk-1' AND method = 'number'"),
            "2");
  EXPECT_EQ(pg_.psql("SELECT qualification_validity FROM audit_checks WHERE check_id = '" +
                     lee_check + "'"),
            "1");
  EXPECT_EQ(pg_.psql("SELECT qualification_validity || '|' || outcome FROM audit_checks WHERE "
                     "check_id = '" +
                     lost_check + "'"),
            "2|refused");
  EXPECT_FALSE(fs::exists(root_ / "req" / "OQSsiquc01req_R0001.xml"));
}

TEST_F(ServedFoldersDaemon, BatchRequestIsAnsweredUnitByUnitAndEachItemAuditedOnce) {
  ASSERT_TRUE(daemon_.wait_ready(20s)) << daemon_.log();
  auto receipt = receipt_system(gw::CharacterCode::ShiftJis);
  const std::vector<gw::NumberQuery> queries{
      {identity("06139992", "1001", "1001", "00"), std::nullopt, false},  // valid
      {identity("01130012", "1003", "1003", "00"), std::nullopt, false},  // lost
      {identity("06139992", "1006", "1006", "00"), std::nullopt, false},  // not found
      {identity("39131016", "", "1005", "00"), std::nullopt, false},      // 後期高齢者 1割
      {identity("12136016", "", "7001", "00"), std::nullopt, false},      // 医療扶助
  };
  auto answers = receipt.batch(queries);  // upload, then download until no longer in progress
  ASSERT_TRUE(answers) << answers.error().code << ": " << answers.error().message << daemon_.log();
  ASSERT_EQ(answers->size(), 5u);
  using V = madoguchi::QualificationValidity;
  EXPECT_EQ((*answers)[0].validity, V::Valid);
  EXPECT_EQ((*answers)[1].validity, V::Invalid);
  EXPECT_EQ((*answers)[2].validity, V::NotFound);
  EXPECT_EQ((*answers)[3].validity, V::Valid);
  ASSERT_EQ((*answers)[3].qualifications.size(), 1u);
  EXPECT_EQ((*answers)[3].qualifications[0].copay->percent(), 10);
  EXPECT_EQ((*answers)[4].validity, V::ValidUnregistered);
  for (const auto& a : *answers) EXPECT_FALSE(a.unit_error) << a.unit_error->message;

  // Five records sharing one batch id, each once, by the folder's client.
  EXPECT_EQ(pg_.psql("SELECT count(*) || '|' || count(DISTINCT batch_id) FROM audit_checks "
                     "WHERE client_id = 'recepta-folder' AND batch_id IS NOT NULL"),
            "5|1");
  for (const auto& a : *answers)
    EXPECT_EQ(
        pg_.psql("SELECT count(*) FROM audit_checks WHERE check_id = '" + a.reference_number + "'"),
        "1");
}

TEST_F(ServedFoldersDaemon, IndividualNumberAndBadXmlAreRefusedWithoutStoppingTheService) {
  ASSERT_TRUE(daemon_.wait_ready(20s)) << daemon_.log();
  auto receipt = receipt_system(gw::CharacterCode::Utf8);
  // Not parseable as an identity on our side: sent as raw XML.
  const fs::path bad = root_ / "req" / "OQSsiquc01req_BAD1.xml";
  std::ofstream(root_ / "req" / ".bad.tmp") << "<XmlMsg><MessageHeader>";
  fs::rename(root_ / "req" / ".bad.tmp", bad);
  auto bytes = await_file(root_ / "res" / "OQSsiquc01res_BAD1.xml", 15s);
  ASSERT_TRUE(bytes) << daemon_.log();
  auto answer = gw::parse_response(*bytes);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->header.error_code, "EOQS1001");
  EXPECT_TRUE(fs::exists(root_ / "error" / "OQSsiquc01req_BAD1.xml"));

  // The 12-digit 個人番号 in 番号: refused before the gateway, recorded without identifiers.
  gw::MessageHeader h;
  h.medical_institution_code = "1312345678";
  h.arbitrary_file_identifier = "IND1";
  h.reference_classification = gw::ReferenceClassification::InsuranceCardInfo;
  std::ofstream(root_ / "req" / ".ind.tmp")
      << gw::write(gw::Request{h, gw::SearchInfo{"06139992", "", "123456789012", "", "", false}});
  fs::rename(root_ / "req" / ".ind.tmp", root_ / "req" / "OQSsiquc01req_IND1.xml");
  bytes = await_file(root_ / "res" / "OQSsiquc01res_IND1.xml", 15s);
  ASSERT_TRUE(bytes) << daemon_.log();
  answer = gw::parse_response(*bytes);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->header.error_code, "EOQS4003");
  EXPECT_EQ(bytes->find("123456789012"), std::string::npos);
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM audit_checks WHERE client_id = 'recepta-folder' AND "
                     "insured_number IS NULL AND 'number.individual_number' = ANY(reason_codes)"),
            "1");
  EXPECT_EQ(daemon_.log().find("123456789012"), std::string::npos);

  // Still serving.
  auto ok =
      receipt.confirm_by_number({identity("06139992", "1001", "1001", "00"), std::nullopt, false});
  ASSERT_TRUE(ok) << ok.error().message << daemon_.log();
  EXPECT_EQ(ok->validity, madoguchi::QualificationValidity::Valid);
}

}  // namespace
