// madoguchictl terminal: front-desk terminals (受付端末) and their one-time enrolment codes.
//
//   madoguchictl terminal enrol NAME [--valid-hours=24]   prints a one-time code for the page
//   madoguchictl terminal list
//   madoguchictl terminal revoke NAME                      ends its sessions and unused codes
//
// The database is the daemon's: $MADOGUCHI_DATABASE_CONNINFO (or --conninfo without a password).
// A revocation reaches a running daemon within 5 seconds (its session cache).
#include "commands.hpp"

#include <madoguchi/api/desk.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace madoguchi::ctl {

namespace {

struct TerminalOptions {
  std::string conninfo;
  std::string name;
  int valid_hours = 24;
};

int fail(const Error& e) {
  std::fprintf(stderr, "madoguchictl terminal: %s: %s\n", e.code.c_str(), e.message.c_str());
  if (e.code == "desk.unavailable") return kUnavailable;
  if (e.code == "terminal.bad_id") return kUsage;
  return kRefused;
}

CLI::App* with_database(CLI::App* sub, TerminalOptions& o) {
  return add_conninfo_option(sub, o.conninfo);
}

// The store's idle expiry only matters to the daemon; `list` counts sessions younger than this.
api::TerminalStore store(const TerminalOptions& o) {
  return api::TerminalStore(o.conninfo, std::chrono::minutes(10080));
}

}  // namespace

void add_terminal_command(CLI::App& app, Globals& g) {
  auto o = std::make_shared<TerminalOptions>();
  CLI::App* terminal = app.add_subcommand("terminal", "front-desk terminals and their sign-in");
  terminal->require_subcommand(1);

  CLI::App* enrol = with_database(
      terminal->add_subcommand("enrol", "print a one-time code that signs a counter's page in"),
      *o);
  enrol->add_option("NAME", o->name, "terminal id, e.g. desk-2 (lower case)")->required();
  enrol->add_option("--valid-hours", o->valid_hours, "hours the code stays usable")
      ->check(CLI::Range(1, 168));
  enrol->callback([o, &g] {
    auto s = store(*o);
    auto code = s.enrol(o->name, std::chrono::hours(o->valid_hours));
    if (!code) {
      g.exit_code = fail(code.error());
      return;
    }
    if (g.json) {
      std::printf("%s\n", nlohmann::json{{"terminal_id", o->name},
                                         {"code", code->code},
                                         {"expires_at", code->expires_at}}
                              .dump()
                              .c_str());
    } else if (g.lang == "en") {
      std::printf(
          "Enrolment code for terminal %s: %s\n(one use, valid until %s; type it on the "
          "desk page once)\n",
          o->name.c_str(), code->code.c_str(), code->expires_at.c_str());
    } else {
      std::printf("端末 %s の登録コード: %s\n(1回限り・有効期限 %s。受付の画面で一度だけ入力)\n",
                  o->name.c_str(), code->code.c_str(), code->expires_at.c_str());
    }
    g.exit_code = kOk;
  });

  CLI::App* list = with_database(terminal->add_subcommand("list", "list terminals"), *o);
  list->callback([o, &g] {
    auto s = store(*o);
    auto all = s.list();
    if (!all) {
      g.exit_code = fail(all.error());
      return;
    }
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& t : *all)
        out.push_back(
            {{"terminal_id", t.terminal_id},
             {"enrolled_at", t.enrolled_at},
             {"revoked_at", t.revoked_at.empty() ? nlohmann::json() : nlohmann::json(t.revoked_at)},
             {"sessions", t.sessions},
             {"last_seen_at",
              t.last_seen_at.empty() ? nlohmann::json() : nlohmann::json(t.last_seen_at)}});
      std::printf("%s\n", out.dump().c_str());
    } else {
      const bool en = g.lang == "en";
      std::printf("%-20s %-21s %-10s %s\n", en ? "TERMINAL" : "端末", en ? "ENROLLED" : "登録日時",
                  en ? "STATE" : "状態", en ? "SESSIONS" : "セッション");
      for (const auto& t : *all)
        std::printf("%-20s %-21s %-10s %d\n", t.terminal_id.c_str(), t.enrolled_at.c_str(),
                    t.revoked_at.empty() ? (en ? "active" : "有効") : (en ? "revoked" : "失効"),
                    t.sessions);
    }
    g.exit_code = kOk;
  });

  CLI::App* revoke = with_database(
      terminal->add_subcommand("revoke", "sign a terminal out everywhere; its codes stop working"),
      *o);
  revoke->add_option("NAME", o->name, "terminal id")->required();
  revoke->callback([o, &g] {
    auto s = store(*o);
    auto r = s.revoke(o->name);
    if (!r) {
      g.exit_code = fail(r.error());
      return;
    }
    if (g.json)
      std::printf("%s\n",
                  nlohmann::json{{"terminal_id", o->name}, {"revoked", true}}.dump().c_str());
    else
      std::printf(g.lang == "en" ? "Terminal %s revoked.\n" : "端末 %s を失効させました。\n",
                  o->name.c_str());
    g.exit_code = kOk;
  });
}

}  // namespace madoguchi::ctl
