// PostgreSQL adapter: group commit on one writer thread, spool on a second thread.
//
// Two threads, one mutex (mu):
//  - the database thread owns the connection: it takes every pending record (up to max_batch)
//    into one INSERT transaction, replays the spool between batches, reconnects in outages;
//  - the spool thread appends records to the spool (one fdatasync per batch) while the adapter
//    is in spooling mode, and watches the database thread's in-flight commit: one older than
//    slow_bound switches to spooling too, and the commit's own records are spooled as well
//    (if that commit lands after all, the replay finds them and inserts nothing).
// A record may thus reach both; (check_id, checked_at) makes the second insert a no-op.
#include <madoguchi/audit/postgres.hpp>

#include <madoguchi/audit/queries.hpp>
#include "codec.hpp"
#include "pgsql.hpp"
#include "spool.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace madoguchi::audit {

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Slot {
  AuditRecord record;
  bool done = false;
  bool spool_claimed = false;  // queued for (or written to) the spool
  std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now();
  std::optional<Result<Durability>> result;
  Completion<Durability> completion;  // called once, outside the lock, by deliver()
};
using SlotPtr = std::shared_ptr<Slot>;

bool valid_uuid_text(const std::string& s) {
  AuditRecord probe;
  probe.check_id = s;
  probe.time = TimePoint(std::chrono::microseconds(1));
  probe.terminal_id = probe.client_id = "x";
  return static_cast<bool>(validate(probe));
}

}  // namespace

struct PostgresAudit::Impl {
  PostgresAuditConfig cfg;
  std::string conninfo;  // with a connect timeout
  std::unique_ptr<detail::Spool> spool;

  mutable std::mutex mu;
  std::condition_variable db_cv, spool_cv;
  mutable std::condition_variable done_cv;
  std::deque<SlotPtr> db_queue, spool_queue;
  std::vector<SlotPtr> inflight;
  std::vector<SlotPtr> appending;  // being appended to the spool by the spool thread
  std::vector<SlotPtr> ready;      // finished, completion not yet called
  SteadyClock::time_point inflight_since;
  bool inflight_active = false;
  bool spooling = false;
  bool stopping = false;
  bool db_thread_done = false;
  AuditStats stats;

  // Database thread only.
  std::unique_ptr<pqxx::connection> conn;
  std::uint64_t replay_offset = 0;
  std::uint64_t replayed_this_outage = 0;
  SteadyClock::time_point next_partition_check{};
  bool partition_warned = false;
  std::size_t last_batch_size = 0;

  std::mutex pool_mu;
  std::vector<std::unique_ptr<pqxx::connection>> pool;

  std::thread db_thread, spool_thread;

  // ---- completion ----------------------------------------------------------------------
  void finish_locked(const SlotPtr& s, Result<Durability> r) {
    if (s->done) return;
    s->done = true;
    if (r) {
      (*r == Durability::Database ? stats.written_database : stats.written_spooled)++;
    }
    s->result = std::move(r);
    ready.push_back(s);
  }

  // Calls the completions of finished records; never under the lock (a completion may write
  // again, or answer a request).
  void deliver() {
    std::vector<SlotPtr> now;
    {
      std::lock_guard lk(mu);
      now.swap(ready);
    }
    for (const auto& s : now) {
      try {
        s->completion(std::move(*s->result));
      } catch (const std::exception& e) {
        spdlog::error("audit: a write completion failed: {}", e.what());
      }
      s->completion = nullptr;
    }
  }

  // Records not durable within write_timeout are answered "audit.timeout" (they may still
  // become durable later; their callers were told they are not).
  void expire_locked() {
    const auto limit = SteadyClock::now() - cfg.write_timeout;
    auto expire = [&](const SlotPtr& s) {
      if (!s->done && s->queued_at <= limit)
        finish_locked(
            s, make_error("audit.timeout", "audit record not durable within the write timeout"));
    };
    for (const auto& s : db_queue) {
      if (s->queued_at > limit) break;
      expire(s);
    }
    for (const auto& s : spool_queue) expire(s);
    for (const auto& s : inflight) expire(s);
    for (const auto& s : appending) expire(s);
  }

  // Switches to spooling (warning once per outage) and hands `unsent` plus everything queued
  // for the database to the spool thread, oldest first.
  void enter_spooling_locked(const std::vector<SlotPtr>& unsent, const std::string& why) {
    if (!spooling) {
      spooling = true;
      stats.outages++;
      replayed_this_outage = 0;
      spdlog::warn("audit: PostgreSQL unavailable or slow ({}); spooling audit records to {}", why,
                   spool->path().string());
    }
    std::deque<SlotPtr> moved;
    for (const auto& s : unsent)
      if (!s->done && !s->spool_claimed) moved.push_back(s);
    for (auto& s : db_queue) moved.push_back(std::move(s));
    db_queue.clear();
    for (auto& s : moved) s->spool_claimed = true;
    spool_queue.insert(spool_queue.begin(), moved.begin(), moved.end());
    spool_cv.notify_one();
  }

  void lost_connection(const std::vector<SlotPtr>& batch, const std::string& why) {
    conn.reset();
    std::lock_guard lk(mu);
    inflight_active = false;
    inflight.clear();
    stats.database_up = false;
    enter_spooling_locked(batch, why);
  }

  // ---- database thread -----------------------------------------------------------------
  bool connect() {
    try {
      conn = std::make_unique<pqxx::connection>(conninfo);
      queries::prepare_all(*conn);
      // A statement stuck behind a lock must not hold the writer forever: it errors, the
      // adapter reconnects (its records were spooled after slow_bound already).
      pqxx::nontransaction(*conn).exec("SET statement_timeout = '30s'");
    } catch (const std::exception& e) {
      conn.reset();
      std::lock_guard lk(mu);
      stats.database_up = false;
      enter_spooling_locked({}, std::string("cannot connect: ") + detail::describe(e));
      return false;
    }
    std::lock_guard lk(mu);
    stats.database_up = true;
    if (spooling) {
      spooling = false;
      spdlog::info("audit: PostgreSQL reachable again; replaying {} spooled records",
                   spool->depth());
    }
    return true;
  }

  void maintain_partitions() {
    if (SteadyClock::now() < next_partition_check) return;
    next_partition_check = SteadyClock::now() + std::chrono::hours(24);
    try {
      pqxx::work w(*conn);
      w.exec_prepared("audit.ensure_partitions", cfg.partitions_ahead);
      w.commit();
    } catch (const pqxx::broken_connection&) {
      next_partition_check = {};
      throw;
    } catch (const std::exception& e) {
      if (!partition_warned)
        spdlog::warn("audit: cannot create partitions ahead ({}); migrations applied?",
                     detail::describe(e));
      partition_warned = true;
      next_partition_check = SteadyClock::now() + std::chrono::minutes(1);
    }
  }

  // Inserts records one per transaction after a batch was refused for its data; returns how
  // many were inserted, reports each refused one to `refused`.
  template <class OnRefused>
  std::uint64_t insert_each(const std::vector<const AuditRecord*>& records, OnRefused refused) {
    std::uint64_t inserted = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      try {
        pqxx::work w(*conn);
        inserted += detail::insert_checks(w, {records[i]}).affected_rows();
        w.commit();
      } catch (const pqxx::sql_error& e) {
        if (!detail::is_data_error(e)) throw;
        spdlog::error("audit: PostgreSQL refused audit record {}: {}", records[i]->check_id,
                      detail::describe(e));
        refused(i, detail::describe(e));
      }
    }
    return inserted;
  }

  void write_batch(const std::vector<SlotPtr>& batch) {
    std::vector<const AuditRecord*> records;
    records.reserve(batch.size());
    for (const auto& s : batch) records.push_back(&s->record);
    std::vector<std::optional<std::string>> refused(batch.size());
    try {
      try {
        pqxx::work w(*conn);
        detail::insert_checks(w, records);
        w.commit();
      } catch (const pqxx::sql_error& e) {
        if (!detail::is_data_error(e)) throw;
        insert_each(records, [&](std::size_t i, const std::string& why) { refused[i] = why; });
      }
    } catch (const std::exception& e) {
      lost_connection(batch, detail::describe(e));
      return;
    }
    {
      std::lock_guard lk(mu);
      inflight_active = false;
      inflight.clear();
      stats.batches++;
      stats.database_up = true;
      if (spooling) {  // a slow commit had switched us to the spool; it landed after all
        spooling = false;
        spdlog::info("audit: PostgreSQL commits are fast again; replaying the spool");
      }
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (refused[i]) {
          stats.rejected++;
          finish_locked(batch[i], make_error("audit.rejected",
                                             "PostgreSQL refused the record: " + *refused[i]));
        } else {
          finish_locked(batch[i], Durability::Database);
        }
      }
      done_cv.notify_all();
    }
    deliver();
  }

  // One chunk of the spool into the database, in file order. Returns false when the spool is
  // empty (nothing to do).
  bool replay_chunk() {
    auto chunk = spool->read(replay_offset, cfg.max_batch);
    if (!chunk) {
      spdlog::error("audit: {}", chunk.error().message);
      return false;
    }
    if (chunk->end == replay_offset) {
      if (spool->truncate_if_end(replay_offset)) {
        if (replay_offset > 0)
          spdlog::info("audit: spool replayed ({} new rows) and emptied", replayed_this_outage);
        replay_offset = 0;
        return false;
      }
      return true;  // appended meanwhile: read on
    }
    std::vector<AuditRecord> records;
    std::uint64_t undecodable = 0;
    for (const auto& p : chunk->payloads) {
      if (auto r = detail::from_json(p))
        records.push_back(std::move(*r));
      else
        ++undecodable;
    }
    std::uint64_t inserted = 0, rejected = 0;
    if (!records.empty()) {
      std::vector<const AuditRecord*> ptrs;
      for (const auto& r : records) ptrs.push_back(&r);
      try {
        try {
          pqxx::work w(*conn);
          inserted = detail::insert_checks(w, ptrs).affected_rows();
          w.commit();
        } catch (const pqxx::sql_error& e) {
          if (!detail::is_data_error(e)) throw;
          inserted = insert_each(ptrs, [&](std::size_t, const std::string&) { ++rejected; });
        }
      } catch (const std::exception& e) {
        lost_connection({}, detail::describe(e));
        return true;
      }
    }
    if (undecodable + chunk->corrupt_regions > 0)
      spdlog::warn("audit: {} spooled records could not be read back and were skipped",
                   undecodable + chunk->corrupt_regions);
    replay_offset = chunk->end;
    spool->mark_replayed(chunk->payloads.size());
    replayed_this_outage += inserted;
    std::lock_guard lk(mu);
    if (spooling) {  // the replay had kept new records waiting past slow_bound; it is done
      spooling = false;
      spdlog::info("audit: PostgreSQL commits are fast again");
    }
    stats.replayed += inserted;
    stats.rejected += rejected;
    stats.spool_corrupt += undecodable + chunk->corrupt_regions;
    return true;
  }

  void db_loop() {
    bool replay_turn = false;
    for (;;) {
      if (!conn) {
        {
          std::unique_lock lk(mu);
          if (stopping) {
            enter_spooling_locked({}, "shutting down");
            break;
          }
        }
        if (!connect()) {
          std::unique_lock lk(mu);
          db_cv.wait_for(lk, cfg.retry_interval, [&] { return stopping; });
          continue;
        }
      }
      try {
        maintain_partitions();
      } catch (const std::exception& e) {
        lost_connection({}, detail::describe(e));
        continue;
      }
      const bool spool_has_data = spool->size() > 0;
      std::vector<SlotPtr> batch;
      {
        std::unique_lock lk(mu);
        if (db_queue.empty() && !stopping && !spool_has_data)
          db_cv.wait_for(lk, std::chrono::milliseconds(200),
                         [&] { return !db_queue.empty() || stopping; });
        if (db_queue.empty() && stopping) break;
        if (!db_queue.empty() && !(replay_turn && spool_has_data)) {
          // Linger for "the same crowd as last time": the writers woken by the last commit
          // come back within microseconds, so wait (at most max_wait) until as many records as
          // the last batch held are queued. A lone writer never waits.
          const std::size_t target = std::min(cfg.max_batch, last_batch_size);
          if (target > 1 && db_queue.size() < target && cfg.max_wait.count() > 0)
            db_cv.wait_for(lk, cfg.max_wait, [&] { return db_queue.size() >= target || stopping; });
          while (!db_queue.empty() && batch.size() < cfg.max_batch) {
            batch.push_back(std::move(db_queue.front()));
            db_queue.pop_front();
          }
          last_batch_size = batch.size();
          inflight = batch;
          inflight_active = true;
          inflight_since = SteadyClock::now();
        }
      }
      if (batch.empty()) {
        replay_turn = false;
        if (spool_has_data && !replay_chunk()) {
          std::unique_lock lk(mu);  // nothing readable yet: do not spin
          db_cv.wait_for(lk, std::chrono::milliseconds(50), [&] { return stopping; });
        }
        continue;
      }
      replay_turn = true;
      write_batch(batch);
    }
    std::lock_guard lk(mu);
    db_thread_done = true;
    spool_cv.notify_all();
  }

  // ---- spool thread --------------------------------------------------------------------
  // A commit in flight, or a record queued (the database thread busy elsewhere: replaying,
  // stuck in a statement), for longer than slow_bound: spool instead of keeping the desk waiting.
  void check_slow_locked() {
    if (spooling) return;
    const auto now = SteadyClock::now();
    const bool commit_slow = inflight_active && now - inflight_since >= cfg.slow_bound;
    const bool queue_slow =
        !db_queue.empty() && now - db_queue.front()->queued_at >= cfg.slow_bound;
    if (!commit_slow && !queue_slow) return;
    enter_spooling_locked(inflight_active ? inflight : std::vector<SlotPtr>{},
                          "a record waited longer than " + std::to_string(cfg.slow_bound.count()) +
                              " ms for its commit");
  }

  void spool_loop() {
    const auto tick = std::clamp<std::chrono::milliseconds>(
        cfg.slow_bound / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(100));
    for (;;) {
      std::vector<SlotPtr> batch;
      {
        std::unique_lock lk(mu);
        spool_cv.wait_for(lk, tick,
                          [&] { return !spool_queue.empty() || (stopping && db_thread_done); });
        check_slow_locked();
        expire_locked();
        if (spool_queue.empty()) {
          if (stopping && db_thread_done) break;
          if (!ready.empty()) {
            lk.unlock();
            deliver();
          }
          continue;
        }
        while (!spool_queue.empty() && batch.size() < 4096) {
          batch.push_back(std::move(spool_queue.front()));
          spool_queue.pop_front();
        }
        appending = batch;
      }
      std::vector<std::string> payloads;
      payloads.reserve(batch.size());
      for (const auto& s : batch) payloads.push_back(detail::to_json(s->record));
      auto appended = spool->append(payloads);
      {
        std::lock_guard lk(mu);
        appending.clear();
        for (const auto& s : batch) {
          if (appended)
            finish_locked(s, Durability::Spooled);
          else
            finish_locked(
                s, make_error("audit.unavailable", "database unavailable and the spool failed: " +
                                                       appended.error().message));
        }
        if (!appended) spdlog::error("audit: {}", appended.error().message);
        db_cv.notify_one();  // replay may start
        done_cv.notify_all();
      }
      deliver();
    }
    deliver();
  }

  // ---- queries -------------------------------------------------------------------------
  template <class T, class F>
  Result<T> with_query_connection(F f) {
    std::unique_ptr<pqxx::connection> c;
    {
      std::lock_guard lk(pool_mu);
      if (!pool.empty()) {
        c = std::move(pool.back());
        pool.pop_back();
      }
    }
    try {
      if (!c) {
        c = std::make_unique<pqxx::connection>(conninfo);
        queries::prepare_all(*c);
      }
      T out = f(*c);
      std::lock_guard lk(pool_mu);
      if (pool.size() < 4) pool.push_back(std::move(c));
      return out;
    } catch (const std::exception& e) {
      return make_error("audit.unavailable", "audit query failed: " + detail::describe(e));
    }
  }
};

PostgresAudit::PostgresAudit(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<PostgresAudit>> PostgresAudit::open(PostgresAuditConfig config) {
  if (config.max_batch == 0) config.max_batch = 1;
  auto spool = detail::Spool::open(config.spool_dir);
  if (!spool) return spool.error();
  auto impl = std::make_unique<Impl>();
  impl->conninfo = detail::with_liveness_checks(detail::with_connect_timeout(config.conninfo, 1));
  impl->cfg = std::move(config);
  impl->spool = std::move(*spool);
  const auto& rec = impl->spool->recovery();
  impl->stats.spool_corrupt = rec.corrupt_regions;
  if (rec.corrupt_regions > 0)
    spdlog::warn(
        "audit: spool {} had {} torn or corrupt regions ({} bytes, moved to {}); {} intact "
        "records kept for replay",
        impl->spool->path().string(), rec.corrupt_regions, rec.corrupt_bytes,
        detail::Spool::kCorruptFileName, rec.records);
  else if (rec.records > 0)
    spdlog::info("audit: spool holds {} records from before; replaying", rec.records);
  Impl* p = impl.get();
  p->db_thread = std::thread([p] { p->db_loop(); });
  p->spool_thread = std::thread([p] { p->spool_loop(); });
  return std::unique_ptr<PostgresAudit>(new PostgresAudit(std::move(impl)));
}

PostgresAudit::~PostgresAudit() {
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopping = true;
  }
  impl_->db_cv.notify_all();
  impl_->spool_cv.notify_all();
  impl_->db_thread.join();
  impl_->spool_thread.join();
}

void PostgresAudit::write(AuditRecord record, Completion<Durability> done) {
  if (auto v = validate(record); !v) return done(v.error());
  auto slot = std::make_shared<Slot>();
  slot->record = std::move(record);
  slot->completion = std::move(done);
  auto& m = *impl_;
  {
    std::lock_guard lk(m.mu);
    if (!m.stopping) {
      if (m.spooling) {
        slot->spool_claimed = true;
        m.spool_queue.push_back(slot);
        m.spool_cv.notify_one();
      } else {
        m.db_queue.push_back(slot);
        m.db_cv.notify_one();
      }
      return;
    }
  }
  slot->completion(make_error("audit.unavailable", "audit sink is shutting down"));
}

Result<Durability> PostgresAudit::write(const AuditRecord& record) {
  auto answer = std::make_shared<std::promise<Result<Durability>>>();
  auto future = answer->get_future();
  write(record, [answer](Result<Durability> r) { answer->set_value(std::move(r)); });
  if (future.wait_for(impl_->cfg.write_timeout) != std::future_status::ready)
    return make_error("audit.timeout", "audit record not durable within the write timeout");
  return future.get();
}

Result<CheckPage> PostgresAudit::find_checks(const CheckQuery& q) {
  if (q.limit < 1 || q.limit > 500)
    return make_error("audit.bad_query", "limit must be between 1 and 500");
  if (!q.check_id.empty() && !valid_uuid_text(q.check_id))
    return make_error("audit.bad_query", "check id is not a UUID");
  std::optional<std::pair<long long, std::string>> after;
  if (!q.cursor.empty()) {
    auto sep = q.cursor.find('_');
    std::string us = q.cursor.substr(0, sep);
    if (sep == std::string::npos || us.empty() || us.size() > 18 ||
        us.find_first_not_of("0123456789") != std::string::npos ||
        !valid_uuid_text(q.cursor.substr(sep + 1)))
      return make_error("audit.bad_query", "malformed cursor");
    after.emplace(std::stoll(us), q.cursor.substr(sep + 1));
  }
  return impl_->with_query_connection<CheckPage>([&](pqxx::connection& c) {
    const auto text = [](const std::string& v) {
      return v.empty() ? std::nullopt : std::optional<std::string>(v);
    };
    const auto time = [](const std::optional<TimePoint>& t) {
      return t ? std::optional<std::string>(detail::iso_utc(*t)) : std::nullopt;
    };
    pqxx::nontransaction tx(c);
    auto rows = tx.exec_prepared(
        "audit.find_checks", time(q.from), time(q.to), text(q.terminal), text(q.client),
        text(q.check_id),
        q.outcome ? std::optional<std::string>(to_string(*q.outcome)) : std::nullopt,
        after ? time(TimePoint(std::chrono::microseconds(after->first))) : std::nullopt,
        after ? std::optional<std::string>(after->second) : std::nullopt, q.limit + 1);
    CheckPage page;
    for (const auto& row : rows) {
      if (page.items.size() == static_cast<std::size_t>(q.limit)) {
        const auto& last = page.items.back();
        page.next_cursor =
            std::to_string(last.time.time_since_epoch().count()) + "_" + last.check_id;
        break;
      }
      page.items.push_back(detail::row_to_record(row));
    }
    return page;
  });
}

Result<std::optional<AuditRecord>> PostgresAudit::get_check(const std::string& check_id) {
  std::string id = check_id;
  for (char& ch : id)
    if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
  if (!valid_uuid_text(id)) return make_error("audit.bad_query", "check id is not a UUID");
  return impl_->with_query_connection<std::optional<AuditRecord>>([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto rows = tx.exec_prepared("audit.get_check", id);
    std::optional<AuditRecord> out;
    if (!rows.empty()) out = detail::row_to_record(rows[0]);
    return out;
  });
}

std::uint64_t PostgresAudit::spool_depth() const { return impl_->spool->depth(); }

AuditStats PostgresAudit::stats() const {
  std::lock_guard lk(impl_->mu);
  AuditStats s = impl_->stats;
  s.spool_depth = impl_->spool->depth();
  s.spool_bytes = impl_->spool->size();
  return s;
}

bool PostgresAudit::wait_spool_drained(std::chrono::milliseconds timeout) const {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lk(impl_->mu);
      if (impl_->spool_queue.empty() && impl_->spool->size() == 0) return true;
    }
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace madoguchi::audit
