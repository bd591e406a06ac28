#include <madoguchi/card/settings.hpp>

#include <nlohmann/json.hpp>

namespace madoguchi::card {

Result<std::vector<ReaderSettings>> from_config(const nlohmann::json& config) {
  std::vector<ReaderSettings> out;
  const auto& card = config.at("card");
  if (!card.at("enabled").get<bool>()) return out;
  nlohmann::json list = card.value("readers", nlohmann::json::array());
  if (list.empty())
    list = nlohmann::json::array(
        {{{"name", card.at("reader_name")}, {"terminal", config.at("terminal_id")}}});
  for (const auto& r : list) {
    if (!r.is_object() || !r.value("name", nlohmann::json()).is_string() ||
        !r.value("terminal", nlohmann::json()).is_string())
      return make_error("config.card_readers", "each card.readers entry is {name, terminal}");
    ReaderSettings s;
    s.terminal_id = r["terminal"].get<std::string>();
    s.reader.reader_name = r["name"].get<std::string>();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace madoguchi::card
