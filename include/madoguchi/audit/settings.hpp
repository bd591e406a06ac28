// The audit store's sections of madoguchid's configuration ("database", "audit";
// docs/configuration.md), read the way every module reads its own.
#pragma once

#include <madoguchi/audit/postgres.hpp>
#include <madoguchi/audit/unconfirmed.hpp>

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>

namespace madoguchi::audit {

struct Settings {
  std::string conninfo;        // the daemon's least-privilege role
  std::string owner_conninfo;  // the schema's owner, for migrations (database.owner_conninfo,
                               // "": conninfo)
  std::filesystem::path migrations_dir;
  PostgresAuditConfig store;
  UnconfirmedQueueConfig unconfirmed;
  std::filesystem::path access_spool_dir;  // the access records' spool, beside the checks'
};

Settings from_config(const nlohmann::json& config);

}  // namespace madoguchi::audit
