// The PostgreSQL adapter of the audit ports, with group commit and a durable local spool.
//
// write() puts the record in a queue (the asynchronous form completes by callback, the blocking
// one waits for that); one writer thread takes every pending record (up to
// max_batch, lingering at most max_wait for as many as the last batch had) and inserts them in one
// transaction, then wakes the writers: one commit (one WAL flush) serves many concurrent checks.
// When PostgreSQL is unreachable or a commit takes longer than slow_bound, records go to an
// append-only spool file instead (length + CRC32 + JSON per record, fdatasync'd in batches)
// and write() answers Durability::Spooled. A background thread reconnects; the spool is replayed
// in order (ON CONFLICT DO NOTHING: exactly once) on start and whenever the database is back,
// then truncated. One warning log per outage.
#pragma once

#include <madoguchi/audit/audit.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace madoguchi::audit {

struct PostgresAuditConfig {
  std::string conninfo;                            // libpq: "host=... port=... dbname=... user=..."
  std::filesystem::path spool_dir;                 // holds audit.spool (created if missing)
  std::size_t max_batch = 1000;                    // records per transaction
  std::chrono::microseconds max_wait{2000};        // linger bound for more records per commit
  std::chrono::milliseconds slow_bound{2000};      // a commit slower than this: spool instead
  std::chrono::milliseconds write_timeout{15000};  // write() gives up ("audit.timeout")
  std::chrono::milliseconds retry_interval{500};   // reconnect attempts during an outage
  int partitions_ahead = 3;  // months of partitions kept created ahead (checked daily)
};

struct AuditStats {
  std::uint64_t spool_depth = 0;       // records in the spool not yet replayed
  std::uint64_t spool_bytes = 0;       // the spool file's size (replayed records included)
  std::uint64_t written_database = 0;  // write() answered Database
  std::uint64_t written_spooled = 0;   // write() answered Spooled
  std::uint64_t replayed = 0;          // spooled records inserted on replay (new rows only)
  std::uint64_t spool_corrupt = 0;     // torn or corrupt spool regions found (checksum)
  std::uint64_t rejected = 0;          // records the database refused as invalid
  std::uint64_t batches = 0;           // insert transactions committed
  std::uint64_t outages = 0;           // times the adapter switched to the spool
  bool database_up = false;
};

class PostgresAudit final : public AuditSink, public AuditReader {
 public:
  // Opens (and recovers) the spool and starts the threads; the database may be down — records
  // are spooled until it is back. Errors: "audit.spool" (spool directory or file unusable).
  static Result<std::unique_ptr<PostgresAudit>> open(PostgresAuditConfig config);
  // Stops the threads; records already queued are written (database or spool) first.
  ~PostgresAudit() override;

  Result<Durability> write(const AuditRecord& record) override;
  // Completed on the writer (or spool) thread when the batch holding the record commits.
  void write(AuditRecord record, Completion<Durability> done) override;
  Result<CheckPage> find_checks(const CheckQuery& query) override;
  Result<std::optional<AuditRecord>> get_check(const std::string& check_id) override;

  std::uint64_t spool_depth() const;  // for /readyz and /metrics
  AuditStats stats() const;
  // Waits until the spool is empty (replayed) or the timeout passes; true when empty.
  bool wait_spool_drained(std::chrono::milliseconds timeout) const;

  struct Impl;

 private:
  explicit PostgresAudit(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace madoguchi::audit
