#include <madoguchi/audit/queries.hpp>

#include <stdexcept>
#include <utility>

namespace madoguchi::audit::queries {

namespace detail {
// (file name, text) of each db/queries/*.sql, from queries_embedded.cpp.
extern const std::vector<std::pair<const char*, const char*>> kFiles;
}  // namespace detail

namespace {

using Statements = std::map<std::string, std::string, std::less<>>;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' ||
                        s.back() == '\t' || s.back() == ';'))
    s.pop_back();
  return s;
}

void parse_file(const std::string& file, std::string_view text, Statements& out) {
  const std::string module = file.substr(0, file.find('.')) + ".";
  constexpr std::string_view marker = "-- name: ";
  std::string name, body;
  const auto finish = [&] {
    if (name.empty()) return;
    auto sql = trimmed(std::move(body));
    if (sql.find_first_not_of(" \n\t") == std::string::npos)
      throw std::logic_error(file + ": statement " + name + " is empty");
    if (!out.emplace(name, std::move(sql)).second)
      throw std::logic_error(file + ": statement " + name + " is declared twice");
    body.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find('\n', pos);
    const auto line = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    if (line.substr(0, marker.size()) == marker) {
      finish();
      name = trimmed(std::string(line.substr(marker.size())));
      if (name.rfind(module, 0) != 0 || name.size() == module.size())
        throw std::logic_error(file + ": statement name '" + name + "' must start with '" + module +
                               "'");
      continue;
    }
    if (name.empty()) {
      // Before the first statement only comments and blank lines (the file's header).
      if (line.find_first_not_of(" \t\r") != std::string_view::npos && line.substr(0, 2) != "--")
        throw std::logic_error(file + ": SQL before the first '-- name:' line");
      continue;
    }
    body.append(line).push_back('\n');
  }
  finish();
}

Statements parse_all() {
  Statements out;
  for (const auto& [file, text] : detail::kFiles) parse_file(file, text, out);
  return out;
}

}  // namespace

const std::map<std::string, std::string, std::less<>>& all() {
  static const Statements statements = parse_all();
  return statements;
}

const std::string& text(std::string_view name) {
  const auto& statements = all();
  const auto it = statements.find(name);
  if (it == statements.end())
    throw std::out_of_range("no statement '" + std::string(name) + "' in db/queries");
  return it->second;
}

std::string array_literal(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string array_literal(const std::vector<std::string>& values) {
  return array_literal(std::vector<std::optional<std::string>>(values.begin(), values.end()));
}

}  // namespace madoguchi::audit::queries
