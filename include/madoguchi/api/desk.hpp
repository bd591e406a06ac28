// The front desk (受付): the page served at "/", terminal enrolment and the session cookie that
// signs a counter's browser in without a token, and the reader's state for the page.
#pragma once

#include <madoguchi/api/readers.hpp>
#include <madoguchi/api/router.hpp>
#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace madoguchi::card {
class CardReader;
}

namespace madoguchi::api {

// The session cookie: __Host- keeps it to this origin, path "/", Secure.
inline constexpr const char* kSessionCookie = "__Host-madoguchi-desk";
// State-changing calls of a signed-in page echo this header (its value comes with the session).
inline constexpr const char* kCsrfHeader = "x-csrf-token";

struct TerminalInfo {
  std::string terminal_id;
  std::string enrolled_at;   // ISO 8601, UTC
  std::string revoked_at;    // empty while active
  int sessions = 0;          // sessions not yet idle-expired
  std::string last_seen_at;  // newest session activity, empty if none
};

struct EnrolmentCode {
  std::string code;        // "ABCDE-FGHJK": shown once, stored only as a hash
  std::string expires_at;  // ISO 8601, UTC
};

// A desk session: the terminal it is bound to and the CSRF token its page must echo.
struct DeskSession {
  std::string terminal_id;
  std::string csrf_token;
};

// Terminals, one-time enrolment codes and sessions in PostgreSQL (db/migrations/0002). Codes and
// session secrets are stored as SHA-256 only. Thread-safe (a small connection pool).
// Errors: "terminal.bad_id", "terminal.not_found", "desk.code_invalid" (unknown, used, expired
// or revoked), "desk.session_invalid" (unknown, idle-expired or revoked), "desk.unavailable".
class TerminalStore {
 public:
  TerminalStore(std::string conninfo, std::chrono::minutes idle_expiry);
  ~TerminalStore();
  TerminalStore(const TerminalStore&) = delete;
  TerminalStore& operator=(const TerminalStore&) = delete;

  // Administration (madoguchictl terminal ...). Enrolling a known terminal issues a new code
  // (and re-activates it when it was revoked).
  Result<EnrolmentCode> enrol(const std::string& terminal_id, std::chrono::hours valid_for);
  Result<std::vector<TerminalInfo>> list();
  // Ends every session and unused code of the terminal.
  Result<void> revoke(const std::string& terminal_id);

  // The page: a one-time code for a new session; returns the session secret (the cookie's
  // value) and the session.
  Result<std::pair<std::string, DeskSession>> redeem(const std::string& code);
  // The session of a cookie's secret; refreshes its idle expiry.
  Result<DeskSession> session(const std::string& secret);
  Result<void> end_session(const std::string& secret);

  // Derived from the session secret: nothing extra to store, unknowable without the cookie.
  static std::string csrf_token(const std::string& secret);
  // Terminal ids: lower-case letters, digits, '.', '_', '-'; up to 63.
  static bool valid_terminal_id(const std::string& id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct DeskOptions {
  std::filesystem::path web_root;  // web/desk: index.html and its assets
  TerminalStore* terminals = nullptr;
  card::CardReader* reader = nullptr;  // nullptr: no reader configured
  // When set, the reader routes use the caller's terminal's reader from here instead (403
  // card.not_your_reader for another terminal; docs/security.md).
  const ReaderBinding* readers = nullptr;
  std::chrono::minutes idle_expiry{240};
};

// GET / and GET /desk/{file}: the page (no-store, strict CSP). POST /v1/desk/enrol (code → session
// cookie), GET /v1/desk/session, POST /v1/desk/sign-out, GET /v1/reader/state?since=N (long
// poll). See docs/api.md and docs/front-desk.md.
void add_desk_routes(Router& router, DeskOptions options);

// The router's second way in: the desk's session cookie. Installs an authenticator that maps
// the cookie to the terminal's Principal and requires the CSRF header on state-changing calls.
void enable_desk_sessions(Router& router, TerminalStore& terminals);

}  // namespace madoguchi::api
