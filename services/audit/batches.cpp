// Durable batches and idempotency keys in PostgreSQL (migration 0005, db/queries/batch.sql).
#include <madoguchi/audit/batches.hpp>
#include <madoguchi/audit/queries.hpp>

#include "pgsql.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace madoguchi::audit {

namespace {

// A few connections reused across calls (a connection costs milliseconds; progress polls and
// idempotency checks are frequent). A broken connection is dropped, not returned.
class Pool {
 public:
  explicit Pool(std::string conninfo)
      : conninfo_(detail::with_liveness_checks(detail::with_connect_timeout(conninfo, 2))) {}

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<pqxx::connection> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.give_back(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    pqxx::connection& operator*() { return *c_; }

   private:
    Pool& pool_;
    std::unique_ptr<pqxx::connection> c_;
  };

  Lease take() {
    {
      std::lock_guard lock(mu_);
      while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (c->is_open()) return Lease(*this, std::move(c));
      }
    }
    auto c = std::make_unique<pqxx::connection>(conninfo_);
    queries::prepare_all(*c);
    return Lease(*this, std::move(c));
  }

 private:
  void give_back(std::unique_ptr<pqxx::connection> c) {
    if (!c || !c->is_open()) return;
    std::lock_guard lock(mu_);
    if (idle_.size() < 8) idle_.push_back(std::move(c));
  }

  std::string conninfo_;
  std::mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

Error unavailable(const std::exception& e) {
  return make_error("audit.unavailable", std::string("batch store: ") + detail::describe(e));
}

std::optional<std::string> null_if_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

class PostgresBatchStore final : public BatchStore {
 public:
  explicit PostgresBatchStore(BatchStoreConfig config) : pool_(config.conninfo) {}

  Result<void> create(const NewBatch& b) override {
    try {
      std::array<std::vector<std::optional<std::string>>, 8> col;
      for (auto& c : col) c.reserve(b.items.size());
      for (const auto& i : b.items) {
        col[0].emplace_back(i.reference);
        col[1].emplace_back(i.insurer_number);
        col[2].emplace_back(i.insured_symbol);
        col[3].emplace_back(i.insured_number);
        col[4].emplace_back(i.branch_number);
        col[5].emplace_back(i.birth_date);
        col[6].emplace_back(i.visit_date);
        col[7].push_back(null_if_empty(i.error_code));
      }
      auto lease = pool_.take();
      pqxx::work tx(*lease);
      tx.exec_prepared("batch.create", b.batch_id, b.client_id, b.terminal_id, b.visit_date,
                       static_cast<int>(b.items.size()));
      tx.exec_prepared("batch.insert_entries", b.batch_id, queries::array_literal(col[0]),
                       queries::array_literal(col[1]), queries::array_literal(col[2]),
                       queries::array_literal(col[3]), queries::array_literal(col[4]),
                       queries::array_literal(col[5]), queries::array_literal(col[6]),
                       queries::array_literal(col[7]));
      tx.commit();
      return {};
    } catch (const pqxx::unique_violation&) {
      return make_error("batch.exists", "a batch with this id exists");
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }

  Result<std::optional<BatchInfo>> info(const std::string& batch_id,
                                        const std::string& client_id) override {
    try {
      auto lease = pool_.take();
      pqxx::read_transaction tx(*lease);
      auto rows = tx.exec_prepared("batch.info", batch_id, null_if_empty(client_id));
      if (rows.empty()) return std::optional<BatchInfo>{};
      const auto& r = rows[0];
      BatchInfo b;
      b.batch_id = r[0].as<std::string>();
      b.client_id = r[1].as<std::string>();
      b.terminal_id = r[2].as<std::string>();
      b.visit_date = r[3].as<std::string>();
      b.state = r[4].as<std::string>();
      b.counts.total = r[5].as<int>();
      b.created_at = TimePoint(std::chrono::microseconds(r[6].as<long long>()));
      if (!r[7].is_null())
        b.finished_at = TimePoint(std::chrono::microseconds(r[7].as<long long>()));
      for (const auto& c : tx.exec_prepared("batch.counts", batch_id)) {
        const auto state = c[0].as<std::string>();
        const int n = c[2].as<int>();
        if (state == "done") {
          b.counts.done += n;
          b.counts.by_outcome[c[1].as<std::string>()] += n;
        } else if (state == "cancelled") {
          b.counts.cancelled += n;
        } else {
          b.counts.pending += n;
        }
      }
      return std::optional<BatchInfo>(std::move(b));
    } catch (const pqxx::data_exception&) {
      return std::optional<BatchInfo>{};  // not a UUID: no such batch
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }

  Result<BatchResultPage> results(const std::string& batch_id, const std::string& cursor,
                                  int limit) override {
    int from = 0;
    if (!cursor.empty()) {
      auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), from);
      if (ec != std::errc() || p != cursor.data() + cursor.size() || from < 0)
        return make_error("batch.bad_cursor", "the cursor is not one this API gave");
    }
    limit = std::clamp(limit, 1, 1000);
    try {
      auto lease = pool_.take();
      pqxx::read_transaction tx(*lease);
      BatchResultPage page;
      // One more than asked tells whether there is a next page.
      auto rows = tx.exec_prepared("batch.results", batch_id, from, limit + 1);
      for (const auto& r : rows) {
        if (static_cast<int>(page.items.size()) == limit) {
          page.next_cursor = std::to_string(r[0].as<int>());
          break;
        }
        page.items.push_back({r[0].as<int>(), r[1].as<std::string>(), r[2].as<std::string>(),
                              r[3].as<std::string>()});
      }
      return page;
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }

  Result<bool> cancel(const std::string& batch_id) override {
    try {
      auto lease = pool_.take();
      pqxx::work tx(*lease);
      tx.exec_prepared("batch.lock", batch_id);
      tx.exec_prepared("batch.cancel_entries", batch_id);
      const auto marked = tx.exec_prepared("batch.mark_cancelled", batch_id);
      tx.commit();
      return marked.affected_rows() > 0;
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }

  Result<std::optional<BatchClaim>> claim(int limit, std::chrono::milliseconds lease_for) override {
    try {
      auto lease = pool_.take();
      pqxx::work tx(*lease);
      const auto candidates = tx.exec_prepared("batch.next_batch");
      for (const auto& b : candidates) {
        BatchClaim claim;
        claim.batch_id = b[0].as<std::string>();
        claim.client_id = b[1].as<std::string>();
        claim.terminal_id = b[2].as<std::string>();
        claim.visit_date = b[3].as<std::string>();
        claim.claim_token = new_check_id();
        // The batch's row first, as finish() and cancel() take it: the three never wait on each
        // other in opposite orders (an expired chunk being re-claimed while its first worker
        // finishes it would otherwise deadlock).
        tx.exec_prepared("batch.lock", claim.batch_id);
        const auto rows = tx.exec_prepared("batch.claim", claim.batch_id, claim.claim_token, limit,
                                           static_cast<int>(lease_for.count()));
        if (rows.empty()) continue;  // another daemon holds the rest of this one
        for (const auto& r : rows) {
          BatchClaim::Entry e;
          e.seq = r[0].as<int>();
          e.item.reference = r[1].as<std::string>();
          e.item.insurer_number = r[2].as<std::string>();
          e.item.insured_symbol = r[3].as<std::string>();
          e.item.insured_number = r[4].as<std::string>();
          e.item.branch_number = r[5].as<std::string>();
          e.item.birth_date = r[6].as<std::string>();
          e.item.visit_date = r[7].as<std::string>();
          e.item.error_code = r[8].as<std::string>();
          e.attempts = r[9].as<int>();
          claim.entries.push_back(std::move(e));
        }
        // UPDATE ... RETURNING does not keep the subquery's order.
        std::sort(claim.entries.begin(), claim.entries.end(),
                  [](const auto& x, const auto& y) { return x.seq < y.seq; });
        tx.exec_prepared("batch.mark_running", claim.batch_id);
        tx.commit();
        return std::optional<BatchClaim>(std::move(claim));
      }
      tx.commit();
      return std::optional<BatchClaim>{};
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }

  Result<int> finish(const BatchClaim& claim, const std::vector<FinishedEntry>& done) override {
    try {
      std::vector<std::optional<std::string>> seqs, ids, outcomes, results;
      for (const auto& f : done) {
        seqs.emplace_back(std::to_string(f.seq));
        ids.push_back(f.record ? std::optional<std::string>(f.record->check_id) : std::nullopt);
        outcomes.emplace_back(f.outcome);
        results.emplace_back(f.result_json);
      }
      auto lease = pool_.take();
      pqxx::work tx(*lease);
      // Taken first: finishing chunks of one batch queue here, so the last one sees no entry
      // left and marks the batch done (and a cancel waits for a finishing chunk).
      tx.exec_prepared("batch.lock", claim.batch_id);
      const auto held =
          tx.exec_prepared("batch.finish_entries", claim.batch_id, claim.claim_token,
                           queries::array_literal(seqs), queries::array_literal(ids),
                           queries::array_literal(outcomes), queries::array_literal(results));
      std::vector<int> still_ours;
      for (const auto& r : held) still_ours.push_back(r[0].as<int>());
      std::sort(still_ours.begin(), still_ours.end());
      std::vector<const AuditRecord*> records;
      for (const auto& f : done)
        if (f.record && std::binary_search(still_ours.begin(), still_ours.end(), f.seq))
          records.push_back(&*f.record);
      if (!records.empty()) detail::insert_checks(tx, records);
      tx.exec_prepared("batch.mark_done", claim.batch_id);
      tx.commit();
      if (still_ours.size() < done.size())
        spdlog::warn(
            "batch {}: {} of {} entries were claimed again by another worker; their "
            "results and audit records are that worker's",
            claim.batch_id, done.size() - still_ours.size(), done.size());
      return static_cast<int>(still_ours.size());
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }

 private:
  Pool pool_;
};

class PostgresIdempotencyStore final : public IdempotencyStore {
 public:
  explicit PostgresIdempotencyStore(IdempotencyStoreConfig config)
      : config_(std::move(config)), pool_(config_.conninfo) {
    for (int i = 0; i < 2; ++i)
      threads_.emplace_back([this] {
        std::unique_lock lock(mu_);
        for (;;) {
          wake_.wait(lock, [this] { return stopping_ || !work_.empty(); });
          if (work_.empty()) return;
          auto work = std::move(work_.front());
          work_.pop_front();
          lock.unlock();
          try {
            work();
          } catch (const std::exception& e) {
            spdlog::error("idempotency keys: {}", detail::describe(e));
          }
          lock.lock();
        }
      });
  }

  ~PostgresIdempotencyStore() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void run_async(std::function<void()> work) override {
    {
      std::lock_guard lock(mu_);
      work_.push_back(std::move(work));
    }
    wake_.notify_one();
  }

  Result<IdempotencyState> begin(const std::string& client_id, const std::string& key,
                                 const std::string& fingerprint) override {
    try {
      auto lease = pool_.take();
      pqxx::work tx(*lease);
      // A reservation nobody answered within this time belongs to a request that died.
      constexpr int kAbandonedSeconds = 120;
      const auto mine = tx.exec_prepared("batch.idempotency_begin", client_id, key, fingerprint,
                                         static_cast<int>(config_.ttl.count()), kAbandonedSeconds);
      // Now and then, expired keys go (any daemon may do it; it is one indexed DELETE).
      if (++calls_ % 1000 == 1) tx.exec_prepared("batch.idempotency_expire");
      IdempotencyState state;
      if (mine.empty()) {
        const auto rows = tx.exec_prepared("batch.idempotency_get", client_id, key);
        if (rows.empty()) {
          state.kind = IdempotencyState::Kind::InProgress;  // released between the two: retry
        } else if (rows[0][0].as<std::string>() != fingerprint) {
          state.kind = IdempotencyState::Kind::Mismatch;
        } else if (rows[0][1].is_null()) {
          state.kind = IdempotencyState::Kind::InProgress;
        } else {
          state.kind = IdempotencyState::Kind::Replay;
          state.answer.status = rows[0][1].as<int>();
          state.answer.content_type = rows[0][2].as<std::string>();
          for (const auto& h : nlohmann::json::parse(rows[0][3].as<std::string>()))
            state.answer.headers.emplace_back(h.at(0).get<std::string>(),
                                              h.at(1).get<std::string>());
          state.answer.body = rows[0][4].as<std::string>();
        }
      }
      tx.commit();
      return state;
    } catch (const std::exception& e) {
      return make_error("audit.unavailable",
                        std::string("idempotency keys: ") + detail::describe(e));
    }
  }

  Result<void> complete(const std::string& client_id, const std::string& key,
                        const StoredAnswer& answer) override {
    try {
      nlohmann::json headers = nlohmann::json::array();
      for (const auto& [name, value] : answer.headers) headers.push_back({name, value});
      auto lease = pool_.take();
      pqxx::work tx(*lease);
      tx.exec_prepared("batch.idempotency_complete", client_id, key, answer.status,
                       answer.content_type, headers.dump(), answer.body);
      tx.commit();
      return {};
    } catch (const std::exception& e) {
      return make_error("audit.unavailable",
                        std::string("idempotency keys: ") + detail::describe(e));
    }
  }

  Result<void> release(const std::string& client_id, const std::string& key) override {
    try {
      auto lease = pool_.take();
      pqxx::work tx(*lease);
      tx.exec_prepared("batch.idempotency_release", client_id, key);
      tx.commit();
      return {};
    } catch (const std::exception& e) {
      return make_error("audit.unavailable",
                        std::string("idempotency keys: ") + detail::describe(e));
    }
  }

 private:
  IdempotencyStoreConfig config_;
  Pool pool_;
  std::atomic<std::uint64_t> calls_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> work_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<BatchStore> open_batch_store(BatchStoreConfig config) {
  return std::make_unique<PostgresBatchStore>(std::move(config));
}

std::unique_ptr<IdempotencyStore> open_idempotency_store(IdempotencyStoreConfig config) {
  return std::make_unique<PostgresIdempotencyStore>(std::move(config));
}

}  // namespace madoguchi::audit
