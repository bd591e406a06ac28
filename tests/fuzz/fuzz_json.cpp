// libFuzzer target for JSON request bodies as the check endpoints read them: the bytes go through
// the Router (authenticated, routed, the body parsed once by the JSON handler base) to the one
// mapping from outside fields to a check (check/inputs.hpp: number_fields, to_number_check,
// rejected_number) — a single by-number body, or a batch's items. The first input byte picks the
// endpoint, the rest is the body.
// Properties: the Router answers (no exception escapes), with 200, 400 or 422 only; an accepted
// check never carries a 12-digit individual number; what an audit record of refused input keeps
// is valid UTF-8, without control characters, at most 64 characters per field.
#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/json_handler.hpp>
#include <madoguchi/api/router.hpp>
#include <madoguchi/check/inputs.hpp>
#include <madoguchi/domain/text.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace api = madoguchi::api;
namespace check = madoguchi::check;

constexpr const char* kToken = "fuzz-token";

// Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s, std::size_t& code_points) {
  code_points = 0;
  for (std::size_t i = 0; i < s.size(); ++code_points) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const auto t = static_cast<unsigned char>(s[i + k]);
      if ((t >> 6) != 2) return false;
      cp = (cp << 6) | (t & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    if (cp < 0x20 || cp == 0x7F) return false;  // control characters
    i += n;
  }
  return true;
}

void check_kept(const std::string& field) {
  std::size_t n = 0;
  if (!valid_utf8(field, n) || n > 64) std::abort();
}

bool twelve_digits(const std::string& s) {
  if (s.size() != 12) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The mapping as every front end runs it; returns whether it became a check.
bool map_fields(const nlohmann::json& object) {
  static const auto today = madoguchi::Date::from_ymd(2026, 11, 25).value();
  const auto fields = api::number_fields(object);
  auto checked = check::to_number_check(fields, today);
  if (checked) {
    if (twelve_digits(checked->identity.number.value())) std::abort();
    return true;
  }
  const auto kept = check::rejected_number(fields, checked.error());
  if (kept.error_code.empty()) std::abort();
  for (const auto* f :
       {&kept.insurer_number, &kept.insured_symbol, &kept.insured_number, &kept.branch_number})
    check_kept(*f);
  return false;
}

const api::Router& router() {
  static const api::Router r = [] {
    api::Router router({api::ApiClient{"fuzz", api::Router::sha256_hex(kToken),
                                       static_cast<unsigned>(api::Role::ReceiptSystem), ""}});
    router.add_async("POST", "/v1/checks/by-number", api::Access::CheckByNumber,
                     api::json_endpoint_async([](const api::Request&, const api::JsonBody& body,
                                                 api::Responder respond) {
                       if (map_fields(body.json())) return respond(api::Response::json(200, {}));
                       respond(api::problem(422, "input.invalid", "not a check"));
                     }));
    router.add("POST", "/v1/checks/batch", api::Access::Batch,
               api::json_endpoint([](const api::Request&, const api::JsonBody& body) {
                 const auto* items = body.array("items");
                 if (!items || items->empty()) return api::bad_json("items");
                 std::size_t n = 0;
                 for (const auto& item : *items) {
                   if (++n > 64) break;  // bounded: the real endpoint bounds the count too
                   if (item.is_object()) (void)map_fields(item);
                 }
                 return api::Response::json(200, {});
               }));
    return router;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  api::Request req;
  req.method = "POST";
  req.target = req.path = (data[0] & 1) ? "/v1/checks/batch" : "/v1/checks/by-number";
  req.headers["authorization"] = std::string("Bearer ") + kToken;
  req.headers["content-type"] = "application/json";
  req.remote_address = "127.0.0.1";
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto res = router().dispatch(std::move(req));
  if (res.status != 200 && res.status != 400 && res.status != 422) std::abort();
  return 0;
}
