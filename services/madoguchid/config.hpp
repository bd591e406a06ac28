// madoguchid's configuration: embedded defaults < JSON file < MADOGUCHI_* environment variables.
// Every key and its default is documented in docs/configuration.md.
#pragma once

#include <madoguchi/domain/result.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace madoguchid {

// The embedded defaults: a local PostgreSQL, the gateway simulator, loopback only.
nlohmann::json default_config();

// Loads `file` (may be empty: defaults only) over the defaults, then applies the environment:
// the key "listen.https_port" is overridden by MADOGUCHI_LISTEN_HTTPS_PORT, parsed as the
// default's JSON type. Nothing silently means a default: unknown keys in the file
// ("config.unknown_key"), a MADOGUCHI_* variable that names no key ("config.unknown_env"), a
// value of another type (a fraction where a count is expected: "config.type"/"config.env"), a
// port outside 1..65535 or a negative count ("config.range") and an unknown log.level
// ("config.log_level") are errors.
madoguchi::Result<nlohmann::json> load_config(const std::filesystem::path& file,
                                              char** environ_vars);

}  // namespace madoguchid
