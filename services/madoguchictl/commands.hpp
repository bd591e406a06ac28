// madoguchictl subcommands. Each lives in its own cmd_<name>.cpp and has one line in the table
// in main.cpp. A command gets the arguments after its name and returns the exit code.
#pragma once

#include <span>
#include <string_view>

namespace madoguchi::ctl {

using Args = std::span<const std::string_view>;

// madoguchictl document inspect FILE [--visit-date YYYY-MM-DD] [--json]
int cmd_document(Args args);

}  // namespace madoguchi::ctl
