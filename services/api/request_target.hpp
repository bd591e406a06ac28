// Internal: the request target (RFC 9112 origin-form) as the router sees it, without Beast so
// that it can be fuzzed on its own.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace madoguchi::api::detail {

// %XX-decoding; '+' is a space only in a query (form encoding). A '%' without two hex digits
// after it stays as it is.
std::string url_decode(std::string_view s, bool plus_is_space);

// "/a%20b?x=1&y" → path "/a b", query {x: "1", y: ""}. Empty pairs are skipped; a repeated name
// keeps its last value.
void parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query);

}  // namespace madoguchi::api::detail
