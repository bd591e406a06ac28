// madoguchi-vcard: a virtual MyNumber card (JPKI AP only) for pcscd's vpcd reader driver.
//
//   madoguchi-vcard run --persona=FILE [--host=H] [--port=P] [--apdu-log=FILE]
//                       [--mute] [--slow-ms=N] [--pull-after-apdus=N] [--reinsert-after-ms=N]
//                       [--not-mynumber]
//   madoguchi-vcard issue --jpki-ca=CRT --jpki-ca-key=KEY --serial=N --out=FILE
//                       [--not-before=YYYY-MM-DD] [--not-after=YYYY-MM-DD] [--pin-stdin]
//                       [--tries=3] [--label=TEXT]
// The PIN (default 1234) is read from stdin with --pin-stdin, never taken from argv.
// While running: SIGUSR1 pulls the card out of the reader, SIGUSR2 inserts it again.
#include "applet.hpp"
#include "persona.hpp"
#include "vpcd_client.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

madoguchi::vcard::Controls g_controls;

void on_signal(int sig) {
  if (sig == SIGUSR1) g_controls.pull = 1;
  if (sig == SIGUSR2) g_controls.insert = 1;
  if (sig == SIGTERM || sig == SIGINT) g_controls.stop = 1;
}

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() wakes up
  for (int s : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT}) sigaction(s, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

struct RunOptions {
  std::string persona;
  madoguchi::vcard::ClientOptions client;
  int slow_ms = 0;
  int reinsert_after_ms = -1;
  bool not_mynumber = false;
};

int run(const RunOptions& o) {
  using namespace madoguchi::vcard;
  const std::filesystem::path persona_file = o.persona;
  Persona persona = Persona::load(persona_file);
  ClientOptions opt = o.client;
  opt.faults.slow = std::chrono::milliseconds(o.slow_ms);
  opt.faults.reinsert_after = std::chrono::milliseconds(o.reinsert_after_ms);
  JpkiApplet applet(
      std::move(persona),
      [persona_file](const Persona& p) {
        try {
          p.save(persona_file);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "madoguchi-vcard: cannot persist PIN tries: %s\n", e.what());
        }
      },
      o.not_mynumber);
  install_signals();
  return run_vpcd_client(applet, opt, g_controls);
}

struct IssueOptions {
  madoguchi::vcard::IssueRequest req;
  std::string out;
  bool pin_stdin = false;
};

int issue(IssueOptions& o) {
  using namespace madoguchi::vcard;
  if (o.pin_stdin) {
    std::string pin;
    if (!std::getline(std::cin, pin) || pin.size() != 4 ||
        pin.find_first_not_of("0123456789") != std::string::npos) {
      std::fprintf(stderr, "madoguchi-vcard: --pin-stdin expects 4 digits on stdin\n");
      return 2;
    }
    o.req.pin = pin;
  }
  Persona p = issue_persona(o.req);
  p.save(o.out);
  std::fprintf(stderr, "madoguchi-vcard: issued card serial %llu -> %s\n",
               static_cast<unsigned long long>(o.req.serial), o.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A virtual MyNumber card (JPKI AP) for pcscd's vpcd reader driver",
               "madoguchi-vcard"};
  app.set_version_flag("--version", "madoguchi-vcard " MADOGUCHI_VERSION);
  app.require_subcommand(1);
  app.footer("While running: SIGUSR1 pulls the card out of the reader, SIGUSR2 inserts it again.");
  int exit_code = 0;

  RunOptions r;
  CLI::App* run_cmd = app.add_subcommand("run", "connect to vpcd and answer APDUs");
  run_cmd->add_option("--persona", r.persona, "persona JSON (see issue); tries are written back")
      ->required();
  run_cmd->add_option("--host", r.client.host, "vpcd host")->capture_default_str();
  run_cmd->add_option("--port", r.client.port, "vpcd port")->capture_default_str();
  run_cmd->add_option("--apdu-log", r.client.apdu_log, "log APDUs (never PIN bytes) to FILE");
  run_cmd->add_flag("--mute", r.client.faults.mute, "answer the ATR, never an APDU");
  run_cmd->add_option("--slow-ms", r.slow_ms, "delay before every APDU answer");
  run_cmd->add_option("--pull-after-apdus", r.client.faults.pull_after_apdus,
                      "drop the connection instead of answering APDU N+1");
  run_cmd->add_option("--reinsert-after-ms", r.reinsert_after_ms,
                      "after a pull, come back after this long");
  run_cmd->add_flag("--not-mynumber", r.not_mynumber, "a card without the JPKI AP");
  run_cmd->callback([&] { exit_code = run(r); });

  IssueOptions i;
  CLI::App* issue_cmd = app.add_subcommand("issue", "make a persona: key, certificate, PIN");
  issue_cmd->add_option("--jpki-ca", i.req.ca_cert_file, "JPKI CA certificate (PEM)")->required();
  issue_cmd->add_option("--jpki-ca-key", i.req.ca_key_file, "its key (PEM)")->required();
  issue_cmd->add_option("--serial", i.req.serial, "certificate serial (the simulator's person)")
      ->required();
  issue_cmd->add_option("--out", i.out, "persona JSON to write")->required();
  issue_cmd->add_option("--not-before", i.req.not_before, "YYYY-MM-DD (00:00:00 JST)");
  issue_cmd->add_option("--not-after", i.req.not_after, "YYYY-MM-DD (23:59:59 JST)");
  issue_cmd->add_flag("--pin-stdin", i.pin_stdin, "read the 4-digit PIN from stdin (default 1234)");
  issue_cmd->add_option("--tries", i.req.tries_left, "PIN tries left")->capture_default_str();
  issue_cmd->add_option("--label", i.req.label, "label in the persona");
  issue_cmd->callback([&] { exit_code = issue(i); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "madoguchi-vcard: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
