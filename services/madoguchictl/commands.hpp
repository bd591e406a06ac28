// madoguchictl subcommands. Each command file registers its own subcommand on the root parser
// (add_<name>_command) and sets Globals::exit_code from its callback; main.cpp holds one line per
// command. Exit codes are one table for every command (docs/cli.md).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace madoguchi::ctl {

enum Exit : int {
  kOk = 0,           // accepted, or the operation succeeded
  kRefused = 1,      // refused (or invalid, or the operation failed)
  kUsage = 2,        // bad command line
  kNeedsMore = 3,    // the check needs more: another document, a corrected field, 枝番…
  kUnavailable = 4,  // the daemon, its database or the gateway cannot answer now
  kDenied = 5,       // the daemon refused the request itself (authentication, permission, 404)
};

// Where the daemon is and how to authenticate to it. Flags win over MADOGUCHI_* environment
// variables, which win over the config file (daemon_client.hpp resolves them).
struct DaemonOptions {
  std::string url;          // --url, $MADOGUCHI_URL, "url"
  std::string ca_file;      // --ca, $MADOGUCHI_CA_FILE, "ca_file"
  std::string token_file;   // --token-file, $MADOGUCHI_TOKEN_FILE, "token_file" ($MADOGUCHI_TOKEN)
  std::string config_file;  // --config, $MADOGUCHI_CTL_CONFIG
};

// Options of the root command every subcommand sees, and the exit code its callback sets.
struct Globals {
  DaemonOptions daemon;
  std::string lang;   // --lang ja|en (empty: $MADOGUCHI_LANG, the config file, then ja)
  bool json = false;  // --json: the daemon's JSON, unchanged
  int exit_code = kOk;
};

// CLI11 validator for YYYY-MM-DD options: "" when valid, else the message.
std::string iso_date(const std::string& text);

// --conninfo for commands that talk to PostgreSQL directly (audit, terminal): required, from
// $MADOGUCHI_DATABASE_CONNINFO when not given, and refused with a password in it (argv is
// visible to every user of the machine). Returns `sub`.
CLI::App* add_conninfo_option(CLI::App* sub, std::string& conninfo);

// madoguchictl document inspect FILE [--visit-date YYYY-MM-DD] [--json] (cmd_document.cpp)
void add_document_command(CLI::App& app, Globals& g);
// madoguchictl decide --context C --visit-date D --gateway-validity V FILE... (cmd_decide.cpp)
void add_decide_command(CLI::App& app, Globals& g);
// madoguchictl audit migrate|ready|detach-old|ensure-partitions ... (cmd_audit.cpp)
void add_audit_command(CLI::App& app, Globals& g);
// madoguchictl terminal enrol NAME|list|revoke NAME (cmd_terminal.cpp)
void add_terminal_command(CLI::App& app, Globals& g);
// madoguchictl keys create CLIENT --role R|list|revoke KEY|rotate KEY (cmd_keys.cpp)
void add_keys_command(CLI::App& app, Globals& g);

// madoguchictl check card|number|document ... (cmd_check.cpp)
void add_check_command(CLI::App& app, Globals& g);
// madoguchictl checks list ... (cmd_checks.cpp)
void add_checks_command(CLI::App& app, Globals& g);
// madoguchictl unconfirmed list ... (cmd_checks.cpp)
void add_unconfirmed_command(CLI::App& app, Globals& g);

}  // namespace madoguchi::ctl
