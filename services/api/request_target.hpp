// Internal: the request target (RFC 9112 origin-form) as the router sees it, without Beast so
// that it can be fuzzed on its own.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace madoguchi::api::detail {

// Parses an origin-form target with Boost.URL: the path is split into segments while still
// encoded and each is decoded on its own; query names and values likewise ('+' is a space, as
// in form encoding). "/a%20b?x=1&y" → path "/a b", query {x: "1", y: ""}; empty pairs are
// skipped, a repeated name keeps its last value.
// False — the request is answered 400 http.bad_target — for anything else: not origin-form, an
// invalid escape ("%zz", "%4"), a decoded NUL, ill-formed UTF-8 (text::valid_utf8), or a '/'
// decoded inside a segment ("%2F": it would otherwise become a separator for the router).
bool parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query);

}  // namespace madoguchi::api::detail
