// The HTTP API's own small request/response model: handlers never see Beast.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::api {

// Who is calling, as the Router authenticated it: an API client by bearer token, or a front-desk
// terminal by its session cookie (docs/front-desk.md).
// Roles (docs/security.md; what each grants: api::grants in router.hpp). A key has one role; a
// configured client may list several (roles is a set).
enum class Role : unsigned {
  Desk = 1,           // 受付: checks at its own counter, its own terminal's history
  ReceiptSystem = 2,  // レセコン: checks by number, batches, FHIR, its own client's history
  Auditor = 4,        // reads all history and the access records, nothing else
  Admin = 8,          // keys and terminals
};
std::string_view to_string(Role role);  // "desk" | "receipt_system" | "auditor" | "admin"
std::optional<Role> role_from_string(std::string_view s);

struct Principal {
  enum class Kind { None, ApiClient, Terminal };
  Kind kind = Kind::None;
  std::string client_id;    // recorded in every audit record
  std::string terminal_id;  // the counter; for API clients their bound terminal or empty
  unsigned roles = 0;       // a set of Role bits
  bool has(Role r) const { return (roles & static_cast<unsigned>(r)) != 0; }
  // The first role, for logs and access records ("desk", …; "" when none).
  std::string_view role_name() const;
};

struct Request {
  std::string method;                              // "GET", "POST", …
  std::string target;                              // path and query as sent
  std::string path;                                // decoded path without the query
  std::map<std::string, std::string> query;        // decoded ?a=b&c=d
  std::map<std::string, std::string> headers;      // names in lower case
  std::map<std::string, std::string> path_params;  // {id} captures, filled by the Router
  std::string body;
  std::string remote_address;
  std::string client_id;  // the authenticated API client, filled by the Router
  Principal principal;    // the same, with the terminal of a desk session

  std::string header(const std::string& lower_name) const;
  std::string query_param(const std::string& name, const std::string& fallback = {}) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain");
};

// RFC 9457 problem+json with a stable machine-readable `code` ("auth.missing_token").
Response problem(int status, std::string_view code, std::string_view title,
                 std::string_view detail = {});

// A blocking handler: runs on the server's bounded blocking pool, never on an I/O thread (card
// and document checks, anything touching files or slow work).
using Handler = std::function<Response(const Request&)>;

// Completes one request, exactly once, from any thread. A copyable handle: the first call sends
// the response, later calls are ignored (and logged). A request whose every Responder copy is
// dropped without a call is answered 500, so a forgotten completion never hangs a client.
class Responder {
 public:
  using Sink = std::function<void(Response)>;
  Responder() = default;
  explicit Responder(Sink sink);
  void operator()(Response response) const;
  explicit operator bool() const { return state_ != nullptr; }

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// An asynchronous handler: must not block. It starts work on ports that complete by callback
// and returns at once; the completion calls the Responder.
using AsyncHandler = std::function<void(Request, Responder)>;

}  // namespace madoguchi::api
