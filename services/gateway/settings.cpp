#include <madoguchi/gateway/settings.hpp>

#include <nlohmann/json.hpp>

namespace madoguchi::gateway {

GatewayClientConfig from_config(const nlohmann::json& config) {
  const auto& gw = config.at("gateway");
  GatewayClientConfig out;
  out.host = gw.at("host").get<std::string>();
  out.port = gw.at("port").get<unsigned short>();
  out.ca_file = gw.at("ca_file").get<std::string>();
  out.cert_file = gw.at("cert_file").get<std::string>();
  out.key_file = gw.at("key_file").get<std::string>();
  out.deadline = std::chrono::milliseconds(gw.at("deadline_ms").get<int>());
  return out;
}

}  // namespace madoguchi::gateway
