#include "answers.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace madoguchi::folders::detail {
namespace gw = madoguchi::gateway;

std::optional<RequestName> request_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || !name.ends_with(".xml")) return std::nullopt;
  for (auto [prefix, kind] : {std::pair{"OQSsiquc01", gw::MessageKind::Single},
                              std::pair{"OQSmuquc01", gw::MessageKind::BatchUpload},
                              std::pair{"OQSmuquc02", gw::MessageKind::BatchDownload}}) {
    const std::string head = std::string(prefix) + "req_";
    if (!name.starts_with(head)) continue;
    std::string id(name.substr(head.size(), name.size() - head.size() - 4));
    // The id goes into the answer's name: no path, no dot files.
    if (id.empty() || id.find_first_of("/\\") != std::string::npos) return std::nullopt;
    return RequestName{kind, prefix, id};
  }
  return std::nullopt;
}

gw::CharacterCode declared_encoding(std::string_view bytes) {
  const auto end = bytes.find("?>");
  if (!bytes.starts_with("<?xml") || end == std::string_view::npos) return gw::CharacterCode::Utf8;
  std::string decl(bytes.substr(0, end));
  std::transform(decl.begin(), decl.end(), decl.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = decl.find("encoding");
  if (at == std::string::npos) return gw::CharacterCode::Utf8;
  for (const char* name : {"shift_jis", "shift-jis", "sjis", "windows-31j", "cp932", "ms932"})
    if (decl.find(name, at) != std::string::npos) return gw::CharacterCode::ShiftJis;
  return gw::CharacterCode::Utf8;
}

namespace {

// yyyyMMdd to YYYY-MM-DD; anything else as it came (then it is "…date.format").
std::string iso_of(const std::string& compact) {
  const bool digits =
      compact.size() == 8 &&
      std::all_of(compact.begin(), compact.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return compact;
  return compact.substr(0, 4) + "-" + compact.substr(4, 2) + "-" + compact.substr(6, 2);
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

gw::MessageHeader answer_header(const gw::MessageHeader& request, gw::CharacterCode code) {
  gw::MessageHeader h = request;
  h.process_execution_time = now_compact_datetime();
  h.segment_of_result = gw::SegmentOfResult::Normal;
  h.character_code = code;
  return h;
}

// The validity when the decision carries no qualification (not found, several, lost …).
QualificationValidity validity_of(const Decision& d) {
  if (d.qualification) return d.qualification->validity;
  for (ReasonCode r : d.reasons) {
    switch (r) {
      case ReasonCode::SeveralQualificationsMatch:
        return QualificationValidity::SeveralMatch;
      case ReasonCode::NewerQualificationExists:
        return QualificationValidity::NewerExists;
      case ReasonCode::QualificationLost:
        return QualificationValidity::Invalid;
      default:
        break;
    }
  }
  return QualificationValidity::NotFound;
}

// No online answer to pass on: which error, or nullopt when there is an answer.
std::optional<std::pair<const char*, std::string>> failure_of(
    const Result<check::CheckOutcome>& outcome) {
  if (!outcome)
    return std::pair{kNotRecorded, outcome.error().code + ": the check could not be recorded"};
  const Decision& d = outcome->decision;
  if (d.reasons.empty()) return std::pair{kGatewayUnavailable, std::string("check.no_decision")};
  if (d.reasons.front() == ReasonCode::GatewayUnavailable)
    return std::pair{kGatewayUnavailable, "gateway_unavailable: " + d.message_ja()};
  if (d.reasons.front() == ReasonCode::GatewayAnswerMismatch)
    return std::pair{kAnswerMismatch, "gateway_answer_mismatch: " + d.message_ja()};
  return std::nullopt;
}

std::optional<gw::QualificationRecord> record_of(const check::CheckOutcome& o) {
  if (!o.decision.qualification) return std::nullopt;
  auto r = gw::to_record(*o.decision.qualification);
  r.reference_number = o.check_id;  // the receipt system's handle on Madoguchi's audit record
  return r;
}

}  // namespace

check::NumberCheckFields fields_of(const gw::SearchInfo& info, const gw::MessageHeader& header,
                                   bool allow_visit_date) {
  check::NumberCheckFields f;
  f.insurer_number = info.insurer_number;
  f.symbol = blank(info.insured_card_symbol) ? "" : info.insured_card_symbol;
  f.number = info.insured_identification_number;
  f.branch = blank(info.insured_branch_number) ? "" : info.insured_branch_number;
  f.birth_date = iso_of(info.birthdate);
  if (allow_visit_date) f.visit_date = iso_of(header.qualification_confirmation_date);
  return f;
}

const char* code_for_invalid(const check::NumberCheckFields& fields) {
  return blank(fields.number) ? kNumberMissing : kInvalidSearch;
}

gw::Response error_answer(const gw::MessageHeader& request, gw::CharacterCode code,
                          const std::string& error_code, const std::string& message) {
  gw::Response r;
  r.header = answer_header(request, code);
  r.header.segment_of_result = gw::SegmentOfResult::Abnormal;
  r.header.error_code = error_code;
  r.header.error_message = message;
  r.status = gw::ProcessingResultStatus::Error;
  r.result_code = error_code;
  r.result_message = message;
  r.body = gw::QualificationAnswer{};
  return r;
}

gw::Response single_answer(const gw::Request& request, const Result<check::CheckOutcome>& outcome,
                           gw::CharacterCode code) {
  if (auto failed = failure_of(outcome))
    return error_answer(request.header, code, failed->first, failed->second);
  gw::Response r;
  r.header = answer_header(request.header, code);
  r.status = gw::ProcessingResultStatus::Ok;
  r.result_message = outcome->decision.message_ja();
  gw::QualificationAnswer a;
  a.validity = validity_of(outcome->decision);
  if (const auto* info = std::get_if<gw::SearchInfo>(&request.body)) a.search_info = *info;
  if (auto rec = record_of(*outcome)) a.results.push_back(std::move(*rec));
  r.body = std::move(a);
  return r;
}

gw::BulkConfirmUnit unit_error(const gw::SearchInfo& info, const std::string& code,
                               const std::string& message) {
  gw::BulkConfirmUnit u;
  u.search_info = info;
  u.status = gw::ProcessingResultStatus::Error;
  u.result_code = code;
  u.result_message = message;
  return u;
}

gw::BulkConfirmUnit unit_of(const gw::SearchInfo& info,
                            const Result<check::CheckOutcome>& outcome) {
  if (auto failed = failure_of(outcome)) {
    auto u = unit_error(info, failed->first, failed->second);
    if (outcome) u.reference_number = outcome->check_id;
    return u;
  }
  gw::BulkConfirmUnit u;
  u.search_info = info;
  u.status = gw::ProcessingResultStatus::Ok;
  u.result_message = outcome->decision.message_ja();
  u.validity = validity_of(outcome->decision);
  u.result = record_of(*outcome);
  u.reference_number = outcome->check_id;
  return u;
}

gw::Response batch_accepted(const gw::MessageHeader& request, gw::CharacterCode code,
                            const std::string& reception_number) {
  // OQSmuquc01res: time, institution, file id, encoding; no status in the body.
  gw::Response r;
  r.header.process_execution_time = now_compact_datetime();
  r.header.medical_institution_code = request.medical_institution_code;
  r.header.arbitrary_file_identifier = request.arbitrary_file_identifier;
  r.header.character_code = code;
  r.body = gw::BatchAccepted{reception_number, r.header.process_execution_time};
  return r;
}

gw::Response batch_results(const gw::MessageHeader& request, gw::CharacterCode code,
                           const std::string& reception_number,
                           const std::string& confirmation_date,
                           std::optional<std::vector<gw::BulkConfirmUnit>> units) {
  gw::Response r;
  r.header = answer_header(request, code);
  r.header.reception_number = reception_number;
  r.header.qualification_confirmation_date = confirmation_date;
  gw::BatchResults results;
  if (!units) {
    r.header.segment_of_result = gw::SegmentOfResult::InProgress;
  } else {
    long errors = 0;
    for (const auto& u : *units)
      if (u.status == gw::ProcessingResultStatus::Error) ++errors;
    r.header.number_of_processing_result = static_cast<long>(units->size());
    r.header.number_of_normal_processing = static_cast<long>(units->size()) - errors;
    r.header.number_of_error = errors;
    results.units = std::move(*units);
  }
  r.body = std::move(results);
  return r;
}

std::string now_compact_datetime() {
  // Japan Standard Time: UTC+9, no daylight saving, whatever the host's zone.
  std::time_t t = std::time(nullptr) + 9 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

}  // namespace madoguchi::folders::detail
