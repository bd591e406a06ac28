// Benchmark: audit records/s through the PostgreSQL sink (group commit) against plain
// one-INSERT-per-transaction from the same number of threads, on the same server, same run.
//
//   bench_audit [--conninfo STR] [--records N] [--writers W[,W...]] [--max-wait-us U]
//
// Each writer count is measured both ways; the plain baseline uses one connection per writer.
//
// Without --conninfo it starts a throwaway PostgreSQL (TempPostgres). With one, it applies the
// migrations there and writes real rows into audit_checks (use a scratch database).
#include <madoguchi/audit/postgres.hpp>
#include <madoguchi/audit/schema.hpp>
#include <madoguchi_test/postgres.hpp>
#include <madoguchi_test/process.hpp>

#include "util.hpp"

#define PQXX_HAVE_OPTIONAL 1
#include <pqxx/pqxx>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace madoguchi::audit;

namespace {

AuditRecord sample(int writer) {
  return audit_test::make_record("counter-" + std::to_string(writer));
}

// The same row as the sink writes, one INSERT per transaction per record.
std::string single_insert(pqxx::connection& c, const AuditRecord& r) {
  auto q = [&](const std::string& s) { return c.quote(s); };
  return "INSERT INTO audit_checks (check_id, checked_at, terminal_id, client_id, method, "
         "presentation_context, insurer_number, insured_symbol, insured_number, branch_number, "
         "birth_date, qualification_validity, processing_status, processing_code, outcome, "
         "reason_codes, latency_us) VALUES (" +
         q(r.check_id) + ", now(), " + q(r.terminal_id) + ", " + q(r.client_id) + ", 'number', " +
         q(r.presentation_context) + ", " + q(r.insurer_number) + ", " + q(r.insured_symbol) +
         ", " + q(r.insured_number) + ", " + q(r.branch_number) + ", " + q(*r.birth_date) +
         ", 1, 1, " + q(r.processing_code) + ", 'accepted', ARRAY['qualification_confirmed'], " +
         std::to_string(r.latency.count()) + ")";
}

template <class Work>
double run_parallel(int writers, int records, Work work) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  const auto t0 = std::chrono::steady_clock::now();
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      try {
        auto state = work.start(w);
        while (next.fetch_add(1) < records) work.one(state, w);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_audit: writer %d: %s\n", w, e.what());
        std::fflush(stderr);
        std::_Exit(1);  // a broken run measures nothing
      }
    });
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return records / s;
}

struct PlainInserts {
  std::string conninfo;
  std::unique_ptr<pqxx::connection> start(int) const {
    return std::make_unique<pqxx::connection>(conninfo + " connect_timeout=60");
  }
  void one(std::unique_ptr<pqxx::connection>& c, int w) const {
    pqxx::work tx(*c);
    tx.exec(single_insert(*c, sample(w)));
    tx.commit();
  }
};

struct ThroughSink {
  PostgresAudit* sink;
  std::atomic<int>* failures;
  std::unique_ptr<int> start(int) const { return nullptr; }
  void one(std::unique_ptr<int>&, int w) const {
    auto r = sink->write(sample(w));
    if (!r || *r != Durability::Database) ++*failures;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string conninfo;
  int records = 20000, max_wait_us = -1;
  std::vector<int> writer_counts;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--conninfo"))
      conninfo = argv[i + 1];
    else if (!std::strcmp(argv[i], "--records"))
      records = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--writers")) {
      const std::string list = argv[i + 1];
      for (std::size_t p = 0; p < list.size();) {
        auto q = list.find(',', p);
        if (q == std::string::npos) q = list.size();
        writer_counts.push_back(std::stoi(list.substr(p, q - p)));
        p = q + 1;
      }
    } else if (!std::strcmp(argv[i], "--max-wait-us"))
      max_wait_us = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  std::unique_ptr<madoguchi_test::TempPostgres> pg;
  if (conninfo.empty()) {
    pg = std::make_unique<madoguchi_test::TempPostgres>();
    conninfo = pg->conninfo();
  }
  auto m = apply_migrations(conninfo, madoguchi_test::source_dir() / "db" / "migrations");
  if (!m) {
    std::fprintf(stderr, "migrations: %s\n", m.error().message.c_str());
    return 1;
  }
  madoguchi_test::TempDir spool("bench-spool");
  PostgresAuditConfig cfg;
  cfg.conninfo = conninfo;
  cfg.spool_dir = spool.path();
  if (max_wait_us >= 0) cfg.max_wait = std::chrono::microseconds(max_wait_us);
  auto sink = PostgresAudit::open(cfg);
  if (!sink) {
    std::fprintf(stderr, "sink: %s\n", sink.error().message.c_str());
    return 1;
  }
  if (writer_counts.empty()) writer_counts = {16};
  std::printf("audit records/s, %d records per measurement, max_wait %lld us\n", records,
              static_cast<long long>(cfg.max_wait.count()));
  std::printf("  writers  plain INSERT/txn   AuditSink   records/commit   ratio\n");
  std::atomic<int> failures{0};
  for (int writers : writer_counts) {
    // Warm both paths up (connections, partitions, caches) before timing.
    run_parallel(writers, writers * 5, PlainInserts{conninfo});
    run_parallel(writers, writers * 5, ThroughSink{sink->get(), &failures});
    const double plain = run_parallel(writers, records, PlainInserts{conninfo});
    const auto before = (*sink)->stats();
    const double grouped = run_parallel(writers, records, ThroughSink{sink->get(), &failures});
    const auto after = (*sink)->stats();
    const double per_commit = double(after.written_database - before.written_database) /
                              double(std::max<std::uint64_t>(1, after.batches - before.batches));
    std::printf("  %7d  %16.0f  %10.0f  %15.1f  %6.2f\n", writers, plain, grouped, per_commit,
                grouped / plain);
    std::fflush(stdout);
  }
  if (failures > 0) {
    std::fprintf(stderr, "%d sink writes were not durable in the database\n", failures.load());
    return 1;
  }
  return 0;
}
