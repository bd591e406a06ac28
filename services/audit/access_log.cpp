// Access records in PostgreSQL, spooled (the check records' spool format, a file of its own)
// while the database is down and replayed by a background thread when it is back.
#include <madoguchi/audit/access.hpp>

#include <madoguchi/audit/queries.hpp>
#include "pgsql.hpp"
#include "spool.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace madoguchi::audit {

namespace {

std::string to_payload(const AccessRecord& r) {
  return nlohmann::json{{"id", r.access_id},     {"time_us", r.time.time_since_epoch().count()},
                        {"client", r.client_id}, {"terminal", r.terminal_id},
                        {"role", r.role},        {"endpoint", r.endpoint},
                        {"checks", r.check_ids}}
      .dump();
}

AccessRecord from_payload(const std::string& payload) {
  const auto j = nlohmann::json::parse(payload);
  AccessRecord r;
  r.access_id = j.at("id").get<std::string>();
  r.time = TimePoint(std::chrono::microseconds(j.at("time_us").get<long long>()));
  r.client_id = j.at("client").get<std::string>();
  r.terminal_id = j.at("terminal").get<std::string>();
  r.role = j.at("role").get<std::string>();
  r.endpoint = j.at("endpoint").get<std::string>();
  r.check_ids = j.at("checks").get<std::vector<std::string>>();
  return r;
}

// One INSERT for every record; ON CONFLICT: a replay after a lost acknowledgement is a no-op.
void insert(pqxx::connection& c, const std::vector<AccessRecord>& records) {
  if (records.empty()) return;
  std::vector<std::string> col[7];
  for (const auto& r : records) {
    col[0].push_back(r.access_id);
    col[1].push_back(detail::iso_utc(r.time));
    col[2].push_back(r.client_id);
    col[3].push_back(r.terminal_id);
    col[4].push_back(r.role);
    col[5].push_back(r.endpoint);
    col[6].push_back(queries::array_literal(r.check_ids));
  }
  pqxx::work tx(c);
  tx.exec_prepared("audit.insert_access", queries::array_literal(col[0]),
                   queries::array_literal(col[1]), queries::array_literal(col[2]),
                   queries::array_literal(col[3]), queries::array_literal(col[4]),
                   queries::array_literal(col[5]), queries::array_literal(col[6]));
  tx.commit();
}

bool valid_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

struct PostgresAccessLog::Impl {
  std::string conninfo;
  std::unique_ptr<detail::Spool> spool;
  std::mutex mu;  // the connection and `down`
  std::unique_ptr<pqxx::connection> connection;
  bool down = false;              // while true, records go to the spool until the replay succeeds
  std::uint64_t replayed_to = 0;  // spool offset up to which records are in the database
  std::atomic<bool> stopping{false};
  std::mutex wake_mu;
  std::condition_variable wake;
  std::thread replayer;

  pqxx::connection& connect() {
    if (!connection || !connection->is_open()) {
      connection = std::make_unique<pqxx::connection>(detail::with_connect_timeout(conninfo, 2));
      queries::prepare_all(*connection);
    }
    return *connection;
  }

  // Replays the spool into the database; true when it is empty afterwards.
  bool replay() {
    std::lock_guard lock(mu);
    if (spool->size() == 0 || (replayed_to > 0 && replayed_to >= spool->size())) {
      if (spool->size() == 0 || spool->truncate_if_end(replayed_to)) replayed_to = 0;
      down = replayed_to != 0;
      return true;
    }
    try {
      auto chunk = spool->read(replayed_to, 1000);
      if (!chunk) return false;
      std::vector<AccessRecord> records;
      for (const auto& p : chunk->payloads) {
        try {
          records.push_back(from_payload(p));
        } catch (const std::exception&) {
          spdlog::error("access log: an unreadable spooled record was skipped");
        }
      }
      insert(connect(), records);
      spool->mark_replayed(chunk->payloads.size());
      replayed_to = chunk->end;
      if (spool->truncate_if_end(replayed_to)) {
        replayed_to = 0;
        down = false;
        spdlog::info("access log: spool replayed");
        return true;
      }
      return false;
    } catch (const std::exception&) {
      connection.reset();
      return false;
    }
  }

  void run() {
    while (!stopping) {
      bool empty = replay();
      std::unique_lock lock(wake_mu);
      wake.wait_for(lock, std::chrono::milliseconds(empty ? 2000 : 500),
                    [this] { return stopping.load(); });
    }
  }
};

PostgresAccessLog::PostgresAccessLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<PostgresAccessLog>> PostgresAccessLog::open(
    std::string conninfo, std::filesystem::path spool_dir) {
  std::error_code ec;
  std::filesystem::create_directories(spool_dir, ec);
  auto spool = detail::Spool::open(spool_dir);
  if (!spool) return spool.error();
  auto impl = std::make_unique<Impl>();
  impl->conninfo = std::move(conninfo);
  impl->spool = std::move(*spool);
  impl->down = impl->spool->size() > 0;
  Impl* raw = impl.get();
  impl->replayer = std::thread([raw] { raw->run(); });
  return std::unique_ptr<PostgresAccessLog>(new PostgresAccessLog(std::move(impl)));
}

PostgresAccessLog::~PostgresAccessLog() {
  impl_->stopping = true;
  impl_->wake.notify_all();
  if (impl_->replayer.joinable()) impl_->replayer.join();
}

Result<void> PostgresAccessLog::record(AccessRecord r) {
  if (r.access_id.empty()) r.access_id = new_check_id();
  if (r.time == TimePoint{}) r.time = now();
  for (const auto& id : r.check_ids)
    if (!valid_uuid(id)) return make_error("audit.invalid_record", "check_ids: not a UUID");
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->down) {
      try {
        insert(impl_->connect(), {r});
        return {};
      } catch (const pqxx::sql_error& e) {
        if (detail::is_data_error(e))
          return make_error("audit.rejected", "the database refused the access record");
        impl_->connection.reset();
      } catch (const std::exception&) {
        impl_->connection.reset();
      }
      impl_->down = true;
      spdlog::warn("access log: database unavailable, spooling access records");
    }
  }
  // Durable locally (fdatasync) before the read is answered; replayed in order later.
  if (auto a = impl_->spool->append({to_payload(r)}); !a)
    return make_error("audit.unavailable", "access record neither stored nor spooled");
  impl_->wake.notify_all();
  return {};
}

Result<std::vector<AccessRecord>> PostgresAccessLog::find(const AccessQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return make_error("audit.bad_query", "limit is 1..1000");
  if (!q.check_id.empty() && !valid_uuid(q.check_id))
    return make_error("audit.bad_query", "check id is not a UUID");
  std::lock_guard lock(impl_->mu);
  try {
    auto& c = impl_->connect();
    pqxx::nontransaction tx(c);
    const auto check_id =
        q.check_id.empty() ? std::nullopt : std::optional<std::string>(q.check_id);
    std::vector<AccessRecord> out;
    for (const auto& row : tx.exec_prepared("audit.find_access", check_id, q.limit)) {
      AccessRecord r;
      r.access_id = row[0].as<std::string>();
      r.time = TimePoint(std::chrono::microseconds(row[1].as<long long>()));
      r.client_id = row[2].as<std::string>();
      r.terminal_id = row[3].as<std::string>();
      r.role = row[4].as<std::string>();
      r.endpoint = row[5].as<std::string>();
      // A text[] of UUIDs: {a,b,c} without quotes.
      std::string arr = row[6].as<std::string>();
      std::string cur;
      for (char ch : arr) {
        if (ch == '{' || ch == '}' || ch == ',') {
          if (!cur.empty()) r.check_ids.push_back(cur);
          cur.clear();
        } else {
          cur += ch;
        }
      }
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception&) {
    impl_->connection.reset();
    return make_error("audit.unavailable", "the access records cannot be read now");
  }
}

std::uint64_t PostgresAccessLog::spool_depth() const { return impl_->spool->depth(); }

}  // namespace madoguchi::audit
