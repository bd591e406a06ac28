#include "logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <sys/stat.h>

namespace madoguchid {

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_escaped(std::string_view text, spdlog::memory_buf_t& dest) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      dest.append(std::string_view("\\ufffd"));  // not UTF-8: JSON text must be
      ++i;
      continue;
    }
    if (n > 1) {
      dest.append(text.substr(i, n));
    } else if (c == '"') {
      dest.append(std::string_view("\\\""));
    } else if (c == '\\') {
      dest.append(std::string_view("\\\\"));
    } else if (c == '\n') {
      dest.append(std::string_view("\\n"));
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      std::array<char, 8> buf{};
      std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(c));
      dest.append(std::string_view(buf.data()));
    } else {
      dest.push_back(c);
    }
    i += n;
  }
}

// %* in the pattern: the log message as a JSON string body.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    append_escaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

// %K in the pattern: ,"check_id":"…" when the message is about one check, else nothing.
class CheckIdField : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto id = check_id_of(std::string_view(msg.payload.data(), msg.payload.size()));
    if (id.empty()) return;
    dest.append(std::string_view(R"(,"check_id":")"));
    dest.append(id);  // only [0-9A-Za-z-]: nothing to escape
    dest.push_back('"');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<CheckIdField>();
  }
};

// %P in the pattern: "<N>", the line's syslog priority, when stderr is the journal's stream.
// journald takes it as the entry's PRIORITY (and strips it), so `journalctl -p warning` works.
class JournalPriority : public spdlog::custom_flag_formatter {
 public:
  explicit JournalPriority(bool enabled) : enabled_(enabled) {}
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (!enabled_) return;
    const char digit = static_cast<char>('0' + journal_priority(level_name(msg.level)));
    dest.push_back('<');
    dest.push_back(digit);
    dest.push_back('>');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriority>(enabled_);
  }

 private:
  static std::string_view level_name(spdlog::level::level_enum level) {
    const auto name = spdlog::level::to_string_view(level);
    return std::string_view(name.data(), name.size());
  }
  bool enabled_;
};

}  // namespace

std::string json_escape(std::string_view text) {
  spdlog::memory_buf_t buf;
  append_escaped(text, buf);
  return std::string(buf.data(), buf.size());
}

std::string_view check_id_of(std::string_view message) {
  constexpr std::string_view prefix = "check ";
  if (message.substr(0, prefix.size()) != prefix) return {};
  const auto rest = message.substr(prefix.size());
  std::size_t n = 0;
  while (n < rest.size() && n <= 64 &&
         (std::isalnum(static_cast<unsigned char>(rest[n])) || rest[n] == '-'))
    ++n;
  // An id is at least 8 characters and ends at a space (or the message): "check failed" is not.
  if (n < 8 || n > 64 || (n < rest.size() && rest[n] != ' ')) return {};
  bool digit = false;
  for (std::size_t k = 0; k < n; ++k)
    digit = digit || std::isdigit(static_cast<unsigned char>(rest[k]));
  return digit ? rest.substr(0, n) : std::string_view{};
}

int journal_priority(std::string_view level) {
  // syslog(3): 2 crit, 3 err, 4 warning, 6 info, 7 debug.
  if (level == "critical") return 2;
  if (level == "error") return 3;
  if (level == "warning" || level == "warn") return 4;
  if (level == "info") return 6;
  return 7;  // debug, trace
}

bool stderr_is_journal(const char* journal_stream) {
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected; a child whose
  // stderr was redirected elsewhere inherits the variable but not the stream.
  if (!journal_stream) return false;
  unsigned long long dev = 0, ino = 0;
  char tail = 0;
  if (std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

bool is_log_level(const std::string& level) {
  for (const char* known : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    if (level == known) return true;
  return false;
}

void setup_json_logging(const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>("madoguchid",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JsonEscapedMessage>('*')
      .add_flag<CheckIdField>('K')
      .add_flag<JournalPriority>('P', stderr_is_journal(std::getenv("JOURNAL_STREAM")))
      .set_pattern(
          R"(%P{"time":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l","logger":"%n"%K,"msg":"%*"})");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace madoguchid
