// The named statements of db/queries/*.sql against the schema of db/migrations, and the values
// they carry: hostile text round-trips unchanged, because no value ever becomes SQL text.
#include <madoguchi/audit/postgres.hpp>
#include <madoguchi/audit/queries.hpp>
#include <madoguchi/audit/schema.hpp>
#include <madoguchi_test/postgres.hpp>

#include "pgsql.hpp"
#include "util.hpp"

#include <gtest/gtest.h>

using namespace madoguchi::audit;
using audit_test::migrations_dir;

TEST(AuditQueries, EveryStatementIsNamedByItsModuleAndNotEmpty) {
  const auto& all = queries::all();
  ASSERT_GE(all.size(), 8u);
  for (const auto& [name, sql] : all) {
    EXPECT_NE(name.find('.'), std::string::npos) << name;
    EXPECT_FALSE(sql.empty()) << name;
    EXPECT_EQ(sql.find("-- name:"), std::string::npos) << name << " swallowed the next statement";
  }
  EXPECT_NE(queries::text("audit.get_check").find("$1"), std::string::npos);
  EXPECT_THROW(queries::text("audit.no_such_statement"), std::out_of_range);
}

TEST(AuditQueries, EveryStatementPreparesAgainstTheMigratedSchema) {
  madoguchi_test::TempPostgres pg;
  ASSERT_TRUE(apply_migrations(pg.conninfo(), migrations_dir()));
  pqxx::connection c(pg.conninfo());
  queries::prepare_all(c);
  for (const auto& [name, sql] : queries::all()) {
    SCOPED_TRACE(name);
    EXPECT_NO_THROW(c.prepare_now(name));
  }
}

TEST(AuditQueries, ArrayLiteralEncodesQuotesBackslashesBracesAndNull) {
  EXPECT_EQ(queries::array_literal(std::vector<std::string>{}), "{}");
  EXPECT_EQ(queries::array_literal({std::optional<std::string>("a\"b\\c"), std::nullopt}),
            R"({"a\"b\\c",NULL})");
}

TEST(AuditQueries, HostileTextIsStoredAndFoundAsIs) {
  madoguchi_test::TempPostgres pg;
  ASSERT_TRUE(apply_migrations(pg.conninfo(), migrations_dir()));
  madoguchi_test::TempDir spool("spool");
  auto store = PostgresAudit::open({.conninfo = pg.conninfo(), .spool_dir = spool.path()});
  ASSERT_TRUE(store) << store.error().message;
  const std::string hostile = "x'); DROP TABLE audit_checks; --\"{},\\NULL";
  auto r = audit_test::make_record(hostile);
  r.client_id = "NULL";
  auto written = (*store)->write(r);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(*written, Durability::Database);
  CheckQuery q;
  q.terminal = hostile;
  auto page = (*store)->find_checks(q);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].terminal_id, hostile);
  EXPECT_EQ(page->items[0].client_id, "NULL");
  EXPECT_EQ(page->items[0].reasons, r.reasons);
  EXPECT_EQ(page->items[0].insured_symbol, r.insured_symbol);
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), "1");
  q.terminal = "x";
  EXPECT_TRUE((*store)->find_checks(q)->items.empty());
}

// A statement's error text can quote the value it refused (a birth date, a name): only its
// SQLSTATE may reach an error value, a client or a log line.
TEST(AuditQueries, DatabaseErrorsAreDescribedWithoutTheirText) {
  const pqxx::data_exception refused(
      "ERROR:  invalid input syntax for type date: \"1990-13-45 ヤマダ\"\n", "SELECT $1::date",
      "22007");
  EXPECT_EQ(detail::describe(refused), "SQLSTATE 22007");
  const pqxx::broken_connection lost(
      "could not connect to server: Connection refused\n\tIs the "
      "server running on host \"127.0.0.1\"?\n");
  EXPECT_EQ(detail::describe(lost), "could not connect to server: Connection refused");
}
