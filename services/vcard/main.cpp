// madoguchi-vcard: a virtual MyNumber card (JPKI AP only) for pcscd's vpcd reader driver.
//
//   madoguchi-vcard run --persona FILE [--host H] [--port P] [--apdu-log FILE]
//                       [--mute] [--slow-ms N] [--pull-after-apdus N] [--reinsert-after-ms N]
//                       [--not-mynumber]
//   madoguchi-vcard issue --jpki-ca CRT --jpki-ca-key KEY --serial N --out FILE
//                       [--not-before YYYY-MM-DD] [--not-after YYYY-MM-DD] [--pin 1234]
//                       [--tries 3] [--label TEXT]
// While running: SIGUSR1 pulls the card out of the reader, SIGUSR2 inserts it again.
#include "applet.hpp"
#include "persona.hpp"
#include "vpcd_client.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
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

int usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  madoguchi-vcard run --persona FILE [--host H] [--port P] [--apdu-log FILE]\n"
               "      [--mute] [--slow-ms N] [--pull-after-apdus N] [--reinsert-after-ms N]\n"
               "      [--not-mynumber]\n"
               "  madoguchi-vcard issue --jpki-ca CRT --jpki-ca-key KEY --serial N --out FILE\n"
               "      [--not-before YYYY-MM-DD] [--not-after YYYY-MM-DD] [--pin 1234]\n"
               "      [--tries 3] [--label TEXT]\n"
               "signals while running: SIGUSR1 pulls the card, SIGUSR2 inserts it.\n");
  return 2;
}

// --flag value pairs; flags in `booleans` take no value.
std::map<std::string, std::string> parse_flags(int argc, char** argv, int first,
                                               std::initializer_list<const char*> booleans) {
  std::map<std::string, std::string> out;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument " + a);
    a = a.substr(2);
    bool is_bool = false;
    for (const char* b : booleans) is_bool = is_bool || a == b;
    if (is_bool) {
      out[a] = "1";
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("--" + a + " needs a value");
    out[a] = argv[++i];
  }
  return out;
}

std::string need(const std::map<std::string, std::string>& f, const std::string& k) {
  auto it = f.find(k);
  if (it == f.end()) throw std::invalid_argument("missing --" + k);
  return it->second;
}

int run(int argc, char** argv) {
  using namespace madoguchi::vcard;
  auto f = parse_flags(argc, argv, 2, {"mute", "not-mynumber"});
  const std::filesystem::path persona_file = need(f, "persona");
  Persona persona = Persona::load(persona_file);
  ClientOptions opt;
  if (f.count("host")) opt.host = f["host"];
  if (f.count("port")) opt.port = static_cast<unsigned short>(std::stoi(f["port"]));
  if (f.count("apdu-log")) opt.apdu_log = f["apdu-log"];
  opt.faults.mute = f.count("mute") > 0;
  if (f.count("slow-ms")) opt.faults.slow = std::chrono::milliseconds(std::stoi(f["slow-ms"]));
  if (f.count("pull-after-apdus")) opt.faults.pull_after_apdus = std::stoi(f["pull-after-apdus"]);
  if (f.count("reinsert-after-ms"))
    opt.faults.reinsert_after = std::chrono::milliseconds(std::stoi(f["reinsert-after-ms"]));
  JpkiApplet applet(
      std::move(persona),
      [persona_file](const Persona& p) {
        try {
          p.save(persona_file);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "madoguchi-vcard: cannot persist PIN tries: %s\n", e.what());
        }
      },
      f.count("not-mynumber") > 0);
  install_signals();
  return run_vpcd_client(applet, opt, g_controls);
}

int issue(int argc, char** argv) {
  using namespace madoguchi::vcard;
  auto f = parse_flags(argc, argv, 2, {});
  IssueRequest req;
  req.ca_cert_file = need(f, "jpki-ca");
  req.ca_key_file = need(f, "jpki-ca-key");
  req.serial = std::stoull(need(f, "serial"));
  if (f.count("not-before")) req.not_before = f["not-before"];
  if (f.count("not-after")) req.not_after = f["not-after"];
  if (f.count("pin")) req.pin = f["pin"];
  if (f.count("tries")) req.tries_left = std::stoi(f["tries"]);
  if (f.count("label")) req.label = f["label"];
  const std::filesystem::path out = need(f, "out");
  Persona p = issue_persona(req);
  p.save(out);
  std::fprintf(stderr, "madoguchi-vcard: issued card serial %llu -> %s\n",
               static_cast<unsigned long long>(req.serial), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  try {
    if (cmd == "run") return run(argc, argv);
    if (cmd == "issue") return issue(argc, argv);
    return usage();
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "madoguchi-vcard: %s\n", e.what());
    return usage();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "madoguchi-vcard: %s\n", e.what());
    return 1;
  }
}
