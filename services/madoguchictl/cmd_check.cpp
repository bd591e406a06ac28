// madoguchictl check: a check through the daemon, as the counter makes it.
//
//   madoguchictl check card [--pin-stdin | --visual]
//   madoguchictl check number --insurer=N [--symbol=S] --number=N [--branch=NN] [--birth-date=D]
//   madoguchictl check document FILE... --context=C [--card-shown] [--copy] [--reader-fault]
//                               [--card-check=ID] [--visit-date=D]
//
// The PIN is never taken from argv (other users see it in ps): it is typed at a prompt without
// echo, or read from stdin with --pin-stdin. Exit codes: docs/cli.md.
#include "commands.hpp"
#include "daemon_client.hpp"
#include "output.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <CLI/CLI.hpp>

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

namespace madoguchi::ctl {

namespace {

// Wipes a string that held a PIN before its memory is freed.
struct Wiped {
  std::string value;
  ~Wiped() { OPENSSL_cleanse(value.data(), value.size()); }
};

// Sends a request and shows the answer: a decision, or the error.
int send_check(const Globals& g, std::string_view target, std::string_view body,
               std::string_view content_type) {
  auto settings = resolve(g);
  if (!settings) return show_error(settings.error(), g.json);
  const std::string lang = settings->lang;
  DaemonClient client(std::move(*settings));
  auto reply = client.request("POST", target, body, content_type);
  if (!reply) return show_error(reply.error(), g.json);
  if (reply->status == 200) {
    const auto j = reply->json();
    if (j.is_object() && j.contains("results") && j["results"].is_array()) {  // several files
      int worst = kOk;
      for (const auto& d : j["results"]) {
        const int status = d.value("status", 200);
        if (!g.json) std::cout << "[" << d.value("filename", std::string{}) << "]\n";
        int code;
        if (status != 200 && g.json)
          code = exit_for_status(status);
        else if (status != 200)
          code = show_problem(HttpReply{status, "application/problem+json", d.dump()}, lang, false);
        else
          code = g.json ? exit_for_outcome(d) : show_decision(d, lang, false);
        if (!g.json) std::cout << "\n";
        worst = std::max(worst, code);
      }
      if (g.json) std::cout << j.dump(2) << "\n";
      return worst;
    }
    if (j.is_object()) return show_decision(j, lang, g.json);
  }
  return show_problem(*reply, lang, g.json);
}

// --- check card ---------------------------------------------------------------------------

struct CardOptions {
  bool pin_stdin = false;
  bool visual = false;
};

// Reads one line; on a terminal without echo, after a prompt on stderr.
bool read_pin(std::string& pin, bool prompt) {
  const bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    if (prompt) std::fprintf(stderr, "暗証番号 (4桁) / PIN: ");
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  const bool ok = static_cast<bool>(std::getline(std::cin, pin));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!pin.empty() && pin.back() == '\r') pin.pop_back();
  return ok;
}

int check_card(const CardOptions& o, const Globals& g) {
  if (o.visual)
    return send_check(g, "/v1/checks/by-card", R"({"visual_confirmation":true})",
                      "application/json");
  if (!o.pin_stdin && !isatty(STDIN_FILENO)) {
    std::fprintf(stderr,
                 "madoguchictl check card: give --pin-stdin (PIN on stdin) or --visual; the PIN "
                 "is never an argument\n");
    return kUsage;
  }
  Wiped pin;
  if (!read_pin(pin.value, !o.pin_stdin) || pin.value.size() != 4 ||
      pin.value.find_first_not_of("0123456789") != std::string::npos) {
    // Checked here so that a typo never spends one of the card's tries.
    std::fprintf(stderr, "madoguchictl check card: the PIN is 4 digits\n");
    return kUsage;
  }
  Wiped body{nlohmann::json{{"pin", pin.value}}.dump()};
  return send_check(g, "/v1/checks/by-card", body.value, "application/json");
}

// --- check number -------------------------------------------------------------------------

struct NumberOptions {
  std::string insurer, symbol, number, branch, birth_date, visit_date;
};

int check_number(const NumberOptions& o, const Globals& g) {
  nlohmann::json body{{"insurer_number", o.insurer}, {"number", o.number}};
  if (!o.symbol.empty()) body["symbol"] = o.symbol;
  if (!o.branch.empty()) body["branch"] = o.branch;
  if (!o.birth_date.empty()) body["birth_date"] = o.birth_date;
  if (!o.visit_date.empty()) body["visit_date"] = o.visit_date;
  return send_check(g, "/v1/checks/by-number", body.dump(), "application/json");
}

// --- check document -----------------------------------------------------------------------

struct DocumentOptions {
  std::vector<std::string> files;
  std::string context;
  std::string visit_date;
  std::string card_check;  // the failed card check on this terminal
  bool card_shown = false, copy = false, reader_fault = false;
};

std::string media_type(const std::string& file) {
  auto ends = [&](const char* ext) {
    const std::string e(ext);
    if (file.size() < e.size()) return false;
    std::string tail = file.substr(file.size() - e.size());
    for (char& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return tail == e;
  };
  if (ends(".pdf")) return "application/pdf";
  if (ends(".png")) return "image/png";
  if (ends(".jpg") || ends(".jpeg")) return "image/jpeg";
  return "application/octet-stream";
}

// A file name for the Content-Disposition header: its base name, quotes and controls dropped.
std::string safe_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string out;
  for (char c : name)
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) out += c;
  return out.empty() ? "document" : out;
}

int check_document(const DocumentOptions& o, const Globals& g) {
  std::vector<std::string> contents;
  for (const auto& f : o.files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "madoguchictl check document: cannot read %s\n", f.c_str());
      return kUsage;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    contents.push_back(ss.str());
  }
  // multipart/form-data as a browser sends it: the fields, then one part per file. A random
  // boundary cannot occur in the files by accident.
  unsigned char rnd[12];
  RAND_bytes(rnd, sizeof rnd);
  std::string boundary = "madoguchictl-";
  for (unsigned char b : rnd) {
    static constexpr char kHex[] = "0123456789abcdef";
    boundary += kHex[b >> 4];
    boundary += kHex[b & 15];
  }
  std::string body;
  auto field = [&](const char* name, const std::string& value) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            value + "\r\n";
  };
  field("context", o.context);
  if (!o.visit_date.empty()) field("visit_date", o.visit_date);
  if (!o.card_check.empty()) field("card_check_id", o.card_check);
  if (o.card_shown) field("card_shown", "true");
  if (o.copy) field("copy", "true");
  if (o.reader_fault) field("reader_fault", "true");
  for (std::size_t i = 0; i < o.files.size(); ++i) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            safe_name(o.files[i]) + "\"\r\nContent-Type: " + media_type(o.files[i]) + "\r\n\r\n";
    body += contents[i];
    body += "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return send_check(g, "/v1/checks/by-document", body, "multipart/form-data; boundary=" + boundary);
}

}  // namespace

void add_check_command(CLI::App& app, Globals& g) {
  CLI::App* check = app.add_subcommand("check", "check a patient's eligibility through the daemon");
  check->require_subcommand(1);

  auto card = std::make_shared<CardOptions>();
  CLI::App* c = check->add_subcommand("card", "the MyNumber card on this terminal's reader");
  auto* pin = c->add_flag("--pin-stdin", card->pin_stdin, "read the 4-digit PIN from stdin");
  auto* visual = c->add_flag("--visual", card->visual, "the staff confirmed the face (目視確認)");
  pin->excludes(visual);
  c->callback([card, &g] { g.exit_code = check_card(*card, g); });

  auto number = std::make_shared<NumberOptions>();
  CLI::App* n = check->add_subcommand("number", "by insurer number, symbol and number");
  n->add_option("--insurer", number->insurer, "保険者番号 (6 or 8 digits)")->required();
  n->add_option("--symbol", number->symbol, "記号 (some insurers, e.g. 後期高齢者, have none)");
  n->add_option("--number", number->number, "番号")->required();
  n->add_option("--branch", number->branch, "枝番 (2 digits)");
  n->add_option("--birth-date", number->birth_date, "生年月日 YYYY-MM-DD")->check(iso_date);
  n->add_option("--visit-date", number->visit_date, "受診日 YYYY-MM-DD (default: today)")
      ->check(iso_date);
  n->callback([number, &g] { g.exit_code = check_number(*number, g); });

  auto document = std::make_shared<DocumentOptions>();
  CLI::App* d = check->add_subcommand("document", "when the card cannot be used: a PDF or photo");
  d->add_option("FILE", document->files, "PDF, PNG or JPEG (one or more)")
      ->required()
      ->check(CLI::ExistingFile);
  d->add_option("--context", document->context,
                "the situation at the counter (counter, card_unreadable, school_escort, …)")
      ->required();
  d->add_option("--visit-date", document->visit_date, "受診日 YYYY-MM-DD (default: today)")
      ->check(iso_date);
  d->add_flag("--card-shown", document->card_shown, "the patient showed the card too");
  d->add_flag("--copy", document->copy, "the paper is a copy, not the original");
  d->add_flag("--reader-fault", document->reader_fault,
              "the desk declares that the reader (or the card) cannot be used");
  d->add_option("--card-check", document->card_check,
                "check id of the failed card check on this terminal (card_unreadable)");
  d->callback([document, &g] { g.exit_code = check_document(*document, g); });
}

}  // namespace madoguchi::ctl
