#include "config.hpp"

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
        {"worker_threads", 16}}},
      {"tls",
       {{"cert_file", "var/certs/madoguchid.crt"}, {"key_file", "var/certs/madoguchid.key"}}},
      {"database",
       {{"conninfo", "host=127.0.0.1 port=5432 dbname=postgres user=postgres connect_timeout=2"},
        {"migrations_dir", MADOGUCHI_DEFAULT_MIGRATIONS_DIR}}},
      {"audit", {{"spool_dir", "var/spool"}}},
      {"gateway",
       {{"host", "localhost"},
        {"port", 9443},
        {"ca_file", "var/certs/ca.crt"},
        {"cert_file", "var/certs/client.crt"},
        {"key_file", "var/certs/client.key"},
        {"deadline_ms", 3000}}},
      {"card", {{"reader_name", "Virtual PCD"}, {"enabled", true}}},
      {"log", {{"level", "info"}}},
      {"api", {{"clients", json::array()}, {"allow_visit_date", false}}},
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
    } else if (slot.is_array()     ? !it.value().is_array()
               : slot.is_boolean() ? !it.value().is_boolean()
               : slot.is_number()  ? !it.value().is_number()
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
                                  const std::map<std::string, std::string>& env) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = path.empty() ? it.key() : path + "." + it.key();
    if (it.value().is_object()) {
      auto r = apply_env(it.value(), key, env);
      if (!r) return r;
      continue;
    }
    auto e = env.find(env_name(key));
    if (e == env.end()) continue;
    const std::string& v = e->second;
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
    if (eq != std::string::npos && kv.rfind("MADOGUCHI_", 0) == 0)
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto r = apply_env(config, "", env);
  if (!r) return r.error();
  return madoguchi::Result<json>(boost::system::in_place_value, std::move(config));
}

}  // namespace madoguchid
