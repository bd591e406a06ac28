// The named SQL statements of db/queries/<module>.sql, embedded at build time
// (docs/development.md, "SQL"). A statement starts at a line "-- name: <module>.<what>"; its
// values are $1, $2, ... — no statement text is ever built from a value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::audit::queries {

// Every statement by name. A malformed file (a statement without a name, a name used twice or
// not prefixed by its file's module) throws std::logic_error on the first call: a build defect
// that tests/audit catches, never a runtime condition.
const std::map<std::string, std::string, std::less<>>& all();

// One statement's text; std::out_of_range for a name no file declares (a programming error).
const std::string& text(std::string_view name);

// Declares every statement on a libpqxx connection. libpqxx prepares a statement on the server
// the first time it runs there (and again after a reconnection), so this costs nothing up front.
template <class Connection>
void prepare_all(Connection& connection) {
  for (const auto& [name, sql] : all()) connection.prepare(name, sql);
}

// A PostgreSQL array literal for a parameter cast to text[]/uuid[]/...: {"a","b\"c",NULL}.
// nullopt is SQL NULL. The value travels as a parameter; this is its encoding, not SQL text.
std::string array_literal(const std::vector<std::optional<std::string>>& values);
std::string array_literal(const std::vector<std::string>& values);

}  // namespace madoguchi::audit::queries
