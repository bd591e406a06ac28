// libFuzzer target for the photo/scan path of documents: PNG and JPEG bytes through inspect()
// with OCR on — format sniffing, Leptonica's header read and decode, our pixel cap, the page
// clean-up (deskew, blur, threshold, ruling lines erased) and, when ink is left, one Tesseract
// read. Bounded per input: at most 256 × 256 pixels (larger images stop at our cap, as a
// decompression bomb must), a 5 s time limit.
#include <madoguchi/documents/documents.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace docs = madoguchi::documents;
  docs::InspectOptions o;
  o.visit_date = madoguchi::Date::from_ymd(2026, 1, 20).value();
  o.allow_ocr = true;
  o.max_pages = 1;
  o.max_bytes = 256 * 1024;
  o.max_pixels = 256 * 256;
  o.time_limit = std::chrono::seconds(5);
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  if (auto r = docs::inspect(bytes, o)) {
    (void)docs::to_json(*r).dump();
  } else {
    // Every refusal is one of the documented codes.
    if (r.error().code.rfind("document.", 0) != 0) std::abort();
    (void)docs::to_json(r.error()).dump();
  }
  return 0;
}
