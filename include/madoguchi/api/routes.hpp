// The daemon's HTTP endpoints, wired to the ports they need.
#pragma once

#include <madoguchi/api/router.hpp>
#include <madoguchi/audit/audit.hpp>
#include <madoguchi/audit/unconfirmed.hpp>

#include <functional>
#include <string>

namespace madoguchi::api {

struct HealthProbes {
  // /readyz: database reachable and migrations applied.
  std::function<Result<void>()> database_ready;
  // Records waiting in the audit spool (database outage); reported, not a reason to be unready:
  // checks are still answered durably.
  std::function<std::uint64_t()> spool_depth;
  // Prometheus text exposition for /metrics.
  std::function<std::string()> metrics;
};

// GET /healthz (liveness), GET /readyz, GET /metrics — public: no personal data.
void add_health_routes(Router& router, HealthProbes probes);

// GET /v1/checks?from=&to=&terminal=&outcome=&limit=&cursor= and GET /v1/checks/{id}:
// the audit log for desks and receipt systems. Authenticated; every read is written to the
// access log with the caller's client id and what was returned (ids only, no personal data).
void add_check_routes(Router& router, audit::AuditReader& reader);

// GET /v1/unconfirmed?state=&limit=: the unconfirmed queue (state "" = pending and follow_up,
// or pending | follow_up | reconfirmed | all). Authenticated.
void add_unconfirmed_routes(Router& router, audit::UnconfirmedQueue& queue);

// The JSON form of an audit record in API answers (documented in docs/api.md).
nlohmann::json to_json(const audit::AuditRecord& record);

}  // namespace madoguchi::api

namespace madoguchi::check {
class CheckService;
}
namespace madoguchi::card {
class CardReader;
}

namespace madoguchi::api {

// POST /v1/checks/by-number: {"insurer_number","symbol","number","branch","birth_date",
// "visit_date"} → the decision (docs/api.md). Invalid identifiers: 422 problem+json with the
// domain's code, and the attempt is audited too. Authenticated.
// POST /v1/checks/by-card: {"pin": "1234"} or {"visual_confirmation": true}, optional
// "visit_date": the card on this terminal's reader (`reader`; nullptr: no reader configured).
// POST /v1/checks/by-document, POST /v1/checks/batch: see docs/api.md.
struct CheckRoutesOptions {
  std::string terminal_id;
  card::CardReader* reader = nullptr;  // nullptr: no reader configured
  // The acceptance rules depend on the visit date. By card and by document it is today (JST)
  // unless this is set (tests, training): a client must not pick the rules' date.
  bool allow_visit_date = false;
  // Verifies the card_check_id a card_unreadable document check refers to: a failed card check
  // on the same terminal (nullptr: not verified, only recorded).
  audit::AuditReader* checks = nullptr;
};
void add_check_service_routes(Router& router, check::CheckService& service,
                              CheckRoutesOptions options);

// The JSON form of a decision in API answers.
nlohmann::json to_json(const Decision& decision);

}  // namespace madoguchi::api
