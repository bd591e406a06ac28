// madoguchictl audit: schema migrations and retention of the audit log (監査ログ).
//
//   madoguchictl audit migrate [--dir=db/migrations]
//   madoguchictl audit ready [--dir=db/migrations]
//   madoguchictl audit detach-old --months=N [--drop] [--ahead=M]
//   madoguchictl audit ensure-partitions [--ahead=M]
//
// The database is the daemon's: $MADOGUCHI_DATABASE_CONNINFO (or --conninfo without a password;
// a password belongs in the environment or ~/.pgpass, never on argv). Run detach-old monthly
// (cron/systemd timer); detached partitions stay as plain tables (archive them with pg_dump)
// unless --drop.
#include "commands.hpp"

#include <madoguchi/audit/schema.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace madoguchi::ctl {

namespace {

struct AuditOptions {
  std::string conninfo;
  std::string dir = "db/migrations";
  int months = 0;
  int ahead = 3;
  bool drop = false;
};

int fail(const Error& e) {
  std::fprintf(stderr, "madoguchictl audit: %s: %s\n", e.code.c_str(), e.message.c_str());
  return kRefused;
}

CLI::App* with_database(CLI::App* sub, AuditOptions& o) {
  return add_conninfo_option(sub, o.conninfo);
}

void with_dir(CLI::App* sub, AuditOptions& o) {
  sub->add_option("--dir", o.dir, "migrations folder ($MADOGUCHI_DATABASE_MIGRATIONS_DIR)")
      ->envname("MADOGUCHI_DATABASE_MIGRATIONS_DIR");
}

void with_ahead(CLI::App* sub, AuditOptions& o) {
  sub->add_option("--ahead", o.ahead, "monthly partitions to keep created ahead")
      ->check(CLI::NonNegativeNumber);
}

}  // namespace

void add_audit_command(CLI::App& app, Globals& g) {
  auto o = std::make_shared<AuditOptions>();
  CLI::App* audit = app.add_subcommand("audit", "audit log schema and retention (PostgreSQL)");
  audit->require_subcommand(1);

  CLI::App* migrate = with_database(audit->add_subcommand("migrate", "apply migrations"), *o);
  with_dir(migrate, *o);
  migrate->callback([o, &g] {
    auto n = audit::apply_migrations(o->conninfo, o->dir);
    if (!n) {
      g.exit_code = fail(n.error());
      return;
    }
    std::printf("applied %d migration(s)\n", *n);
  });

  CLI::App* ready =
      with_database(audit->add_subcommand("ready", "exit 0 when every migration is applied"), *o);
  with_dir(ready, *o);
  ready->callback([o, &g] {
    auto r = audit::check_schema_ready(o->conninfo, o->dir);
    if (!r) {
      g.exit_code = fail(r.error());
      return;
    }
    std::printf("ready\n");
  });

  CLI::App* ensure = with_database(
      audit->add_subcommand("ensure-partitions", "create the monthly partitions ahead"), *o);
  with_ahead(ensure, *o);
  ensure->callback([o, &g] {
    auto n = audit::ensure_partitions(o->conninfo, o->ahead);
    if (!n) {
      g.exit_code = fail(n.error());
      return;
    }
    std::printf("created %d partition(s)\n", *n);
  });

  CLI::App* detach = with_database(
      audit->add_subcommand("detach-old", "detach (or drop) partitions older than N months"), *o);
  detach->add_option("--months", o->months, "retention in months")->required();
  detach->add_flag("--drop", o->drop, "drop the detached partitions instead of keeping them");
  with_ahead(detach, *o);
  detach->callback([o, &g] {
    auto report = audit::detach_old_partitions(o->conninfo, o->months, o->drop, o->ahead);
    if (!report) {
      g.exit_code = fail(report.error());
      return;
    }
    for (const auto& t : report->detached) std::printf("detached %s\n", t.c_str());
    for (const auto& t : report->dropped) std::printf("dropped %s\n", t.c_str());
    std::printf("%zu detached, %zu dropped, %d partition(s) created ahead\n",
                report->detached.size(), report->dropped.size(), report->created);
  });
}

CLI::App* add_conninfo_option(CLI::App* sub, std::string& conninfo) {
  sub->add_option("--conninfo", conninfo,
                  "libpq connection string without password ($MADOGUCHI_DATABASE_CONNINFO)")
      ->envname("MADOGUCHI_DATABASE_CONNINFO")
      ->required()
      ->check([](const std::string& value) -> std::string {
        if (value.find("password") == std::string::npos) return {};
        return "a password must not be on the command line: use $MADOGUCHI_DATABASE_CONNINFO or "
               "~/.pgpass";
      });
  return sub;
}

}  // namespace madoguchi::ctl
