#include <madoguchi/api/router.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <variant>

namespace madoguchi::api {

namespace {
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t j = path.find('/', i);
    out.emplace_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return out;
}

bool is_capture(const std::string& s) {
  return s.size() > 2 && s.front() == '{' && s.back() == '}';
}
}  // namespace

Router::Router(std::vector<ApiClient> clients) : clients_(std::move(clients)) {}

void Router::add(std::string method, std::string pattern, Access access, Handler handler) {
  routes_.push_back(Route{std::move(method), split_path(pattern), access, std::move(handler), {}});
}

void Router::add_async(std::string method, std::string pattern, Access access,
                       AsyncHandler handler) {
  routes_.push_back(Route{std::move(method), split_path(pattern), access, {}, std::move(handler)});
}

void Router::set_authenticator(Authenticator authenticator) {
  authenticator_ = std::move(authenticator);
}

std::string Router::sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  // Every authenticated request hashes its token: no printf per byte.
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    hex[2 * i] = kDigits[md[i] >> 4];
    hex[2 * i + 1] = kDigits[md[i] & 0xf];
  }
  return hex;
}

const ApiClient* Router::authenticate(const Request& request) const {
  const std::string auth = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0)
    return nullptr;
  const std::string presented = sha256_hex(std::string_view(auth).substr(kBearer.size()));
  for (const ApiClient& c : clients_) {
    // Constant time: the comparison must not tell an attacker how much of a hash matched.
    if (c.token_sha256_hex.size() == presented.size() &&
        CRYPTO_memcmp(c.token_sha256_hex.data(), presented.data(), presented.size()) == 0)
      return &c;
  }
  return nullptr;
}

Router::Match Router::match(Request& request) const {
  const auto segments = split_path(request.path);
  std::vector<std::string> allowed;  // the methods of the routes whose path matched (405's Allow)
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      if (is_capture(route.segments[i]))
        params[route.segments[i].substr(1, route.segments[i].size() - 2)] = segments[i];
      else
        match = route.segments[i] == segments[i];
    }
    if (!match) continue;
    if (route.method != request.method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end())
        allowed.push_back(route.method);
      continue;
    }

    if (route.access != Access::Public) {
      Response refusal;
      const AuthVerdict session = request.header("authorization").empty() && authenticator_
                                      ? authenticator_(request, refusal)
                                      : AuthVerdict::Absent;
      if (session == AuthVerdict::Refused) return refusal;
      if (session == AuthVerdict::Absent) {
        if (request.header("authorization").empty())
          return problem(401, "auth.missing_token", "Authentication required",
                         "Send an API token as 'Authorization: Bearer <token>'.");
        const ApiClient* client = authenticate(request);
        if (!client) return problem(401, "auth.invalid_token", "Invalid API token");
        request.client_id = client->id;
        request.principal = Principal{Principal::Kind::ApiClient, client->id, {}};
      }
    }
    request.path_params = std::move(params);
    return &route;
  }
  if (!allowed.empty()) {
    // RFC 9110 §15.5.6: a 405 names the methods the resource does support.
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response r = problem(405, "http.method_not_allowed", "Method not allowed");
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
  }
  return problem(404, "http.not_found", "Not found");
}

namespace {
Response internal_error(const Request& request, const char* what) {
  spdlog::error("handler for {} {} failed: {}", request.method, request.path, what);
  return problem(500, "internal", "Internal error", "The error was logged.");
}

Response busy() {
  Response r = problem(503, "server.busy", "Too many requests in progress",
                       "Retry after the indicated number of seconds.");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response run_blocking(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return internal_error(request, e.what());
  }
}

void run_async(const AsyncHandler& handler, Request request, const Responder& respond) {
  // The handler may have answered before it threw; the Responder ignores a second answer.
  const std::string method = request.method, path = request.path;
  try {
    handler(std::move(request), respond);
  } catch (const std::exception& e) {
    Request r;
    r.method = method;
    r.path = path;
    respond(internal_error(r, e.what()));
  }
}
}  // namespace

void Router::dispatch(Request request, Responder respond, const Lanes& lanes) const {
  auto found = match(request);
  if (std::holds_alternative<Response>(found)) return respond(std::move(std::get<Response>(found)));
  const Route& route = *std::get<const Route*>(found);

  if (route.async_handler) {
    if (lanes.admit_async && !lanes.admit_async()) return respond(busy());
    if (lanes.release_async) {
      respond = Responder([inner = std::move(respond), release = lanes.release_async](Response r) {
        release();
        inner(std::move(r));
      });
    }
    return run_async(route.async_handler, std::move(request), respond);
  }
  const auto& lane = route.access == Access::Public ? lanes.probes : lanes.blocking;
  if (!lane) return respond(run_blocking(route.handler, request));
  auto job = [&route, request = std::move(request), respond]() mutable {
    respond(run_blocking(route.handler, request));
  };
  if (!lane(std::move(job))) respond(busy());
}

Response Router::dispatch(Request request) const {
  auto found = match(request);
  if (std::holds_alternative<Response>(found)) return std::move(std::get<Response>(found));
  const Route& route = *std::get<const Route*>(found);
  if (!route.async_handler) return run_blocking(route.handler, request);

  std::promise<Response> answer;
  auto future = answer.get_future();
  run_async(route.async_handler, std::move(request),
            Responder([&answer](Response r) { answer.set_value(std::move(r)); }));
  return future.get();
}

}  // namespace madoguchi::api
