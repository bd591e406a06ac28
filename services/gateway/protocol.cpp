#include "protocol.hpp"

#include <ctime>
#include <optional>
#include <thread>
#include <unordered_map>

namespace madoguchi::gateway::detail {
namespace {
// The gateway lives in Japan Standard Time (UTC+9, no daylight saving), whatever the host's zone.
std::string format_now(const char* fmt) {
  std::time_t t = std::time(nullptr) + 9 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}
}  // namespace

std::string now_compact_datetime() { return format_now("%Y%m%d%H%M%S"); }
std::string today_compact() { return format_now("%Y%m%d"); }

MessageHeader request_header(const std::string& medical_institution_code,
                             ReferenceClassification classification, CharacterCode code,
                             const std::string& file_id) {
  MessageHeader h;
  h.process_execution_time = now_compact_datetime();
  h.qualification_confirmation_date = h.process_execution_time.substr(0, 8);
  h.medical_institution_code = medical_institution_code;
  h.arbitrary_file_identifier = file_id;
  h.reference_classification = classification;
  h.character_code = code;
  return h;
}

Request number_request(const NumberQuery& q, MessageHeader header) {
  return Request{std::move(header),
                 to_search_info(q.identity, q.birth_date, q.include_limit_certificate)};
}

Request card_request(const CardQuery& q, MessageHeader header) {
  return Request{std::move(header), CardAuthentication{q.certificate_der, q.challenge, q.signature,
                                                       q.visual_confirmation}};
}

Result<void> check_status(const Response& r) {
  bool abnormal = r.header.segment_of_result == SegmentOfResult::Abnormal;
  if (r.status == ProcessingResultStatus::Error || abnormal) {
    std::string code = !r.result_code.empty() ? r.result_code : r.header.error_code;
    std::string message = !r.result_message.empty() ? r.result_message : r.header.error_message;
    return make_error("gateway.rejected", "gateway answered " + code + ": " + message);
  }
  return {};
}

Result<Confirmation> to_confirmation(const QualificationAnswer& a) {
  if (!a.validity) return make_error("gateway.protocol", "answer has no QualificationValidity");
  Confirmation c;
  c.validity = *a.validity;
  c.visually_confirmed = a.card_verification == CardVerification::Visual;
  for (const auto& record : a.results) {
    auto q = to_qualification(record, c.validity);
    if (!q) return q.error();
    c.qualifications.push_back(std::move(*q));
    if (c.reference_number.empty()) c.reference_number = record.reference_number;
  }
  return c;
}

Result<Confirmation> to_confirmation(const BulkConfirmUnit& u) {
  Confirmation c;
  c.reference_number = u.reference_number;
  if (u.status == ProcessingResultStatus::Error) {
    c.unit_error =
        Error("gateway.rejected", "gateway answered " + u.result_code + ": " + u.result_message);
    return c;
  }
  if (!u.validity)
    return make_error("gateway.protocol", "BulkConfirmUnit has no QualificationValidity");
  c.validity = *u.validity;
  if (u.result) {
    auto q = to_qualification(*u.result, c.validity);
    if (!q) return q.error();
    c.qualifications.push_back(std::move(*q));
    if (c.reference_number.empty()) c.reference_number = u.result->reference_number;
  }
  return c;
}

Result<Confirmation> confirmation_from(const Response& r) {
  if (auto ok = check_status(r); !ok) return ok.error();
  const auto* answer = std::get_if<QualificationAnswer>(&r.body);
  if (!answer) return make_error("gateway.protocol", "expected a qualification answer");
  return to_confirmation(*answer);
}

Result<std::vector<Confirmation>> run_batch(
    std::span<const NumberQuery> queries, BatchClock::time_point until,
    const std::function<MessageHeader()>& make_header,
    const std::function<Result<Response>(const Request&, std::chrono::milliseconds)>& send) {
  auto remaining = [&] {
    return std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(until - BatchClock::now()));
  };
  BatchUpload upload;
  upload.items.reserve(queries.size());
  for (const auto& q : queries)
    upload.items.push_back(to_search_info(q.identity, q.birth_date, q.include_limit_certificate));
  const std::vector<SearchInfo> sent = upload.items;
  // OQSmuquc01req's header: date, institution and file id only.
  MessageHeader upload_header = make_header();
  upload_header.reference_classification.reset();
  upload_header.process_execution_time.clear();
  auto accepted = send(Request{std::move(upload_header), std::move(upload)}, remaining());
  if (!accepted) return accepted.error();
  if (auto ok = check_status(*accepted); !ok) return ok.error();
  const auto* a = std::get_if<BatchAccepted>(&accepted->body);
  if (!a || a->reception_number.empty())
    return make_error("gateway.protocol", "batch upload answer has no ReceptionNumber");
  const std::string reception = a->reception_number;

  while (true) {
    if (BatchClock::now() >= until) return make_error("gateway.timeout", "batch not done in time");
    // OQSmuquc02req's header: the institution code only (and the encoding).
    MessageHeader download_header;
    const MessageHeader full = make_header();
    download_header.medical_institution_code = full.medical_institution_code;
    download_header.arbitrary_file_identifier = full.arbitrary_file_identifier;
    download_header.character_code = full.character_code;
    auto res = send(Request{std::move(download_header), BatchDownload{reception}}, remaining());
    if (!res) return res.error();
    if (auto ok = check_status(*res); !ok) return ok.error();
    const auto* results = std::get_if<BatchResults>(&res->body);
    if (!results) return make_error("gateway.protocol", "expected batch results");
    if (res->header.segment_of_result == SegmentOfResult::InProgress) {
      std::this_thread::sleep_for(std::min(std::chrono::milliseconds(100), remaining()));
      continue;
    }
    if (results->units.size() != queries.size())
      return make_error("gateway.protocol", "batch answered " +
                                                std::to_string(results->units.size()) +
                                                " units for " + std::to_string(queries.size()));
    // Units come in any order: each is matched to a query by its echoed search info, compared
    // normalised (the gateway may pad or widen what we sent). Equal queries take units in turn.
    std::unordered_map<std::string, std::vector<std::size_t>> asked;
    for (std::size_t i = queries.size(); i-- > 0;) asked[match_key(sent[i])].push_back(i);
    std::vector<std::optional<Confirmation>> matched(queries.size());
    for (const auto& u : results->units) {
      auto it = asked.find(match_key(u.search_info));
      if (it == asked.end() || it->second.empty())
        return make_error("gateway.protocol", "batch answered a query that was not asked");
      std::size_t i = it->second.back();
      it->second.pop_back();
      auto c = to_confirmation(u);
      if (!c) return c.error();
      matched[i] = std::move(*c);
    }
    std::vector<Confirmation> out;
    out.reserve(queries.size());
    for (auto& m : matched) out.push_back(std::move(*m));  // every slot filled: counts agree
    return out;
  }
}

}  // namespace madoguchi::gateway::detail
