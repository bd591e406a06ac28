// Routes requests to handlers and authenticates API callers before any handler runs.
#pragma once

#include <madoguchi/api/http.hpp>

#include <memory>
#include <string>
#include <vector>

namespace madoguchi::api {

enum class Access {
  Public,         // health probes only
  Authenticated,  // everything that touches a person's data
};

// API clients (receipt systems, desk terminals) authenticate with a bearer token. Only the
// SHA-256 of each token is configured, so a leaked config file leaks no credential.
struct ApiClient {
  std::string id;                // "rececon-1", "desk-3": recorded in every audit record
  std::string token_sha256_hex;  // lower-case hex
};

class Router {
 public:
  explicit Router(std::vector<ApiClient> clients = {});

  // Patterns are paths whose segments may be "{name}" captures: "/v1/checks/{id}".
  void add(std::string method, std::string pattern, Access access, Handler handler);

  // Never throws: a handler's exception becomes a 500 problem, logged without request data.
  Response dispatch(Request request) const;

  static std::string sha256_hex(std::string_view data);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Access access;
    Handler handler;
  };
  const ApiClient* authenticate(const Request& request) const;
  std::vector<Route> routes_;
  std::vector<ApiClient> clients_;
};

}  // namespace madoguchi::api
