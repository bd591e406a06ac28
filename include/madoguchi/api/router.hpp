// Routes requests to handlers and authenticates API callers before any handler runs.
#pragma once

#include <madoguchi/api/http.hpp>

#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace madoguchi::api {

// What a route needs from its caller. Every route declares one; the Router refuses a caller
// whose role does not grant it (403 auth.forbidden). Roles (docs/security.md):
//   desk            CheckAtTerminal, CheckByNumber, OwnHistory, Unconfirmed
//   receipt_system  CheckByNumber, Batch, Fhir, OwnHistory, Unconfirmed
//   auditor         OwnHistory (= all history), AllHistory
//   admin           Admin
enum class Access {
  Public,           // health probes, the page's static files, enrolment
  Authenticated,    // any authenticated caller (reader state for the caller's own terminal)
  CheckAtTerminal,  // by card and by document: a person at this counter
  CheckByNumber,    // by number (single)
  Batch,            // batches (create, read, cancel)
  Fhir,             // the FHIR endpoints
  OwnHistory,       // the caller's own checks (an auditor's: all)
  AllHistory,       // every caller's checks, access records
  Unconfirmed,      // the unconfirmed queue
  Admin,            // keys, terminals
};

// Whether a role set grants what a route needs (the table above; Public needs nothing,
// Authenticated any role). docs/security.md shows the same table; tests/daemon checks both.
bool grants(unsigned roles, Access access);
std::string_view to_string(Access access);  // "public", "check_at_terminal", …

// API clients (receipt systems, desk terminals) authenticate with a bearer token. Only the
// SHA-256 of each token is configured (or stored, for keys from `madoguchictl keys`), so a leaked
// config file or database copy leaks no credential.
struct ApiClient {
  std::string id;                // "rececon-1", "desk-3": recorded in every audit record
  std::string token_sha256_hex;  // lower-case hex
  unsigned roles = static_cast<unsigned>(Role::ReceiptSystem);  // a set of Role bits
  std::string terminal_id;  // the counter a desk client acts for ("" : none)
};

// Looks a presented token's SHA-256 up among the keys in the database (KeyStore::lookup):
// nullopt when unknown, expired or revoked; an error when the store cannot answer.
using KeyLookup = std::function<Result<std::optional<ApiClient>>(const std::string& sha256_hex)>;

// Failed authentication per source address (a wrong token, session or enrolment code; a missing
// credential is not a guess): `burst` failures at once, then `per_minute`; beyond that every
// authenticated route and every POST answers 429 auth.rate_limited with Retry-After.
struct AuthFailureLimit {
  int burst = 10;
  int per_minute = 10;
};

// A second way in besides bearer tokens (the desk's session cookie): Absent when the request
// carries no such credential; Accepted after filling request.principal; Refused with `refusal`.
enum class AuthVerdict { Absent, Accepted, Refused };
using Authenticator = std::function<AuthVerdict(Request& request, Response& refusal)>;

class Router {
 public:
  explicit Router(std::vector<ApiClient> clients = {});

  // Patterns are paths whose segments may be "{name}" captures: "/v1/checks/{id}".
  // A blocking handler (runs on the server's blocking pool; public ones on the probe pool).
  void add(std::string method, std::string pattern, Access access, Handler handler);
  // An asynchronous handler (runs inline on an I/O thread and must not block).
  void add_async(std::string method, std::string pattern, Access access, AsyncHandler handler);

  // Where the server runs handlers. Each returns false when its lane is full: the request is
  // then answered at once with 503 "server.busy" and Retry-After, never queued without bound.
  struct Lanes {
    // Authenticated blocking handlers: the bounded blocking pool.
    std::function<bool(std::function<void()>)> blocking;
    // Public blocking handlers (probes, /metrics): their own small pool, so a full blocking
    // pool never makes the daemon look dead.
    std::function<bool(std::function<void()>)> probes;
    // Admits one more asynchronous request in flight; release is called once it is answered.
    std::function<bool()> admit_async;
    std::function<void()> release_async;
  };
  // Routes, authenticates and runs the handler in its lane; `respond` is completed exactly
  // once. Never throws: a handler's exception becomes a 500 problem, logged without request
  // data. Empty lanes run the handler inline on the calling thread.
  void dispatch(Request request, Responder respond, const Lanes& lanes) const;
  // The same, inline, waiting for an asynchronous handler's answer (tests, in-process callers).
  Response dispatch(Request request) const;

  static std::string sha256_hex(std::string_view data);

  // Consulted for Authenticated routes when no Authorization header is sent.
  void set_authenticator(Authenticator authenticator);
  // Consulted for bearer tokens that are not configured clients.
  void set_key_lookup(KeyLookup lookup);
  void set_auth_failure_limit(AuthFailureLimit limit);

  // Every route, for the role × endpoint test and the docs: method, pattern, access.
  struct RouteInfo {
    std::string method, pattern;
    Access access;
  };
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Access access;
    Handler handler;             // blocking, or
    AsyncHandler async_handler;  // asynchronous
  };
  // The route for a request, authenticated, with its path parameters filled; or the answer
  // (401, 404, 405) when there is none to run.
  using Match = std::variant<Response, const Route*>;
  Match match(Request& request) const;
  // The client of a bearer token, nullopt when unknown; an error when the key store is down.
  Result<std::optional<ApiClient>> authenticate(const Request& request) const;
  // Whether `source` is over the failure limit (and when to retry); counting one failure.
  bool limited(const std::string& source, std::chrono::seconds& retry_after) const;
  void note_failure(const std::string& source) const;
  std::vector<Route> routes_;
  std::vector<ApiClient> clients_;
  Authenticator authenticator_;
  KeyLookup key_lookup_;
  struct Limiter;
  std::shared_ptr<Limiter> limiter_;
};

}  // namespace madoguchi::api
