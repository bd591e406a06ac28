#include "codec.hpp"

#include <nlohmann/json.hpp>

namespace madoguchi::audit::detail {

using nlohmann::json;

std::string to_json(const AuditRecord& r) {
  json j = {
      {"v", 1},
      {"id", r.check_id},
      {"t_us", r.time.time_since_epoch().count()},
      {"terminal", r.terminal_id},
      {"client", r.client_id},
      {"method", std::string(to_string(r.method))},
      {"doc_type", r.document_type},
      {"context", r.presentation_context},
      {"batch", r.batch_id},
      {"insurer", r.insurer_number},
      {"symbol", r.insured_symbol},
      {"number", r.insured_number},
      {"branch", r.branch_number},
      {"birth", r.birth_date ? json(*r.birth_date) : json(nullptr)},
      {"validity", r.qualification_validity ? json(*r.qualification_validity) : json(nullptr)},
      {"status", r.processing_status ? json(*r.processing_status) : json(nullptr)},
      {"code", r.processing_code},
      {"gw_error", r.gateway_error_code},
      {"outcome", std::string(to_string(r.outcome))},
      {"reasons", r.reasons},
      {"latency_us", r.latency.count()},
      {"sha256", r.document_sha256},
      {"visit", r.visit_date ? json(*r.visit_date) : json(nullptr)},
      {"copy", r.document_copy},
      {"card_shown", r.card_shown},
      {"card_fault", r.card_fault},
      {"card_check", r.card_check_id},
      {"reconfirms", r.reconfirms_check_id},
      {"details", r.answer_details},
  };
  return j.dump();
}

std::optional<AuditRecord> from_json(const std::string& payload) {
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("v", 0) != 1) return std::nullopt;
  try {
    AuditRecord r;
    r.check_id = j.at("id").get<std::string>();
    r.time = TimePoint(std::chrono::microseconds(j.at("t_us").get<std::int64_t>()));
    r.terminal_id = j.at("terminal").get<std::string>();
    r.client_id = j.at("client").get<std::string>();
    auto method = method_from_string(j.at("method").get<std::string>());
    auto outcome = outcome_from_string(j.at("outcome").get<std::string>());
    if (!method || !outcome) return std::nullopt;
    r.method = *method;
    r.outcome = *outcome;
    r.document_type = j.at("doc_type").get<std::string>();
    r.presentation_context = j.at("context").get<std::string>();
    r.batch_id = j.at("batch").get<std::string>();
    r.insurer_number = j.at("insurer").get<std::string>();
    r.insured_symbol = j.at("symbol").get<std::string>();
    r.insured_number = j.at("number").get<std::string>();
    r.branch_number = j.at("branch").get<std::string>();
    if (!j.at("birth").is_null()) r.birth_date = j.at("birth").get<std::string>();
    if (!j.at("validity").is_null()) r.qualification_validity = j.at("validity").get<int>();
    if (!j.at("status").is_null()) r.processing_status = j.at("status").get<int>();
    r.processing_code = j.at("code").get<std::string>();
    r.gateway_error_code = j.at("gw_error").get<std::string>();
    r.reasons = j.at("reasons").get<std::vector<std::string>>();
    r.latency = std::chrono::microseconds(j.at("latency_us").get<std::int64_t>());
    r.document_sha256 = j.at("sha256").get<std::string>();
    // Absent in records spooled before they existed.
    if (j.contains("visit") && !j["visit"].is_null()) r.visit_date = j["visit"].get<std::string>();
    r.document_copy = j.value("copy", false);
    r.card_shown = j.value("card_shown", false);
    r.card_fault = j.value("card_fault", std::string());
    r.card_check_id = j.value("card_check", std::string());
    r.reconfirms_check_id = j.value("reconfirms", std::string());
    r.answer_details = j.value("details", std::string());  // absent in records spooled before it
    if (!validate(r)) return std::nullopt;
    return r;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace madoguchi::audit::detail
