#include <madoguchi/api/routes.hpp>
#include <madoguchi/domain/date.hpp>

#include <spdlog/spdlog.h>

#include <charconv>
#include <ctime>

namespace madoguchi::api {

namespace {

std::string iso8601(audit::TimePoint t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>((t - secs).count()));
  return std::string(buf) + frac;
}

// "2026-11-25" (midnight JST, the clinic's day) or "2026-11-25T09:00:00Z".
Result<audit::TimePoint> parse_time(const std::string& s) {
  if (auto d = Date::parse_iso(s)) {
    const std::chrono::sys_days days{std::chrono::year{d->year()} / d->month() / d->day()};
    return audit::TimePoint(std::chrono::duration_cast<std::chrono::microseconds>(
        (days - std::chrono::hours(9)).time_since_epoch()));
  }
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (std::string(end) != "Z" && std::string(end) != "+00:00"))
    return make_error("api.bad_time", "times are YYYY-MM-DD (JST day) or YYYY-MM-DDTHH:MM:SSZ");
  const std::time_t tt = timegm(&tm);
  return audit::TimePoint(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::from_time_t(tt).time_since_epoch()));
}

Response audit_error(const Error& e) {
  if (e.code == "audit.bad_query") return problem(400, e.code, "Bad query", e.message);
  return problem(503, e.code, "Audit log unavailable", e.message);
}

}  // namespace

nlohmann::json to_json(const audit::AuditRecord& r) {
  nlohmann::json j{
      {"check_id", r.check_id},
      {"time", iso8601(r.time)},
      {"terminal_id", r.terminal_id},
      {"client_id", r.client_id},
      {"method", audit::to_string(r.method)},
      {"outcome", to_string(r.outcome)},
      {"reasons", r.reasons},
      {"latency_ms", static_cast<double>(r.latency.count()) / 1000.0},
      {"identity",
       {{"insurer_number", r.insurer_number},
        {"symbol", r.insured_symbol},
        {"number", r.insured_number},
        {"branch", r.branch_number}}},
  };
  if (r.birth_date) j["identity"]["birth_date"] = *r.birth_date;
  if (!r.document_type.empty()) j["document_type"] = r.document_type;
  if (!r.presentation_context.empty()) j["presentation_context"] = r.presentation_context;
  if (!r.batch_id.empty()) j["batch_id"] = r.batch_id;
  if (!r.document_sha256.empty()) j["document_sha256"] = r.document_sha256;
  if (r.visit_date) j["visit_date"] = *r.visit_date;
  if (r.method == audit::Method::Document) {
    j["document_copy"] = r.document_copy;
    j["card_shown"] = r.card_shown;
  }
  if (!r.card_fault.empty()) j["card_fault"] = r.card_fault;
  if (!r.card_check_id.empty()) j["card_check_id"] = r.card_check_id;
  if (!r.reconfirms_check_id.empty()) j["reconfirms_check_id"] = r.reconfirms_check_id;
  nlohmann::json gw = nlohmann::json::object();
  if (r.qualification_validity) gw["qualification_validity"] = *r.qualification_validity;
  if (r.processing_status) gw["processing_status"] = *r.processing_status;
  if (!r.processing_code.empty()) gw["processing_code"] = r.processing_code;
  if (!r.gateway_error_code.empty()) gw["error_code"] = r.gateway_error_code;
  if (!gw.empty()) j["gateway"] = gw;
  return j;
}

HistoryScope history_scope(const Principal& caller) {
  HistoryScope scope;
  if (caller.has(Role::Auditor)) {
    scope.all = true;
  } else if (caller.has(Role::Desk) && !caller.terminal_id.empty()) {
    // A counter sees everything recorded at it, whoever asked: also the re-confirmations the
    // daemon made of its unconfirmed documents, when the caller is a receipt system as well.
    scope.terminal_id = caller.terminal_id;
  } else if (caller.has(Role::ReceiptSystem)) {
    scope.client_id = caller.client_id;
  } else {
    // No role that reads history: a scope nothing matches.
    scope.client_id = scope.terminal_id = "\x01none";
  }
  return scope;
}

bool apply_scope(const HistoryScope& scope, audit::CheckQuery& q) {
  if (scope.all) return true;
  if (!scope.terminal_id.empty()) {
    if (!q.terminal.empty() && q.terminal != scope.terminal_id) return false;
    q.terminal = scope.terminal_id;
  }
  if (!scope.client_id.empty()) q.client = scope.client_id;
  return true;
}

Result<void> record_read(audit::AccessLog* log, const Request& req, std::string endpoint,
                         std::vector<std::string> check_ids) {
  if (!log) return {};
  audit::AccessRecord r;
  r.client_id = req.principal.client_id.empty() ? req.client_id : req.principal.client_id;
  r.terminal_id = req.principal.terminal_id;
  r.role = std::string(req.principal.role_name());
  r.endpoint = std::move(endpoint);
  r.check_ids = std::move(check_ids);
  return log->record(std::move(r));
}

Response access_error(const Error& e) {
  spdlog::error("access record not durable: {}", e.code);
  Response r = problem(503, "audit.access_unavailable", "Reads cannot be recorded now",
                       "Every read of personal data is recorded first; retry shortly.");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

void add_check_routes(Router& router, audit::AuditReader& reader, audit::AccessLog* access) {
  router.add("GET", "/v1/checks", Access::OwnHistory, [&reader, access](const Request& req) {
    audit::CheckQuery q;
    for (const char* key : {"from", "to"}) {
      const std::string v = req.query_param(key);
      if (v.empty()) continue;
      auto t = parse_time(v);
      if (!t) return problem(400, t.error().code, "Bad query", t.error().message);
      (std::string(key) == "from" ? q.from : q.to) = *t;
    }
    q.terminal = req.query_param("terminal");
    if (const std::string o = req.query_param("outcome"); !o.empty()) {
      q.outcome = audit::outcome_from_string(o);
      if (!q.outcome)
        return problem(400, "api.bad_outcome", "Bad query",
                       "outcome is accepted, accepted_unconfirmed, refused, failed or needs_more");
    }
    if (const std::string l = req.query_param("limit"); !l.empty()) {
      int limit = 0;
      auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), limit);
      if (ec != std::errc() || p != l.data() + l.size() || limit < 1 || limit > 500)
        return problem(400, "api.bad_limit", "Bad query", "limit is 1..500");
      q.limit = limit;
    }
    q.cursor = req.query_param("cursor");
    if (!apply_scope(history_scope(req.principal), q))
      return problem(403, "auth.forbidden", "Not permitted",
                     "A desk reads its own terminal's checks only.");
    auto page = reader.find_checks(q);
    if (!page) return audit_error(page.error());
    nlohmann::json items = nlohmann::json::array();
    std::vector<std::string> ids;
    for (const auto& r : page->items) {
      items.push_back(to_json(r));
      ids.push_back(r.check_id);
    }
    if (auto rec = record_read(access, req, "GET /v1/checks", std::move(ids)); !rec)
      return access_error(rec.error());
    nlohmann::json body{{"items", items}};
    body["next_cursor"] =
        page->next_cursor.empty() ? nlohmann::json() : nlohmann::json(page->next_cursor);
    return Response::json(200, body);
  });

  router.add("GET", "/v1/checks/{id}", Access::OwnHistory, [&reader, access](const Request& req) {
    std::string id = req.path_params.at("id");
    for (char& ch : id)
      if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
    // Within the caller's scope, in the query: another terminal's check is "not found" too.
    audit::CheckQuery q;
    q.check_id = id;
    q.limit = 1;
    apply_scope(history_scope(req.principal), q);
    auto page = reader.find_checks(q);
    if (!page) return audit_error(page.error());
    if (page->items.empty()) return problem(404, "check.not_found", "No such check");
    if (auto rec = record_read(access, req, "GET /v1/checks/{id}", {id}); !rec)
      return access_error(rec.error());
    return Response::json(200, to_json(page->items.front()));
  });
}

}  // namespace madoguchi::api
