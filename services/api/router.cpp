#include <madoguchi/api/router.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <cstdio>

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
  routes_.push_back(Route{std::move(method), split_path(pattern), access, std::move(handler)});
}

std::string Router::sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(len * 2);
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
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

Response Router::dispatch(Request request) const {
  const auto segments = split_path(request.path);
  bool path_matched = false;
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
    path_matched = true;
    if (route.method != request.method) continue;

    if (route.access == Access::Authenticated) {
      if (request.header("authorization").empty())
        return problem(401, "auth.missing_token", "Authentication required",
                       "Send an API token as 'Authorization: Bearer <token>'.");
      const ApiClient* client = authenticate(request);
      if (!client) return problem(401, "auth.invalid_token", "Invalid API token");
      request.client_id = client->id;
    }
    request.path_params = std::move(params);
    try {
      return route.handler(request);
    } catch (const std::exception& e) {
      spdlog::error("handler for {} {} failed: {}", request.method, request.path, e.what());
      return problem(500, "internal", "Internal error", "The error was logged.");
    }
  }
  if (path_matched) return problem(405, "http.method_not_allowed", "Method not allowed");
  return problem(404, "http.not_found", "Not found");
}

}  // namespace madoguchi::api
