#include "request_target.hpp"

#include <madoguchi/domain/text.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
// Boost.URL compiled into this one file (header-only use): nothing else links it, and the
// fuzzer builds this file on its own.
#include <boost/url/src.hpp>

namespace madoguchi::api::detail {

namespace {
namespace urls = boost::urls;

// The decoded text of one encoded part, or false when it may not enter: NUL or bad UTF-8
// (the escapes themselves were validated by the parser).
bool decode(urls::pct_string_view encoded, bool plus_is_space, std::string& out) {
  urls::encoding_opts opts;
  opts.space_as_plus = plus_is_space;
  out.clear();
  out.reserve(encoded.decoded_size());
  for (char c : encoded.decode(opts)) out.push_back(c);
  return out.find('\0') == std::string::npos && text::valid_utf8(out);
}
}  // namespace

bool parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query) {
  path.clear();
  query.clear();
  auto parsed = urls::parse_origin_form(urls::string_view(target.data(), target.size()));
  if (!parsed) return false;
  const urls::url_view& url = *parsed;
  std::string segment;
  for (urls::pct_string_view encoded : url.encoded_segments()) {
    if (!decode(encoded, false, segment) || segment.find('/') != std::string::npos) return false;
    path += '/';
    path += segment;
  }
  if (path.empty()) path.push_back('/');  // (not `= "/"`: g++ 12 warns -Wrestrict)
  if (!url.has_query()) return true;
  std::string name, value;
  for (auto param : url.encoded_params()) {
    if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2"
    if (!decode(param.key, true, name)) return false;
    if (param.has_value) {
      if (!decode(param.value, true, value)) return false;
    } else {
      value.clear();
    }
    query[name] = value;
  }
  return true;
}

}  // namespace madoguchi::api::detail
