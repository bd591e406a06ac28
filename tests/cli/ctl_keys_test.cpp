// madoguchictl keys create|list|revoke|rotate against a real PostgreSQL (migrated by
// `madoguchictl audit migrate`): the token is printed once and only its hash is stored; usage
// errors, unknown keys and a database that is down have their exit codes (docs/cli.md).
#include <madoguchi_test/postgres.hpp>
#include <madoguchi_test/process.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

struct Run {
  int exit_code;
  std::string output;
};

Run ctl(const std::string& conninfo, const std::string& args) {
  auto r = run_command("MADOGUCHI_DATABASE_CONNINFO='" + conninfo + "' " MADOGUCHICTL_PATH " " +
                       args + " 2>&1");
  return {r.exit_code, r.output};
}

std::string sha256(const std::string& s) {
  return run_command("printf %s '" + s + "' | sha256sum | cut -d' ' -f1").output.substr(0, 64);
}

}  // namespace

TEST(CtlKeys, CreateListRotateRevoke) {
  TempPostgres pg;
  ASSERT_EQ(ctl(pg.conninfo(), "audit migrate --dir " + (source_dir() / "db/migrations").string())
                .exit_code,
            0);

  auto made =
      ctl(pg.conninfo(), "--json keys create rececon-1 --role receipt_system --valid-days 30");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto key = json::parse(made.output);
  const std::string token = key["token"], id = key["key_id"];
  EXPECT_EQ(token.rfind("mdg_", 0), 0u);
  EXPECT_EQ(token.size(), 4u + 64u);
  EXPECT_EQ(key["role"], "receipt_system");
  EXPECT_FALSE(key["expires_at"].is_null());
  // Only the hash is stored; the token is nowhere in the table.
  EXPECT_EQ(pg.psql("SELECT token_sha256 FROM api_keys WHERE key_id = '" + id + "'"),
            sha256(token));
  EXPECT_EQ(pg.psql("SELECT count(*) FROM api_keys a WHERE row_to_json(a)::text LIKE '%" +
                    token.substr(4) + "%'"),
            "0");

  // A desk key names its counter; other roles do not have one.
  auto desk = ctl(pg.conninfo(), "--json keys create desk-2-cli --role desk --terminal desk-2");
  ASSERT_EQ(desk.exit_code, 0) << desk.output;
  EXPECT_EQ(json::parse(desk.output)["terminal_id"], "desk-2");
  EXPECT_EQ(ctl(pg.conninfo(), "keys create desk-3 --role desk").exit_code, 2);
  EXPECT_EQ(ctl(pg.conninfo(), "keys create audit-1 --role auditor --terminal desk-2").exit_code,
            2);
  EXPECT_EQ(ctl(pg.conninfo(), "keys create Bad_Name --role admin").exit_code, 2);
  EXPECT_EQ(ctl(pg.conninfo(), "keys create root-1 --role root").exit_code, 2);

  // The list shows ids, roles and state, never a token.
  auto listed = ctl(pg.conninfo(), "--lang en keys list");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find(id), std::string::npos);
  EXPECT_NE(listed.output.find("receipt_system"), std::string::npos);
  EXPECT_EQ(listed.output.find(token.substr(4, 16)), std::string::npos);

  // Rotation: a new token for the same client and role; the old one ends after the grace.
  auto rotated = ctl(pg.conninfo(), "--json keys rotate " + id + " --grace-minutes 60");
  ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
  const auto next = json::parse(rotated.output);
  EXPECT_EQ(next["client_id"], "rececon-1");
  EXPECT_EQ(next["role"], "receipt_system");
  EXPECT_EQ(next["rotated_from"], id);
  EXPECT_NE(next["token"], token);
  EXPECT_EQ(
      pg.psql("SELECT revoked_at > now() + interval '59 minutes' FROM api_keys WHERE key_id = '" +
              id + "'"),
      "t");

  auto revoked = ctl(pg.conninfo(), "--json keys revoke " + next["key_id"].get<std::string>());
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_EQ(pg.psql("SELECT revoked_at <= now() FROM api_keys WHERE key_id = '" +
                    next["key_id"].get<std::string>() + "'"),
            "t");
  EXPECT_EQ(ctl(pg.conninfo(), "keys revoke k-000000000000").exit_code, 1);
  EXPECT_EQ(ctl(pg.conninfo(), "keys rotate k-000000000000").exit_code, 1);
}

TEST(CtlKeys, DatabaseDownIsExitFourAndAPasswordOnArgvIsRefused) {
  const std::string nowhere =
      "host=127.0.0.1 port=" + std::to_string(free_port()) + " dbname=x connect_timeout=2";
  auto down = ctl(nowhere, "keys list");
  EXPECT_EQ(down.exit_code, 4) << down.output;
  EXPECT_NE(down.output.find("key.unavailable"), std::string::npos) << down.output;
  auto argv = run_command(std::string(MADOGUCHICTL_PATH) +
                          " keys list --conninfo 'host=x password=secret' 2>&1");
  EXPECT_EQ(argv.exit_code, 2) << argv.output;
}
