#include "protocol.hpp"

#include <ctime>

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

}  // namespace madoguchi::gateway::detail
