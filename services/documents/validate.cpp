// Validation: is the document well formed? Only what the paper itself shows is judged here —
// missing identifiers, dates that contradict each other or lie after the visit. Whether it is
// valid on the day (有効期限, 発効期日, the end of the legacy cards on 2025-12-01, the
// transitional measure, the age of a saved PDF) is the policy's, which has the dates.
#include "analysis.hpp"

namespace madoguchi::documents::detail {

void validate(InspectionReport& r, const InspectOptions& o) {
  auto add = [&](std::string code, Severity s, std::string ja, std::string en) {
    r.validation.push_back(finding(std::move(code), s, std::move(ja), std::move(en)));
  };
  const DocumentFields& f = r.fields;
  const DocumentType t = r.type;
  if (t == DocumentType::Unknown) {
    add("document.unknown_type", Severity::Error, "書類の種類を判別できません。",
        "the document type could not be recognised");
    return;
  }
  if (t == DocumentType::OtherDocument) {
    const OtherKind k = r.other_kind.value_or(OtherKind::BlankTemplate);
    add("document.not_proof_of_insurance", Severity::Error,
        std::string(japanese_name(k)) +
            "は保険資格の確認には使えません。マイナ保険証または資格確認書をお持ちか確認してください"
            "。",
        std::string(to_string(k)) + " does not prove health insurance eligibility");
    return;
  }
  if (!f.insurer_number && !r.sources.contains("insurer_number"))
    add("insurer_number.missing", Severity::Error, "保険者番号が見つかりません。",
        "no insurer number (保険者番号) found");
  if (!f.number && !r.sources.contains("number"))
    add("number.missing", Severity::Error, "番号が見つかりません。",
        "no insured number (番号) found");
  const bool kouki = f.insurer_number && f.insurer_number->digits().starts_with("39");
  if (!f.branch && !r.sources.contains("branch") && !kouki &&
      t != DocumentType::LegacyInsuranceCard)
    add("branch.missing", Severity::Warning,
        "枝番が見つかりません。オンライン資格確認には枝番が必要です。",
        "no branch number (枝番): the online check needs it");

  if (f.valid_from && f.valid_until && *f.valid_from > *f.valid_until)
    add("valid_from.after_valid_until", Severity::Error, "発効期日が有効期限より後です。",
        "発効期日 is after 有効期限");
  const bool seventy_form =
      t == DocumentType::MynaportalQualification || t == DocumentType::QualificationNotice;
  if (t == DocumentType::QualificationCertificate && !f.valid_until)
    add("valid_until.missing", Severity::Error, "資格確認書の有効期限が読み取れません。",
        "the certificate's 有効期限 could not be read");
  // 一部負担金割合: on the certificate always; on the Mynaportal PDF and the notice only in the
  // 70+ form, which prints it with its 有効期限; never on the legacy card.
  if (f.copay_ratio) {
    if (t == DocumentType::LegacyInsuranceCard)
      add("copay_ratio.not_allowed", Severity::Warning, "この書類には負担割合は記載されません。",
          "this document type does not show a co-pay ratio");
    if (seventy_form && !f.valid_until)
      add("copay_ratio.without_expiry", Severity::Warning,
          "負担割合に有効期限が記載されていません。オンラインで確認してください。",
          "the co-pay ratio is shown without its 有効期限: confirm it online");
  }
  if (t == DocumentType::MynaportalQualification && !f.saved_at)
    add("saved_at.missing", Severity::Warning, "保存日時が読み取れません。",
        "the PDF's 保存日時 could not be read");
  // Plausibility against the visit date: a paper cannot show tomorrow's dates.
  if (!o.visit_date) return;
  const Date& visit = *o.visit_date;
  if (f.birth_date && *f.birth_date > visit)
    add("birth_date.future", Severity::Error, "生年月日が受診日より後です。",
        "the birth date is after the visit date");
  if (f.copay_ratio && seventy_form && f.birth_date && f.birth_date->age_on(visit) < 70)
    add("copay_ratio.not_allowed", Severity::Warning,
        "70歳未満の方の資格情報には負担割合は記載されません。",
        "a co-pay ratio is shown for a person under 70");
  if (f.issued_on && *f.issued_on > visit)
    add("issued_on.future", Severity::Warning, "交付年月日が受診日より後です。",
        "the issue date is after the visit date");
  if (t == DocumentType::MynaportalQualification && f.saved_at && *f.saved_at > visit)
    add("saved_at.future", Severity::Error, "保存日時が受診日より後です。",
        "保存日時 is after the visit date");
}

}  // namespace madoguchi::documents::detail
