#include "config.hpp"

#include "logging.hpp"

#include <cctype>
#include <fstream>

namespace madoguchid {

using madoguchi::make_error;
using nlohmann::json;

json default_config() {
  return json{
      {"terminal_id", "desk-1"},
      {"listen",
       {{"https_address", "127.0.0.1"},
        {"https_port", 8443},
        {"http_enabled", true},
        {"http_address", "127.0.0.1"},
        {"http_port", 8080},
        {"io_threads", 2},
        {"worker_threads", 16},
        // Overload bounds (docs/operations.md): beyond them an immediate 503 with Retry-After.
        {"blocking_queue_limit", 64},
        {"async_in_flight_limit", 4096},
        {"queue_deadline_ms", 10000},
        {"max_connections", 4096},
        {"ocr_concurrency", 2},
        {"ocr_queue_limit", 8}}},
      {"tls",
       {{"cert_file", "var/certs/madoguchid.crt"}, {"key_file", "var/certs/madoguchid.key"}}},
      {"database",
       {{"conninfo", "host=127.0.0.1 port=5432 dbname=postgres user=postgres connect_timeout=2"},
        // Migrations as the tables' owner ("": conninfo); the daemon as a madoguchi_app member
        // (migration 0007, docs/security.md).
        {"owner_conninfo", ""},
        {"migrations_dir", MADOGUCHI_DEFAULT_MIGRATIONS_DIR}}},
      {"audit", {{"spool_dir", "var/spool"}}},
      {"gateway",
       {{"host", "localhost"},
        {"port", 9443},
        {"ca_file", "var/certs/ca.crt"},
        {"cert_file", "var/certs/client.crt"},
        {"key_file", "var/certs/client.key"},
        {"deadline_ms", 3000}}},
      // card.readers: [{"name", "terminal"}], one reader per counter; empty: reader_name is the
      // reader of terminal_id (docs/security.md).
      {"card", {{"reader_name", "Virtual PCD"}, {"enabled", true}, {"readers", json::array()}}},
      {"log", {{"level", "info"}}},
      // api.clients entries: {"id", "token_sha256", "role" (or "roles": [...]), "terminal"};
      // failed authentication per source address: a burst, then per minute (docs/security.md).
      {"api",
       {{"clients", json::array()},
        {"allow_visit_date", false},
        {"auth_failures_burst", 10},
        {"auth_failures_per_minute", 10}}},
      // The acceptance rules' settings and the unconfirmed queue's re-confirmation (docs/rules.md).
      {"policy", {{"mynaportal_max_unconfirmed_age_days", 30}}},
      {"unconfirmed", {{"recheck_seconds", 10}, {"batch", 20}}},
      // Durable batches (/v1/batches): entries per claim and gateway batch request, how long a
      // claim is held before another daemon may take it, the worker's idle poll; how long an
      // Idempotency-Key's first answer is kept (docs/api.md).
      {"batches",
       {{"chunk", 500},
        {"workers", 4},
        {"lease_seconds", 180}, {"poll_ms", 1000}, {"max_items", 100000}}},
      {"idempotency", {{"ttl_seconds", 86400}}},
      {"web", {{"root", MADOGUCHI_DEFAULT_WEB_ROOT}, {"session_idle_minutes", 10080}}},
      // The terminal's folder interface, served to receipt systems (docs/folders.md).
      {"folders",
       {{"enabled", false},
        {"root", "var/folders"},
        {"client_id", "receipt-folder"},
        {"allow_visit_date", false},
        {"rescan_ms", 2000}}},
  };
}

namespace {

// Copies `over` onto `base`, refusing keys the defaults do not have.
madoguchi::Result<void> merge(json& base, const json& over, const std::string& path) {
  if (!over.is_object()) return make_error("config.type", "'" + path + "' must be an object");
  for (auto it = over.begin(); it != over.end(); ++it) {
    const std::string key = path.empty() ? it.key() : path + "." + it.key();
    if (!base.contains(it.key()))
      return make_error("config.unknown_key", "unknown configuration key '" + key + "'");
    json& slot = base[it.key()];
    if (slot.is_object()) {
      auto r = merge(slot, it.value(), key);
      if (!r) return r;
    } else if (slot.is_array()            ? !it.value().is_array()
               : slot.is_boolean()        ? !it.value().is_boolean()
               : slot.is_number_integer() ? !it.value().is_number_integer()  // 1.5 is no count
               : slot.is_number()         ? !it.value().is_number()
                                          : !it.value().is_string()) {
      return make_error("config.type", "'" + key + "' has the wrong type");
    } else {
      slot = it.value();
    }
  }
  return {};
}

std::string env_name(const std::string& path) {
  std::string name = "MADOGUCHI_";
  for (char c : path)
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

madoguchi::Result<void> apply_env(json& node, const std::string& path,
                                  std::map<std::string, std::string>& env) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = path.empty() ? it.key() : path + "." + it.key();
    if (it.value().is_object()) {
      auto r = apply_env(it.value(), key, env);
      if (!r) return r;
      continue;
    }
    auto e = env.find(env_name(key));
    if (e == env.end()) continue;
    const std::string v = e->second;
    env.erase(e);  // what is left at the end names no key
    try {
      if (it.value().is_string()) {
        it.value() = v;
      } else if (it.value().is_boolean()) {
        if (v != "true" && v != "false") throw std::invalid_argument("boolean");
        it.value() = v == "true";
      } else if (it.value().is_number()) {
        std::size_t used = 0;
        const long n = std::stol(v, &used);
        if (used != v.size()) throw std::invalid_argument("number");
        it.value() = n;
      } else {
        it.value() = json::parse(v);  // arrays: JSON text
      }
    } catch (const std::exception&) {
      return make_error("config.env", env_name(key) + " has the wrong type");
    }
  }
  return {};
}

// Values the types alone do not rule out: a port is 1..65535, counts are not negative, the log
// level is one spdlog knows (it would turn an unknown name into "off").
madoguchi::Result<void> check_values(const json& node, const std::string& path) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = path.empty() ? it.key() : path + "." + it.key();
    const json& v = it.value();
    if (v.is_object()) {
      auto r = check_values(v, key);
      if (!r) return r;
    } else if (v.is_number_integer()) {
      const bool is_port = key.size() >= 4 && key.compare(key.size() - 4, 4, "port") == 0;
      const bool is_threads = key.size() >= 7 && key.compare(key.size() - 7, 7, "threads") == 0;
      const auto n = v.is_number_unsigned() ? static_cast<long long>(v.get<unsigned long long>())
                                            : v.get<long long>();
      if (v.is_number_unsigned() && v.get<unsigned long long>() > 1'000'000'000'000ULL)
        return make_error("config.range", "'" + key + "' is out of range");
      if (is_port && (n < 1 || n > 65535))
        return make_error("config.range",
                          "'" + key + "' must be a port (1..65535), not " + std::to_string(n));
      if (is_threads && n < 1)
        return make_error("config.range", "'" + key + "' must be at least 1");
      if (n < 0) return make_error("config.range", "'" + key + "' must not be negative");
    }
  }
  if (path.empty() && !is_log_level(node["log"]["level"].get<std::string>()))
    return make_error("config.log_level",
                      "log.level '" + node["log"]["level"].get<std::string>() +
                          "' is none of trace, debug, info, warn, error, critical, off");
  return {};
}

// MADOGUCHI_* names read by Madoguchi's other programs — madoguchictl (docs/cli.md), the
// deploy scripts and the tests — which one shell may set beside the daemon's own.
// (MADOGUCHI_GATEWAY_PORT is not among them: run-local.sh and the daemon mean the same port.)
bool belongs_to_another_tool(std::string_view name) {
  static constexpr std::string_view kNames[] = {"MADOGUCHI_URL",
                                                "MADOGUCHI_CA_FILE",
                                                "MADOGUCHI_TOKEN_FILE",
                                                "MADOGUCHI_TOKEN",
                                                "MADOGUCHI_LANG",
                                                "MADOGUCHI_CTL_CONFIG",
                                                "MADOGUCHI_BUILD_DIR",
                                                "MADOGUCHI_CTEST_ARGS",
                                                "MADOGUCHI_HTTPS_PORT",
                                                "MADOGUCHI_PG_PORT",
                                                "MADOGUCHI_CERT_DIR",
                                                "MADOGUCHI_TEST_RUN_DIR",
                                                "MADOGUCHI_TEST_PRIVATE_PCSCD",
                                                "MADOGUCHI_WRITE_RULES_DOC",
                                                "MADOGUCHI_PACKAGE_TEST"};
  for (std::string_view n : kNames)
    if (n == name) return true;
  return false;
}

}  // namespace

madoguchi::Result<json> load_config(const std::filesystem::path& file, char** environ_vars) {
  json config = default_config();
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return make_error("config.file", "cannot read " + file.string());
    json over = json::parse(in, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
    if (over.is_discarded())
      return make_error("config.syntax", file.string() + " is not valid JSON");
    auto r = merge(config, over, "");
    if (!r) return r.error();
  }
  std::map<std::string, std::string> env;
  for (char** e = environ_vars; e && *e; ++e) {
    std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos && kv.rfind("MADOGUCHI_", 0) == 0 &&
        !belongs_to_another_tool(std::string_view(kv).substr(0, eq)))
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto r = apply_env(config, "", env);
  if (!r) return r.error();
  // A misspelt variable would otherwise leave its key at the default without a word.
  if (!env.empty())
    return make_error("config.unknown_env",
                      env.begin()->first + " names no configuration key (docs/configuration.md)");
  r = check_values(config, "");
  if (!r) return r.error();
  return madoguchi::Result<json>(boost::system::in_place_value, std::move(config));
}

}  // namespace madoguchid
