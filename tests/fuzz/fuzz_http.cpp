// libFuzzer target for the HTTP request parts the daemon reads itself (Beast frames the message):
// the request target (path and query, percent- and form-decoding) and multipart/form-data
// bodies. The first input line is the target and the Content-Type, the rest the body.
#include <madoguchi/api/multipart.hpp>
#include <madoguchi/domain/text.hpp>

#include "request_target.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace api = madoguchi::api;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  const std::string_view head = input.substr(0, nl);
  const std::string_view body =
      nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);

  std::string path;
  std::map<std::string, std::string> query;
  if (api::detail::parse_target(head, path, query)) {
    // Decoding never grows the text (the "/" of an empty path aside), and what is accepted
    // is NUL-free, well-formed UTF-8.
    if (path.size() > std::max<std::size_t>(head.size(), 1)) std::abort();
    auto clean = [](const std::string& s) {
      return s.find('\0') == std::string::npos && madoguchi::text::valid_utf8(s);
    };
    if (!clean(path)) std::abort();
    for (const auto& [k, v] : query)
      if (!clean(k) || !clean(v)) std::abort();
  }

  api::MultipartLimits limits;
  if (auto parts = api::parse_multipart(head, body, limits)) {
    if (parts->size() > limits.max_parts) std::abort();
    for (const auto& p : *parts)  // every part a view into the body
      if (p.body.data() < body.data() || p.body.data() + p.body.size() > body.data() + body.size())
        std::abort();
  }
  (void)api::is_multipart_form(head);
  return 0;
}
