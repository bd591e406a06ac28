// madoguchictl audit: schema migrations and retention of the audit log (監査ログ).
//
//   madoguchictl audit migrate [--dir db/migrations] --conninfo STR
//   madoguchictl audit ready [--dir db/migrations] --conninfo STR
//   madoguchictl audit detach-old --months N [--drop] [--ahead M] --conninfo STR
//   madoguchictl audit ensure-partitions [--ahead M] --conninfo STR
//
// --conninfo defaults to $MADOGUCHI_AUDIT_CONNINFO. Run detach-old monthly (cron/systemd
// timer); detached partitions stay as plain tables (archive them with pg_dump) unless --drop.
#include "commands.hpp"

#include <madoguchi/audit/schema.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace madoguchi::ctl {

namespace {

int fail(const Error& e) {
  std::fprintf(stderr, "madoguchictl audit: %s: %s\n", e.code.c_str(), e.message.c_str());
  return 1;
}

int usage() {
  std::fprintf(stderr,
               "usage: madoguchictl audit migrate [--dir DIR] --conninfo STR\n"
               "       madoguchictl audit ready [--dir DIR] --conninfo STR\n"
               "       madoguchictl audit detach-old --months N [--drop] [--ahead M] "
               "--conninfo STR\n"
               "       madoguchictl audit ensure-partitions [--ahead M] --conninfo STR\n"
               "--conninfo defaults to $MADOGUCHI_AUDIT_CONNINFO, --dir to db/migrations\n");
  return 2;
}

bool parse_int(const std::string& s, int& out) {
  try {
    std::size_t used = 0;
    out = std::stoi(s, &used);
    return used == s.size();
  } catch (...) {
    return false;
  }
}

}  // namespace

int cmd_audit(Args args) {
  if (args.empty()) return usage();
  const std::string sub(args[0]);
  std::map<std::string, std::string> opt;
  bool drop = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string a(args[i]);
    if (a == "--drop") {
      drop = true;
    } else if ((a == "--conninfo" || a == "--dir" || a == "--months" || a == "--ahead") &&
               i + 1 < args.size()) {
      opt[a] = std::string(args[++i]);
    } else {
      std::fprintf(stderr, "madoguchictl audit: unexpected argument '%s'\n", a.c_str());
      return usage();
    }
  }
  std::string conninfo = opt["--conninfo"];
  if (conninfo.empty())
    if (const char* env = std::getenv("MADOGUCHI_AUDIT_CONNINFO")) conninfo = env;
  if (conninfo.empty()) {
    std::fprintf(stderr, "madoguchictl audit: --conninfo is required\n");
    return usage();
  }
  const std::string dir = opt.count("--dir") ? opt["--dir"] : "db/migrations";
  int ahead = 3;
  if (opt.count("--ahead") && (!parse_int(opt["--ahead"], ahead) || ahead < 0)) return usage();

  if (sub == "migrate") {
    auto n = audit::apply_migrations(conninfo, dir);
    if (!n) return fail(n.error());
    std::printf("applied %d migration(s)\n", *n);
    return 0;
  }
  if (sub == "ready") {
    auto r = audit::check_schema_ready(conninfo, dir);
    if (!r) return fail(r.error());
    std::printf("ready\n");
    return 0;
  }
  if (sub == "ensure-partitions") {
    auto n = audit::ensure_partitions(conninfo, ahead);
    if (!n) return fail(n.error());
    std::printf("created %d partition(s)\n", *n);
    return 0;
  }
  if (sub == "detach-old") {
    int months = 0;
    if (!opt.count("--months") || !parse_int(opt["--months"], months)) {
      std::fprintf(stderr, "madoguchictl audit detach-old: --months N is required\n");
      return usage();
    }
    auto report = audit::detach_old_partitions(conninfo, months, drop, ahead);
    if (!report) return fail(report.error());
    for (const auto& t : report->detached) std::printf("detached %s\n", t.c_str());
    for (const auto& t : report->dropped) std::printf("dropped %s\n", t.c_str());
    std::printf("%zu detached, %zu dropped, %d partition(s) created ahead\n",
                report->detached.size(), report->dropped.size(), report->created);
    return 0;
  }
  std::fprintf(stderr, "madoguchictl audit: unknown subcommand '%s'\n", sub.c_str());
  return usage();
}

}  // namespace madoguchi::ctl
