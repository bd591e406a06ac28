#include <madoguchi/audit/schema.hpp>

#include <madoguchi/audit/queries.hpp>
#include "pgsql.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace madoguchi::audit {

namespace {

// pg_advisory_lock key for migrations: "madoguchi" in a 64-bit number, any constant would do.
constexpr long long kMigrationLock = 0x6d61646f67756368LL;

struct Migration {
  int version;
  std::string name;
  std::filesystem::path path;
};

Result<std::vector<Migration>> list_migrations(const std::filesystem::path& dir) {
  static const std::regex pattern(R"(^(\d{4})_[A-Za-z0-9_-]+\.sql$)");
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return make_error("audit.migrations_dir", "cannot read migrations dir " + dir.string());
  std::vector<Migration> out;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (!entry.is_regular_file() || !std::regex_match(name, m, pattern)) continue;
    out.push_back({std::stoi(m[1].str()), name, entry.path()});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].version == out[i - 1].version)
      return make_error("audit.migrations_dir",
                        "two migrations numbered " + std::to_string(out[i].version));
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

Error unavailable(const std::exception& e) {
  return make_error("audit.unavailable", "PostgreSQL: " + detail::describe(e));
}

}  // namespace

Result<int> apply_migrations(const std::string& conninfo, const std::filesystem::path& dir) {
  auto migrations = list_migrations(dir);
  if (!migrations) return migrations.error();
  std::unique_ptr<pqxx::connection> c;
  try {
    c = std::make_unique<pqxx::connection>(detail::with_connect_timeout(conninfo, 5));
    queries::prepare_all(*c);
    pqxx::nontransaction(*c).exec_prepared("audit.migration_lock", kMigrationLock);
    pqxx::work w(*c);
    w.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    w.commit();
  } catch (const std::exception& e) {
    return unavailable(e);
  }
  // The session lock goes with the connection; unlock explicitly all the same.
  struct Unlock {
    pqxx::connection& c;
    ~Unlock() {
      try {
        pqxx::nontransaction(c).exec("SELECT pg_advisory_unlock_all()");
      } catch (...) {
      }
    }
  } unlock{*c};

  std::map<int, std::string> applied;
  try {
    pqxx::nontransaction n(*c);
    for (const auto& row : n.exec_prepared("audit.applied_migrations"))
      applied[row[0].as<int>()] = row[1].as<std::string>();
  } catch (const std::exception& e) {
    return unavailable(e);
  }
  int count = 0;
  for (const auto& m : *migrations) {
    const std::string sql = read_file(m.path);
    const std::string sum = sha256_hex(sql);
    if (auto it = applied.find(m.version); it != applied.end()) {
      if (it->second != sum)
        return make_error("audit.migration_changed",
                          m.name + " was edited after it was applied; add a new migration");
      continue;
    }
    try {
      pqxx::work w(*c);
      w.exec(sql);
      w.exec_prepared("audit.record_migration", m.version, m.name, sum);
      w.commit();
      ++count;
    } catch (const pqxx::broken_connection& e) {
      return unavailable(e);
    } catch (const std::exception& e) {
      return make_error("audit.migration_failed", m.name + ": " + detail::describe(e));
    }
  }
  return count;
}

Result<void> check_schema_ready(const std::string& conninfo, const std::filesystem::path& dir) {
  auto migrations = list_migrations(dir);
  if (!migrations) return migrations.error();
  try {
    pqxx::connection c(detail::with_connect_timeout(conninfo, 1));
    pqxx::nontransaction n(c);
    n.exec("SET statement_timeout = 1000");
    auto rows = n.exec(
        "SELECT coalesce(array_to_json(array_agg(version ORDER BY version))::text, '[]') "
        "FROM schema_migrations WHERE to_regclass('schema_migrations') IS NOT NULL");
    const std::string applied = rows[0][0].as<std::string>();
    std::string expected = "[";
    for (std::size_t i = 0; i < migrations->size(); ++i)
      expected += (i ? "," : "") + std::to_string((*migrations)[i].version);
    expected += "]";
    if (applied != expected)
      return make_error("audit.schema_outdated",
                        "applied migrations " + applied + ", expected " + expected);
    return {};
  } catch (const pqxx::undefined_table&) {
    return make_error("audit.schema_outdated", "no schema_migrations table");
  } catch (const std::exception& e) {
    return unavailable(e);
  }
}

Result<int> ensure_partitions(const std::string& conninfo, int months_ahead) {
  if (months_ahead < 0 || months_ahead > 120)
    return make_error("audit.bad_retention", "months ahead must be 0..120");
  try {
    pqxx::connection c(detail::with_connect_timeout(conninfo, 5));
    pqxx::work w(c);
    auto rows = w.exec("SELECT audit_ensure_partitions(" + std::to_string(months_ahead) + ")");
    w.commit();
    return rows[0][0].as<int>();
  } catch (const pqxx::broken_connection& e) {
    return unavailable(e);
  } catch (const std::exception& e) {
    return make_error("audit.partitions", detail::describe(e));
  }
}

Result<RetentionReport> detach_old_partitions(const std::string& conninfo, int keep_months,
                                              bool drop, int months_ahead) {
  if (keep_months < 1 || keep_months > 1200)
    return make_error("audit.bad_retention", "months to keep must be 1..1200");
  RetentionReport report;
  try {
    pqxx::connection c(detail::with_connect_timeout(conninfo, 5));
    std::vector<std::pair<std::string, bool>> old;  // table, attached
    {
      pqxx::nontransaction n(c);
      // Monthly partitions are named audit_checks_pYYYYMM (audit_ensure_partitions); detached
      // ones keep the name, so --drop also finds those of earlier detach runs.
      auto rows = n.exec(
          "WITH cutoff AS (SELECT to_char(date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo')"
          "   - make_interval(months => " +
          std::to_string(keep_months) +
          "), 'YYYYMM') AS m) "
          "SELECT t.relname, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = t.oid"
          "   AND i.inhparent = 'audit_checks'::regclass) "
          "FROM pg_class t, cutoff "
          "WHERE t.relkind = 'r' AND t.relnamespace = current_schema()::regnamespace"
          "  AND t.relname ~ '^audit_checks_p[0-9]{6}$' AND substr(t.relname, 15) < cutoff.m "
          "ORDER BY t.relname");
      for (const auto& row : rows) old.emplace_back(row[0].as<std::string>(), row[1].as<bool>());
    }
    for (const auto& [table, attached] : old) {
      if (!attached && !drop) continue;
      pqxx::work w(c);
      if (attached) w.exec("ALTER TABLE audit_checks DETACH PARTITION " + w.quote_name(table));
      if (drop) w.exec("DROP TABLE " + w.quote_name(table));
      w.commit();
      if (attached) report.detached.push_back(table);
      if (drop) report.dropped.push_back(table);
    }
  } catch (const pqxx::broken_connection& e) {
    return unavailable(e);
  } catch (const std::exception& e) {
    return make_error("audit.partitions", detail::describe(e));
  }
  auto created = ensure_partitions(conninfo, months_ahead);
  if (!created) return created.error();
  report.created = *created;
  return report;
}

}  // namespace madoguchi::audit
