// PDF text with poppler-cpp: every error a damaged or locked file can cause becomes a stable code.
#include "pdf.hpp"
#include "internal.hpp"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <algorithm>
#include <mutex>

namespace madoguchi::documents::detail {

namespace {
void quiet(const std::string&, void*) {}  // poppler prints every repair to stderr otherwise

std::string_view as_chars(std::span<const std::byte> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}
}  // namespace

Result<std::unique_ptr<poppler::document>> open_pdf(std::span<const std::byte> data,
                                                    const InspectOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(quiet, nullptr); });
  const std::string_view s = as_chars(data);
  // A complete PDF ends with %%EOF within its last 1024 bytes (ISO 32000 §7.5.5); poppler
  // would "repair" a cut-off file silently and read half a document.
  const std::string_view tail = s.substr(s.size() > 1024 ? s.size() - 1024 : 0);
  if (tail.find("%%EOF") == std::string_view::npos)
    return make_error("document.truncated", "the PDF is incomplete (no %%EOF at its end)");
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(s.data(), static_cast<int>(s.size())));
  if (!doc) return make_error("document.corrupted", "the PDF cannot be parsed");
  if (doc->is_locked())
    return make_error("document.encrypted", "the PDF is protected by a password");
  const int pages = doc->pages();
  if (pages <= 0) return make_error("document.corrupted", "the PDF has no readable page");
  if (pages > options.max_pages)
    return make_error("document.too_many_pages", "the PDF has " + std::to_string(pages) +
                                                     " pages, more than " +
                                                     std::to_string(options.max_pages));
  return doc;
}

Result<PdfText> read_pdf_text(std::span<const std::byte> data, const InspectOptions& options,
                              Clock::time_point deadline) {
  auto doc = open_pdf(data, options);
  if (!doc) return doc.error();
  PdfText out;
  out.text.source = TextSource::PdfText;
  out.text.pages = (*doc)->pages();
  std::size_t total = 0;
  bool any_text = false;
  for (int i = 0; i < out.text.pages; ++i) {
    if (Clock::now() > deadline)
      return make_error("document.timeout", "reading the PDF took longer than allowed");
    std::unique_ptr<poppler::page> page((*doc)->create_page(i));
    if (!page) return make_error("document.corrupted", "a page of the PDF cannot be read");
    const poppler::byte_array bytes =
        page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    total += bytes.size();
    if (total > options.max_text_bytes)
      return make_error("document.too_large", "the PDF holds more text than allowed");
    const std::string_view t(bytes.data(), bytes.size());
    auto lines = split_lines(t, i);
    any_text |= !lines.empty();
    std::move(lines.begin(), lines.end(), std::back_inserter(out.text.lines));
  }
  out.image_only = !any_text;
  return out;
}

}  // namespace madoguchi::documents::detail
