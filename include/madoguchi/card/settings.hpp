// The card readers' section of madoguchid's configuration ("card", docs/configuration.md), read
// the way every module reads its own.
#pragma once

#include <madoguchi/card/card.hpp>
#include <madoguchi/domain/result.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace madoguchi::card {

struct ReaderSettings {
  std::string terminal_id;  // the counter whose reader it is
  CardReader::Config reader;
};

// card.readers ([{"name", "terminal"}], one reader per counter) or, when that list is empty,
// card.reader_name for the daemon's own terminal_id; none when card.enabled is false.
// Errors: "config.card_readers" (an entry that is not {name, terminal}).
Result<std::vector<ReaderSettings>> from_config(const nlohmann::json& config);

}  // namespace madoguchi::card
