// Migrations and partition retention against a real PostgreSQL.
#include <madoguchi/audit/schema.hpp>
#include <madoguchi_test/postgres.hpp>

#include "util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <future>

using namespace madoguchi::audit;
using audit_test::migrations_dir;

TEST(AuditMigrations, ApplyOnceThenNothingToDo) {
  madoguchi_test::TempPostgres pg;
  auto ready = check_schema_ready(pg.conninfo(), migrations_dir());
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().code, "audit.schema_outdated");

  auto first = apply_migrations(pg.conninfo(), migrations_dir());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_GE(*first, 1);
  auto again = apply_migrations(pg.conninfo(), migrations_dir());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 0);
  EXPECT_TRUE(check_schema_ready(pg.conninfo(), migrations_dir()));
  EXPECT_EQ(pg.psql("SELECT count(*) FROM schema_migrations"), std::to_string(*first));
  // This month, last month and three ahead, plus the default partition.
  EXPECT_EQ(pg.psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_checks'::regclass"),
            "6");
}

TEST(AuditMigrations, ConcurrentStartersApplyEachMigrationOnce) {
  madoguchi_test::TempPostgres pg;
  std::vector<std::future<madoguchi::Result<int>>> runs;
  for (int i = 0; i < 4; ++i)
    runs.push_back(std::async(std::launch::async,
                              [&] { return apply_migrations(pg.conninfo(), migrations_dir()); }));
  int applied = 0;
  for (auto& r : runs) {
    auto v = r.get();
    ASSERT_TRUE(v) << v.error().message;
    applied += *v;
  }
  EXPECT_EQ(pg.psql("SELECT count(*) FROM schema_migrations"), std::to_string(applied));
  EXPECT_TRUE(check_schema_ready(pg.conninfo(), migrations_dir()));
}

TEST(AuditMigrations, NewFileMakesSchemaOutdatedAndEditedFileIsRefused) {
  madoguchi_test::TempPostgres pg;
  madoguchi_test::TempDir dir("migrations");
  for (const auto& e : std::filesystem::directory_iterator(migrations_dir()))
    std::filesystem::copy_file(e.path(), dir.path() / e.path().filename());
  ASSERT_TRUE(apply_migrations(pg.conninfo(), dir.path()));

  std::ofstream(dir.path() / "9998_probe.sql") << "CREATE TABLE probe (x int);";
  auto ready = check_schema_ready(pg.conninfo(), dir.path());
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().code, "audit.schema_outdated");
  auto n = apply_migrations(pg.conninfo(), dir.path());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(check_schema_ready(pg.conninfo(), dir.path()));

  std::ofstream(dir.path() / "9998_probe.sql") << "CREATE TABLE probe2 (x int);";
  auto edited = apply_migrations(pg.conninfo(), dir.path());
  ASSERT_FALSE(edited);
  EXPECT_EQ(edited.error().code, "audit.migration_changed");

  // A failing migration rolls back entirely and is not recorded.
  std::ofstream(dir.path() / "9998_probe.sql") << "CREATE TABLE probe (x int);";
  std::ofstream(dir.path() / "9999_broken.sql") << "CREATE TABLE half (x int); SELECT nope;";
  auto broken = apply_migrations(pg.conninfo(), dir.path());
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, "audit.migration_failed");
  EXPECT_NE(broken.error().message.find("9999_broken.sql"), std::string::npos);
  EXPECT_EQ(pg.psql("SELECT to_regclass('half') IS NULL"), "t");
}

TEST(AuditMigrations, ReadinessFailsFastWhenTheDatabaseIsDown) {
  madoguchi_test::TempPostgres pg;
  ASSERT_TRUE(apply_migrations(pg.conninfo(), migrations_dir()));
  pg.stop_immediate();
  const auto t0 = std::chrono::steady_clock::now();
  auto ready = check_schema_ready(pg.conninfo(), migrations_dir());
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().code, "audit.unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(apply_migrations(pg.conninfo(), migrations_dir()).error().code, "audit.unavailable");
}

TEST(AuditRetention, DetachesMonthsOlderThanKeptAndDropsOnRequest) {
  madoguchi_test::TempPostgres pg;
  ASSERT_TRUE(apply_migrations(pg.conninfo(), migrations_dir()));
  // Partitions back to 15 months ago, one row in the oldest and one in this month.
  pg.psql("SELECT audit_ensure_partitions(0, 15)");
  const std::string cols =
      "(check_id, checked_at, terminal_id, client_id, method, outcome, latency_us)";
  pg.psql("INSERT INTO audit_checks " + cols +
          " VALUES (gen_random_uuid(), now() - interval '15 months', 't', 'c', 'card', "
          "'accepted', 1), (gen_random_uuid(), now(), 't', 'c', 'card', 'accepted', 1)");

  auto report = detach_old_partitions(pg.conninfo(), 12, /*drop=*/false, 4);
  ASSERT_TRUE(report) << report.error().message;
  // 15, 14 and 13 months ago end on or before the first day of the month 12 months ago.
  EXPECT_EQ(report->detached.size(), 3u);
  EXPECT_TRUE(report->dropped.empty());
  EXPECT_EQ(report->created, 1);  // the fourth month ahead
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), "1");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM " + report->detached.front()), "1");  // kept aside
  const std::string month12 = pg.psql(
      "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo') - interval '12 "
      "months', 'YYYYMM')");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM pg_inherits WHERE inhrelid = to_regclass("
                    "'audit_checks_p" +
                    month12 + "')"),
            "1");

  auto dropped = detach_old_partitions(pg.conninfo(), 12, /*drop=*/true, 4);
  ASSERT_TRUE(dropped);
  EXPECT_TRUE(dropped->detached.empty());
  EXPECT_EQ(dropped->dropped, report->detached);
  EXPECT_EQ(pg.psql("SELECT to_regclass('" + report->detached.front() + "') IS NULL"), "t");
  EXPECT_FALSE(detach_old_partitions(pg.conninfo(), 0, false));
}

TEST(AuditRetention, RowsCaughtByTheDefaultPartitionMoveToTheirNewMonth) {
  madoguchi_test::TempPostgres pg;
  ASSERT_TRUE(apply_migrations(pg.conninfo(), migrations_dir()));
  pg.psql(
      "INSERT INTO audit_checks (check_id, checked_at, terminal_id, client_id, method, outcome, "
      "latency_us) VALUES (gen_random_uuid(), now() + interval '6 months', 't', 'c', 'card', "
      "'refused', 1)");
  EXPECT_EQ(pg.psql("SELECT tableoid::regclass FROM audit_checks"), "audit_checks_default");
  auto created = ensure_partitions(pg.conninfo(), 7);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(*created, 4);
  EXPECT_EQ(pg.psql("SELECT tableoid::regclass::text LIKE 'audit_checks_p%' FROM audit_checks"),
            "t");
}

// The operator's path: madoguchictl audit migrate / ready / detach-old.
TEST(AuditRetention, MadoguchictlMigratesAndDetaches) {
  const auto ctl = madoguchi_test::binary_dir() / "services" / "madoguchictl" / "madoguchictl";
  if (!std::filesystem::exists(ctl)) GTEST_SKIP() << "madoguchictl not built";
  madoguchi_test::TempPostgres pg;
  const std::string base = ctl.string() + " audit ";
  const std::string conn = " --conninfo '" + pg.conninfo() + "'";
  const std::string dir = " --dir " + migrations_dir().string();
  auto r = madoguchi_test::run_command(base + "ready" + dir + conn);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("audit.schema_outdated"), std::string::npos) << r.output;
  r = madoguchi_test::run_command(base + "migrate" + dir + conn);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Every migration in the folder is applied to the empty database, once.
  std::size_t migrations = 0;
  for (const auto& f : std::filesystem::directory_iterator(migrations_dir()))
    migrations += f.path().extension() == ".sql";
  ASSERT_GT(migrations, 0u);
  EXPECT_NE(r.output.find("applied " + std::to_string(migrations) + " migration"),
            std::string::npos)
      << r.output;
  r = madoguchi_test::run_command(base + "ready" + dir + conn);
  EXPECT_EQ(r.exit_code, 0) << r.output;

  pg.psql("SELECT audit_ensure_partitions(0, 14)");
  r = madoguchi_test::run_command(base + "detach-old --months 12 --drop --ahead 5" + conn);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 detached, 2 dropped, 2 partition(s) created ahead"), std::string::npos)
      << r.output;
  r = madoguchi_test::run_command(base + "detach-old --months 0" + conn);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = madoguchi_test::run_command(base + "detach-old" + conn);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}
