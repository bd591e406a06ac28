// madoguchictl checks list [--today] [--outcome=O] [--terminal=T] [--limit=N]: the audit log
// through the daemon (GET /v1/checks), newest first.
// madoguchictl unconfirmed list [--state=S] [--limit=N]: acceptances made while the gateway was
// unreachable and what their re-confirmation found (GET /v1/unconfirmed). Exit codes: docs/cli.md.
#include "commands.hpp"
#include "daemon_client.hpp"
#include "output.hpp"

#include <madoguchi/domain/date.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <memory>

namespace madoguchi::ctl {

namespace {

struct ListOptions {
  bool today = false;
  std::string outcome;
  std::string terminal;
  int limit = 50;
};

struct UnconfirmedOptions {
  std::string state;
  int limit = 100;
};

// GET and print: items one per line (`line`), or the daemon's JSON.
int get_list(const Globals& g, const std::string& target,
             std::string (*line)(const nlohmann::json&, const std::string&)) {
  auto settings = resolve(g);
  if (!settings) return show_error(settings.error(), g.json);
  const std::string lang = settings->lang;
  DaemonClient client(std::move(*settings));
  auto reply = client.request("GET", target);
  if (!reply) return show_error(reply.error(), g.json);
  if (reply->status != 200) return show_problem(*reply, lang, g.json);
  const auto j = reply->json();
  if (g.json) {
    std::cout << j.dump(2) << "\n";
    return kOk;
  }
  const auto items = j.is_object() ? j.value("items", nlohmann::json::array()) : j;
  if (!items.is_array() || items.empty())
    std::cout << (lang == "en" ? "no checks\n" : "該当する確認はありません\n");
  else
    for (const auto& r : items) std::cout << line(r, lang) << "\n";
  if (j.is_object() && j.contains("next_cursor") && j["next_cursor"].is_string())
    std::cout << (lang == "en" ? "(more: raise --limit)\n"
                               : "(続きあり: --limit を増やしてください)\n");
  return kOk;
}

int list_checks(const ListOptions& o, const Globals& g) {
  std::string target = "/v1/checks?limit=" + std::to_string(o.limit);
  // The clinic's day: today in Japan, whatever the host's time zone.
  if (o.today) target += "&from=" + Date::in_japan(std::chrono::system_clock::now()).iso();
  if (!o.outcome.empty()) target += "&outcome=" + url_encode(o.outcome);
  if (!o.terminal.empty()) target += "&terminal=" + url_encode(o.terminal);
  return get_list(g, target, record_line);
}

int list_unconfirmed(const UnconfirmedOptions& o, const Globals& g) {
  std::string target = "/v1/unconfirmed?limit=" + std::to_string(o.limit);
  if (!o.state.empty()) target += "&state=" + url_encode(o.state);
  return get_list(g, target, unconfirmed_line);
}

}  // namespace

void add_checks_command(CLI::App& app, Globals& g) {
  CLI::App* checks = app.add_subcommand("checks", "the checks recorded in the audit log");
  checks->require_subcommand(1);
  auto o = std::make_shared<ListOptions>();
  CLI::App* list = checks->add_subcommand("list", "newest first");
  list->add_flag("--today", o->today, "only today's checks (JST)");
  list->add_option("--outcome", o->outcome, "accepted, accepted_unconfirmed, refused, failed, …");
  list->add_option("--terminal", o->terminal, "only this terminal's checks");
  list->add_option("--limit", o->limit, "at most this many (1..500)")->check(CLI::Range(1, 500));
  list->callback([o, &g] { g.exit_code = list_checks(*o, g); });
}

void add_unconfirmed_command(CLI::App& app, Globals& g) {
  CLI::App* unconfirmed =
      app.add_subcommand("unconfirmed", "acceptances waiting for their online re-confirmation");
  unconfirmed->require_subcommand(1);
  auto o = std::make_shared<UnconfirmedOptions>();
  CLI::App* list = unconfirmed->add_subcommand("list", "oldest first");
  list->add_option("--state", o->state,
                   "pending, follow_up, reconfirmed or all (default: pending and follow_up)");
  list->add_option("--limit", o->limit, "at most this many (1..500)")->check(CLI::Range(1, 500));
  list->callback([o, &g] { g.exit_code = list_unconfirmed(*o, g); });
}

}  // namespace madoguchi::ctl
