#include <madoguchi/api/router.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
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

// Failed authentication per source: a token bucket each, pruned when it is full again.
struct Router::Limiter {
  AuthFailureLimit limit;
  std::mutex mu;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Bucket> buckets;

  // Refills `b` up to now; true when the bucket is full (nothing to remember).
  bool refill(Bucket& b, std::chrono::steady_clock::time_point now) const {
    const double rate = limit.per_minute / 60.0;
    b.tokens = std::min<double>(
        limit.burst, b.tokens + rate * std::chrono::duration<double>(now - b.at).count());
    b.at = now;
    return b.tokens >= limit.burst;
  }

  void fail(const std::string& source) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu);
    if (buckets.size() > 100000) {
      // A flood from many addresses: forget the ones that have refilled.
      for (auto it = buckets.begin(); it != buckets.end();)
        it = refill(it->second, now) ? buckets.erase(it) : std::next(it);
    }
    auto [it, fresh] = buckets.try_emplace(source, Bucket{double(limit.burst), now});
    if (!fresh) refill(it->second, now);
    it->second.tokens = std::max(0.0, it->second.tokens - 1.0);
  }
};

Router::Router(std::vector<ApiClient> clients)
    : clients_(std::move(clients)), limiter_(std::make_shared<Limiter>()) {}

void Router::add(std::string method, std::string pattern, Access access, Handler handler) {
  routes_.push_back(
      Route{std::move(method), pattern, split_path(pattern), access, std::move(handler), {}});
}

void Router::add_async(std::string method, std::string pattern, Access access,
                       AsyncHandler handler) {
  routes_.push_back(
      Route{std::move(method), pattern, split_path(pattern), access, {}, std::move(handler)});
}

void Router::set_authenticator(Authenticator authenticator) {
  authenticator_ = std::move(authenticator);
}

void Router::set_key_lookup(KeyLookup lookup) { key_lookup_ = std::move(lookup); }

void Router::set_auth_failure_limit(AuthFailureLimit limit) {
  std::lock_guard lock(limiter_->mu);
  limiter_->limit = limit;
  limiter_->buckets.clear();
}

std::vector<Router::RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const Route& r : routes_) out.push_back({r.method, r.pattern, r.access});
  return out;
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

Result<std::optional<ApiClient>> Router::authenticate(const Request& request) const {
  const std::string auth = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0)
    return std::optional<ApiClient>();
  const std::string presented = sha256_hex(std::string_view(auth).substr(kBearer.size()));
  for (const ApiClient& c : clients_) {
    // Constant time: the comparison must not tell an attacker how much of a hash matched.
    if (c.token_sha256_hex.size() == presented.size() &&
        CRYPTO_memcmp(c.token_sha256_hex.data(), presented.data(), presented.size()) == 0)
      return std::optional<ApiClient>(c);
  }
  // Keys are looked up by their hash (an index), which tells nothing about near misses.
  if (key_lookup_) return key_lookup_(presented);
  return std::optional<ApiClient>();
}

bool Router::limited(const std::string& source, std::chrono::seconds& retry_after) const {
  std::lock_guard lock(limiter_->mu);
  auto it = limiter_->buckets.find(source);
  if (it == limiter_->buckets.end()) return false;
  if (limiter_->refill(it->second, std::chrono::steady_clock::now())) {
    limiter_->buckets.erase(it);
    return false;
  }
  if (it->second.tokens >= 1.0) return false;
  const double rate = std::max(1, limiter_->limit.per_minute) / 60.0;
  retry_after = std::chrono::seconds(static_cast<long>((1.0 - it->second.tokens) / rate) + 1);
  return true;
}

void Router::note_failure(const std::string& source) const { limiter_->fail(source); }

namespace {
Response forbidden(const Principal& p, Access access) {
  return problem(403, "auth.forbidden", "Not permitted",
                 "The caller's role (" +
                     std::string(p.role_name().empty() ? "none" : p.role_name()) +
                     ") does not grant " + std::string(to_string(access)) + ".");
}
}  // namespace

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

    // A source that guessed too often: no more guesses (tokens, sessions, enrolment codes).
    if (route.access != Access::Public || request.method != "GET") {
      std::chrono::seconds retry{1};
      if (limited(request.remote_address, retry)) {
        Response r = problem(429, "auth.rate_limited", "Too many failed sign-ins",
                             "Too many failed authentications from this address; retry later.");
        r.headers.emplace_back("Retry-After", std::to_string(retry.count()));
        return r;
      }
    }
    if (route.access != Access::Public) {
      Response refusal;
      const AuthVerdict session = request.header("authorization").empty() && authenticator_
                                      ? authenticator_(request, refusal)
                                      : AuthVerdict::Absent;
      if (session == AuthVerdict::Refused) {
        if (refusal.status == 401) note_failure(request.remote_address);
        return refusal;
      }
      if (session == AuthVerdict::Absent) {
        if (request.header("authorization").empty())
          return problem(401, "auth.missing_token", "Authentication required",
                         "Send an API token as 'Authorization: Bearer <token>'.");
        auto client = authenticate(request);
        if (!client) {
          Response r = problem(503, "auth.unavailable", "Authentication is unavailable",
                               "The key database cannot be reached; retry shortly.");
          r.headers.emplace_back("Retry-After", "1");
          return r;
        }
        if (!*client) {
          note_failure(request.remote_address);
          return problem(401, "auth.invalid_token", "Invalid API token");
        }
        const ApiClient& c = **client;
        request.client_id = c.id;
        request.principal = Principal{Principal::Kind::ApiClient, c.id, c.terminal_id, c.roles};
      }
      if (!grants(request.principal.roles, route.access))
        return forbidden(request.principal, route.access);
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
  if (route.access == Access::Public && route.method != "GET") {
    // A public POST that refuses a credential (an enrolment code) counts as a failed sign-in.
    respond = Responder([inner = std::move(respond), limiter = limiter_,
                         source = request.remote_address](Response r) {
      if (r.status == 401) limiter->fail(source);
      inner(std::move(r));
    });
  }

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
  if (!route.async_handler) {
    Response r = run_blocking(route.handler, request);
    if (r.status == 401 && route.access == Access::Public && route.method != "GET")
      note_failure(request.remote_address);
    return r;
  }

  std::promise<Response> answer;
  auto future = answer.get_future();
  run_async(route.async_handler, std::move(request),
            Responder([&answer](Response r) { answer.set_value(std::move(r)); }));
  return future.get();
}

}  // namespace madoguchi::api
