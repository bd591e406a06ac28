// The unconfirmed queue in PostgreSQL (migration 0003).
#include <madoguchi/audit/unconfirmed.hpp>

#include <madoguchi/audit/queries.hpp>
#include "pgsql.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <mutex>

namespace madoguchi::audit {

namespace {

// A row of audit.unconfirmed_due / audit.unconfirmed_list (db/queries/audit.sql).
UnconfirmedEntry to_entry(const pqxx::row& row) {
  UnconfirmedEntry e;
  e.check_id = row[0].as<std::string>();
  e.checked_at = TimePoint(std::chrono::microseconds(row[1].as<long long>()));
  e.terminal_id = row[2].as<std::string>();
  e.visit_date = row[3].as<std::string>();
  e.presentation_context = row[4].as<std::string>();
  e.document_type = row[5].as<std::string>();
  e.insurer_number = row[6].as<std::string>();
  e.insured_symbol = row[7].as<std::string>();
  e.insured_number = row[8].as<std::string>();
  e.branch_number = row[9].as<std::string>();
  if (!row[10].is_null()) e.birth_date = row[10].as<std::string>();
  e.state = row[11].as<std::string>();
  e.attempts = row[12].as<int>();
  e.last_error = row[13].as<std::string>();
  e.reconfirm_check_id = row[14].as<std::string>();
  if (!row[15].is_null())
    e.reconfirmed_at = TimePoint(std::chrono::microseconds(row[15].as<long long>()));
  e.outcome = row[16].as<std::string>();
  e.reasons = nlohmann::json::parse(row[17].as<std::string>()).get<std::vector<std::string>>();
  return e;
}

class PostgresUnconfirmedQueue final : public UnconfirmedQueue {
 public:
  explicit PostgresUnconfirmedQueue(UnconfirmedQueueConfig config)
      : config_(std::move(config)),
        conninfo_(detail::with_liveness_checks(detail::with_connect_timeout(config_.conninfo, 2))) {
  }

  Result<int> reconfirm_due(int limit, const Reconfirm& reconfirm) override {
    std::lock_guard lock(mu_);  // one batch at a time per daemon; other daemons skip our rows
    try {
      auto& c = connection();
      pqxx::work tx(c);
      auto rows = tx.exec_prepared("audit.unconfirmed_due", std::clamp(limit, 1, 500));
      int done = 0;
      for (const auto& row : rows) {
        const UnconfirmedEntry entry = to_entry(row);
        auto result = reconfirm(entry);
        if (!result) {
          // Not now: back off (doubling from retry_min up to retry_max) and stop this batch.
          tx.exec_prepared0("audit.unconfirmed_retry_later", entry.check_id, result.error().code,
                            static_cast<long long>(config_.retry_min.count()),
                            static_cast<long long>(config_.retry_max.count()));
          break;
        }
        const AuditRecord& r = result->record;
        if (auto valid = validate(r); !valid) {
          spdlog::error("re-confirmation of {} made an invalid record: {}", entry.check_id,
                        valid.error().message);
          break;
        }
        detail::insert_checks(tx, {&r});
        tx.exec_prepared0("audit.unconfirmed_done", entry.check_id,
                          std::string(result->follow_up ? "follow_up" : "reconfirmed"), r.check_id,
                          std::string(to_string(r.outcome)), queries::array_literal(r.reasons));
        ++done;
      }
      tx.commit();
      return done;
    } catch (const std::exception& e) {
      conn_.reset();
      return make_error("audit.unavailable",
                        std::string("unconfirmed queue: ") + detail::describe(e));
    }
  }

  Result<std::vector<UnconfirmedEntry>> list(const UnconfirmedQuery& q) override {
    if (q.limit < 1 || q.limit > 500) return make_error("audit.bad_query", "limit is 1..500");
    std::optional<std::string> state;  // NULL: the open ones
    if (q.state == "pending" || q.state == "reconfirmed" || q.state == "follow_up" ||
        q.state == "all")
      state = q.state;
    else if (!q.state.empty())
      return make_error("audit.bad_query", "state is pending, follow_up, reconfirmed or all");
    try {
      // Its own short connection: the worker's may be held across a gateway call.
      pqxx::connection c(conninfo_);
      queries::prepare_all(c);
      pqxx::read_transaction tx(c);
      std::vector<UnconfirmedEntry> out;
      for (const auto& row : tx.exec_prepared("audit.unconfirmed_list", state, q.limit))
        out.push_back(to_entry(row));
      return out;
    } catch (const std::exception& e) {
      return make_error("audit.unavailable",
                        std::string("unconfirmed queue: ") + detail::describe(e));
    }
  }

  Result<std::map<std::string, std::int64_t>> counts() override {
    try {
      pqxx::connection c(conninfo_);
      queries::prepare_all(c);
      pqxx::read_transaction tx(c);
      std::map<std::string, std::int64_t> out;
      for (const auto& row : tx.exec_prepared("audit.unconfirmed_counts"))
        out[row[0].as<std::string>()] = row[1].as<std::int64_t>();
      return out;
    } catch (const std::exception& e) {
      return make_error("audit.unavailable",
                        std::string("unconfirmed queue: ") + detail::describe(e));
    }
  }

 private:
  pqxx::connection& connection() {
    if (!conn_ || !conn_->is_open()) {
      conn_ = std::make_unique<pqxx::connection>(conninfo_);
      queries::prepare_all(*conn_);
    }
    return *conn_;
  }

  UnconfirmedQueueConfig config_;
  std::string conninfo_;
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace

std::unique_ptr<UnconfirmedQueue> open_unconfirmed_queue(UnconfirmedQueueConfig config) {
  return std::make_unique<PostgresUnconfirmedQueue>(std::move(config));
}

}  // namespace madoguchi::audit
