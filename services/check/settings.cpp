#include <madoguchi/check/settings.hpp>

#include <nlohmann/json.hpp>

namespace madoguchi::check {

Settings from_config(const nlohmann::json& config) {
  Settings out;
  out.policy.max_unconfirmed_pdf_age_days =
      config.at("policy").at("mynaportal_max_unconfirmed_age_days").get<int>();
  const auto& unconfirmed = config.at("unconfirmed");
  out.reconfirm.interval = std::chrono::seconds(unconfirmed.at("recheck_seconds").get<int>());
  out.reconfirm.batch = unconfirmed.at("batch").get<int>();
  return out;
}

}  // namespace madoguchi::check
