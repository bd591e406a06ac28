// The gateway client's section of madoguchid's configuration ("gateway", docs/configuration.md).
// Every module reads its own sections this way; the daemon's loader has already refused
// unknown keys, wrong types and out-of-range values.
#pragma once

#include <madoguchi/gateway/client.hpp>

#include <nlohmann/json_fwd.hpp>

namespace madoguchi::gateway {

GatewayClientConfig from_config(const nlohmann::json& config);

}  // namespace madoguchi::gateway
