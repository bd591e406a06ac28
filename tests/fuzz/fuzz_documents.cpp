// libFuzzer target for the PDF/text extraction path: arbitrary bytes through inspect() (format
// sniffing, the %%EOF check, poppler's parser, page text, label extraction, validation, JSON)
// and through inspect_text(). OCR is off: it is slow and its input is a decoded image.
#include <madoguchi/documents/documents.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace docs = madoguchi::documents;
  docs::InspectOptions o;
  o.visit_date = madoguchi::Date::from_ymd(2026, 1, 20).value();
  o.allow_ocr = false;
  o.max_pages = 4;
  o.max_bytes = 1 << 20;
  o.time_limit = std::chrono::seconds(5);
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  if (auto r = docs::inspect(bytes, o)) {
    (void)docs::to_json(*r).dump();
  } else {
    (void)docs::to_json(r.error()).dump();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)docs::to_json(docs::inspect_text(text, o)).dump();
  return 0;
}
