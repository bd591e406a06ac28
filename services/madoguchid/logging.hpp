#pragma once

#include <string>
#include <string_view>

namespace madoguchid {

// One JSON object per line on stderr: {"time","level","logger"[,"check_id"],"msg"}. The line is
// valid JSON whatever bytes the message holds: quotes, backslashes and controls are escaped, and
// bytes that are not UTF-8 become U+FFFD. A message about one check starts "check <id> " (the
// check service's convention); that id is also given as "check_id", for filtering.
void setup_json_logging(const std::string& level);

// Whether `level` is one of trace, debug, info, warn, error, critical, off.
bool is_log_level(const std::string& level);

// The pieces of the line, for tests: the message as a JSON string body, and the check id the
// message is about ("" when none).
std::string json_escape(std::string_view text);
std::string_view check_id_of(std::string_view message);

}  // namespace madoguchid
