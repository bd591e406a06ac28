#pragma once

#include <string>

namespace madoguchid {
// One JSON object per line on stderr: {"time","level","logger","msg"}; the message is escaped.
void setup_json_logging(const std::string& level);
}  // namespace madoguchid
