#include <madoguchi/audit/settings.hpp>

#include <nlohmann/json.hpp>

namespace madoguchi::audit {

Settings from_config(const nlohmann::json& config) {
  Settings out;
  out.conninfo = config.at("database").at("conninfo").get<std::string>();
  out.owner_conninfo = config.at("database").value("owner_conninfo", std::string{});
  if (out.owner_conninfo.empty()) out.owner_conninfo = out.conninfo;
  out.migrations_dir = config.at("database").at("migrations_dir").get<std::string>();
  out.store.conninfo = out.conninfo;
  out.store.spool_dir = config.at("audit").at("spool_dir").get<std::string>();
  out.unconfirmed.conninfo = out.conninfo;
  out.access_spool_dir = out.store.spool_dir / "access";
  return out;
}

}  // namespace madoguchi::audit
