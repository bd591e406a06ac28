// GET /v1/unconfirmed: the unconfirmed queue for the desk and receipt systems — acceptances made
// while the gateway was unreachable, and what their re-confirmation found.
#include <madoguchi/api/routes.hpp>
#include <madoguchi/audit/unconfirmed.hpp>

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
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json to_json(const audit::UnconfirmedEntry& e) {
  nlohmann::json j{{"check_id", e.check_id},
                   {"checked_at", iso8601(e.checked_at)},
                   {"terminal_id", e.terminal_id},
                   {"visit_date", e.visit_date},
                   {"state", e.state},
                   {"follow_up", e.state == "follow_up"},
                   {"attempts", e.attempts},
                   {"identity",
                    {{"insurer_number", e.insurer_number},
                     {"symbol", e.insured_symbol},
                     {"number", e.insured_number},
                     {"branch", e.branch_number}}}};
  if (e.birth_date) j["identity"]["birth_date"] = *e.birth_date;
  if (!e.presentation_context.empty()) j["presentation_context"] = e.presentation_context;
  if (!e.document_type.empty()) j["document_type"] = e.document_type;
  if (!e.last_error.empty()) j["last_error"] = e.last_error;
  if (!e.reconfirm_check_id.empty()) {
    j["reconfirmation"] = {
        {"check_id", e.reconfirm_check_id}, {"outcome", e.outcome}, {"reasons", e.reasons}};
    if (e.reconfirmed_at) j["reconfirmation"]["at"] = iso8601(*e.reconfirmed_at);
  }
  return j;
}
}  // namespace

void add_unconfirmed_routes(Router& router, audit::UnconfirmedQueue& queue,
                            audit::AccessLog* access) {
  router.add("GET", "/v1/unconfirmed", Access::Unconfirmed, [&queue, access](const Request& req) {
    audit::UnconfirmedQuery q;
    q.state = req.query_param("state");
    if (const std::string l = req.query_param("limit"); !l.empty()) {
      int limit = 0;
      auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), limit);
      if (ec != std::errc() || p != l.data() + l.size() || limit < 1 || limit > 500)
        return problem(400, "api.bad_limit", "Bad query", "limit is 1..500");
      q.limit = limit;
    }
    auto items = queue.list(q);
    if (!items) {
      if (items.error().code == "audit.bad_query")
        return problem(400, items.error().code, "Bad query", items.error().message);
      return problem(503, items.error().code, "Audit log unavailable");
    }
    nlohmann::json out = nlohmann::json::array();
    std::vector<std::string> ids;
    for (const auto& e : *items) {
      out.push_back(to_json(e));
      ids.push_back(e.check_id);
    }
    if (auto rec = record_read(access, req, "GET /v1/unconfirmed", std::move(ids)); !rec)
      return access_error(rec.error());
    return Response::json(200, {{"items", out}});
  });
}

}  // namespace madoguchi::api
