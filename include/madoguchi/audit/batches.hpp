// Durable batches (一括確認): a batch and its entries in PostgreSQL (migration 0005), shared by
// every daemon on the database. A port: no libpqxx here.
//
// Workers claim a chunk of one batch's entries (FOR UPDATE SKIP LOCKED) under a lease: a claim
// token and an expiry. A chunk whose daemon died is claimed again once its lease has expired.
// finish() stores the entries' results AND inserts their audit records in one transaction, for
// the entries the claim still holds only: an entry is audited exactly once, however often it was
// claimed (a re-claimed chunk's first daemon, if it is only slow, finds its claim gone and its
// records are not written).
#pragma once

#include <madoguchi/audit/audit.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace madoguchi::audit {

// One item as sent (text; "" = not given). An item refused at intake carries its error code and
// only sanitised fields (no identifiers at all for an individual number).
struct BatchItem {
  std::string reference;
  std::string insurer_number, insured_symbol, insured_number, branch_number;
  std::string birth_date, visit_date;
  std::string error_code;  // "" : valid at intake
};

struct NewBatch {
  std::string batch_id;  // a fresh UUID (new_check_id())
  std::string client_id, terminal_id;
  std::string visit_date;  // ISO
  std::vector<BatchItem> items;
};

struct BatchCounts {
  int total = 0, pending = 0, done = 0, cancelled = 0;
  std::map<std::string, int> by_outcome;  // of the done entries: "accepted", ..., "error"
};

struct BatchInfo {
  std::string batch_id, client_id, terminal_id, visit_date;
  std::string state;  // queued | running | done | cancelled
  TimePoint created_at{};
  std::optional<TimePoint> finished_at;
  BatchCounts counts;
};

struct BatchResult {
  int seq = 0;
  std::string reference;
  std::string state;   // pending | claimed | done | cancelled
  std::string result;  // JSON text of the entry's answer once done, else ""
};

struct BatchResultPage {
  std::vector<BatchResult> items;  // in seq order
  std::string next_cursor;         // "" on the last page
};

// A claimed chunk: entries of one batch, held until `lease_until` by `claim_token`.
struct BatchClaim {
  std::string batch_id, client_id, terminal_id, visit_date, claim_token;
  struct Entry {
    int seq = 0;
    BatchItem item;
    int attempts = 0;  // including this claim
  };
  std::vector<Entry> entries;
};

// An entry finished by a worker: its answer and (unless it produced none) its audit record.
struct FinishedEntry {
  int seq = 0;
  std::string outcome;      // the decision's outcome, or "error"
  std::string result_json;  // the entry's answer as the API shows it
  std::optional<AuditRecord> record;
};

class BatchStore {
 public:
  virtual ~BatchStore() = default;
  // Errors: "audit.unavailable", "batch.exists".
  virtual Result<void> create(const NewBatch& batch) = 0;
  // The batch when `client_id` created it ("" : any client), else nullopt.
  virtual Result<std::optional<BatchInfo>> info(const std::string& batch_id,
                                                const std::string& client_id) = 0;
  // Entries with seq >= cursor (the cursor is the next seq as text), up to `limit` (1..1000).
  // Errors: "batch.bad_cursor", "audit.unavailable".
  virtual Result<BatchResultPage> results(const std::string& batch_id, const std::string& cursor,
                                          int limit) = 0;
  // Cancels the entries not claimed or done; returns false when the batch was already finished.
  virtual Result<bool> cancel(const std::string& batch_id) = 0;
  // Up to `limit` claimable entries (pending, or claimed with an expired lease) of one batch,
  // nullopt when there are none. `owner` names the daemon in logs.
  virtual Result<std::optional<BatchClaim>> claim(int limit, std::chrono::milliseconds lease) = 0;
  // Stores the results and audit records of the entries the claim still holds, in one
  // transaction; returns how many it stored (the others were claimed again meanwhile). Marks the
  // batch done when no entry is left.
  virtual Result<int> finish(const BatchClaim& claim, const std::vector<FinishedEntry>& done) = 0;
};

struct BatchStoreConfig {
  std::string conninfo;
};
std::unique_ptr<BatchStore> open_batch_store(BatchStoreConfig config);

// Idempotency keys (Idempotency-Key header) in PostgreSQL, migration 0005.
struct StoredAnswer {
  int status = 0;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// What begin() found for (client, key).
struct IdempotencyState {
  enum class Kind {
    New,         // no such key: this request is the first; answer it and call complete()
    Replay,      // answered before with the same request: `answer` is the first answer
    Mismatch,    // the key was used for a different request
    InProgress,  // the first request with this key is still being answered
  };
  Kind kind = Kind::New;
  StoredAnswer answer;
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // Reserves the key for this request (fingerprint: method, path, body hash) or reports what
  // the key already holds. An expired key counts as absent. Errors: "audit.unavailable".
  virtual Result<IdempotencyState> begin(const std::string& client_id, const std::string& key,
                                         const std::string& fingerprint) = 0;
  // The first answer, kept until the key expires.
  virtual Result<void> complete(const std::string& client_id, const std::string& key,
                                const StoredAnswer& answer) = 0;
  // Forgets a reservation whose request got no answer worth keeping (a 5xx), so a retry runs.
  virtual Result<void> release(const std::string& client_id, const std::string& key) = 0;
  // Runs `work` on the store's own threads (callers that must not block: asynchronous
  // handlers). Work still queued when the store is destroyed runs first.
  virtual void run_async(std::function<void()> work) = 0;
};

struct IdempotencyStoreConfig {
  std::string conninfo;
  std::chrono::seconds ttl{24 * 3600};  // how long a key's answer is kept
};
std::unique_ptr<IdempotencyStore> open_idempotency_store(IdempotencyStoreConfig config);

}  // namespace madoguchi::audit
