// The analyser: prepare the lines, extract by label, classify, then the values a notice prints
// without labels, then validate. Works on lines of text with positions, whether they came from
// a PDF's text layer or from OCR.
#include "analysis.hpp"

namespace madoguchi::documents::detail {

InspectionReport analyse(PageText pt, bool individual_number_dropped, const InspectOptions& options,
                         const DigitReader& reread) {
  InspectionReport r;
  r.text_source = pt.source;
  r.pages = pt.pages;
  std::vector<Line> lines = prepare_lines(pt.lines);
  Extraction x = extract(lines, reread);
  Classification c = classify(lines, x);
  if (c.type == DocumentType::QualificationNotice) extract_unlabelled_header(lines, x);
  r.type = c.type;
  r.other_kind = c.other_kind;
  r.slip_only = c.slip_only;
  r.copy_marked = c.copy_marked;
  r.evidence = std::move(c.evidence);
  r.fields = std::move(x.fields);
  r.sources = std::move(x.sources);
  r.confidence = std::move(x.confidence);
  r.validation = std::move(x.findings);
  if (individual_number_dropped)
    r.validation.push_back(
        finding("individual_number.dropped", Severity::Warning,
                "個人番号（マイナンバー）が記載されていたため、読み取らずに破棄しました。",
                "a 12-digit individual number was found and dropped; it is never read or stored"));
  validate(r, options);
  return r;
}

}  // namespace madoguchi::documents::detail
