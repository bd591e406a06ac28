// Document fallback: read what the patient brought when the card cannot be read.
//
// inspect() takes the bytes of a PDF (Mynaportal 「資格情報をPDFで保存」, or a scan saved as PDF)
// or an image (PNG/JPEG photo or scan), classifies it (DESIGN §3), extracts every field by its
// label, and checks that what it found is well formed. It reports what the paper shows; whether
// it is still valid on the day (有効期限, 発効期日, the end of the legacy cards, the transitional
// measure) is the policy's to decide. PDF text comes from poppler-cpp; images and image-only
// PDFs go through Tesseract OCR (jpn) after Leptonica clean-up.
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
  OtherDocument,             // carries insurance numbers but proves nothing about eligibility
  Unknown,
};
std::string_view to_string(DocumentType t);  // "mynaportal_qualification", ..., "other_document"

// What an OtherDocument is. None of them is ever a proof of insurance at the counter.
enum class OtherKind {
  LimitCertificate,  // 限度額適用認定証 (incl. 限度額適用・標準負担額減額認定証)
  ElderlyRecipientCertificate,  // 高齢受給者証
  SpecificDiseaseCertificate,   // 特定疾病療養受療証
  PublicExpenseCertificate,  // 公費の受給者証 (医療証, 医療券, 公費負担者番号)
  ReceiptOrStatement,        // 領収書 / 診療明細書
  BlankTemplate,             // the flyer's explanatory page, a blank 資格確認書 form (見本)
};
std::string_view to_string(OtherKind k);      // "limit_certificate", ...
std::string_view japanese_name(OtherKind k);  // "限度額適用認定証", ...

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
  std::optional<OtherKind> other_kind;  // set when type is OtherDocument
  bool slip_only = false;               // the notice's cut-off slip alone
  // A コピー / 写し / 複写 mark is printed or stamped on the paper. Absent marks prove nothing
  // (a photocopy need not say so); whether a copy may be accepted is the context's question.
  bool copy_marked = false;
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
  // The day of the visit, for plausibility only: a birth date, 保存日時 or 交付年月日 after it is
  // not well formed. Validity on the day is the policy's (the library never reads the clock).
  std::optional<Date> visit_date;
  std::size_t max_bytes = 20u << 20;             // larger input: document.too_large
  int max_pages = 8;                             // more pages: document.too_many_pages
  std::chrono::milliseconds time_limit{30'000};  // per document: document.timeout
  std::size_t max_pixels = 60'000'000;           // per image or rendered page (decompression cap)
  std::size_t max_text_bytes = 1u << 20;         // extracted text per document
  bool allow_ocr = true;                         // false: image input is document.ocr_disabled
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
