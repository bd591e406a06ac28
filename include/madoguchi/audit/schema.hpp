// Database schema: migrations (db/migrations/NNNN_name.sql) and partition retention.
#pragma once

#include <madoguchi/domain/result.hpp>

#include <filesystem>
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

}  // namespace madoguchi::audit
