// The served folders with fake ports: a receipt system's request files in req/ are answered in
// res/ — single queries in both encodings, a file still being written, bad XML, a full batch
// with refused items and its progress, an unknown reception number, the gateway down.
#include <madoguchi/folders/folders.hpp>

#include "answers.hpp"

#include <madoguchi_test/process.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace madoguchi;
namespace fs = std::filesystem;
namespace gw = madoguchi::gateway;
using namespace std::chrono_literals;

namespace {

gw::Confirmation insured(const InsuranceIdentity& who, const std::optional<Date>& birth) {
  Qualification q;
  q.validity = QualificationValidity::Valid;
  q.identity = who;
  q.relationship = Relationship::Self;
  q.copay = *CoPayRatio::from_percent(30);
  q.name = "山田　太郎";
  q.birth_date = birth ? *birth : *Date::from_ymd(1985, 4, 12);
  q.details.card_classification = "01";
  return {QualificationValidity::Valid, {q}, false, "gw-ref", std::nullopt};
}

class FakeGateway : public gw::GatewayPort {
 public:
  std::atomic<bool> down{false};
  // While held, batch() waits: the batch is "in progress".
  std::mutex mu;
  std::condition_variable cv;
  bool hold_batches = false;
  std::atomic<int> batches{0};

  Result<std::string> challenge() override { return make_error("gateway.unsupported", "-"); }
  Result<gw::Confirmation> confirm_by_number(const gw::NumberQuery& q) override {
    if (down) return make_error("gateway.unavailable", "down");
    return insured(q.identity, q.birth_date);
  }
  void confirm_by_number(const gw::NumberQuery& q, Completion<gw::Confirmation> done) override {
    std::thread([this, q, done = std::move(done)] { done(confirm_by_number(q)); }).detach();
  }
  Result<gw::Confirmation> confirm_by_card(const gw::CardQuery&) override {
    return make_error("gateway.unsupported", "-");
  }
  Result<std::vector<gw::Confirmation>> batch(std::span<const gw::NumberQuery> queries) override {
    ++batches;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !hold_batches; });
    }
    if (down) return make_error("gateway.unavailable", "down");
    std::vector<gw::Confirmation> out;
    for (const auto& q : queries) out.push_back(insured(q.identity, q.birth_date));
    return out;
  }
  void release() {
    {
      std::lock_guard lock(mu);
      hold_batches = false;
    }
    cv.notify_all();
  }
};

class FakeAudit : public audit::AuditSink {
 public:
  std::mutex mu;
  std::vector<audit::AuditRecord> records;
  Result<audit::Durability> write(const audit::AuditRecord& r) override {
    std::lock_guard lock(mu);
    records.push_back(r);
    return audit::Durability::Database;
  }
  void write(audit::AuditRecord r, Completion<audit::Durability> done) override { done(write(r)); }
  std::vector<audit::AuditRecord> all() {
    std::lock_guard lock(mu);
    return records;
  }
};

const Date kToday = *Date::from_ymd(2026, 11, 25);

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A bounded wait for a file another thread writes (no fixed sleep).
std::optional<std::string> await_file(const fs::path& p, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (fs::exists(p)) return read(p);
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

// As a receipt system writes it: a dot file renamed into req/.
void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
  const fs::path tmp = dir / ("." + name + ".tmp");
  std::ofstream(tmp, std::ios::binary) << bytes;
  fs::rename(tmp, dir / name);
}

gw::MessageHeader header(const std::string& id, gw::CharacterCode code) {
  gw::MessageHeader h;
  h.process_execution_time = "20261125093000";
  h.qualification_confirmation_date = "20261125";
  h.medical_institution_code = "1312345678";
  h.arbitrary_file_identifier = id;
  h.reference_classification = gw::ReferenceClassification::InsuranceCardInfo;
  h.character_code = code;
  return h;
}

gw::SearchInfo search(const std::string& insurer, const std::string& symbol,
                      const std::string& number, const std::string& birth = "19850412") {
  return {insurer, symbol, number, "00", birth, false};
}

std::string single(const std::string& id, const gw::SearchInfo& s,
                   gw::CharacterCode code = gw::CharacterCode::Utf8) {
  return gw::write(gw::Request{header(id, code), s});
}

struct Served {
  explicit Served(std::chrono::milliseconds settle = 300ms)
      : dir("folders"), checks(gateway, audit) {
    folders::ServedFoldersConfig config;
    config.root = dir.path();
    config.caller = {"desk-1", "receipt-folder"};
    config.settle = settle;
    config.today = [] { return kToday; };
    served = std::make_unique<folders::ServedFolders>(config, checks);
    EXPECT_TRUE(served->start());
  }
  ~Served() { gateway.release(); }  // a failed test must not leave a batch waiting
  fs::path req() const { return dir.path() / "req"; }
  fs::path res() const { return dir.path() / "res"; }
  madoguchi_test::TempDir dir;
  FakeGateway gateway;
  FakeAudit audit;
  check::CheckService checks;
  std::unique_ptr<folders::ServedFolders> served;
};

TEST(ServedFolders, SingleQueryInUtf8IsCheckedAuditedAndAnswered) {
  Served s;
  put(s.req(), "OQSsiquc01req_202611250000001.xml",
      single("202611250000001", search("06139992", "1001", "1001")));
  auto bytes = await_file(s.res() / "OQSsiquc01res_202611250000001.xml");
  ASSERT_TRUE(bytes);
  EXPECT_TRUE(bytes->starts_with("<?xml") && bytes->find("encoding=\"UTF-8\"") < 40) << *bytes;
  auto answer = gw::parse_response(*bytes);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->status, gw::ProcessingResultStatus::Ok);
  EXPECT_EQ(answer->header.segment_of_result, gw::SegmentOfResult::Normal);
  EXPECT_EQ(answer->header.arbitrary_file_identifier, "202611250000001");
  EXPECT_EQ(answer->header.medical_institution_code, "1312345678");
  const auto& a = std::get<gw::QualificationAnswer>(answer->body);
  EXPECT_EQ(a.validity, QualificationValidity::Valid);
  ASSERT_TRUE(a.search_info);
  EXPECT_EQ(a.search_info->insured_identification_number, "1001");
  ASSERT_EQ(a.results.size(), 1u);
  EXPECT_EQ(a.results[0].insurer_number, "06139992");
  EXPECT_EQ(a.results[0].insured_partial_contribution_ratio, "030");
  EXPECT_EQ(a.results[0].personal_family_classification, "1");
  EXPECT_EQ(a.results[0].birthdate, "19850412");
  EXPECT_EQ(a.results[0].name, "山田　太郎");
  EXPECT_FALSE(answer->result_message.empty());  // the decision's sentence

  // One audit record, by the folder's client at the daemon's terminal; its id is the answer's
  // ReferenceNumber. The request is gone, as from a terminal.
  auto records = s.audit.all();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].client_id, "receipt-folder");
  EXPECT_EQ(records[0].terminal_id, "desk-1");
  EXPECT_EQ(records[0].check_id, a.results[0].reference_number);
  EXPECT_FALSE(fs::exists(s.req() / "OQSsiquc01req_202611250000001.xml"));
  EXPECT_EQ(s.served->stats().answered, 1u);
}

TEST(ServedFolders, ShiftJisRequestIsAnsweredInShiftJisWithTheValuesAsGiven) {
  Served s;
  // 国保: 6 digits padded with blanks, full-width 記号・番号 with a full-width hyphen.
  put(s.req(), "OQSsiquc01req_202611250000002.xml",
      single("202611250000002", search("  138156", "医国１２３", "０１２３‐００１", "19800808"),
             gw::CharacterCode::ShiftJis));
  auto bytes = await_file(s.res() / "OQSsiquc01res_202611250000002.xml");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(folders::detail::declared_encoding(*bytes), gw::CharacterCode::ShiftJis) << *bytes;
  EXPECT_EQ(bytes->find("医国"), std::string::npos);  // not UTF-8 bytes
  auto sjis = gw::utf8_to_shift_jis("医国１２３");
  ASSERT_TRUE(sjis);
  EXPECT_NE(bytes->find(*sjis), std::string::npos);
  auto answer = gw::parse_response(*bytes);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->header.character_code, gw::CharacterCode::ShiftJis);
  const auto& a = std::get<gw::QualificationAnswer>(answer->body);
  ASSERT_EQ(a.results.size(), 1u);
  EXPECT_EQ(a.results[0].insured_card_symbol, "医国１２３");
  EXPECT_EQ(a.results[0].insured_identification_number, "０１２３‐００１");
  EXPECT_EQ(a.results[0].insurer_number, "  138156");
  ASSERT_EQ(s.audit.all().size(), 1u);
  EXPECT_EQ(s.audit.all()[0].insurer_number, "138156");
}

TEST(ServedFolders, AFileStillBeingWrittenIsReadOnceComplete) {
  Served s(30s);  // a writer may pause long: a file that stops changing is judged late
  const std::string whole = single("202611250000003", search("06139992", "1001", "1001"));
  const fs::path slow = s.req() / "OQSsiquc01req_202611250000003.xml";
  // An empty file and a half-written one, written in place (no rename), as some writers do.
  std::ofstream(s.req() / "OQSsiquc01req_202611250000000.xml", std::ios::binary).flush();
  std::ofstream(slow, std::ios::binary) << whole.substr(0, whole.size() / 2);
  // A whole request written after them is answered: the watcher has seen both meanwhile.
  put(s.req(), "OQSsiquc01req_202611250000004.xml",
      single("202611250000004", search("06139992", "1001", "1001")));
  ASSERT_TRUE(await_file(s.res() / "OQSsiquc01res_202611250000004.xml"));
  EXPECT_FALSE(fs::exists(s.res() / "OQSsiquc01res_202611250000003.xml"));
  EXPECT_FALSE(fs::exists(s.res() / "OQSsiquc01res_202611250000000.xml"));
  EXPECT_TRUE(fs::exists(slow));
  EXPECT_TRUE(fs::is_empty(s.dir.path() / "error"));

  std::ofstream(slow, std::ios::binary | std::ios::app) << whole.substr(whole.size() / 2);
  auto bytes = await_file(s.res() / "OQSsiquc01res_202611250000003.xml");
  ASSERT_TRUE(bytes);
  auto answer = gw::parse_response(*bytes);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(std::get<gw::QualificationAnswer>(answer->body).validity, QualificationValidity::Valid);
  EXPECT_EQ(s.audit.all().size(), 2u);
  EXPECT_EQ(s.served->stats().rejected, 0u);
}

TEST(ServedFolders, BadXmlGetsTheErrorShapeInItsEncodingAndMovesToError) {
  Served s(100ms);
  put(s.req(), "OQSsiquc01req_202611250000005.xml",
      "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<XmlMsg><MessageHeader>");
  put(s.req(), "OQSsiquc01req_202611250000006.xml", "not xml at all");
  for (const char* id : {"202611250000005", "202611250000006"}) {
    auto bytes = await_file(s.res() / ("OQSsiquc01res_" + std::string(id) + ".xml"));
    ASSERT_TRUE(bytes) << id;
    auto answer = gw::parse_response(*bytes);
    ASSERT_TRUE(answer) << answer.error().message;
    EXPECT_EQ(answer->header.segment_of_result, gw::SegmentOfResult::Abnormal);
    EXPECT_EQ(answer->header.error_code, "EOQS1001");
    EXPECT_EQ(answer->status, gw::ProcessingResultStatus::Error);
    EXPECT_EQ(answer->result_code, "EOQS1001");
    EXPECT_EQ(answer->header.arbitrary_file_identifier, id);  // from the file name
    EXPECT_TRUE(fs::exists(s.dir.path() / "error" / ("OQSsiquc01req_" + std::string(id) + ".xml")));
    EXPECT_FALSE(fs::exists(s.req() / ("OQSsiquc01req_" + std::string(id) + ".xml")));
  }
  EXPECT_EQ(folders::detail::declared_encoding(read(s.res() / "OQSsiquc01res_202611250000005.xml")),
            gw::CharacterCode::ShiftJis);
  EXPECT_TRUE(s.audit.all().empty());  // nothing was asked
  EXPECT_EQ(s.served->stats().rejected, 2u);

  // Still serving after them; files that are not requests are left alone.
  put(s.req(), "notes.txt", "hello");
  put(s.req(), "OQSsiquc01req_202611250000007.xml",
      single("202611250000007", search("06139992", "1001", "1001")));
  ASSERT_TRUE(await_file(s.res() / "OQSsiquc01res_202611250000007.xml"));
  EXPECT_TRUE(fs::exists(s.req() / "notes.txt"));
}

TEST(ServedFolders, IndividualNumberAndBadInsurerAreRefusedBeforeTheGatewayAndAudited) {
  Served s;
  put(s.req(), "OQSsiquc01req_202611250000008.xml",
      single("202611250000008", search("06139992", "", "123456789012")));
  put(s.req(), "OQSsiquc01req_202611250000009.xml",
      single("202611250000009", search("06139993", "1001", "1001")));
  auto individual = await_file(s.res() / "OQSsiquc01res_202611250000008.xml");
  auto check_digit = await_file(s.res() / "OQSsiquc01res_202611250000009.xml");
  ASSERT_TRUE(individual && check_digit);
  auto a = gw::parse_response(*individual);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->header.error_code, "EOQS4003");
  EXPECT_TRUE(a->result_message.starts_with("number.individual_number")) << a->result_message;
  EXPECT_EQ(a->result_message.find("123456789012"), std::string::npos);
  auto b = gw::parse_response(*check_digit);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->header.error_code, "EOQS4003");
  EXPECT_TRUE(b->result_message.starts_with("insurer_number.check_digit")) << b->result_message;

  auto records = s.audit.all();
  ASSERT_EQ(records.size(), 2u);
  std::set<std::string> reasons;
  for (const auto& r : records) {
    EXPECT_EQ(r.client_id, "receipt-folder");
    ASSERT_EQ(r.reasons.size(), 1u);
    reasons.insert(r.reasons[0]);
    EXPECT_EQ(r.insured_number.find("123456789012"), std::string::npos);  // never kept
  }
  EXPECT_EQ(reasons,
            (std::set<std::string>{"number.individual_number", "insurer_number.check_digit"}));
}

TEST(ServedFolders, GatewayDownIsAnErrorAnswerAndStillAudited) {
  Served s;
  s.gateway.down = true;
  put(s.req(), "OQSsiquc01req_202611250000010.xml",
      single("202611250000010", search("06139992", "1001", "1001")));
  auto bytes = await_file(s.res() / "OQSsiquc01res_202611250000010.xml");
  ASSERT_TRUE(bytes);
  auto answer = gw::parse_response(*bytes);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->header.error_code, "EOQS9001");
  EXPECT_EQ(answer->status, gw::ProcessingResultStatus::Error);
  ASSERT_EQ(s.audit.all().size(), 1u);
  EXPECT_EQ(s.audit.all()[0].gateway_error_code, "gateway.unavailable");
}

TEST(ServedFolders, BatchIsAcceptedThenInProgressThenAnsweredUnitByUnit) {
  Served s;
  s.gateway.hold_batches = true;
  gw::BatchUpload upload;
  upload.items = {search("06139992", "1001", "1001"), search("06139992", "", "123456789012"),
                  search("06139992", "1001", ""),
                  search("  138156", "医国１２３", "０１２３‐００１")};
  auto upload_header = header("202611250000011", gw::CharacterCode::ShiftJis);
  upload_header.reference_classification.reset();
  upload_header.process_execution_time.clear();
  put(s.req(), "OQSmuquc01req_202611250000011.xml", gw::write(gw::Request{upload_header, upload}));
  auto accepted_bytes = await_file(s.res() / "OQSmuquc01res_202611250000011.xml");
  ASSERT_TRUE(accepted_bytes);
  auto accepted = gw::parse_response(*accepted_bytes);
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->header.character_code, gw::CharacterCode::ShiftJis);
  const auto reception = std::get<gw::BatchAccepted>(accepted->body).reception_number;
  ASSERT_FALSE(reception.empty());

  auto download = [&](const std::string& id, const std::string& number) {
    gw::MessageHeader h;
    h.medical_institution_code = "1312345678";
    h.arbitrary_file_identifier = id;
    h.character_code = gw::CharacterCode::ShiftJis;
    put(s.req(), "OQSmuquc02req_" + id + ".xml",
        gw::write(gw::Request{h, gw::BatchDownload{number}}));
    auto bytes = await_file(s.res() / ("OQSmuquc02res_" + id + ".xml"));
    EXPECT_TRUE(bytes) << id;
    auto r = gw::parse_response(bytes.value_or(""));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : gw::Response{};
  };
  // The gateway has not answered yet: in progress, no units.
  auto progress = download("202611250000012", reception);
  EXPECT_EQ(progress.header.segment_of_result, gw::SegmentOfResult::InProgress);
  EXPECT_TRUE(std::get<gw::BatchResults>(progress.body).units.empty());

  s.gateway.release();
  gw::Response done;
  const auto until = std::chrono::steady_clock::now() + 10s;
  for (int i = 13; std::chrono::steady_clock::now() < until; ++i) {  // polled, as a terminal
    done = download("B" + std::to_string(i), reception);
    if (done.header.segment_of_result != gw::SegmentOfResult::InProgress) break;
  }
  ASSERT_EQ(done.header.segment_of_result, gw::SegmentOfResult::Normal);
  EXPECT_EQ(done.header.reception_number, reception);
  EXPECT_EQ(done.header.number_of_processing_result, 4);
  EXPECT_EQ(done.header.number_of_normal_processing, 2);
  EXPECT_EQ(done.header.number_of_error, 2);
  const auto& units = std::get<gw::BatchResults>(done.body).units;
  ASSERT_EQ(units.size(), 4u);
  std::map<std::string, const gw::BulkConfirmUnit*> by_key;
  for (const auto& u : units) by_key[gw::match_key(u.search_info)] = &u;
  ASSERT_EQ(by_key.size(), 4u);
  const auto* ok = by_key[gw::match_key(upload.items[0])];
  const auto* individual = by_key[gw::match_key(upload.items[1])];
  const auto* missing = by_key[gw::match_key(upload.items[2])];
  const auto* kokuho = by_key[gw::match_key(upload.items[3])];
  ASSERT_TRUE(ok && individual && missing && kokuho);
  EXPECT_EQ(ok->status, gw::ProcessingResultStatus::Ok);
  EXPECT_EQ(ok->validity, QualificationValidity::Valid);
  ASSERT_TRUE(ok->result);
  EXPECT_EQ(ok->reference_number, ok->result->reference_number);
  EXPECT_EQ(individual->status, gw::ProcessingResultStatus::Error);
  EXPECT_EQ(individual->result_code, "EOQS4003");
  EXPECT_EQ(missing->result_code, "EOQS4001");
  ASSERT_TRUE(kokuho->result);
  EXPECT_EQ(kokuho->result->insured_card_symbol, "医国１２３");

  // One gateway batch for the two valid items; every item audited once (two checks of the
  // batch, two refused inputs).
  EXPECT_EQ(s.gateway.batches.load(), 1);
  auto records = s.audit.all();
  ASSERT_EQ(records.size(), 4u);
  int in_batch = 0;
  for (const auto& r : records)
    if (!r.batch_id.empty()) ++in_batch;
  EXPECT_EQ(in_batch, 2);

  // Delivered once: asked again, the reception is unknown.
  auto again = download("202611250000099", reception);
  EXPECT_EQ(again.header.error_code, "EOQS3001");
  EXPECT_FALSE(fs::exists(s.req() / "OQSmuquc01req_202611250000011.xml"));
}

TEST(ServedFolders, UnknownReceptionNumberIsTheErrorShape) {
  Served s;
  gw::MessageHeader h;
  h.medical_institution_code = "1312345678";
  h.arbitrary_file_identifier = "202611250000100";
  put(s.req(), "OQSmuquc02req_202611250000100.xml",
      gw::write(gw::Request{h, gw::BatchDownload{"MDG0000000000001"}}));
  auto bytes = await_file(s.res() / "OQSmuquc02res_202611250000100.xml");
  ASSERT_TRUE(bytes);
  auto r = gw::parse_response(*bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.segment_of_result, gw::SegmentOfResult::Abnormal);
  EXPECT_EQ(r->header.error_code, "EOQS3001");
}

TEST(ServedFoldersNames, OnlyRequestFilesAreTaken) {
  using folders::detail::request_name;
  EXPECT_TRUE(request_name("OQSsiquc01req_2026112500001.xml"));
  EXPECT_EQ(request_name("OQSmuquc02req_x.xml")->answer_name(), "OQSmuquc02res_x.xml");
  EXPECT_FALSE(request_name(".OQSsiquc01req_1.xml.tmp"));
  EXPECT_FALSE(request_name("OQSsiquc01res_1.xml"));
  EXPECT_FALSE(request_name("OQSsiquc01req_.xml"));
  EXPECT_FALSE(request_name("OQSsiquc01req_1.txt"));
  EXPECT_EQ(folders::detail::declared_encoding("<?xml version='1.0' encoding='windows-31j'?><a/>"),
            gw::CharacterCode::ShiftJis);
  EXPECT_EQ(folders::detail::declared_encoding("<?xml version='1.0'?><a/>"),
            gw::CharacterCode::Utf8);
}

}  // namespace
