// OCR on the generated 200 dpi scans (rotated up to 1.2°, noise, PNG/JPEG/image-only PDF):
// the share of identifiers (insurer number, 記号, 番号, 枝番) read exactly must be >= 95 %; on
// certificates 枝番, 負担割合, 有効期限 and 発効期日 are all read; a paper that is not proof of
// insurance is never taken for one.
#include <madoguchi/documents/documents.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace {

using nlohmann::json;
namespace docs = madoguchi::documents;
const std::filesystem::path kCorpus = MADOGUCHI_DOCUMENTS_CORPUS;

TEST(DocumentsOcr, IdentifiersOnScansAreAtLeast95PercentExact) {
  std::ifstream in(kCorpus / "manifest.json");
  ASSERT_TRUE(in);
  const json m = json::parse(in);
  ASSERT_GE(m["scans"].size(), 10u);
  int identifiers = 0, exact = 0, typed = 0, cert_fields = 0, cert_exact = 0;
  double seconds = 0;
  for (const json& truth : m["scans"]) {
    const std::string file = truth["file"];
    docs::InspectOptions o;
    o.visit_date = madoguchi::Date::parse_iso(truth["visit_date"].get<std::string>()).value();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = docs::inspect_file(kCorpus / file, o);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r) << file << ": " << r.error().code;
    const json j = docs::to_json(*r);
    EXPECT_EQ(j["text_source"], "ocr");
    typed += j["document_type"] == truth["document_type"];
    // A paper that is not proof of insurance stays one on a scan.
    if (truth["document_type"] == "other_document") {
      EXPECT_EQ(j["document_type"], "other_document") << file;
      continue;
    }
    // On certificates the fields that decide (枝番, 負担割合, 有効期限, 発効期日), read by label.
    if (truth["document_type"] == "qualification_certificate") {
      for (const char* key : {"branch", "copay_ratio", "valid_until", "valid_from"}) {
        if (!truth["fields"].contains(key)) continue;
        ++cert_fields;
        const bool ok = j["fields"].value(key, json()) == truth["fields"][key];
        cert_exact += ok;
        if (!ok)
          std::printf("  miss %-36s %-15s read %s from %s, expected %s\n", file.c_str(), key,
                      j["fields"].value(key, json()).dump().c_str(),
                      j["sources"].value(key, json()).dump().c_str(),
                      truth["fields"][key].dump().c_str());
      }
    }
    for (const char* key : {"insurer_number", "symbol", "number", "branch"}) {
      if (!truth["fields"].contains(key)) continue;
      ++identifiers;
      const bool ok = j["fields"].value(key, json()) == truth["fields"][key];
      exact += ok;
      if (!ok) {
        std::printf("  miss %-36s %-15s read %s from %s, expected %s\n", file.c_str(), key,
                    j["fields"].value(key, json()).dump().c_str(),
                    j["sources"].value(key, json()).dump().c_str(),
                    truth["fields"][key].dump().c_str());
      } else {
        EXPECT_TRUE(j.contains("confidence") && j["confidence"].contains(key)) << key;
      }
    }
  }
  const double rate = 100.0 * exact / identifiers;
  std::printf("certificate fields on scans exact: %d/%d\n", cert_exact, cert_fields);
  EXPECT_GE(cert_fields, 8);
  EXPECT_EQ(cert_exact, cert_fields);
  std::printf(
      "OCR identifiers exact: %d/%d = %.1f %% on %zu scans; document type right on %d; "
      "%.2f s per page\n",
      exact, identifiers, rate, m["scans"].size(), typed, seconds / m["scans"].size());
  EXPECT_GE(rate, 95.0);
  EXPECT_GE(typed * 10, static_cast<int>(m["scans"].size()) * 9);  // >= 90 % classified right
}

}  // namespace
