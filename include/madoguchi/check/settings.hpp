// The check service's sections of madoguchid's configuration ("policy", "unconfirmed";
// docs/configuration.md, docs/rules.md), read the way every module reads its own.
#pragma once

#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/reconfirm.hpp>

#include <nlohmann/json_fwd.hpp>

namespace madoguchi::check {

struct Settings {
  policy::Options policy;
  ReconfirmOptions reconfirm;
};

Settings from_config(const nlohmann::json& config);

}  // namespace madoguchi::check
