// Document fallback: read what the patient brought when the card cannot be read.
//
// inspect() takes the bytes of a PDF (Mynaportal 「資格情報をPDFで保存」, or a scan saved as PDF)
// or an image (PNG/JPEG photo or scan), classifies it (DESIGN §3), extracts every field by its
// label, and validates what it found against the visit date. PDF text comes from poppler-cpp;
// images and image-only PDFs go through Tesseract OCR (jpn) after Leptonica clean-up.
//
// The 12-digit 個人番号 is never returned: it is removed from the text before anything else
// looks at it, and the report carries the finding "individual_number.dropped".
//
// to_json() is the contract for scripts and receipt systems (docs/documents.md): keep it stable.
#pragma once

#include <madoguchi/domain/copay.hpp>
#include <madoguchi/domain/date.hpp>
#include <madoguchi/domain/identifiers.hpp>
#include <madoguchi/domain/qualification.hpp>
#include <madoguchi/domain/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::documents {

enum class DocumentType {
  MynaportalQualification,   // 医療保険の資格情報 (Mynaportal PDF, print or phone screen)
  QualificationNotice,       // 資格情報のお知らせ (incl. its cut-off slip alone)
  QualificationCertificate,  // 資格確認書
  LegacyInsuranceCard,       // 健康保険証 (expired on 2025-12-01)
  Unknown,
};
std::string_view to_string(DocumentType t);  // "mynaportal_qualification", ...

enum class Sex { Male, Female };    // 性別
std::string_view to_string(Sex s);  // "male" | "female"

enum class Severity { Info, Warning, Error };
std::string_view to_string(Severity s);  // "info" | "warning" | "error"

// One validation result. Codes are stable ("valid_until.expired"); docs/documents.md lists them.
struct Finding {
  std::string code;
  Severity severity = Severity::Info;
  std::string message_ja;
  std::string message_en;
};

// The fields of DESIGN §3, as typed domain values; only what the document shows.
struct DocumentFields {
  std::optional<std::string> insurer_name;      // 保険者名
  std::optional<InsurerNumber> insurer_number;  // 保険者番号 (check digit verified)
  std::optional<InsuredSymbol> symbol;          // 記号
  std::optional<InsuredNumber> number;          // 番号 / 被保険者番号
  std::optional<BranchNumber> branch;           // 枝番
  std::optional<std::string> name;              // 氏名
  std::optional<std::string> name_kana;         // フリガナ
  std::optional<Sex> sex;                       // 性別
  std::optional<Date> birth_date;               // 生年月日
  std::optional<Relationship> relationship;     // 本人・家族の別
  std::optional<CoPayRatio> copay_ratio;        // 一部負担金割合
  std::optional<Date> valid_from;               // 発効期日
  std::optional<Date> valid_until;              // 有効期限
  std::optional<Date> qualification_date;       // 適用開始年月日 / 資格取得年月日
  std::optional<Date> issued_on;                // 交付年月日 / 発行日
  std::optional<Date> saved_at;                 // 保存日時 (Mynaportal PDF)
  std::optional<std::string> householder_name;  // 世帯主氏名
  std::optional<std::string> address;           // 住所
  std::optional<std::string> issuer_name;       // 交付者名
};

enum class TextSource { PdfText, Ocr };

struct InspectionReport {
  DocumentType type = DocumentType::Unknown;
  bool slip_only = false;             // the notice's cut-off slip alone
  std::vector<std::string> evidence;  // what decided the type, e.g. "title:資格確認書"
  DocumentFields fields;
  // Field name (JSON key) -> the text the value was read from, for every label found,
  // including placeholders ("—") whose field is then absent from `fields`.
  std::map<std::string, std::string> sources;
  std::map<std::string, double> confidence;  // OCR only: 0..1 per field
  std::vector<Finding> validation;
  TextSource text_source = TextSource::PdfText;
  int pages = 0;

  bool valid() const;  // no finding of severity Error
  // The identity for the online check by number, when the document shows enough of it.
  std::optional<InsuranceIdentity> identity() const;
};

struct InspectOptions {
  // The day of the visit: 有効期限, 発効期日 and 保存日時 are judged against it. Without it those
  // checks are skipped (the library never reads the clock).
  std::optional<Date> visit_date;
  std::size_t max_bytes = 20u << 20;             // larger input: document.too_large
  int max_pages = 8;                             // more pages: document.too_many_pages
  std::chrono::milliseconds time_limit{30'000};  // per document: document.timeout
  std::size_t max_pixels = 60'000'000;           // per image or rendered page (decompression cap)
  std::size_t max_text_bytes = 1u << 20;         // extracted text per document
  bool allow_ocr = true;                         // false: image input is document.ocr_disabled
  int max_saved_age_days = 30;                   // older 保存日時: warning saved_at.age
};

// Error codes (Error::code): document.empty, document.too_large, document.unsupported_format,
// document.truncated, document.corrupted, document.encrypted, document.too_many_pages,
// document.timeout, document.no_content, document.ocr_unavailable, document.ocr_disabled,
// document.file_unreadable.
Result<InspectionReport> inspect(std::span<const std::byte> data, const InspectOptions& options);
Result<InspectionReport> inspect_file(const std::filesystem::path& path,
                                      const InspectOptions& options);
// Text already extracted (one document, lines separated by '\n'): classify, extract, validate.
InspectionReport inspect_text(std::string_view utf8_text, const InspectOptions& options);

nlohmann::json to_json(const InspectionReport& report);
nlohmann::json to_json(const Error& error);  // {"error": {"code", "message"}}

}  // namespace madoguchi::documents
