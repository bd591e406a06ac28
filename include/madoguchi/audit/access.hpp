// Access records (閲覧記録): every read of a person's data — who read which checks, through which
// endpoint, when. Ids only, never the data shown. This header is the port; the PostgreSQL adapter
// (table access_records, db/migrations/0006) spools to a local file while the database is down,
// like the check records.
#pragma once

#include <madoguchi/audit/audit.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace madoguchi::audit {

struct AccessRecord {
  std::string access_id;  // UUID; replays are idempotent on it
  TimePoint time{};
  std::string client_id;
  std::string terminal_id;  // the caller's counter, "" for API clients without one
  std::string role;         // "desk", "receipt_system", "auditor", …
  std::string endpoint;     // "GET /v1/checks/{id}", "GET /v1/checks", "GET /v1/unconfirmed", …
  std::vector<std::string> check_ids;  // what was shown (may be empty: an empty list was read)
};

// Port. record() returns once the record is durable (database or spool); an error
// ("audit.unavailable": neither) means the read must not be answered.
class AccessLog {
 public:
  virtual ~AccessLog() = default;
  virtual Result<void> record(AccessRecord record) = 0;
};

struct AccessQuery {
  std::string check_id;  // "" = any
  int limit = 100;
};

// PostgreSQL with a spool in `spool_dir` (its own file; created if missing). Thread-safe.
class PostgresAccessLog final : public AccessLog {
 public:
  static Result<std::unique_ptr<PostgresAccessLog>> open(std::string conninfo,
                                                         std::filesystem::path spool_dir);
  ~PostgresAccessLog() override;
  Result<void> record(AccessRecord record) override;
  // Newest first (for auditors and tests). Errors: "audit.unavailable", "audit.bad_query".
  Result<std::vector<AccessRecord>> find(const AccessQuery& query);
  std::uint64_t spool_depth() const;

  struct Impl;

 private:
  explicit PostgresAccessLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace madoguchi::audit
