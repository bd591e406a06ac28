// XmlMsg round trips in UTF-8 and Shift_JIS, validated against proto/oqs/XmlMsg.xsd with
// xmllint; malformed input gives "gateway.protocol"; results map to domain types.
#include <madoguchi/gateway/messages.hpp>

#include "protocol.hpp"

#include <madoguchi_test/process.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace gw = madoguchi::gateway;
using madoguchi::QualificationValidity;

namespace {

gw::MessageHeader header(gw::CharacterCode code, bool answer) {
  gw::MessageHeader h;
  h.process_execution_time = "20260401093015";
  h.qualification_confirmation_date = "20260401";
  h.medical_institution_code = "1312345678";
  h.arbitrary_file_identifier = "20260401000042";
  h.reference_classification = gw::ReferenceClassification::InsuranceCardInfo;
  if (answer) h.segment_of_result = gw::SegmentOfResult::Normal;
  h.character_code = code;
  return h;
}

gw::SearchInfo search_info() {
  return gw::SearchInfo{"06139992", "記号ア１２", "１２３４５", "01", "19850412", true};
}

gw::QualificationRecord record() {
  gw::QualificationRecord r;
  r.insured_card_classification = "01";
  r.insurer_number = "06139992";
  r.insured_card_symbol = "記号ア１２";
  r.insured_identification_number = "１２３４５";
  r.insured_branch_number = "01";
  r.personal_family_classification = "1";
  r.insured_name = "髙橋　太郎";  // 髙 exists only in Windows-31J, not in JIS X 0208
  r.name = "髙橋　太郎";
  r.name_kana = "タカハシ　タロウ";
  r.sex = "1";
  r.birthdate = "19520412";
  r.address = "東京都千代田区霞が関１－２－２";
  r.post_number = "100-8916";
  r.qualification_date = "20100401";
  r.insured_certificate_issuance_date = "20240801";
  r.insured_card_valid_date = "20240801";
  r.insured_card_expiration_date = "20270731";
  r.insured_partial_contribution_ratio = "030";
  r.insurer_name = "窓口健康保険組合";
  r.elderly = gw::ElderlyRecipientCertificateInfo{"20240701", "20240801", "20270731", "020"};
  r.limit = gw::LimitApplicationCertificateInfo{"A01", "20250401", "20250401", "20260731"};
  r.reference_number = "R0000000001";
  return r;
}

std::vector<gw::Request> requests(gw::CharacterCode code) {
  std::vector<gw::Request> out;
  out.push_back({header(code, false), search_info()});
  auto card_header = header(code, false);
  card_header.reference_classification = gw::ReferenceClassification::Card;
  out.push_back({card_header,
                 gw::CardAuthentication{std::string("\x30\x82\x01\x00\xff", 5),
                                        std::string(32, '\x07'), std::string(256, '\xa5'), false}});
  out.push_back({card_header, gw::CardAuthentication{std::string("\x30\x82", 2), "", "", true}});
  gw::BatchUpload batch;
  for (int i = 0; i < 3; ++i) {
    auto s = search_info();
    s.insured_branch_number = "0" + std::to_string(i);
    s.birthdate.clear();
    batch.items.push_back(s);
  }
  out.push_back({header(code, false), batch});
  out.push_back({header(code, false), gw::BatchDownload{"RCP20260401000001"}});
  out.push_back({header(code, false), gw::ChallengeRequest{}});
  return out;
}

std::vector<gw::Response> responses(gw::CharacterCode code) {
  std::vector<gw::Response> out;
  gw::QualificationAnswer answer;
  answer.validity = QualificationValidity::Valid;
  answer.search_info = search_info();
  answer.results = {record()};
  out.push_back({header(code, true), gw::ProcessingResultStatus::Ok, "", "", answer});

  gw::QualificationAnswer lost;
  lost.validity = QualificationValidity::Invalid;
  lost.card_verification = gw::CardVerification::Visual;
  auto r = record();
  r.disqualification_date = "20260331";
  r.reason_of_loss = "03";
  r.elderly.reset();
  r.limit.reset();
  lost.results = {r};
  out.push_back({header(code, true), gw::ProcessingResultStatus::Ok, "", "", lost});

  gw::QualificationAnswer none;
  none.validity = QualificationValidity::NotFound;
  out.push_back({header(code, true), gw::ProcessingResultStatus::Ok, "", "", none});

  auto error_header = header(code, true);
  error_header.segment_of_result = gw::SegmentOfResult::Abnormal;
  error_header.error_code = "EOQS1001";
  error_header.error_message = "署名を検証できません";
  out.push_back({error_header, gw::ProcessingResultStatus::Error, "EOQS1001",
                 "署名を検証できません", gw::QualificationAnswer{}});

  out.push_back({header(code, true), gw::ProcessingResultStatus::Ok, "", "",
                 gw::BatchAccepted{"RCP20260401000001"}});
  auto progress = header(code, true);
  progress.segment_of_result = gw::SegmentOfResult::InProgress;
  out.push_back({progress, gw::ProcessingResultStatus::Ok, "", "",
                 gw::BatchResults{"RCP20260401000001", {}}});
  gw::BatchResults results{"RCP20260401000001", {answer, none, lost}};
  out.push_back({header(code, true), gw::ProcessingResultStatus::Ok, "", "", results});
  out.push_back({header(code, true), gw::ProcessingResultStatus::Ok, "", "",
                 gw::ChallengeIssued{std::string(32, '\x01'), 60}});
  return out;
}

// xmllint's verdict on the bytes, "" when valid.
std::string schema_errors(const std::string& bytes) {
  madoguchi_test::TempDir dir("xsd");
  auto file = dir.path() / "m.xml";
  std::ofstream(file, std::ios::binary) << bytes;
  auto r = madoguchi_test::run_command("xmllint --noout --schema " + std::string(MADOGUCHI_XSD) +
                                       " " + file.string() + " 2>&1");
  return r.exit_code == 0 ? "" : r.output;
}

class RoundTrip : public ::testing::TestWithParam<gw::CharacterCode> {};

TEST_P(RoundTrip, EveryRequestReadsBackAndMatchesTheSchema) {
  for (const auto& m : requests(GetParam())) {
    std::string bytes = gw::write(m);
    EXPECT_EQ(schema_errors(bytes), "") << bytes;
    auto back = gw::parse_request(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, m) << bytes;
  }
}

TEST_P(RoundTrip, EveryResponseReadsBackAndMatchesTheSchema) {
  for (const auto& m : responses(GetParam())) {
    std::string bytes = gw::write(m);
    EXPECT_EQ(schema_errors(bytes), "") << bytes;
    auto back = gw::parse_response(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, m) << bytes;
  }
}

INSTANTIATE_TEST_SUITE_P(Encodings, RoundTrip,
                         ::testing::Values(gw::CharacterCode::Utf8, gw::CharacterCode::ShiftJis),
                         [](const auto& info) {
                           return info.param == gw::CharacterCode::Utf8 ? "Utf8" : "ShiftJis";
                         });

TEST(Schema, RejectsWhatTheSchemaForbids) {
  auto m = requests(gw::CharacterCode::Utf8).front();
  std::get<gw::SearchInfo>(m.body).insured_branch_number = "1";  // 枝番 is two digits
  EXPECT_NE(schema_errors(gw::write(m)), "");
  std::string renamed = gw::write(requests(gw::CharacterCode::Utf8).front());
  renamed.replace(renamed.find("InsurerNumber>"), 13, "InsurerNumbr");
  renamed.replace(renamed.find("InsurerNumber>"), 13, "InsurerNumbr");
  EXPECT_NE(schema_errors(renamed), "");
}

TEST(Encoding, ShiftJisBytesAreShiftJis) {
  auto m = responses(gw::CharacterCode::ShiftJis).front();
  std::string bytes = gw::write(m);
  // 髙 and － have no strict Shift_JIS form: the message is declared as Windows-31J.
  EXPECT_NE(bytes.find("encoding=\"Windows-31J\""), std::string::npos);
  std::string plain = gw::write(requests(gw::CharacterCode::ShiftJis).front());
  EXPECT_NE(plain.find("encoding=\"Shift_JIS\""), std::string::npos);
  EXPECT_NE(plain.find("\x8b\x4c\x8d\x86"), std::string::npos);  // 記号
  EXPECT_NE(bytes.find("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"), std::string::npos);
  // 窓口 in Shift_JIS is 91 8B 8C FB; its UTF-8 form must not appear.
  EXPECT_NE(bytes.find("\x91\x8b\x8c\xfb"), std::string::npos);
  EXPECT_EQ(bytes.find("窓口"), std::string::npos);
  auto utf8 = gw::write(responses(gw::CharacterCode::Utf8).front());
  EXPECT_NE(utf8.find("窓口"), std::string::npos);
}

TEST(Encoding, ShiftJisConversionRejectsBrokenBytes) {
  auto r = gw::shift_jis_to_utf8("\x81");  // a lead byte with nothing after it
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "gateway.encoding");
}

TEST(Malformed, GivesProtocolErrors) {
  const std::vector<std::string> bad = {
      "",
      "not xml at all",
      "<XmlMsg><MessageHeader>",            // truncated
      "<?xml version=\"1.0\"?><Other/>",    // wrong root
      "<XmlMsg><MessageBody/></XmlMsg>",    // no header
      "<XmlMsg><MessageHeader/></XmlMsg>",  // no body
      "<XmlMsg><MessageHeader/><MessageBody><Unknown/></MessageBody></XmlMsg>",
      "<XmlMsg><MessageHeader><CharacterCodeIdentifier>7</CharacterCodeIdentifier>"
      "</MessageHeader><MessageBody><ChallengeRequest/></MessageBody></XmlMsg>",
      "<XmlMsg><MessageHeader/><MessageBody><QualificationConfirmSearchInfo>"
      "<InsurerNumber>06139992</InsurerNumber><Birthdate>1985-04-12</Birthdate>"
      "</QualificationConfirmSearchInfo></MessageBody></XmlMsg>",
      "<XmlMsg><MessageHeader/><MessageBody><CardAuthentication>"
      "<UserAuthenticationCertificate>***</UserAuthenticationCertificate>"
      "</CardAuthentication></MessageBody></XmlMsg>",
      "<XmlMsg><MessageHeader/><MessageBody>\xff\xfe</MessageBody></XmlMsg>",  // not UTF-8
  };
  for (const auto& b : bad) {
    auto r = gw::parse_request(b);
    ASSERT_FALSE(r) << b;
    EXPECT_EQ(r.error().code, "gateway.protocol") << b;
  }
  const std::vector<std::string> bad_answers = {
      "<XmlMsg><MessageHeader/><MessageBody/></XmlMsg>",  // no status
      "<XmlMsg><MessageHeader/><MessageBody><ProcessingResultStatus>1</ProcessingResultStatus>"
      "<QualificationValidity>6</QualificationValidity></MessageBody></XmlMsg>",
      "<XmlMsg><MessageHeader><SegmentOfResult>x</SegmentOfResult></MessageHeader>"
      "<MessageBody><ProcessingResultStatus>1</ProcessingResultStatus></MessageBody></XmlMsg>",
      "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><XmlMsg>\x81</XmlMsg>",
  };
  for (const auto& b : bad_answers) {
    auto r = gw::parse_response(b);
    ASSERT_FALSE(r) << b;
    EXPECT_EQ(r.error().code, "gateway.protocol") << b;
  }
}

// Malformed input is an error value, never a crash: truncations and random byte changes of
// every message in both encodings (run under ASan in the fuzz build for more).
TEST(Malformed, MutatedMessagesNeverCrash) {
  std::mt19937 rng(20260401);
  std::vector<std::string> seeds;
  for (auto code : {gw::CharacterCode::Utf8, gw::CharacterCode::ShiftJis}) {
    for (const auto& m : requests(code)) seeds.push_back(gw::write(m));
    for (const auto& m : responses(code)) seeds.push_back(gw::write(m));
  }
  int parsed = 0, refused = 0;
  for (const auto& seed : seeds) {
    for (int i = 0; i < 300; ++i) {
      std::string b = seed;
      if (i % 3 == 0) {
        b.resize(rng() % b.size());
      } else {
        for (int k = 0, n = 1 + static_cast<int>(rng() % 8); k < n; ++k)
          b[rng() % b.size()] = static_cast<char>(rng() % 256);
      }
      auto req = gw::parse_request(b);
      auto res = gw::parse_response(b);
      if (res) {
        if (auto* a = std::get_if<gw::QualificationAnswer>(&res->body))
          (void)gw::detail::to_confirmation(*a);
      }
      if (!req) {
        EXPECT_EQ(req.error().code, "gateway.protocol");
      }
      if (!res) {
        EXPECT_EQ(res.error().code, "gateway.protocol");
      }
      (req || res) ? ++parsed : ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(parsed, 0);
}

TEST(Mapping, RecordBecomesDomainQualification) {
  auto q = gw::to_qualification(record(), QualificationValidity::Valid);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->validity, QualificationValidity::Valid);
  ASSERT_TRUE(q->identity);
  EXPECT_EQ(q->identity->insurer.digits(), "06139992");
  EXPECT_EQ(q->identity->number.value(), "12345");  // full-width normalised by the domain
  ASSERT_TRUE(q->identity->branch);
  EXPECT_EQ(q->identity->branch->value(), "01");
  EXPECT_EQ(q->relationship, madoguchi::Relationship::Self);
  // 70–74: the elderly recipient certificate's ratio and end date are the ones that count.
  ASSERT_TRUE(q->copay);
  EXPECT_EQ(q->copay->percent(), 20);
  ASSERT_TRUE(q->copay_valid_until);
  EXPECT_EQ(q->copay_valid_until->compact(), "20270731");
  EXPECT_EQ(q->birth_date->compact(), "19520412");
  EXPECT_EQ(q->insurer_name, "窓口健康保険組合");
}

TEST(Mapping, BadInsurerNumberIsAProtocolError) {
  auto r = record();
  r.insurer_number = "06139993";  // wrong check digit
  auto q = gw::to_qualification(r, QualificationValidity::Valid);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, "gateway.protocol");
}

TEST(Mapping, ErrorAnswerIsRejected) {
  auto answers = responses(gw::CharacterCode::Utf8);
  auto c = gw::detail::confirmation_from(answers[3]);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "gateway.rejected");
  auto ok = gw::detail::confirmation_from(answers[1]);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->validity, QualificationValidity::Invalid);
  EXPECT_TRUE(ok->visually_confirmed);
  ASSERT_EQ(ok->qualifications.size(), 1u);
  EXPECT_EQ(ok->qualifications[0].disqualification_date->compact(), "20260331");
}

TEST(Base64, RoundTrips) {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("\x00\xff\x10", 3)}) {
    auto back = gw::base64_decode(gw::base64_encode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(gw::base64_decode("abc"));
}

}  // namespace
