// XmlMsg round trips in UTF-8 and Shift_JIS and in two element orders, validated against
// proto/oqs/XmlMsg.xsd with xmllint; the compatibility corpus (tests/gateway/corpus, written
// from the published element lists); one Shift_JIS (CP932); malformed input gives
// "gateway.protocol"; results map to domain types.
#include <madoguchi/gateway/messages.hpp>

#include "protocol.hpp"

#include <madoguchi_test/process.hpp>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
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
  r.limit = gw::LimitApplicationCertificateInfo{"01",       "A01",      "20250401",
                                                "20250401", "20260731", "20250901"};
  r.name_of_other = "高橋　一";
  r.name_of_other_kana = "タカハシ　ハジメ";
  r.sex2 = "1";
  r.public_expenses = {{"54136015", "1234566", "20250401", "20260331",
                        gw::MedicalTicketInfo{"1", "20250401", "20250430", "窓口クリニック"}},
                       {"21136010", "7654321", "20250401", "", std::nullopt}};
  r.specific_health_checkups = {"1", "20251020093000"};
  r.pharmacists = {"0", ""};
  r.operations = {"1", "20251020093000"};
  r.prescription_issue_select = "1";
  r.reference_number = "R0000000001";
  return r;
}

gw::QualificationRecord medical_aid() {
  gw::QualificationRecord r;
  r.insured_card_classification = "A1";
  r.insurer_number = "12136016";
  r.insured_identification_number = "7001";
  r.name = "中村　誠";
  r.public_expenses = {{"12136016", "1234566", "20260401", "20260430",
                        gw::MedicalTicketInfo{"1", "20260401", "20260430", "窓口クリニック"}}};
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
  batch.items.push_back({"  138156", "医国１２３", "０１２３‐００１", "", "", false});
  auto upload = header(code, false);  // OQSmuquc01req: date, institution, file id
  upload.process_execution_time.clear();
  upload.reference_classification.reset();
  out.push_back({upload, batch});
  gw::MessageHeader download;  // OQSmuquc02req: the institution code only
  download.medical_institution_code = "1312345678";
  download.character_code = code;
  out.push_back({download, gw::BatchDownload{"RCP20260401000001"}});
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

  gw::MessageHeader accepted;  // OQSmuquc01res: time, institution, file id, encoding
  accepted.process_execution_time = "20260401093016";
  accepted.medical_institution_code = "1312345678";
  accepted.arbitrary_file_identifier = "20260401000042";
  accepted.character_code = code;
  out.push_back({accepted, gw::ProcessingResultStatus::Ok, "", "",
                 gw::BatchAccepted{"RCP20260401000001", "20260401093016"}});
  auto progress = header(code, true);
  progress.reception_number = "RCP20260401000001";
  progress.segment_of_result = gw::SegmentOfResult::InProgress;
  out.push_back({progress, gw::ProcessingResultStatus::Ok, "", "", gw::BatchResults{}});

  gw::BatchResults results;
  results.units.push_back({search_info(), gw::ProcessingResultStatus::Ok, "", "",
                           QualificationValidity::Valid, record(), "R0000000001"});
  results.units.push_back({{"12136016", "", "7001", "", "", false},
                           gw::ProcessingResultStatus::Ok,
                           "",
                           "",
                           QualificationValidity::ValidUnregistered,
                           medical_aid(),
                           "R2"});
  results.units.push_back({{"138156", "医国１２３", "０１２３‐００１", "", "", false},
                           gw::ProcessingResultStatus::Error,
                           "EOQS4001",
                           "該当なし",
                           std::nullopt,
                           std::nullopt,
                           ""});
  auto done = header(code, true);
  done.reception_number = "RCP20260401000001";
  done.number_of_processing_result = 3;
  done.number_of_normal_processing = 2;
  done.number_of_error = 1;
  out.push_back({done, gw::ProcessingResultStatus::Ok, "", "", results});

  gw::QualificationAnswer aid;  // a face reader's result: its own ReferenceClassification
  aid.validity = QualificationValidity::ValidUnregistered;
  aid.results = {medical_aid()};
  auto face = header(code, true);
  face.reference_classification = static_cast<gw::ReferenceClassification>(7);
  out.push_back({face, gw::ProcessingResultStatus::Ok, "", "", aid});
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

// The same message with the children of every element in the opposite order (as other systems
// order them), in the same encoding. Repeated elements (search infos, units) keep their order
// among themselves: that order is the message's content.
void reverse_children(pugi::xml_node node) {
  std::vector<pugi::xml_node> kids;
  std::map<std::string, int> first;
  for (auto c : node.children())
    if (c.type() == pugi::node_element) {
      first.emplace(c.name(), static_cast<int>(first.size()));
      kids.push_back(c);
    }
  std::stable_sort(kids.begin(), kids.end(),
                   [&](auto a, auto b) { return first[a.name()] > first[b.name()]; });
  for (auto c : kids) {
    reverse_children(c);
    node.append_move(c);
  }
}
std::string reversed(const std::string& bytes) {
  const bool sjis = bytes.find("\"UTF-8\"") == std::string::npos;
  std::string utf8 = sjis ? gw::shift_jis_to_utf8(bytes).value() : bytes;
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_buffer(utf8.data(), utf8.size(),
                              pugi::parse_default | pugi::parse_declaration, pugi::encoding_utf8));
  reverse_children(doc.document_element());
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return sjis ? gw::utf8_to_shift_jis(out.str()).value() : out.str();
}

class RoundTrip : public ::testing::TestWithParam<gw::CharacterCode> {};

TEST_P(RoundTrip, EveryRequestReadsBackInEitherOrderAndMatchesTheSchema) {
  for (const auto& m : requests(GetParam())) {
    std::string bytes = gw::write(m);
    for (const auto& b : {bytes, reversed(bytes)}) {
      EXPECT_EQ(schema_errors(b), "") << b;
      auto back = gw::parse_request(b, gw::kind_of(m));
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, m) << b;
      auto inferred = gw::parse_request(b);  // what an HTTPS endpoint or a guess makes of it
      ASSERT_TRUE(inferred) << inferred.error().message;
      EXPECT_EQ(inferred->body.index(), m.body.index()) << b;
    }
  }
}

TEST_P(RoundTrip, EveryResponseReadsBackInEitherOrderAndMatchesTheSchema) {
  for (const auto& m : responses(GetParam())) {
    std::string bytes = gw::write(m);
    for (const auto& b : {bytes, reversed(bytes)}) {
      EXPECT_EQ(schema_errors(b), "") << b;
      auto back = gw::parse_response(b);
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, m) << b;
    }
  }
}

TEST(Batch, UploadHasSearchInfosDirectlyUnderTheBodyAndResultsNoStatus) {
  auto up = gw::write(requests(gw::CharacterCode::Utf8)[3]);
  EXPECT_NE(up.find("<MessageBody>\n    <QualificationConfirmSearchInfo>"), std::string::npos)
      << up;
  auto all = responses(gw::CharacterCode::Utf8);
  auto accepted = gw::write(all[4]);
  EXPECT_EQ(accepted.find("ProcessingResultStatus"), std::string::npos) << accepted;
  EXPECT_NE(accepted.find("<ReceptionDateTime>"), std::string::npos);
  auto results = gw::write(all[6]);
  EXPECT_NE(results.find("<MessageBody>\n    <BulkConfirmUnit>"), std::string::npos) << results;
  EXPECT_EQ(results.find("<ResultList>"), std::string::npos);  // one result per unit, no list
  EXPECT_NE(results.find("<NumberOfProcessingResult>3<"), std::string::npos);
}

TEST(Batch, CountsThatDisagreeWithTheUnitsAreProtocolErrors) {
  auto m = responses(gw::CharacterCode::Utf8)[6];
  for (auto change : {+[](gw::MessageHeader& h) { h.number_of_processing_result = 4; },
                      +[](gw::MessageHeader& h) { h.number_of_error = 0; },
                      +[](gw::MessageHeader& h) { h.number_of_normal_processing = 3; }}) {
    auto bad = m;
    change(bad.header);
    auto r = gw::parse_response(gw::write(bad));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "gateway.protocol");
  }
}

// -------------------------------------------------------------- compatibility corpus
const std::filesystem::path kCorpus = madoguchi_test::source_dir() / "tests/gateway/corpus";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class Corpus : public ::testing::TestWithParam<std::string> {};

TEST_P(Corpus, EveryFileValidatesParsesAndWritesBack) {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / GetParam())) {
    ++files;
    const std::string name = e.path().filename().string();
    const std::string bytes = slurp(e.path());
    EXPECT_EQ(schema_errors(bytes), "") << name;
    if (name.find("req") != std::string::npos) {
      auto kind = name.starts_with("OQSmuquc01")   ? gw::MessageKind::BatchUpload
                  : name.starts_with("OQSmuquc02") ? gw::MessageKind::BatchDownload
                                                   : gw::MessageKind::Single;
      auto m = gw::parse_request(bytes, kind);
      ASSERT_TRUE(m) << name << ": " << m.error().message;
      auto again = gw::parse_request(gw::write(*m), kind);
      ASSERT_TRUE(again) << name;
      EXPECT_EQ(*again, *m) << name;
    } else {
      auto m = gw::parse_response(bytes);
      ASSERT_TRUE(m) << name << ": " << m.error().message;
      auto again = gw::parse_response(gw::write(*m));
      ASSERT_TRUE(again) << name;
      EXPECT_EQ(*again, *m) << name;
    }
  }
  EXPECT_EQ(files, 8);
}

TEST_P(Corpus, ReadsTheSameInBothEncodings) {
  const auto dir = kCorpus / GetParam();
  auto single = gw::parse_request(slurp(dir / "OQSsiquc01req.xml"), gw::MessageKind::Single);
  ASSERT_TRUE(single) << single.error().message;
  const auto& s = std::get<gw::SearchInfo>(single->body);
  EXPECT_EQ(s.insurer_number, "  138156");  // as it came
  EXPECT_EQ(s.insured_card_symbol, "医国１２３");
  EXPECT_EQ(s.insured_identification_number, "０１２３‐００１");
  EXPECT_EQ(gw::match_key(s), "138156|医国123|0123-001|00|19800808");

  auto answer = gw::parse_response(slurp(dir / "OQSsiquc01res.xml"));
  ASSERT_TRUE(answer) << answer.error().message;
  auto c = gw::detail::confirmation_from(*answer);
  ASSERT_TRUE(c) << c.error().message;
  const auto& q = c->qualifications.at(0);
  EXPECT_EQ(q.identity->insurer.digits(), "138156");
  EXPECT_EQ(q.identity->symbol->value(), "医国123");
  EXPECT_EQ(q.identity->symbol->as_given(), "医国１２３");
  EXPECT_EQ(q.identity->number.value(), "0123-001");
  EXPECT_EQ(q.details.name_of_other, "李　敏");
  EXPECT_EQ(q.details.sex2, "2");
  ASSERT_TRUE(q.details.limit_certificate);
  EXPECT_EQ(q.details.limit_certificate->bracket, "A03");
  EXPECT_EQ(q.details.limit_certificate->long_term_since->iso(), "2025-09-01");
  ASSERT_EQ(q.details.consents.size(), 4u);
  EXPECT_EQ(q.details.consents[2].kind, "diagnosis");
  EXPECT_FALSE(q.details.consents[2].agreed);
  EXPECT_EQ(q.details.prescription_issue, "1");
  // Sent back exactly as given, compared normalised.
  auto back = gw::to_search_info(*q.identity, q.birth_date);
  EXPECT_EQ(back.insured_card_symbol, "医国１２３");
  EXPECT_EQ(back.insured_identification_number, "０１２３‐００１");
  EXPECT_EQ(back.insurer_number, "  138156");

  auto face = gw::parse_response(slurp(dir / "OQSsiquc01res_face.xml"));
  ASSERT_TRUE(face) << face.error().message;
  EXPECT_EQ(static_cast<int>(*face->header.reference_classification), 7);  // kept, not fatal
  auto aid = gw::detail::confirmation_from(*face);
  ASSERT_TRUE(aid) << aid.error().message;
  EXPECT_EQ(aid->validity, QualificationValidity::ValidUnregistered);
  const auto& d = aid->qualifications.at(0).details;
  EXPECT_EQ(d.card_classification, "A1");
  ASSERT_EQ(d.public_expenses.size(), 1u);
  EXPECT_EQ(d.public_expenses[0].medical_ticket_type, "1");
  EXPECT_EQ(d.public_expenses[0].designated_institution, "窓口クリニック");

  auto results = gw::parse_response(slurp(dir / "OQSmuquc02res.xml"));
  ASSERT_TRUE(results) << results.error().message;
  EXPECT_EQ(results->header.reception_number, "RCP0000000000042");
  const auto& units = std::get<gw::BatchResults>(results->body).units;
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].status, gw::ProcessingResultStatus::Error);
  EXPECT_EQ(units[0].result_code, "EOQS4002");
  EXPECT_EQ(units[2].result->name, "山田　太郎");

  auto accepted = gw::parse_response(slurp(dir / "OQSmuquc01res.xml"));
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(std::get<gw::BatchAccepted>(accepted->body).reception_number, "RCP0000000000042");
  auto upload = gw::parse_request(slurp(dir / "OQSmuquc01req.xml"));  // inferred: a batch
  ASSERT_TRUE(upload) << upload.error().message;
  EXPECT_EQ(std::get<gw::BatchUpload>(upload->body).items.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Encodings, Corpus, ::testing::Values("utf8", "sjis"));

// -------------------------------------------------------------- one Shift_JIS
// The bytes whose meaning differs between strict Shift_JIS and Windows-31J decode as
// Windows-31J, whatever the declaration calls the encoding.
TEST(Encoding, ShiftJisIsAlwaysWindows31J) {
  const std::pair<std::string, std::string> differing[] = {
      {"\x81\x60", "～"},  // not 〜 U+301C
      {"\x81\x7c", "－"},  // not − U+2212
      {"\x81\x61", "∥"},   // not ‖ U+2016
      {"\x81\x91", "￠"},  // not ¢
      {"\x81\x92", "￡"},  // not £
      {"\x81\xca", "￢"},  // not ¬
      {"\x87\x40", "①"},   // NEC special characters: none in strict Shift_JIS
      {"\xfb\xfc", "髙"},  // IBM extension
  };
  for (const char* declared : {"Shift_JIS", "SJIS", "shift-jis", "Windows-31J", "CP932", "MS932"}) {
    for (const auto& [bytes, text] : differing) {
      std::string m = std::string("<?xml version=\"1.0\" encoding=\"") + declared +
                      "\"?><XmlMsg><MessageHeader><ErrorMessage>" + bytes +
                      "</ErrorMessage></MessageHeader><MessageBody><ProcessingResultStatus>1"
                      "</ProcessingResultStatus></MessageBody></XmlMsg>";
      auto r = gw::parse_response(m);
      ASSERT_TRUE(r) << declared << " " << text << ": " << r.error().message;
      EXPECT_EQ(r->header.error_message, text) << declared;
    }
  }
  // Written the same way: ～ and 〜 both become 81 60 and read back as ～.
  auto m = responses(gw::CharacterCode::ShiftJis)[3];
  m.header.error_message = "〜～";
  auto bytes = gw::write(m);
  EXPECT_NE(bytes.find("\x81\x60\x81\x60"), std::string::npos);
  EXPECT_EQ(gw::parse_response(bytes)->header.error_message, "～～");
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

TEST(Encoding, CharactersWithoutAShiftJisFormTravelAsReferences) {
  // Found by fuzz_xmlmsg: writing such a message in Shift_JIS threw. 𠮷 and an emoji have no
  // Windows-31J form; they go as character references and read back as themselves.
  auto m = responses(gw::CharacterCode::ShiftJis)[3];
  m.header.error_message = "𠮷野家😀 〜";
  std::string bytes;
  ASSERT_NO_THROW(bytes = gw::write(m));
  EXPECT_NE(bytes.find("&#x20BB7;"), std::string::npos);
  EXPECT_NE(bytes.find("&#x1F600;"), std::string::npos);
  auto back = gw::parse_response(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->header.error_message, "𠮷野家😀 ～");
  EXPECT_EQ(schema_errors(bytes), "");
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
      "<QualificationValidity>7</QualificationValidity></MessageBody></XmlMsg>",
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

TEST(Mapping, IdentifiersGoBackAsGivenLessBlanks) {
  auto symbol = madoguchi::InsuredSymbol::parse(" 医国　１２３ ");
  ASSERT_TRUE(symbol);
  EXPECT_EQ(symbol->value(), "医国123");
  EXPECT_EQ(symbol->as_given(), "医国１２３");
  auto number = madoguchi::InsuredNumber::parse("０１２３‐００１");
  ASSERT_TRUE(number);
  EXPECT_EQ(number->as_given(), "０１２３‐００１");
  EXPECT_EQ(*number, madoguchi::InsuredNumber::parse("0123-001").value());  // compared normalised
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
