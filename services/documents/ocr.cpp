// OCR of photos, scans and image-only PDFs: Leptonica cleans the page, Tesseract (jpn) reads it.
//
// Measured on 200 dpi scans of ruled forms (STACK-NOTES): Tesseract alone drops whole rows of
// tables with shaded label cells. What works: deskew by projection, Gaussian blur then a
// mid-grey threshold (the label shading vanishes), erase ruling lines (runs >= 60 px at 200 dpi,
// characters are ~30 px), then one block read (--psm 6); numeric cells get a second read with a
// digit whitelist. One OCR thread per document (OMP_THREAD_LIMIT=1).
#include "internal.hpp"
#include "pdf.hpp"

#include <leptonica/allheaders.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

#include <madoguchi/domain/text.hpp>

#include <cmath>
#include <cstdlib>
#include <mutex>

namespace madoguchi::documents::detail {

namespace {

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

constexpr int kDpi = 200;

// One Tesseract engine per thread: loading jpn takes longer than reading a page.
tesseract::TessBaseAPI* engine() {
  static std::once_flag once;
  std::call_once(once, [] {
    setenv("OMP_THREAD_LIMIT", "1", 0);
    setMsgSeverity(L_SEVERITY_NONE);
  });
  thread_local std::unique_ptr<tesseract::TessBaseAPI> api;
  thread_local bool failed = false;
  if (!api && !failed) {
    auto a = std::make_unique<tesseract::TessBaseAPI>();
    if (a->Init(nullptr, "jpn", tesseract::OEM_LSTM_ONLY) != 0) {
      failed = true;
      return nullptr;
    }
    a->SetVariable("debug_file", "/dev/null");
    api = std::move(a);
  }
  return api.get();
}

// Deskew, blur + threshold, erase ruling lines. Returns a 1 bpp page.
PixPtr clean_page(Pix* input, int dpi) {
  PixPtr grey(pixConvertTo8(input, 0));
  if (!grey) return nullptr;
  float angle = 0, conf = 0;
  PixPtr straight(pixDeskewGeneral(grey.get(), 0, 2.0f, 0.05f, 0, 0, &angle, &conf));
  if (!straight) straight.reset(pixClone(grey.get()));
  L_KERNEL* kel = makeGaussianKernel(2, 2, 0.8f, 1.0f);
  PixPtr blurred(pixConvolve(straight.get(), kel, 8, 1));
  kernelDestroy(&kel);
  if (!blurred) return nullptr;
  // Between toner (~10-40 on a scan) and the grey label shading (~200): thin Mincho strokes
  // survive, the shading does not. At 160 the thin horizontals of Mincho kanji (三 of 三割)
  // vanished; 175 keeps them and read every identifier of the test scans.
  PixPtr bin(pixThresholdToBinary(blurred.get(), 175));
  if (!bin) return nullptr;
  const int run = std::max(20, 60 * dpi / kDpi);
  PixPtr rules(pixOpenBrick(nullptr, bin.get(), run, 1));
  PixPtr vertical(pixOpenBrick(nullptr, bin.get(), 1, run));
  pixOr(rules.get(), rules.get(), vertical.get());
  PixPtr widened(pixDilateBrick(nullptr, rules.get(), 3, 3));
  pixSubtract(bin.get(), bin.get(), widened.get());
  return bin;
}

bool has_ink(Pix* bin) {
  l_int32 count = 0;
  pixCountPixels(bin, &count, nullptr);
  return count > 50;
}

}  // namespace

class OcrSession {
 public:
  std::vector<PixPtr> pages;  // cleaned, 1 bpp
  std::vector<int> dpi;

  std::optional<std::string> reread_digits(int page, const Box& b) {
    tesseract::TessBaseAPI* api = engine();
    if (!api || page < 0 || page >= static_cast<int>(pages.size())) return std::nullopt;
    const int pad = 6;
    BOX* box = boxCreate(std::max(0, b.x0 - pad), std::max(0, b.y0 - pad), b.x1 - b.x0 + 2 * pad,
                         b.y1 - b.y0 + 2 * pad);
    PixPtr cell(pixClipRectangle(pages[page].get(), box, nullptr));
    boxDestroy(&box);
    if (!cell) return std::nullopt;
    PixPtr bordered(pixAddBorder(cell.get(), 16, 0));
    api->SetPageSegMode(tesseract::PSM_SINGLE_LINE);
    api->SetVariable("tessedit_char_whitelist", "0123456789");
    api->SetImage(bordered.get());
    api->SetSourceResolution(dpi[page]);
    std::unique_ptr<char[]> txt(api->GetUTF8Text());
    api->SetVariable("tessedit_char_whitelist", "");
    if (!txt) return std::nullopt;
    std::string digits;
    for (const char* p = txt.get(); *p; ++p)
      if (*p >= '0' && *p <= '9') digits.push_back(*p);
    return digits;
  }
};

namespace {

Result<PageText> read_page(tesseract::TessBaseAPI* api, Pix* clean, int dpi, int page_no,
                           Clock::time_point deadline) {
  api->SetPageSegMode(tesseract::PSM_SINGLE_BLOCK);
  api->SetVariable("tessedit_char_whitelist", "");
  api->SetImage(clean);
  api->SetSourceResolution(dpi);
  tesseract::ETEXT_DESC monitor;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return make_error("document.timeout", "OCR took longer than allowed");
  monitor.set_deadline_msecs(static_cast<int32_t>(left));
  if (api->Recognize(&monitor) != 0 || monitor.deadline_exceeded())
    return make_error("document.timeout", "OCR took longer than allowed");

  PageText out;
  out.source = TextSource::Ocr;
  std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
  if (!it) return out;
  TextLine line;
  line.page = page_no;
  float unit = 30.0f;  // pixels per character column, from the line height
  auto flush = [&] {
    if (!line.text.empty()) out.lines.push_back(std::move(line));
    line = TextLine{};
    line.page = page_no;
  };
  do {
    if (it->Empty(tesseract::RIL_SYMBOL)) continue;
    if (it->IsAtBeginningOf(tesseract::RIL_TEXTLINE)) {
      flush();
      int x0, y0, x1, y1;
      if (it->BoundingBox(tesseract::RIL_TEXTLINE, &x0, &y0, &x1, &y1))
        unit = std::max(8.0f, static_cast<float>(y1 - y0));
    } else if (it->IsAtBeginningOf(tesseract::RIL_WORD) && !line.text.empty()) {
      line.text.push_back(U' ');
      line.x.push_back(line.x.back());
      line.boxes.push_back(line.boxes.back());
      line.conf.push_back(line.conf.back());
    }
    std::unique_ptr<char[]> sym(it->GetUTF8Text(tesseract::RIL_SYMBOL));
    if (!sym) continue;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    it->BoundingBox(tesseract::RIL_SYMBOL, &x0, &y0, &x1, &y1);
    const float conf = it->Confidence(tesseract::RIL_SYMBOL);
    for (char32_t c : text::decode_utf8(sym.get())) {
      line.text.push_back(c);
      line.x.push_back(static_cast<float>(x0) / unit);
      line.boxes.push_back(Box{x0, y0, x1, y1});
      line.conf.push_back(conf);
    }
  } while (it->Next(tesseract::RIL_SYMBOL));
  flush();
  return out;
}

Result<OcrResult> ocr_pages(std::vector<std::pair<PixPtr, int>> images,
                            Clock::time_point deadline) {
  tesseract::TessBaseAPI* api = engine();
  if (!api)
    return make_error("document.ocr_unavailable", "Tesseract with jpn data is not available");
  auto session = std::make_shared<OcrSession>();
  OcrResult result;
  result.text.source = TextSource::Ocr;
  result.text.pages = static_cast<int>(images.size());
  bool ink = false;
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (Clock::now() > deadline)
      return make_error("document.timeout", "OCR took longer than allowed");
    PixPtr clean = clean_page(images[i].first.get(), images[i].second);
    if (!clean) return make_error("document.corrupted", "the image cannot be processed");
    images[i].first.reset();
    if (!has_ink(clean.get())) {
      session->pages.push_back(std::move(clean));
      session->dpi.push_back(images[i].second);
      continue;
    }
    ink = true;
    auto page = read_page(api, clean.get(), images[i].second, static_cast<int>(i), deadline);
    if (!page) return page.error();
    std::move(page->lines.begin(), page->lines.end(), std::back_inserter(result.text.lines));
    session->pages.push_back(std::move(clean));
    session->dpi.push_back(images[i].second);
  }
  if (!ink || result.text.lines.empty())
    return make_error("document.no_content", "the document shows no text");
  result.reread = [s = session.get()](int page, const Box& b) { return s->reread_digits(page, b); };
  result.session = std::move(session);
  return result;
}

}  // namespace

Result<OcrResult> ocr_image(std::span<const std::byte> data, const InspectOptions& options,
                            Clock::time_point deadline) {
  engine();  // quiets Leptonica before it reads
  const auto* bytes = reinterpret_cast<const l_uint8*>(data.data());
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
  if (pixReadHeaderMem(bytes, data.size(), &format, &w, &h, &bps, &spp, &cmap) != 0)
    return make_error("document.corrupted", "the image header cannot be read");
  if (w <= 0 || h <= 0 ||
      static_cast<std::size_t>(w) * static_cast<std::size_t>(h) > options.max_pixels)
    return make_error("document.too_large", "the image has more pixels than allowed");
  PixPtr pix(pixReadMem(bytes, data.size()));
  if (!pix) return make_error("document.corrupted", "the image cannot be decoded");
  int dpi = pixGetXRes(pix.get());
  if (dpi < 100 || dpi > 1200) dpi = kDpi;  // photos carry no (or a bogus) resolution
  std::vector<std::pair<PixPtr, int>> pages;
  pages.emplace_back(std::move(pix), dpi);
  return ocr_pages(std::move(pages), deadline);
}

Result<OcrResult> ocr_pdf_pages(std::span<const std::byte> data, const InspectOptions& options,
                                Clock::time_point deadline) {
  auto doc = open_pdf(data, options);
  if (!doc) return doc.error();
  engine();
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  std::vector<std::pair<PixPtr, int>> pages;
  for (int i = 0; i < (*doc)->pages(); ++i) {
    std::unique_ptr<poppler::page> page((*doc)->create_page(i));
    if (!page) return make_error("document.corrupted", "a page of the PDF cannot be read");
    const poppler::rectf r = page->page_rect();
    const double px = r.width() * kDpi / 72.0 * r.height() * kDpi / 72.0;
    if (!(px > 0) || px > static_cast<double>(options.max_pixels))
      return make_error("document.too_large", "a page is larger than allowed");
    if (Clock::now() > deadline)
      return make_error("document.timeout", "OCR took longer than allowed");
    poppler::image img = renderer.render_page(page.get(), kDpi, kDpi);
    if (!img.is_valid() || img.format() != poppler::image::format_gray8)
      return make_error("document.corrupted", "a page of the PDF cannot be rendered");
    PixPtr pix(pixCreate(img.width(), img.height(), 8));
    const char* src = img.const_data();
    for (int y = 0; y < img.height(); ++y) {
      l_uint32* dst = pixGetData(pix.get()) + y * pixGetWpl(pix.get());
      const auto* row = reinterpret_cast<const unsigned char*>(src + y * img.bytes_per_row());
      for (int x = 0; x < img.width(); ++x) SET_DATA_BYTE(dst, x, row[x]);
    }
    pixSetResolution(pix.get(), kDpi, kDpi);
    pages.emplace_back(std::move(pix), kDpi);
  }
  return ocr_pages(std::move(pages), deadline);
}

}  // namespace madoguchi::documents::detail
