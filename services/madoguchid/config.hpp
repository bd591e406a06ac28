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
// default's JSON type. Unknown keys in the file are an error ("config.unknown_key"), so a typo
// never silently falls back to a default.
madoguchi::Result<nlohmann::json> load_config(const std::filesystem::path& file,
                                              char** environ_vars);

}  // namespace madoguchid
