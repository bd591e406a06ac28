#include <madoguchi/api/settings.hpp>

#include <nlohmann/json.hpp>

namespace madoguchi::api {

namespace {

// A malformed entry is a configuration error, not a crash.
Result<std::vector<ApiClient>> api_clients(const nlohmann::json& config) {
  std::vector<ApiClient> clients;
  const auto bad = [] {
    return make_error(
        "config.api_clients",
        "each api.clients entry needs an \"id\" and a \"token_sha256\" of 64 lower-case hex "
        "digits; \"role\"/\"roles\" are desk, receipt_system, auditor or admin");
  };
  for (const auto& c : config.at("api").at("clients")) {
    const auto id = c.is_object() ? c.value("id", std::string{}) : std::string{};
    const auto hash = c.is_object() ? c.value("token_sha256", std::string{}) : std::string{};
    const bool hex =
        hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (id.empty() || !hex) return bad();
    nlohmann::json roles = c.contains("roles")
                               ? c["roles"]
                               : nlohmann::json::array({c.value("role", "receipt_system")});
    if (!roles.is_array() || roles.empty()) return bad();
    ApiClient client{id, hash, 0, {}};
    for (const auto& r : roles) {
      const auto role = r.is_string() ? role_from_string(r.get<std::string>()) : std::nullopt;
      if (!role) return bad();
      client.roles |= static_cast<unsigned>(*role);
    }
    if (client.roles & static_cast<unsigned>(Role::Desk))
      client.terminal_id = c.value("terminal", config.at("terminal_id").get<std::string>());
    clients.push_back(std::move(client));
  }
  return clients;
}

}  // namespace

Result<Settings> from_config(const nlohmann::json& config) {
  auto clients = api_clients(config);
  if (!clients) return clients.error();
  Settings out;
  out.terminal_id = config.at("terminal_id").get<std::string>();
  out.clients = std::move(*clients);
  const auto& api = config.at("api");
  out.auth_failures = {.burst = api.at("auth_failures_burst").get<int>(),
                       .per_minute = api.at("auth_failures_per_minute").get<int>()};
  out.allow_visit_date = api.at("allow_visit_date").get<bool>();
  out.web_root = config.at("web").at("root").get<std::string>();
  out.session_idle = std::chrono::minutes(config.at("web").at("session_idle_minutes").get<int>());

  ServerConfig& s = out.server;
  const auto& listen = config.at("listen");
  s.https_address = listen.at("https_address").get<std::string>();
  s.https_port = listen.at("https_port").get<unsigned short>();
  s.http_enabled = listen.at("http_enabled").get<bool>();
  s.http_address = listen.at("http_address").get<std::string>();
  s.http_port = listen.at("http_port").get<unsigned short>();
  s.io_threads = listen.at("io_threads").get<int>();
  s.worker_threads = listen.at("worker_threads").get<int>();
  s.blocking_queue_limit = listen.at("blocking_queue_limit").get<int>();
  s.async_in_flight_limit = listen.at("async_in_flight_limit").get<int>();
  s.queue_deadline = std::chrono::milliseconds(listen.at("queue_deadline_ms").get<int>());
  s.max_connections = listen.at("max_connections").get<int>();
  // OCR of uploads has its own lane, so uploads cannot starve the other checks.
  s.heavy_paths = {"/v1/checks/by-document"};
  s.heavy_concurrency = listen.at("ocr_concurrency").get<int>();
  s.heavy_queue_limit = listen.at("ocr_queue_limit").get<int>();
  s.tls_cert_file = config.at("tls").at("cert_file").get<std::string>();
  s.tls_key_file = config.at("tls").at("key_file").get<std::string>();
  return out;
}

}  // namespace madoguchi::api
