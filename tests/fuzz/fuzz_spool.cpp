// libFuzzer target for the audit spool reader: arbitrary file bytes framed (length, CRC,
// payload), as on open after a crash or a disk fault, and every intact payload decoded as an
// audit record.
#include "codec.hpp"
#include "spool.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace audit = madoguchi::audit;
  const auto* bytes = reinterpret_cast<const char*>(data);
  for (bool at_eof : {true, false}) {
    auto parsed = audit::detail::parse_frames(bytes, size, 4096, at_eof, 1000);
    for (const auto& p : parsed.payloads)
      if (auto r = audit::detail::from_json(p)) (void)audit::detail::to_json(*r);
  }
  // The payload decoder alone, on the whole input.
  (void)audit::detail::from_json(std::string(bytes, size));
  return 0;
}
