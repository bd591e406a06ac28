#include "protocol.hpp"

#include <ctime>
#include <thread>

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
  auto accepted = send(Request{make_header(), std::move(upload)}, remaining());
  if (!accepted) return accepted.error();
  if (auto ok = check_status(*accepted); !ok) return ok.error();
  const auto* a = std::get_if<BatchAccepted>(&accepted->body);
  if (!a || a->reception_number.empty())
    return make_error("gateway.protocol", "batch upload answer has no ReceptionNumber");
  const std::string reception = a->reception_number;

  while (true) {
    if (BatchClock::now() >= until) return make_error("gateway.timeout", "batch not done in time");
    auto res = send(Request{make_header(), BatchDownload{reception}}, remaining());
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
    std::vector<Confirmation> out;
    out.reserve(queries.size());
    for (const auto& u : results->units) {
      auto c = to_confirmation(u);
      if (!c) return c.error();
      out.push_back(std::move(*c));
    }
    return out;
  }
}

}  // namespace madoguchi::gateway::detail
