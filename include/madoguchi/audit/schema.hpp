// Database schema: migrations (db/migrations/NNNN_name.sql) and partition retention.
#pragma once

#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace madoguchi::audit {

// Applies the files NNNN_*.sql of `dir` that schema_migrations does not list yet, in number
// order, each in its own transaction, and returns how many it applied (0 when up to date).
// Concurrent callers are serialised by an advisory lock; rerunning is harmless.
// Errors: "audit.unavailable" (cannot connect), "audit.migration_failed" (names the file),
// "audit.migration_changed" (an applied file was edited afterwards), "audit.migrations_dir".
Result<int> apply_migrations(const std::string& conninfo, const std::filesystem::path& dir);

// Cheap readiness probe for /readyz: connects (1 s timeout) and checks that every migration
// in `dir` is applied. Errors: "audit.unavailable", "audit.schema_outdated".
Result<void> check_schema_ready(const std::string& conninfo, const std::filesystem::path& dir);

// Creates the monthly partitions of the audit table for this month and `months_ahead` months
// ahead that do not exist yet; returns how many it created.
Result<int> ensure_partitions(const std::string& conninfo, int months_ahead = 3);

struct RetentionReport {
  std::vector<std::string> detached;  // partition tables detached (kept as plain tables)
  std::vector<std::string> dropped;   // ... and dropped, when asked
  int created = 0;                    // future partitions created
};

// Retention: detaches every monthly partition that ends on or before the first day of the
// month `keep_months` months before the current (Asia/Tokyo) month — with keep_months = 12 in
// November 2025, months up to October 2024 go. Drops them too when `drop`. Also creates the
// next `months_ahead` months' partitions. Rows in the default partition are left alone.
Result<RetentionReport> detach_old_partitions(const std::string& conninfo, int keep_months,
                                              bool drop, int months_ahead = 3);

// The schema for a running daemon: applies the migrations at once and, while the database is
// not reachable yet, keeps trying in the background (every `retry`), so the daemon can start
// before PostgreSQL — checks are spooled and /readyz says "not ready" meanwhile. ready() is the
// /readyz probe (check_schema_ready), answered from a result at most `probe_cache` old so that
// a flood of probes cannot use up the database's connections. The destructor stops the retries.
class SchemaKeeper {
 public:
  struct Options {
    std::string migrate_conninfo;  // the schema's owner (migrations create tables)
    std::string probe_conninfo;    // the daemon's own role, for ready()
    std::filesystem::path migrations_dir;
    std::chrono::milliseconds retry{2000};
    std::chrono::milliseconds probe_cache{1000};
  };
  explicit SchemaKeeper(Options options);
  ~SchemaKeeper();
  SchemaKeeper(const SchemaKeeper&) = delete;
  SchemaKeeper& operator=(const SchemaKeeper&) = delete;

  // Errors as check_schema_ready's.
  Result<void> ready();
  // Whether the migrations have been applied by this keeper (at once or by a retry).
  bool migrated() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace madoguchi::audit
