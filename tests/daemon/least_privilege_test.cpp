// The daemon's database access (issue 13): migrations as the owner, the daemon as a member of
// madoguchi_app (migration 0007) over TLS with sslmode=verify-full. It checks and audits, and
// its role cannot change or remove an audit row.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// SQL as the daemon's login role (psql, the libpq the daemon uses too).
CommandResult psql_as_daemon(const std::string& conninfo, const std::string& sql) {
  return run_command("psql '" + conninfo + "' -X -A -t -v ON_ERROR_STOP=1 -c \"" + sql + "\" 2>&1");
}

}  // namespace

TEST(LeastPrivilege, TheDaemonsRoleAppendsToTheAuditOverVerifiedTls) {
  TempPostgres pg;
  TempDir dir("least-privilege");
  GatewaySim sim(dir);

  // The server speaks TLS with a certificate for 127.0.0.1 from the development CA.
  const auto certs = Daemon::dev_certs();
  for (const char* f : {"gateway.crt", "gateway.key"})
    std::filesystem::copy_file(certs / f, pg.data_dir() / (std::string("server-") + f));
  auto own =
      run_command("chown postgres:postgres " + (pg.data_dir() / "server-gateway.key").string() +
                  " " + (pg.data_dir() / "server-gateway.crt").string() + " && chmod 600 " +
                  (pg.data_dir() / "server-gateway.key").string());
  ASSERT_EQ(own.exit_code, 0) << own.output;
  pg.psql("ALTER SYSTEM SET ssl = on");
  pg.psql("ALTER SYSTEM SET ssl_cert_file = 'server-gateway.crt'");
  pg.psql("ALTER SYSTEM SET ssl_key_file = 'server-gateway.key'");
  pg.psql("SELECT pg_reload_conf()");
  ASSERT_TRUE(wait_until([&] { return pg.psql("SHOW ssl") == "on"; }, std::chrono::seconds(10)));

  // The operator's login role; madoguchi_app exists already here (0007 then leaves it be).
  pg.psql("CREATE ROLE madoguchi_app NOLOGIN");
  pg.psql("CREATE ROLE madoguchid_login LOGIN IN ROLE madoguchi_app");
  const std::string app = replace(pg.conninfo(), "user=postgres", "user=madoguchid_login") +
                          " sslmode=verify-full sslrootcert=" + (certs / "ca.crt").string();

  Daemon d(
      pg, dir,
      {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port()),
       "MADOGUCHI_DATABASE_OWNER_CONNINFO=" + pg.conninfo(), "MADOGUCHI_DATABASE_CONNINFO=" + app});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(30))) << d.log();
  auto a = d.post(
      "/v1/checks/by-number",
      {{"insurer_number", "06139992"}, {"symbol", "1001"}, {"number", "1001"}, {"branch", "00"}});
  ASSERT_EQ(a.status, 200) << a.body << d.log();
  const std::string id = json::parse(a.body)["check_id"];
  // Durable, written by the daemon's role, over TLS.
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE check_id = '" + id + "'"), "1");
  EXPECT_NE(pg.psql("SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                    "WHERE a.usename = 'madoguchid_login' AND s.ssl"),
            "0");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'madoguchid_login' "
                    "AND pid NOT IN (SELECT pid FROM pg_stat_ssl WHERE ssl)"),
            "0");
  // The migrations ran as the owner: the tables are the owner's, not the daemon's.
  EXPECT_EQ(pg.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_checks'"),
            "postgres");

  // The daemon's role reads and appends, and may not alter or remove an audit row.
  auto read = psql_as_daemon(app, "SELECT count(*) FROM audit_checks");
  EXPECT_EQ(read.exit_code, 0) << read.output;
  for (const std::string sql :
       {"UPDATE audit_checks SET outcome = outcome", "DELETE FROM audit_checks",
        "DELETE FROM audit_checks_default", "TRUNCATE audit_checks",
        "UPDATE access_records SET endpoint = endpoint", "DROP TABLE audit_checks",
        "ALTER TABLE audit_checks DETACH PARTITION audit_checks_default"}) {
    auto r = psql_as_daemon(app, sql);
    EXPECT_NE(r.exit_code, 0) << sql << ": " << r.output;
    EXPECT_TRUE(r.output.find("permission denied") != std::string::npos ||
                r.output.find("must be owner") != std::string::npos)
        << sql << ": " << r.output;
  }
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE check_id = '" + id + "'"), "1");
  // The working state it keeps is writable, and partitions come through the owner's function.
  auto upkeep = psql_as_daemon(app, "SELECT audit_ensure_partitions(4, 0)");
  EXPECT_EQ(upkeep.exit_code, 0) << upkeep.output;
  auto sessions = psql_as_daemon(app, "DELETE FROM desk_sessions WHERE false");
  EXPECT_EQ(sessions.exit_code, 0) << sessions.output;

  // A server certificate that does not chain to the configured root is refused.
  auto wrong = psql_as_daemon(
      replace(app, (certs / "ca.crt").string(), (certs / "jpki-ca.crt").string()), "SELECT 1");
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_NE(wrong.output.find("certificate verify failed"), std::string::npos) << wrong.output;
}
