// The analyser's steps, one file each: lines.cpp prepares the lines and finds the labels,
// extract.cpp takes each label's value, fields.cpp parses values (one row per field),
// classify.cpp decides what the paper is, validate.cpp checks that it is well formed.
// analyse.cpp runs them in that order.
#pragma once

#include "internal.hpp"

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::documents::detail {

// Field keys in the order of the JSON contract, then pseudo-fields that fill two fields.
enum class F {
  insurer_name,
  insurer_number,
  symbol,
  number,
  branch,
  name,
  name_kana,
  sex,
  birth_date,
  relationship,
  copay_ratio,
  valid_from,
  valid_until,
  qualification_date,
  issued_on,
  saved_at,
  householder_name,
  address,
  issuer_name,
  insurer_number_and_name,  // 保険者番号並びに保険者の名称及び印 (後期高齢者医療)
  validity_period,          // 有効期間 R7.8.1～R8.7.31
  none                      // a terminator label: ends the value before it
};
inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(F::none);

struct Label {
  std::u32string_view text;  // half-width, without spaces or middle dots
  F field;
  bool value_before = false;  // "令和7年1月1日発行": the value precedes the label
};

struct LabelHit {
  const Label* label;
  std::size_t begin, end;  // code point indices in the line
};

struct Line {
  const TextLine* src;
  std::u32string norm;     // half-width, same length as src->text
  std::u32string compact;  // norm without spaces and middle dots (for clues)
  std::vector<LabelHit> hits;
  bool prose = false;  // a sentence: never a label line
  bool used = false;   // an orphan line already taken as a value
  float start_x() const;
  int visible() const;  // code points that are not spaces
};

// lines.cpp
bool is_space(char32_t c);
bool ignorable_in_label(char32_t c);
std::string utf8(std::u32string_view s);
std::u32string trim(std::u32string_view s);
std::string clean_text(std::u32string_view raw);  // inner runs of spaces become one space
std::vector<Line> prepare_lines(const std::vector<TextLine>& lines);
bool is_age_note(const Label& l);  // 「(70歳以上のみ記載)」 belongs to the label before it

// One label's value as printed, with where it was read (for the OCR re-read).
struct Candidate {
  F field;
  std::u32string raw;   // as printed
  std::u32string norm;  // half-width
  int page = 0;
  std::vector<Box> boxes;
  std::vector<float> conf;
};
void append_range(Candidate& c, const Line& l, std::size_t b, std::size_t e);

// extract.cpp: every label's value, in reading order.
std::vector<Candidate> collect(std::vector<Line>& lines);

// fields.cpp: the field table.
struct Parsed {
  bool ok = false;
  bool placeholder = false;  // "—", "〇割", "年 月 日": the field is not shown
  std::string error_code, error_message;
  std::string comparable;  // for the check that a field printed twice agrees
};
struct FieldSpec {
  F field;
  std::string_view key;  // JSON key
  std::string_view ja;   // the label's name for the desk
  Parsed (*parse)(const Candidate&, DocumentFields&, const DigitReader&);
  bool conflicts_matter;  // printed twice with different values: a finding
};
const FieldSpec& spec(F f);
std::string field_key(F f);

// What extraction found, before anyone decided what the paper is.
struct Extraction {
  DocumentFields fields;
  std::map<std::string, std::string> sources;
  std::map<std::string, double> confidence;
  std::vector<Finding> findings;             // unreadable values, conflicts
  std::array<bool, kFieldCount> labelled{};  // a label was found (value or placeholder)
  int values = 0;                            // labels whose value parsed and was not blank
};
Extraction extract(std::vector<Line>& lines, const DigitReader& reread);

// Values a notice prints in its header without a label, recognised by what they are (a
// 保険者番号 whose check digit holds, a name ending in 健康保険組合 / 国民健康保険 / 広域連合…),
// and only where the layout puts them: in the lines above its first labelled row.
void extract_unlabelled_header(const std::vector<Line>& lines, Extraction& x);

// classify.cpp
struct Classification {
  DocumentType type = DocumentType::Unknown;
  std::optional<OtherKind> other_kind;
  bool slip_only = false;
  bool copy_marked = false;
  std::vector<std::string> evidence;
};
Classification classify(const std::vector<Line>& lines, const Extraction& x);

// validate.cpp: appends the findings about the form of the document to r.validation.
void validate(InspectionReport& r, const InspectOptions& o);

Finding finding(std::string code, Severity s, std::string ja, std::string en);

}  // namespace madoguchi::documents::detail
