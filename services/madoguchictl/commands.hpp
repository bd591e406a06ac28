// madoguchictl subcommands. Each lives in its own cmd_<name>.cpp and has one line in the table
// in main.cpp. A command gets the arguments after its name and returns the exit code.
#pragma once

#include <span>
#include <string_view>

namespace madoguchi::ctl {

using Args = std::span<const std::string_view>;

// madoguchictl document inspect FILE [--visit-date YYYY-MM-DD] [--json]
int cmd_document(Args args);
// madoguchictl audit migrate|ready|detach-old|ensure-partitions ... (cmd_audit.cpp)
int cmd_audit(Args args);

}  // namespace madoguchi::ctl
