// The unconfirmed queue (未確認キュー): checks accepted on a document while the gateway was
// unreachable, waiting to be re-confirmed online. A port: no libpqxx here.
//
// The PostgreSQL adapter keeps the queue in the database (migration 0003): a trigger queues
// every accepted_unconfirmed audit record when it reaches the database (directly or replayed
// from the spool), so the queue survives restarts and no acceptance is missed. Any number of
// daemons may work on one database: each takes due rows FOR UPDATE SKIP LOCKED, and the
// re-confirmation's audit record and the row's new state commit in one transaction, so no
// record is handled twice.
#pragma once

#include <madoguchi/audit/audit.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace madoguchi::audit {

struct UnconfirmedEntry {
  std::string check_id;  // the accepted_unconfirmed check
  TimePoint checked_at{};
  std::string terminal_id;
  std::string visit_date;  // ISO: the rules are re-applied for this day
  std::string presentation_context, document_type;
  std::string insurer_number, insured_symbol, insured_number, branch_number;
  std::optional<std::string> birth_date;
  std::string state;  // "pending" | "reconfirmed" | "follow_up"
  int attempts = 0;
  std::string last_error;          // the gateway's error code of the last failed attempt
  std::string reconfirm_check_id;  // the new audit record, once re-confirmed
  std::optional<TimePoint> reconfirmed_at;
  std::string outcome;               // of the re-confirmation
  std::vector<std::string> reasons;  // of the re-confirmation
};

// What a re-confirmation produced: the new audit record (reconfirms_check_id set) and whether
// the patient must be followed up (the qualification was not found valid for the visit).
struct Reconfirmation {
  AuditRecord record;
  bool follow_up = false;
};
// Re-confirms one entry; an error means "not now" (the gateway still unreachable): the entry
// stays pending and is retried later.
using Reconfirm = std::function<Result<Reconfirmation>(const UnconfirmedEntry&)>;

struct UnconfirmedQuery {
  std::string state;  // "" = pending and follow_up (what still needs someone), or one state
  int limit = 100;    // 1..500
};

class UnconfirmedQueue {
 public:
  virtual ~UnconfirmedQueue() = default;
  // Takes up to `limit` due entries, calls `reconfirm` for each and stores its result. Stops at
  // the first entry that could not be re-confirmed (the gateway is down: the others would fail
  // too). Returns how many entries were re-confirmed. Errors: "audit.unavailable".
  virtual Result<int> reconfirm_due(int limit, const Reconfirm& reconfirm) = 0;
  // Errors: "audit.bad_query", "audit.unavailable".
  virtual Result<std::vector<UnconfirmedEntry>> list(const UnconfirmedQuery& query) = 0;
  // How many entries are in each state ("pending", "follow_up", "reconfirmed"; absent = 0), for
  // the metrics. Errors: "audit.unavailable".
  virtual Result<std::map<std::string, std::int64_t>> counts() = 0;
};

struct UnconfirmedQueueConfig {
  std::string conninfo;
  std::chrono::seconds retry_min{2};    // first retry after a failed attempt, doubling …
  std::chrono::seconds retry_max{300};  // … up to this
};
std::unique_ptr<UnconfirmedQueue> open_unconfirmed_queue(UnconfirmedQueueConfig config);

}  // namespace madoguchi::audit
