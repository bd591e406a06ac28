// madoguchictl's connection to madoguchid: HTTPS only, the daemon's certificate checked against
// the configured CA and the URL's host, the API token as a bearer token.
#pragma once

#include "commands.hpp"

#include <madoguchi/domain/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace madoguchi::ctl {

// The effective settings: flags > MADOGUCHI_* environment > config file > defaults.
struct Settings {
  std::string host = "127.0.0.1";
  std::string port = "8443";
  std::string base_path;  // a URL's path prefix, without the trailing '/'
  std::string ca_file;    // empty: the system's trust store
  std::string token;      // never from argv: a file or $MADOGUCHI_TOKEN
  std::string lang = "ja";
};
// Errors: ctl.config (unreadable or malformed config file, bad URL), ctl.token (no token).
Result<Settings> resolve(const Globals& g, bool need_token = true);

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json json() const;
};

class DaemonClient {
 public:
  explicit DaemonClient(Settings settings) : settings_(std::move(settings)) {}

  // One request on its own connection (Connection: close). `target` is the path and query
  // below the base URL ("/v1/checks?limit=10"). Errors: ctl.connect (cannot reach the daemon),
  // ctl.tls (handshake or certificate), ctl.io (timeout, connection lost), ctl.http (an answer
  // that is not HTTP/1.1).
  Result<HttpReply> request(std::string_view method, std::string_view target,
                            std::string_view body = {}, std::string_view content_type = {},
                            std::chrono::seconds timeout = std::chrono::seconds(120)) const;

  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

// Percent-encodes a query value.
std::string url_encode(std::string_view value);

}  // namespace madoguchi::ctl
