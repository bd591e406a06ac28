// The daemon's HTTP endpoints, wired to the ports they need.
#pragma once

#include <madoguchi/api/readers.hpp>
#include <madoguchi/api/router.hpp>
#include <madoguchi/audit/access.hpp>
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

// The checks a caller may read (OwnHistory): an auditor all of them, a receipt system its own
// client's, a desk its own terminal's. Applied in the reader's query, never after it.
struct HistoryScope {
  bool all = false;
  std::string client_id;    // "" : any
  std::string terminal_id;  // "" : any
};
HistoryScope history_scope(const Principal& caller);
// Narrows `query` to the caller's scope; false when the query asks for what the scope excludes
// (a desk naming another terminal).
bool apply_scope(const HistoryScope& scope, audit::CheckQuery& query);

// Every read of a person's data writes an access record (who, which check ids, when) before it is
// answered: `endpoint` is "GET /v1/checks/{id}" and the like. nullptr: not recorded (unit
// tests). An error means the record is neither in the database nor spooled: answer 503
// (access_error) instead of the data.
Result<void> record_read(audit::AccessLog* log, const Request& request, std::string endpoint,
                         std::vector<std::string> check_ids);
Response access_error(const Error& e);

// GET /v1/checks?from=&to=&terminal=&outcome=&limit=&cursor= and GET /v1/checks/{id}:
// the audit log within the caller's scope (OwnHistory). Every read writes an access record
// (ids only, no personal data).
void add_check_routes(Router& router, audit::AuditReader& reader,
                      audit::AccessLog* access = nullptr);

// GET /v1/unconfirmed?state=&limit=: the unconfirmed queue (state "" = pending and follow_up,
// or pending | follow_up | reconfirmed | all). Unconfirmed; every read writes an access record.
void add_unconfirmed_routes(Router& router, audit::UnconfirmedQueue& queue,
                            audit::AccessLog* access = nullptr);

// GET /v1/admin/routes (Admin): {"items": [{"method", "path", "access"}]}, every route of
// `router` at the time of the request.
void add_admin_routes(Router& router);

// The JSON form of an audit record in API answers (documented in docs/api.md).
nlohmann::json to_json(const audit::AuditRecord& record);

}  // namespace madoguchi::api

namespace madoguchi::check {
class CheckService;
}
namespace madoguchi::card {
class CardReader;
}
namespace madoguchi::audit {
class IdempotencyStore;
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
  // When set, by-card uses the caller's terminal's reader from here (403 card.not_your_reader
  // for another terminal; docs/security.md) instead of `reader`.
  const ReaderBinding* readers = nullptr;
  // Idempotency-Key on every check POST (api/batches.hpp; nullptr: the header is ignored).
  audit::IdempotencyStore* idempotency = nullptr;
};
void add_check_service_routes(Router& router, check::CheckService& service,
                              CheckRoutesOptions options);

// The JSON form of a decision in API answers.
nlohmann::json to_json(const Decision& decision);

}  // namespace madoguchi::api
