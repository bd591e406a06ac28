// The API's sections of madoguchid's configuration ("terminal_id", "listen", "tls", "api",
// "web"; docs/configuration.md), read the way every module reads its own.
#pragma once

#include <madoguchi/api/router.hpp>
#include <madoguchi/api/server.hpp>
#include <madoguchi/domain/result.hpp>

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace madoguchi::api {

struct Settings {
  std::string terminal_id;  // the counter this daemon serves
  ServerConfig server;
  // api.clients: {"id", "token_sha256", "role" (default receipt_system) or "roles": [...],
  // "terminal" (a desk client's counter, default terminal_id)}.
  std::vector<ApiClient> clients;
  AuthFailureLimit auth_failures;
  bool allow_visit_date = false;
  std::filesystem::path web_root;
  std::chrono::minutes session_idle{10080};
};

// Errors: "config.api_clients" (an entry without an id, a token hash of other than 64 lower-case
// hex digits, an unknown role).
Result<Settings> from_config(const nlohmann::json& config);

}  // namespace madoguchi::api
