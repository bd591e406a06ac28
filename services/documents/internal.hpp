// Internal pieces of the documents module: text lines with positions, the PDF and OCR readers,
// and the analyser that turns lines into an InspectionReport.
#pragma once

#include <madoguchi/documents/documents.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace madoguchi::documents::detail {

using Clock = std::chrono::steady_clock;

struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// One line of page text. `x` gives each code point's horizontal position in "character
// columns", so that a value wrapped above or below its label can be told from a heading.
struct TextLine {
  std::u32string text;
  std::vector<float> x;
  std::vector<Box> boxes;   // OCR only: pixel box of each code point
  std::vector<float> conf;  // OCR only: 0..100 per code point
  int page = 0;
};

// Re-reads a numeric cell (digits only) from an OCR'd page; nullopt when not possible.
using DigitReader = std::function<std::optional<std::string>(int page, const Box& box)>;

struct PageText {
  std::vector<TextLine> lines;
  TextSource source = TextSource::PdfText;
  int pages = 0;
};

// pdf.cpp: text of every page (physical layout), or an error for a PDF that cannot be read.
// Pages without any text are left to OCR: `image_only` is set.
struct PdfText {
  PageText text;
  bool image_only = false;
};
Result<PdfText> read_pdf_text(std::span<const std::byte> data, const InspectOptions& options,
                              Clock::time_point deadline);

// ocr.cpp: a Leptonica image of one page, owned.
class OcrSession;
struct OcrResult {
  PageText text;
  DigitReader reread;
  std::shared_ptr<OcrSession> session;  // keeps the cleaned pages alive for `reread`
};
Result<OcrResult> ocr_image(std::span<const std::byte> data, const InspectOptions& options,
                            Clock::time_point deadline);
Result<OcrResult> ocr_pdf_pages(std::span<const std::byte> data, const InspectOptions& options,
                                Clock::time_point deadline);

// text.cpp
TextLine make_line(std::string_view utf8, int page);
std::vector<TextLine> split_lines(std::string_view utf8, int page);
// Replaces every 12-digit 個人番号 (in a row or grouped 4-4-4) with '*'; true if one was found.
bool drop_individual_numbers(std::vector<TextLine>& lines);

// analyse.cpp: classify, extract by label, validate.
InspectionReport analyse(PageText text, bool individual_number_dropped,
                         const InspectOptions& options, const DigitReader& reread);

}  // namespace madoguchi::documents::detail
