#pragma once

#include <string>
#include <string_view>

namespace madoguchid {

// One JSON object per line on stderr: {"time","level","logger"[,"check_id"],"msg"}. The line is
// valid JSON whatever bytes the message holds: quotes, backslashes and controls are escaped, and
// bytes that are not UTF-8 become U+FFFD. A message about one check starts "check <id> " (the
// check service's convention); that id is also given as "check_id", for filtering.
// Under systemd (JOURNAL_STREAM names stderr) each line starts with "<N>", its syslog priority,
// which journald takes as PRIORITY and strips: the journal holds the JSON object.
void setup_json_logging(const std::string& level);

// Whether `level` is one of trace, debug, info, warn, error, critical, off.
bool is_log_level(const std::string& level);

// The pieces of the line, for tests: the message as a JSON string body, and the check id the
// message is about ("" when none).
std::string json_escape(std::string_view text);
std::string_view check_id_of(std::string_view message);
// The syslog priority of an spdlog level name (critical 2, error 3, warn 4, info 6, else 7), and
// whether JOURNAL_STREAM (its value) names this process's stderr.
int journal_priority(std::string_view level);
bool stderr_is_journal(const char* journal_stream);

}  // namespace madoguchid
