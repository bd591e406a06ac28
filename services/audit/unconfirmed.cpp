// The unconfirmed queue in PostgreSQL (migration 0003).
#include <madoguchi/audit/unconfirmed.hpp>

#include "pgsql.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <mutex>

namespace madoguchi::audit {

namespace {

const char* const kEntryColumns =
    "check_id::text, (extract(epoch FROM checked_at) * 1000000)::bigint, terminal_id, "
    "to_char(visit_date, 'YYYY-MM-DD'), coalesce(presentation_context, ''), "
    "coalesce(document_type, ''), insurer_number, coalesce(insured_symbol, ''), insured_number, "
    "coalesce(branch_number, ''), to_char(birth_date, 'YYYY-MM-DD'), state, attempts, "
    "coalesce(last_error, ''), coalesce(reconfirm_check_id::text, ''), "
    "(extract(epoch FROM reconfirmed_at) * 1000000)::bigint, coalesce(outcome, ''), "
    "array_to_json(coalesce(reason_codes, '{}'))::text";

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

std::string text_array(pqxx::connection_base& c, const std::vector<std::string>& v) {
  std::string out = "ARRAY[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + c.quote(v[i]);
  return out + "]::text[]";
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
      auto rows = tx.exec(std::string("SELECT ") + kEntryColumns +
                          " FROM unconfirmed_checks WHERE state = 'pending' AND next_attempt_at "
                          "<= now() ORDER BY checked_at, check_id LIMIT " +
                          std::to_string(std::clamp(limit, 1, 500)) + " FOR UPDATE SKIP LOCKED");
      int done = 0;
      for (const auto& row : rows) {
        const UnconfirmedEntry entry = to_entry(row);
        auto result = reconfirm(entry);
        if (!result) {
          // Not now: back off (doubling from retry_min up to retry_max) and stop this batch.
          const auto min = config_.retry_min.count(), max = config_.retry_max.count();
          tx.exec0("UPDATE unconfirmed_checks SET attempts = attempts + 1, last_error = " +
                   tx.quote(result.error().code) + ", next_attempt_at = now() + least(" +
                   std::to_string(max) + ", " + std::to_string(min) +
                   " * power(2, least(attempts, 20))) * interval '1 second' WHERE check_id = " +
                   tx.quote(entry.check_id));
          break;
        }
        const AuditRecord& r = result->record;
        if (auto valid = validate(r); !valid) {
          spdlog::error("re-confirmation of {} made an invalid record: {}", entry.check_id,
                        valid.error().message);
          break;
        }
        tx.exec0(detail::insert_sql(c, {&r}));
        tx.exec0("UPDATE unconfirmed_checks SET state = " +
                 tx.quote(std::string(result->follow_up ? "follow_up" : "reconfirmed")) +
                 ", attempts = attempts + 1, last_error = NULL, reconfirm_check_id = " +
                 tx.quote(r.check_id) + ", reconfirmed_at = now(), outcome = " +
                 tx.quote(std::string(to_string(r.outcome))) + ", reason_codes = " +
                 text_array(c, r.reasons) + " WHERE check_id = " + tx.quote(entry.check_id));
        ++done;
      }
      tx.commit();
      return done;
    } catch (const std::exception& e) {
      conn_.reset();
      return make_error("audit.unavailable", std::string("unconfirmed queue: ") + e.what());
    }
  }

  Result<std::vector<UnconfirmedEntry>> list(const UnconfirmedQuery& q) override {
    if (q.limit < 1 || q.limit > 500) return make_error("audit.bad_query", "limit is 1..500");
    std::string where;
    if (q.state.empty())
      where = "state IN ('pending', 'follow_up')";
    else if (q.state == "pending" || q.state == "reconfirmed" || q.state == "follow_up")
      where = "state = '" + q.state + "'";
    else if (q.state == "all")
      where = "true";
    else
      return make_error("audit.bad_query", "state is pending, follow_up, reconfirmed or all");
    try {
      // Its own short connection: the worker's may be held across a gateway call.
      pqxx::connection c(conninfo_);
      pqxx::read_transaction tx(c);
      std::vector<UnconfirmedEntry> out;
      for (const auto& row :
           tx.exec(std::string("SELECT ") + kEntryColumns + " FROM unconfirmed_checks WHERE " +
                   where + " ORDER BY checked_at DESC, check_id LIMIT " + std::to_string(q.limit)))
        out.push_back(to_entry(row));
      return out;
    } catch (const std::exception& e) {
      return make_error("audit.unavailable", std::string("unconfirmed queue: ") + e.what());
    }
  }

 private:
  pqxx::connection& connection() {
    if (!conn_ || !conn_->is_open()) conn_ = std::make_unique<pqxx::connection>(conninfo_);
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
