// Opening a PDF with poppler-cpp, shared by the text reader and the OCR renderer.
#pragma once

#include "internal.hpp"

#include <poppler-document.h>

#include <memory>

namespace madoguchi::documents::detail {

// document.truncated, document.corrupted, document.encrypted or document.too_many_pages.
Result<std::unique_ptr<poppler::document>> open_pdf(std::span<const std::byte> data,
                                                    const InspectOptions& options);

}  // namespace madoguchi::documents::detail
