// libFuzzer target for XmlMsg, the gateway's message format, in both encodings (UTF-8 and
// Shift_JIS/Windows-31J, chosen by the XML declaration): requests (as inferred and as each kind)
// and responses, and every qualification record of a response into the domain's types.
#include <madoguchi/gateway/messages.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace gw = madoguchi::gateway;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)gw::parse_request(bytes);
  if (auto r = gw::parse_response(bytes)) {
    const auto valid = madoguchi::QualificationValidity::Valid;
    if (const auto* a = std::get_if<gw::QualificationAnswer>(&r->body))
      for (const auto& q : a->results) (void)gw::to_qualification(q, valid);
    if (const auto* b = std::get_if<gw::BatchResults>(&r->body))
      for (const auto& u : b->units)
        if (u.result) (void)gw::to_qualification(*u.result, valid);
    // What was read can be written again (the simulator and the folder transport do).
    (void)gw::write(*r);
  }
  (void)gw::shift_jis_to_utf8(bytes);
  (void)gw::base64_decode(bytes);
  return 0;
}
