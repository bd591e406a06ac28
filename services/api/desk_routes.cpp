// The front desk's page and its sign-in: static files from the web root, enrolment code →
// session cookie, and the reader's state as a long poll.
#include <madoguchi/api/desk.hpp>
#include <madoguchi/card/card.hpp>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace madoguchi::api {

namespace {

// Nothing but this origin's own files; no inline script or style, no framing, no forms
// posted elsewhere. blob: for the preview of a photo taken at the counter.
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'";

void harden(Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
}

std::optional<std::string> content_type_of(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::string ext = name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "json") return "application/json";
  return std::nullopt;
}

// File names only: letters, digits, '-', '_' and one extension; never a path.
bool safe_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  int dots = 0;
  for (char c : name) {
    if (c == '.')
      ++dots;
    else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return false;
  }
  return dots == 1;
}

Response serve_file(const std::filesystem::path& root, const std::string& name) {
  const auto type = content_type_of(name);
  if (!safe_name(name) || !type) return problem(404, "http.not_found", "Not found");
  std::ifstream in(root / name, std::ios::binary);
  if (!in) return problem(404, "http.not_found", "Not found");
  std::ostringstream body;
  body << in.rdbuf();
  Response r = Response::text(200, body.str(), *type);
  harden(r);
  return r;
}

std::string cookie_value(const Request& req, std::string_view name) {
  const std::string header = req.header("cookie");
  std::size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ';')) ++i;
    const std::size_t end = std::min(header.find(';', i), header.size());
    const std::string pair = header.substr(i, end - i);
    const auto eq = pair.find('=');
    if (eq != std::string::npos && std::string_view(pair).substr(0, eq) == name)
      return pair.substr(eq + 1);
    i = end;
  }
  return {};
}

std::string session_cookie(const std::string& secret, std::chrono::minutes max_age) {
  return std::string(kSessionCookie) + "=" + secret +
         "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max_age).count());
}

bool is_json(const Request& req) {
  return req.header("content-type").rfind("application/json", 0) == 0;
}

bool state_changing(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

nlohmann::json session_json(const DeskSession& s) {
  return {{"terminal_id", s.terminal_id}, {"csrf_token", s.csrf_token}, {"signed_in", true}};
}

Response store_failure(const Error& e) {
  if (e.code == "desk.unavailable")
    return problem(503, e.code, "Sign-in is unavailable", "The database cannot be reached.");
  return problem(401, e.code, "Not signed in", e.message);
}

}  // namespace

void add_desk_routes(Router& router, DeskOptions options) {
  const auto root = options.web_root;
  router.add("GET", "/", Access::Public,
             [root](const Request&) { return serve_file(root, "index.html"); });
  router.add("GET", "/desk/{file}", Access::Public,
             [root](const Request& req) { return serve_file(root, req.path_params.at("file")); });

  TerminalStore* terminals = options.terminals;
  const auto idle = options.idle_expiry;
  // The one-time code from `madoguchictl terminal enrol` becomes this browser's session.
  // JSON only: a cross-site form cannot send it without a CORS preflight this server refuses.
  router.add("POST", "/v1/desk/enrol", Access::Public, [terminals, idle](const Request& req) {
    if (!terminals) return problem(503, "desk.unavailable", "Sign-in is not configured");
    if (!is_json(req)) return problem(415, "api.content_type", "Send application/json");
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("code") || !body["code"].is_string())
      return problem(400, "api.bad_json", "The body must be {\"code\": \"...\"}");
    auto redeemed = terminals->redeem(body["code"].get<std::string>());
    if (!redeemed) {
      if (redeemed.error().code == "desk.unavailable") return store_failure(redeemed.error());
      spdlog::info("desk: enrolment code refused from {}", req.remote_address);
      return problem(401, "desk.code_invalid", "The enrolment code is not valid",
                     "Codes are single-use and expire; ask the administrator for a new one.");
    }
    spdlog::info("desk: terminal {} signed in from {}", redeemed->second.terminal_id,
                 req.remote_address);
    Response r = Response::json(200, session_json(redeemed->second));
    r.headers.emplace_back("Set-Cookie", session_cookie(redeemed->first, idle));
    return r;
  });

  // The page asks on load whether it is signed in (and gets its CSRF token back).
  router.add("GET", "/v1/desk/session", Access::Public, [terminals, idle](const Request& req) {
    if (!terminals) return problem(503, "desk.unavailable", "Sign-in is not configured");
    // Not being signed in is an answer here, not an error: the page then asks for a code.
    const std::string secret = cookie_value(req, kSessionCookie);
    if (secret.empty()) return Response::json(200, {{"signed_in", false}});
    auto s = terminals->session(secret);
    if (!s && s.error().code == "desk.unavailable") return store_failure(s.error());
    if (!s) return Response::json(200, {{"signed_in", false}, {"expired", true}});
    nlohmann::json j = session_json(*s);
    j["signed_in"] = true;
    Response r = Response::json(200, j);
    r.headers.emplace_back("Set-Cookie", session_cookie(secret, idle));  // slides Max-Age
    return r;
  });

  router.add("POST", "/v1/desk/sign-out", Access::Public, [terminals](const Request& req) {
    const std::string secret = cookie_value(req, kSessionCookie);
    if (!terminals || secret.empty()) return problem(401, "auth.no_session", "Not signed in");
    // Signing out is state-changing: the page proves it holds the CSRF token.
    const std::string csrf = req.header(kCsrfHeader), want = TerminalStore::csrf_token(secret);
    if (csrf.size() != want.size() || CRYPTO_memcmp(csrf.data(), want.data(), want.size()) != 0)
      return problem(403, "auth.csrf", "Missing or wrong CSRF token");
    if (auto e = terminals->end_session(secret); !e) return store_failure(e.error());
    Response r = Response::json(200, {{"signed_out", true}});
    r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) +
                                             "=; Path=/; Secure; HttpOnly; SameSite=Strict; "
                                             "Max-Age=0");
    return r;
  });

  // The reader of the caller's terminal (a desk of another terminal: 403 card.not_your_reader).
  const auto reader_of = [single = options.reader, readers = options.readers](
                             const Request& req) -> std::variant<card::CardReader*, Response> {
    if (!readers) return single;
    auto r = readers->for_caller(req.principal);
    if (auto* refused = std::get_if<Response>(&r); refused && refused->status == 503)
      return static_cast<card::CardReader*>(nullptr);
    return r;
  };
  // Long poll: answers at once when the state's version differs from `since`, else when it
  // changes, else after `wait` seconds (at most 25) with the same version.
  router.add("GET", "/v1/reader/state", Access::CheckAtTerminal, [reader_of](const Request& req) {
    auto found = reader_of(req);
    if (auto* refused = std::get_if<Response>(&found)) return *refused;
    card::CardReader* reader = std::get<card::CardReader*>(found);
    if (!reader)
      return Response::json(200, {{"state", "no_reader"}, {"version", 0}, {"configured", false}});
    std::uint64_t since = 0;
    int wait_s = 20;
    try {
      if (auto s = req.query_param("since"); !s.empty()) since = std::stoull(s);
      if (auto w = req.query_param("wait"); !w.empty()) wait_s = std::clamp(std::stoi(w), 0, 25);
    } catch (const std::exception&) {
      return problem(400, "api.bad_query", "since and wait are numbers");
    }
    const auto st = reader->wait_status(since, std::chrono::seconds(wait_s));
    return Response::json(
        200, {{"state", card::to_string(st.state)}, {"version", st.version}, {"configured", true}});
  });

  // The PIN tries the card has left, without spending one (VERIFY without data): the page hides
  // its PIN pad rather than offer the try that would lock the card.
  router.add("GET", "/v1/reader/pin-tries", Access::CheckAtTerminal, [reader_of](const Request& req) {
    auto found = reader_of(req);
    if (auto* refused = std::get_if<Response>(&found)) return *refused;
    card::CardReader* reader = std::get<card::CardReader*>(found);
    if (!reader) return problem(503, "card.no_reader", "No card reader is configured");
    auto t = reader->tries_left();
    if (!t) return problem(409, t.error().code, "The card cannot be asked", t.error().message);
    return Response::json(
        200, {{"remaining", t->remaining}, {"last_try", t->last_try()}, {"locked", t->locked()}});
  });
}

void enable_desk_sessions(Router& router, TerminalStore& terminals) {
  router.set_authenticator([&terminals](Request& req, Response& refusal) {
    const std::string secret = cookie_value(req, kSessionCookie);
    if (secret.empty()) return AuthVerdict::Absent;
    auto s = terminals.session(secret);
    if (!s) {
      refusal = store_failure(s.error());
      return AuthVerdict::Refused;
    }
    if (state_changing(req.method)) {
      const std::string csrf = req.header(kCsrfHeader);
      if (csrf.size() != s->csrf_token.size() ||
          CRYPTO_memcmp(csrf.data(), s->csrf_token.data(), csrf.size()) != 0) {
        refusal = problem(403, "auth.csrf", "Missing or wrong CSRF token",
                          "State-changing calls of the desk page send X-CSRF-Token.");
        return AuthVerdict::Refused;
      }
    }
    // A desk session acts for its terminal with role desk (docs/security.md).
    req.principal = Principal{Principal::Kind::Terminal, "desk-page", s->terminal_id,
                              static_cast<unsigned>(Role::Desk)};
    req.client_id = req.principal.client_id;
    return AuthVerdict::Accepted;
  });
}

}  // namespace madoguchi::api
