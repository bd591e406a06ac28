// The PostgreSQL sink against a real server: group commit, queries, outages, the spool.
#include <madoguchi/audit/postgres.hpp>
#include <madoguchi/audit/schema.hpp>
#include <madoguchi_test/postgres.hpp>
#include <madoguchi_test/process.hpp>

#include "codec.hpp"
#include "spool.hpp"
#include "util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace madoguchi::audit;
using namespace std::chrono_literals;
using audit_test::make_record;
using audit_test::migrations_dir;

namespace {

class AuditSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = apply_migrations(pg.conninfo(), migrations_dir());
    ASSERT_TRUE(m) << m.error().message;
  }

  std::unique_ptr<PostgresAudit> open_sink(PostgresAuditConfig cfg = {}) {
    cfg.conninfo = pg.conninfo();
    cfg.spool_dir = spool.path();
    auto s = PostgresAudit::open(cfg);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  std::set<std::string> ids_in_db() {
    std::set<std::string> out;
    std::istringstream in(pg.psql("SELECT check_id FROM audit_checks"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.insert(line);
    return out;
  }

  madoguchi_test::TempPostgres pg;
  madoguchi_test::TempDir spool{"spool"};
};

// Writers that keep writing until told to stop, remembering every acknowledged id.
struct LoadGenerator {
  LoadGenerator(AuditSink& sink, int threads, std::chrono::microseconds pace_) : pace(pace_) {
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([this, &sink, t] {
        while (!stop) {
          auto r = make_record("counter-" + std::to_string(t));
          auto res = sink.write(r);
          std::lock_guard lk(mu);
          if (!res) {
            errors.push_back(res.error().code + ": " + res.error().message);
          } else {
            acked.insert(r.check_id);
            (*res == Durability::Database ? database : spooled)++;
          }
          if (pace.count()) std::this_thread::sleep_for(pace);
        }
      });
  }
  void finish() {
    stop = true;
    for (auto& w : workers) w.join();
    workers.clear();
  }
  ~LoadGenerator() {
    if (!workers.empty()) finish();
  }
  std::size_t acked_count() {
    std::lock_guard lk(mu);
    return acked.size();
  }
  std::chrono::microseconds pace{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acked;
  std::vector<std::string> errors;
  std::size_t database = 0, spooled = 0;
  std::vector<std::thread> workers;
};

}  // namespace

TEST_F(AuditSinkTest, ConcurrentWritersGiveExactlyOneRowEach) {
  auto sink = open_sink();
  ASSERT_TRUE(sink);
  constexpr int kThreads = 16, kEach = 250;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto r = sink->write(make_record());
        if (r && *r == Durability::Database) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kEach);
  EXPECT_EQ(pg.psql("SELECT count(*), count(DISTINCT check_id) FROM audit_checks"), "4000|4000");
  const auto st = sink->stats();
  EXPECT_EQ(st.written_database, 4000u);
  EXPECT_LT(st.batches, 4000u / 2) << "group commit should put many records in a transaction";
  EXPECT_EQ(sink->spool_depth(), 0u);
  EXPECT_EQ(std::filesystem::file_size(spool.path() / detail::Spool::kFileName), 0u);
}

TEST_F(AuditSinkTest, RecordsReadBackEqualAndQueriesPaginate) {
  auto sink = open_sink();
  ASSERT_TRUE(sink);
  std::vector<AuditRecord> written;
  const auto base = now() - std::chrono::hours(1);
  for (int i = 0; i < 12; ++i) {
    auto r = make_record(i % 2 ? "counter-A" : "counter-B",
                         i % 3 ? madoguchi::Outcome::Accepted : madoguchi::Outcome::Refused);
    r.time = base + std::chrono::minutes(i);
    if (i == 5) {
      r.method = Method::Document;
      r.document_type = "notice";
      r.document_sha256 = std::string(64, 'f');
      r.birth_date.reset();
      r.reasons = {"document_requires_card", "qualification_confirmed"};
    }
    ASSERT_TRUE(sink->write(r));
    written.push_back(r);
  }
  auto got = sink->get_check(written[5].check_id);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, written[5]);
  auto missing = sink->get_check(new_check_id());
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(sink->get_check("'; DROP TABLE audit_checks; --").error().code, "audit.bad_query");

  // Terminal A, accepted, in pages of 2: newest first, each once.
  CheckQuery q;
  q.terminal = "counter-A";
  q.outcome = madoguchi::Outcome::Accepted;
  q.from = base;
  q.to = base + std::chrono::minutes(11);  // excludes i == 11
  q.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto p = sink->find_checks(q);
    ASSERT_TRUE(p) << p.error().message;
    for (auto& r : p->items) seen.push_back(r.check_id);
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  std::vector<std::string> expected;
  for (int i = 10; i >= 0; --i)
    if (i % 2 && i % 3) expected.push_back(written[i].check_id);
  EXPECT_EQ(seen, expected);  // 7, 5, 1

  CheckQuery all;
  all.limit = 500;
  auto everything = sink->find_checks(all);
  ASSERT_TRUE(everything);
  EXPECT_EQ(everything->items.size(), 12u);
  EXPECT_TRUE(everything->next_cursor.empty());

  CheckQuery bad;
  bad.cursor = "garbage";
  EXPECT_EQ(sink->find_checks(bad).error().code, "audit.bad_query");
  bad.cursor.clear();
  bad.limit = 0;
  EXPECT_EQ(sink->find_checks(bad).error().code, "audit.bad_query");
}

TEST_F(AuditSinkTest, InvalidRecordIsRefusedBeforeItIsWritten) {
  auto sink = open_sink();
  ASSERT_TRUE(sink);
  auto r = make_record();
  r.check_id = "123";
  auto res = sink->write(r);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, "audit.invalid_record");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), "0");
}

// The fault test at library level: PostgreSQL stopped (immediate) for 20 s under
// continuous writes, then started: every acknowledged record present exactly once.
TEST_F(AuditSinkTest, DatabaseStoppedUnderLoadLosesAndDuplicatesNothing) {
  PostgresAuditConfig cfg;
  cfg.retry_interval = 200ms;
  auto sink = open_sink(cfg);
  ASSERT_TRUE(sink);
  LoadGenerator load(*sink, 8, 2ms);
  ASSERT_TRUE(madoguchi_test::wait_until([&] { return load.acked_count() > 100u; }, 20s))
      << "the load never got going";

  pg.stop_immediate();
  std::this_thread::sleep_for(3s);
  const auto early_outage = load.acked_count();
  std::this_thread::sleep_for(18s);
  const auto late_outage = load.acked_count();
  EXPECT_GT(late_outage, early_outage + 1000) << "writes must keep being answered (spooled)";
  EXPECT_GT(sink->spool_depth(), 1000u);
  EXPECT_FALSE(sink->stats().database_up);
  pg.start();
  std::this_thread::sleep_for(3s);
  load.finish();
  ASSERT_TRUE(sink->wait_spool_drained(60s)) << "spool depth " << sink->spool_depth();

  EXPECT_TRUE(load.errors.empty())
      << load.errors.size()
      << " errors, first: " << (load.errors.empty() ? "" : load.errors.front());
  EXPECT_GT(load.spooled, 1000u);
  EXPECT_EQ(pg.psql("SELECT count(*) = count(DISTINCT check_id) FROM audit_checks"), "t");
  const auto db = ids_in_db();
  std::size_t missing = 0;
  for (const auto& id : load.acked) missing += db.count(id) == 0;
  EXPECT_EQ(missing, 0u);
  // Rows without an acknowledgement can only be writes in flight at the crash (none here:
  // every write was answered).
  EXPECT_EQ(db.size(), load.acked.size());
  const auto st = sink->stats();
  EXPECT_EQ(st.outages, 1u);
  EXPECT_TRUE(st.database_up);
  EXPECT_EQ(st.spool_depth, 0u);
  EXPECT_EQ(std::filesystem::file_size(spool.path() / detail::Spool::kFileName), 0u);
}

// A commit slower than the bound (a table lock held by someone else) goes to the spool instead
// of keeping the counter waiting; the records land exactly once when the lock goes.
TEST_F(AuditSinkTest, SlowDatabaseSpillsToTheSpool) {
  PostgresAuditConfig cfg;
  cfg.slow_bound = 300ms;
  auto sink = open_sink(cfg);
  ASSERT_TRUE(sink);
  ASSERT_EQ(*sink->write(make_record()), Durability::Database);
  std::thread locker([&] {
    pg.psql("BEGIN; LOCK TABLE audit_checks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;");
  });
  ASSERT_TRUE(madoguchi_test::wait_until(
      [&] {
        return pg.psql("SELECT count(*) FROM pg_locks WHERE granted AND mode = "
                       "'AccessExclusiveLock' AND relation = 'audit_checks'::regclass") == "1";
      },
      10s))
      << "the table was never locked";
  std::set<std::string> ids;
  const auto t0 = std::chrono::steady_clock::now();
  int spooled = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = make_record();
    auto res = sink->write(r);
    ASSERT_TRUE(res) << res.error().message;
    spooled += *res == Durability::Spooled;
    ids.insert(r.check_id);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_GE(spooled, 19);
  locker.join();
  ASSERT_TRUE(sink->wait_spool_drained(30s));
  auto db = ids_in_db();
  for (const auto& id : ids) EXPECT_EQ(db.count(id), 1u);
  EXPECT_EQ(pg.psql("SELECT count(*), count(DISTINCT check_id) FROM audit_checks"), "21|21");
}

// A spool left by a crash, with a corrupt record in the middle and a torn tail: the intact
// records are replayed on start, the damage reported.
TEST_F(AuditSinkTest, DamagedSpoolIsReportedAndItsIntactRecordsReplayed) {
  std::vector<AuditRecord> recs;
  std::string bytes;
  for (int i = 0; i < 6; ++i) {
    recs.push_back(make_record());
    std::string frame = detail::encode_frame(detail::to_json(recs.back()));
    if (i == 2) frame[frame.size() - 5] ^= 0x01;  // bit rot in record 2
    bytes += frame;
  }
  const std::string torn = detail::encode_frame(detail::to_json(make_record()));
  bytes += torn.substr(0, 20);
  std::ofstream(spool.path() / detail::Spool::kFileName, std::ios::binary) << bytes;

  auto sink = open_sink();
  ASSERT_TRUE(sink);
  EXPECT_EQ(sink->stats().spool_corrupt, 2u);
  ASSERT_TRUE(sink->wait_spool_drained(30s));
  auto db = ids_in_db();
  EXPECT_EQ(db.size(), 5u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(db.count(recs[i].check_id), i == 2 ? 0u : 1u) << i;
  EXPECT_EQ(sink->stats().replayed, 5u);
  EXPECT_TRUE(std::filesystem::exists(spool.path() / detail::Spool::kCorruptFileName));
}

// Started while the database is down: records are spooled, then replayed once it is up.
TEST_F(AuditSinkTest, StartsWithTheDatabaseDown) {
  pg.stop_immediate();
  PostgresAuditConfig cfg;
  cfg.retry_interval = 100ms;
  auto sink = open_sink(cfg);
  ASSERT_TRUE(sink);
  auto r = make_record();
  auto res = sink->write(r);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(*res, Durability::Spooled);
  EXPECT_EQ(sink->spool_depth(), 1u);
  auto q = sink->find_checks({});
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, "audit.unavailable");
  pg.start();
  ASSERT_TRUE(sink->wait_spool_drained(30s));
  auto got = sink->get_check(r.check_id);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, r);
}

// SIGKILL of a process holding spooled records: a helper writes while PostgreSQL is down
// (everything spooled), prints each acknowledged id, and is killed; a new sink on the same
// spool replays them all once the database is back.
TEST_F(AuditSinkTest, KilledWhileRecordsAreSpooledLosesNothing) {
  pg.stop_immediate();
  madoguchi_test::TempDir work("writer");
  const auto acks = work.path() / "acked.txt";
  {
    madoguchi_test::ChildProcess writer(
        {(madoguchi_test::binary_dir() / "tests" / "audit" / "audit_writer").string(),
         pg.conninfo(), spool.path().string(), acks.string(), "8"},
        {}, work.path() / "writer.log");
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::size_t lines = 0;
    while (std::chrono::steady_clock::now() < deadline && lines < 500) {
      std::this_thread::sleep_for(50ms);
      std::ifstream in(acks);
      lines =
          std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
    }
    ASSERT_GE(lines, 500u) << writer.log();
    writer.stop(SIGKILL);
  }
  std::set<std::string> acked;
  {
    std::ifstream in(acks);
    for (std::string line; std::getline(in, line);)
      if (line.size() == 36) acked.insert(line);  // a line cut by the kill was never complete
  }
  pg.start();
  auto sink = open_sink();
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->wait_spool_drained(60s));
  auto db = ids_in_db();
  std::size_t missing = 0;
  for (const auto& id : acked) missing += db.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged";
  EXPECT_EQ(pg.psql("SELECT count(*) = count(DISTINCT check_id) FROM audit_checks"), "t");
  // At most the records in flight at the kill are in the database without an ack line.
  EXPECT_LE(db.size(), acked.size() + 8);
}

// The database thread stuck in a replay (behind a lock) must not keep new records waiting
// past slow_bound either.
TEST_F(AuditSinkTest, ReplayStuckBehindALockDoesNotHoldNewRecords) {
  std::vector<std::string> old;
  {
    auto s = detail::Spool::open(spool.path());
    ASSERT_TRUE(s);
    std::vector<std::string> payloads;
    for (int i = 0; i < 50; ++i) {
      auto r = make_record();
      old.push_back(r.check_id);
      payloads.push_back(detail::to_json(r));
    }
    ASSERT_TRUE((*s)->append(payloads));
  }
  std::thread locker([&] {
    pg.psql("BEGIN; LOCK TABLE audit_checks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;");
  });
  ASSERT_TRUE(madoguchi_test::wait_until(
      [&] {
        return pg.psql("SELECT count(*) FROM pg_locks WHERE granted AND mode = "
                       "'AccessExclusiveLock' AND relation = 'audit_checks'::regclass") == "1";
      },
      10s))
      << "the table was never locked";
  PostgresAuditConfig cfg;
  cfg.slow_bound = 300ms;
  auto sink = open_sink(cfg);  // starts replaying, blocks on the lock
  ASSERT_TRUE(sink);
  ASSERT_TRUE(madoguchi_test::wait_until(
      [&] {
        return pg.psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") !=
               "0";
      },
      10s))
      << "the replay never waited for the lock";
  const auto t0 = std::chrono::steady_clock::now();
  auto r = make_record();
  auto res = sink->write(r);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(*res, Durability::Spooled);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  locker.join();
  ASSERT_TRUE(sink->wait_spool_drained(30s));
  auto db = ids_in_db();
  EXPECT_EQ(db.size(), 51u);
  EXPECT_EQ(db.count(r.check_id), 1u);
  for (const auto& id : old) EXPECT_EQ(db.count(id), 1u);
}
