// madoguchictl: the counter's and the operator's command line. A thin root parser (CLI11); every
// subcommand registers itself from its own file (commands.hpp).
#include "commands.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  using namespace madoguchi::ctl;
  CLI::App app{"Madoguchi: insurance eligibility checks at the counter (窓口)", "madoguchictl"};
  app.set_version_flag("--version", "madoguchictl " MADOGUCHI_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // root options may follow the subcommand: `checks list --json`
  app.option_defaults()->always_capture_default();

  Globals g;
  app.add_option("--url", g.daemon.url, "daemon URL, e.g. https://127.0.0.1:8443 ($MADOGUCHI_URL)");
  app.add_option("--ca", g.daemon.ca_file,
                 "CA certificate of the daemon (PEM) ($MADOGUCHI_CA_FILE)");
  app.add_option("--token-file", g.daemon.token_file,
                 "file holding the API token ($MADOGUCHI_TOKEN_FILE; or $MADOGUCHI_TOKEN)");
  app.add_option("--config", g.daemon.config_file,
                 "JSON file with url, ca_file, token_file, lang ($MADOGUCHI_CTL_CONFIG)");
  app.add_option("--lang", g.lang, "language of human-readable output")
      ->check(CLI::IsMember({"ja", "en"}));
  app.add_flag("--json", g.json, "print JSON instead of text");

  // One line per subcommand.
  add_document_command(app, g);
  add_decide_command(app, g);
  add_audit_command(app, g);
  add_terminal_command(app, g);
  add_keys_command(app, g);
  add_check_command(app, g);
  add_checks_command(app, g);
  add_unconfirmed_command(app, g);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and a hint to --help
    return kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "madoguchictl: %s\n", e.what());
    return kRefused;
  }
  return g.exit_code;
}
