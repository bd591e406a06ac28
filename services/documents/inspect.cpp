// inspect(): bytes in, InspectionReport out. Chooses the reader (PDF text, OCR), drops any
// 個人番号, then hands the lines to the analyser.
#include "internal.hpp"

#include <madoguchi/domain/text.hpp>

#include <cstring>
#include <fstream>

namespace madoguchi::documents {

namespace {

enum class Format { Pdf, Png, Jpeg, Unknown };

Format sniff(std::span<const std::byte> data) {
  auto starts = [&](std::string_view magic, std::size_t at = 0) {
    return data.size() >= at + magic.size() &&
           std::memcmp(data.data() + at, magic.data(), magic.size()) == 0;
  };
  if (starts("\x89PNG\r\n\x1a\n")) return Format::Png;
  if (starts("\xff\xd8\xff")) return Format::Jpeg;
  // %PDF- must open the file; some writers put a few bytes of junk first (allowed up to 1024).
  const std::string_view head(reinterpret_cast<const char*>(data.data()),
                              std::min<std::size_t>(data.size(), 1024));
  const auto at = head.find("%PDF-");
  if (at != std::string_view::npos && head.substr(0, at).find('<') == std::string_view::npos)
    return Format::Pdf;
  return Format::Unknown;
}

InspectionReport finish(detail::PageText text, const InspectOptions& options,
                        const detail::DigitReader& reread) {
  const bool dropped = detail::drop_individual_numbers(text.lines);
  return detail::analyse(std::move(text), dropped, options, reread);
}

}  // namespace

std::string_view to_string(DocumentType t) {
  switch (t) {
    case DocumentType::MynaportalQualification:
      return "mynaportal_qualification";
    case DocumentType::QualificationNotice:
      return "qualification_notice";
    case DocumentType::QualificationCertificate:
      return "qualification_certificate";
    case DocumentType::LegacyInsuranceCard:
      return "legacy_insurance_card";
    case DocumentType::OtherDocument:
      return "other_document";
    case DocumentType::Unknown:
      break;
  }
  return "unknown";
}

namespace {
struct OtherKindName {
  OtherKind kind;
  std::string_view code, ja;
};
constexpr OtherKindName kOtherKinds[] = {
    {OtherKind::LimitCertificate, "limit_certificate", "限度額適用認定証"},
    {OtherKind::ElderlyRecipientCertificate, "elderly_recipient_certificate", "高齢受給者証"},
    {OtherKind::SpecificDiseaseCertificate, "specific_disease_certificate", "特定疾病療養受療証"},
    {OtherKind::PublicExpenseCertificate, "public_expense_certificate", "公費の受給者証"},
    {OtherKind::ReceiptOrStatement, "receipt_or_statement", "領収書・診療明細書"},
    {OtherKind::BlankTemplate, "blank_template", "記載例・見本（空欄の様式）"},
};
const OtherKindName& other_kind_name(OtherKind k) {
  for (const auto& n : kOtherKinds)
    if (n.kind == k) return n;
  return kOtherKinds[std::size(kOtherKinds) - 1];
}
}  // namespace

std::string_view to_string(OtherKind k) { return other_kind_name(k).code; }
std::string_view japanese_name(OtherKind k) { return other_kind_name(k).ja; }

std::string_view to_string(Sex s) { return s == Sex::Male ? "male" : "female"; }

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::Info:
      return "info";
    case Severity::Warning:
      return "warning";
    case Severity::Error:
      break;
  }
  return "error";
}

bool InspectionReport::valid() const {
  for (const Finding& f : validation)
    if (f.severity == Severity::Error) return false;
  return true;
}

std::optional<InsuranceIdentity> InspectionReport::identity() const {
  if (!fields.insurer_number || !fields.number) return std::nullopt;
  return InsuranceIdentity{*fields.insurer_number, fields.symbol, *fields.number, fields.branch};
}

Result<InspectionReport> inspect(std::span<const std::byte> data, const InspectOptions& options) {
  const auto deadline = detail::Clock::now() + options.time_limit;
  if (data.empty()) return make_error("document.empty", "the file is empty");
  if (data.size() > options.max_bytes)
    return make_error("document.too_large",
                      "the file is larger than " + std::to_string(options.max_bytes) + " bytes");
  switch (sniff(data)) {
    case Format::Pdf: {
      auto pdf = detail::read_pdf_text(data, options, deadline);
      if (!pdf) return pdf.error();
      if (!pdf->image_only) return finish(std::move(pdf->text), options, nullptr);
      if (!options.allow_ocr)
        return make_error("document.ocr_disabled", "the PDF holds only images and OCR is off");
      auto ocr = detail::ocr_pdf_pages(data, options, deadline);
      if (!ocr) return ocr.error();
      return finish(std::move(ocr->text), options, ocr->reread);
    }
    case Format::Png:
    case Format::Jpeg: {
      if (!options.allow_ocr)
        return make_error("document.ocr_disabled", "images need OCR, which is off");
      auto ocr = detail::ocr_image(data, options, deadline);
      if (!ocr) return ocr.error();
      return finish(std::move(ocr->text), options, ocr->reread);
    }
    case Format::Unknown:
      break;
  }
  return make_error("document.unsupported_format",
                    "the file is neither a PDF nor a PNG/JPEG image");
}

Result<InspectionReport> inspect_file(const std::filesystem::path& path,
                                      const InspectOptions& options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return make_error("document.file_unreadable", "cannot read the file: " + ec.message());
  if (size > options.max_bytes)
    return make_error("document.too_large",
                      "the file is larger than " + std::to_string(options.max_bytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("document.file_unreadable", "cannot open the file");
  std::vector<std::byte> data(size);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(in.gcount()) != size)
    return make_error("document.file_unreadable", "cannot read the whole file");
  return inspect(data, options);
}

InspectionReport inspect_text(std::string_view utf8_text, const InspectOptions& options) {
  detail::PageText text;
  text.lines = detail::split_lines(utf8_text, 0);
  text.pages = 1;
  return finish(std::move(text), options, nullptr);
}

nlohmann::json to_json(const Error& error) {
  return {{"error", {{"code", error.code}, {"message", error.message}}}};
}

nlohmann::json to_json(const InspectionReport& r) {
  using nlohmann::json;
  const DocumentFields& f = r.fields;
  json fields = json::object();
  auto put = [&](const char* key, const auto& value) {
    if (value) fields[key] = *value;
  };
  auto put_date = [&](const char* key, const std::optional<Date>& d) {
    if (d) fields[key] = d->iso();
  };
  put("insurer_name", f.insurer_name);
  if (f.insurer_number) fields["insurer_number"] = f.insurer_number->digits();
  if (f.symbol) fields["symbol"] = f.symbol->value();
  if (f.number) fields["number"] = f.number->value();
  if (f.branch) fields["branch"] = f.branch->value();
  put("name", f.name);
  put("name_kana", f.name_kana);
  if (f.sex) fields["sex"] = to_string(*f.sex);
  put_date("birth_date", f.birth_date);
  if (f.relationship) fields["relationship"] = to_string(*f.relationship);
  if (f.copay_ratio) fields["copay_ratio"] = f.copay_ratio->percent();
  put_date("valid_from", f.valid_from);
  put_date("valid_until", f.valid_until);
  put_date("qualification_date", f.qualification_date);
  put_date("issued_on", f.issued_on);
  put_date("saved_at", f.saved_at);
  put("householder_name", f.householder_name);
  put("address", f.address);
  put("issuer_name", f.issuer_name);

  json validation = json::array();
  for (const Finding& v : r.validation)
    validation.push_back({{"code", v.code},
                          {"severity", to_string(v.severity)},
                          {"message_ja", v.message_ja},
                          {"message_en", v.message_en}});
  json out = {{"document_type", to_string(r.type)},
              {"slip_only", r.slip_only},
              {"copy_marked", r.copy_marked},
              {"evidence", r.evidence},
              {"fields", std::move(fields)},
              {"sources", r.sources},
              {"validation", std::move(validation)},
              {"valid", r.valid()},
              {"text_source", r.text_source == TextSource::Ocr ? "ocr" : "pdf_text"},
              {"pages", r.pages}};
  if (!r.confidence.empty()) out["confidence"] = r.confidence;
  if (r.other_kind) {
    out["other_kind"] = to_string(*r.other_kind);
    out["other_kind_ja"] = japanese_name(*r.other_kind);
  }
  return out;
}

}  // namespace madoguchi::documents
