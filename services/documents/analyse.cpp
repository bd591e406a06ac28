// Classify, extract by label, validate. Works on lines of text with positions, whether they came
// from a PDF's text layer or from OCR.
#include "internal.hpp"

#include <madoguchi/domain/text.hpp>

#include <algorithm>
#include <array>
#include <regex>

namespace madoguchi::documents::detail {

namespace {

// Field keys in the order of the JSON contract.
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
  none
};
constexpr std::array<std::string_view, 19> kFieldNames{"insurer_name",     "insurer_number",
                                                       "symbol",           "number",
                                                       "branch",           "name",
                                                       "name_kana",        "sex",
                                                       "birth_date",       "relationship",
                                                       "copay_ratio",      "valid_from",
                                                       "valid_until",      "qualification_date",
                                                       "issued_on",        "saved_at",
                                                       "householder_name", "address",
                                                       "issuer_name"};
std::string field_name(F f) { return std::string(kFieldNames[static_cast<int>(f)]); }

struct Label {
  std::u32string_view text;  // half-width, without spaces or middle dots
  F field;
  bool value_before = false;  // "令和7年1月1日発行": the value precedes the label
};

constexpr std::u32string_view kAgeNote = U"(70歳以上のみ記載)";

// Longest first where one label contains another at the same start. F::none labels only end
// the value before them (terminators).
constexpr Label kLabels[] = {
    {U"被保険者番号", F::number},
    {U"被保険者氏名", F::name},
    {U"保険者名称", F::insurer_name},
    {U"保険者番号", F::insurer_number},
    {U"保険者名", F::insurer_name},
    {U"世帯主氏名", F::householder_name},
    {U"個人番号", F::none},
    {U"記号", F::symbol},
    {U"番号", F::number},
    {U"(枝番)", F::branch},
    {U"枝番", F::branch},
    {U"氏名", F::name},
    {U"フリガナ", F::name_kana},
    {U"ふりがな", F::name_kana},
    {U"性別", F::sex},
    {U"生年月日", F::birth_date},
    {U"本人家族の別", F::relationship},
    {U"一部負担金の割合", F::copay_ratio},
    {U"一部負担金割合", F::copay_ratio},
    {U"負担割合", F::copay_ratio},
    {kAgeNote, F::none},
    {U"有効期限", F::valid_until},
    {U"発効期日", F::valid_from},
    {U"適用開始年月日", F::qualification_date},
    {U"資格取得年月日", F::qualification_date},
    {U"資格喪失年月日", F::none},
    {U"交付年月日", F::issued_on},
    {U"交付者名", F::issuer_name},
    {U"発行日", F::issued_on},
    {U"発行", F::issued_on, true},
    {U"保存日時", F::saved_at},
    {U"住所", F::address},
    {U"保険料率", F::none},
    {U"年齢", F::none},
};

bool is_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\u3000'; }
bool ignorable_in_label(char32_t c) { return is_space(c) || c == U'・' || c == U'･' || c == U'·'; }

std::string utf8(std::u32string_view s) { return text::encode_utf8(s); }

std::u32string trim(std::u32string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
}

struct LabelHit {
  const Label* label;
  std::size_t begin, end;  // code point indices in the line
};

struct Line {
  const TextLine* src;
  std::u32string norm;  // half-width, same length as src->text
  std::vector<LabelHit> hits;
  bool prose = false;
  bool used = false;  // an orphan line already taken as a value
  float start_x() const {
    for (std::size_t i = 0; i < norm.size(); ++i)
      if (!is_space(norm[i])) return src->x[i];
    return 0;
  }
};

Line prepare(const TextLine& tl) {
  Line l{&tl, text::decode_utf8(text::to_half_width(utf8(tl.text))), {}, false, false};
  if (l.norm.size() != tl.text.size()) l.norm = tl.text;
  // Sentences are notes and instructions, never a label with its value.
  const std::u32string t = trim(l.norm);
  // (A lone 。 in a short OCR line is dust, not a sentence.)
  const auto visible = std::count_if(t.begin(), t.end(), [](char32_t c) { return !is_space(c); });
  l.prose = (t.find_first_of(U"。、") != std::u32string::npos && visible >= 16) ||
            t.starts_with(U"※") || t.starts_with(U"(注)");
  if (l.prose) return l;
  // Compact view: code points that count for label matching, with their indices.
  std::vector<std::size_t> idx;
  std::u32string compact;
  for (std::size_t i = 0; i < l.norm.size(); ++i) {
    if (ignorable_in_label(l.norm[i])) continue;
    compact.push_back(l.norm[i]);
    idx.push_back(i);
  }
  const bool ocr = !tl.boxes.empty();
  std::size_t k = 0;
  while (k < compact.size()) {
    const Label* best = nullptr;
    for (const Label& lab : kLabels) {
      if (compact.compare(k, lab.text.size(), lab.text) == 0 &&
          (!best || lab.text.size() > best->text.size()))
        best = &lab;
    }
    // OCR garbles one character of a long label now and then (有効期眼, 世帯上氏名): allow one
    // substitution in labels of four characters or more, on OCR text only.
    if (!best && ocr) {
      for (const Label& lab : kLabels) {
        if (lab.text.size() < 4 || k + lab.text.size() > compact.size()) continue;
        int diff = 0;
        for (std::size_t j = 0; j < lab.text.size() && diff < 2; ++j)
          diff += compact[k + j] != lab.text[j];
        if (diff == 1 && (!best || lab.text.size() > best->text.size())) best = &lab;
      }
    }
    // OCR misreads the 被 of 被保険者番号 now and then: one stray character right before
    // 保険者番号 at the start of a line is that 被.
    if (best) {
      const std::size_t len = best->text.size();
      if (best->field == F::insurer_number && k == 1 && compact[0] > 0x3000 && l.hits.empty())
        best = &kLabels[0];
      l.hits.push_back({best, idx[k], idx[k + len - 1] + 1});
      k += len;
    } else {
      ++k;
    }
  }
  return l;
}

struct Candidate {
  F field;
  std::u32string raw;   // as printed
  std::u32string norm;  // half-width
  int page = 0;
  std::vector<Box> boxes;
  std::vector<float> conf;
};

void append_range(Candidate& c, const Line& l, std::size_t b, std::size_t e) {
  // trim inside the range so that boxes match the kept code points
  while (b < e && (is_space(l.norm[b]) || l.norm[b] == U':')) ++b;
  while (e > b && is_space(l.norm[e - 1])) --e;
  c.raw.append(l.src->text, b, e - b);
  c.norm.append(l.norm, b, e - b);
  c.page = l.src->page;
  for (std::size_t i = b; i < e; ++i) {
    if (i < l.src->boxes.size()) c.boxes.push_back(l.src->boxes[i]);
    if (i < l.src->conf.size()) c.conf.push_back(l.src->conf[i]);
  }
}

bool is_orphan(const Line& l) { return !l.prose && l.hits.empty() && !l.used; }

std::vector<Candidate> collect(std::vector<Line>& lines) {
  std::vector<Candidate> out;
  for (std::size_t li = 0; li < lines.size(); ++li) {
    Line& l = lines[li];
    for (std::size_t h = 0; h < l.hits.size(); ++h) {
      const LabelHit& hit = l.hits[h];
      if (hit.label->field == F::none) continue;
      Candidate c{hit.label->field, {}, {}, l.src->page, {}, {}};
      if (hit.label->value_before) {
        const std::size_t b = h == 0 ? 0 : l.hits[h - 1].end;
        append_range(c, l, b, hit.begin);
        if (!c.raw.empty()) out.push_back(std::move(c));
        continue;
      }
      std::size_t e = h + 1 < l.hits.size() ? l.hits[h + 1].begin : l.norm.size();
      // a value_before label after us owns the text in between
      if (h + 1 < l.hits.size() && l.hits[h + 1].label->value_before) e = hit.end;
      append_range(c, l, hit.end, e);
      // "負担割合 (70歳以上のみ記載) 3割": the note belongs to the label, the value follows it
      if (c.raw.empty() && h + 1 < l.hits.size() && l.hits[h + 1].label->text == kAgeNote) {
        const std::size_t e2 = h + 2 < l.hits.size() ? l.hits[h + 2].begin : l.norm.size();
        append_range(c, l, l.hits[h + 1].end, e2);
      }
      if (c.raw.empty()) {
        // Label alone on its line: the value was wrapped above (indented to the value column)
        // and/or below (phone layout: value under its label).
        const float label_end_x = l.src->x[hit.end - 1];
        const float label_x = l.src->x[hit.begin];
        if (li > 0 && is_orphan(lines[li - 1]) && lines[li - 1].start_x() > label_end_x) {
          append_range(c, lines[li - 1], 0, lines[li - 1].norm.size());
          lines[li - 1].used = true;
        }
        if (h + 1 == l.hits.size() && li + 1 < lines.size() && is_orphan(lines[li + 1]) &&
            lines[li + 1].start_x() >= label_x - 1) {
          append_range(c, lines[li + 1], 0, lines[li + 1].norm.size());
          lines[li + 1].used = true;
        }
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

// ---- value parsing --------------------------------------------------------------------------

// Without spaces and without the specks OCR leaves in a cell.
std::string compact_ascii(std::u32string_view norm) {
  std::u32string s;
  for (char32_t c : norm)
    if (!is_space(c) && std::u32string_view(U"。、,'\"`;「」").find(c) == std::u32string_view::npos)
      s.push_back(c);
  return utf8(s);
}

// Placeholders meaning "not shown": —, －, 〇割, 年 月 日, an empty cell, a dropped number.
bool is_placeholder(std::u32string_view norm) {
  for (char32_t c : norm) {
    if (is_space(c)) continue;
    if (std::u32string_view(U"-—―ー〇○◯*年月日割()").find(c) == std::u32string_view::npos)
      return false;
  }
  return true;
}

// OCR confuses 0 with o/O and 1 with l/I in numeric cells.
std::string map_digits(std::string s) {
  for (char& c : s) {
    if (c == 'o' || c == 'O' || c == 'D') c = '0';
    if (c == 'l' || c == 'I') c = '1';
  }
  return s;
}

bool mostly_digits(const std::string& s) {
  if (s.empty()) return false;
  std::size_t d = 0;
  for (char c : s) d += (c >= '0' && c <= '9') ? 1 : 0;
  return d * 2 >= s.size() && s.size() == text::decode_utf8(s).size();
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
    s.replace(p, from.size(), to);
  return s;
}

Result<Date> parse_date_in(std::u32string_view norm) {
  std::string t = compact_ascii(norm);
  t = replace_all(replace_all(t, "昌", "日"), "晶", "日");  // OCR reads 日 as 昌/晶
  static const std::regex date_re(
      R"((?:令和|平成|昭和|大正|[RHSTrhst]\.?)(?:元|[0-9oO]{1,2})(?:年|[./-])[0-9oO]{1,2}(?:月|[./-])[0-9oO]{1,2}(?:日)?|[0-9oO]{4}(?:年|[./-])[0-9oO]{1,2}(?:月|[./-])[0-9oO]{1,2}(?:日)?)");
  std::smatch m;
  if (!std::regex_search(t, m, date_re)) return make_error("date.format", "not a date");
  std::string d = m.str();
  for (char& ch : d)
    if (ch == 'o' || ch == 'O') ch = '0';  // no era letter is an o
  return Date::parse_japanese(d);
}

Result<CoPayRatio> parse_copay_in(std::u32string_view norm) {
  std::string t = map_digits(compact_ascii(norm));
  t = replace_all(t, "害", "割");
  static const std::regex re(R"(([0-9])割|([0-9]{2})%)");
  std::smatch m;
  if (std::regex_search(t, m, re)) return CoPayRatio::parse(m.str());
  return CoPayRatio::parse(t);
}

std::string clean_text(std::u32string_view raw) {
  std::u32string out;
  bool space = false;
  for (char32_t c : raw) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(U' ');
    space = false;
    out.push_back(c);
  }
  return utf8(out);
}

Finding finding(std::string code, Severity s, std::string ja, std::string en) {
  return Finding{std::move(code), s, std::move(ja), std::move(en)};
}

const char* ja_name(F f) {
  static constexpr const char* names[] = {
      "保険者名",       "保険者番号", "記号",     "番号",           "枝番",
      "氏名",           "フリガナ",   "性別",     "生年月日",       "本人・家族の別",
      "一部負担金割合", "発効期日",   "有効期限", "適用開始年月日", "交付年月日",
      "保存日時",       "世帯主氏名", "住所",     "交付者名"};
  return names[static_cast<int>(f)];
}

// Parses one candidate into the report; false when the value cannot be read.
struct Parsed {
  bool ok = false;
  bool placeholder = false;
  std::string error_code, error_message;
  std::string comparable;  // for conflict checks
};

Parsed apply(const Candidate& c, DocumentFields& f, const DigitReader& reread) {
  Parsed p;
  if (is_placeholder(c.norm)) {
    p.ok = p.placeholder = true;
    return p;
  }
  auto fail = [&](const Error& e) {
    p.error_code = e.code;
    p.error_message = e.message;
    return p;
  };
  // Numeric cells from OCR get a second read with a digit whitelist.
  // A clean first read stays: the whitelisted line read repairs mixed-up cells, and on clean
  // cells it is the less accurate of the two. `suspect` forces it (a failed check digit).
  auto digits = [&](std::string first, bool suspect = false) -> std::string {
    first = map_digits(first);
    if (!reread || c.boxes.empty() || !mostly_digits(first)) return first;
    if (text::all_digits(first) && !suspect) return first;
    Box b = c.boxes.front();
    for (const Box& x : c.boxes) {
      b.x0 = std::min(b.x0, x.x0), b.y0 = std::min(b.y0, x.y0);
      b.x1 = std::max(b.x1, x.x1), b.y1 = std::max(b.y1, x.y1);
    }
    auto second = reread(c.page, b);
    if (!second || second->empty()) return first;
    return *second;
  };
  const std::string id = compact_ascii(c.norm);
  switch (c.field) {
    case F::insurer_number: {
      auto r = InsurerNumber::parse(digits(id));
      if (!r) {
        if (auto r2 = InsurerNumber::parse(digits(id, true)); r2) r = r2;
      }
      if (!r) return fail(r.error());
      p.comparable = r->digits();
      f.insurer_number = *r;
      break;
    }
    case F::symbol: {
      const std::string v = mostly_digits(id) ? digits(id) : id;
      auto r = InsuredSymbol::parse(v);
      if (!r) return fail(r.error());
      p.comparable = r->value();
      f.symbol = *r;
      break;
    }
    case F::number: {
      const std::string v = mostly_digits(id) ? digits(id) : id;
      auto r = InsuredNumber::parse(v);
      if (!r) return fail(r.error());
      p.comparable = r->value();
      f.number = *r;
      break;
    }
    case F::branch: {
      auto r = BranchNumber::parse(digits(id));
      if (!r) return fail(r.error());
      p.comparable = r->value();
      f.branch = *r;
      break;
    }
    case F::sex: {
      if (id.find("男") != std::string::npos)
        f.sex = Sex::Male;
      else if (id.find("女") != std::string::npos)
        f.sex = Sex::Female;
      else
        return fail(make_error("sex.unknown", "sex must be 男 or 女"));
      break;
    }
    case F::relationship: {
      std::optional<Relationship> r;
      if (id.find("本人") != std::string::npos)
        r = Relationship::Self;
      else if (id.find("家族") != std::string::npos)
        r = Relationship::Dependent;
      if (!r) return fail(make_error("relationship.unknown", "relationship must be 本人 or 家族"));
      f.relationship = r;
      break;
    }
    case F::copay_ratio: {
      auto r = parse_copay_in(c.norm);
      if (!r) return fail(r.error());
      p.comparable = std::to_string(r->percent());
      f.copay_ratio = *r;
      break;
    }
    case F::birth_date:
    case F::valid_from:
    case F::valid_until:
    case F::qualification_date:
    case F::issued_on:
    case F::saved_at: {
      auto r = parse_date_in(c.norm);
      if (!r) return fail(r.error());
      p.comparable = r->iso();
      std::optional<Date>* slot[] = {&f.birth_date,         &f.valid_from, &f.valid_until,
                                     &f.qualification_date, &f.issued_on,  &f.saved_at};
      const F order[] = {F::birth_date,         F::valid_from, F::valid_until,
                         F::qualification_date, F::issued_on,  F::saved_at};
      for (int i = 0; i < 6; ++i)
        if (order[i] == c.field) *slot[i] = *r;
      break;
    }
    default: {
      std::string v = clean_text(c.raw);
      if (c.field == F::issuer_name) {
        for (std::string_view seal : {" 印", "印", " ㊞", "㊞"})
          if (v.ends_with(seal)) v.resize(v.size() - seal.size());
        while (!v.empty() && v.back() == ' ') v.pop_back();
      }
      if (v.empty()) {
        p.ok = p.placeholder = true;
        return p;
      }
      p.comparable = v;
      std::optional<std::string>* slot = nullptr;
      switch (c.field) {
        case F::insurer_name:
          slot = &f.insurer_name;
          break;
        case F::name:
          slot = &f.name;
          break;
        case F::name_kana:
          slot = &f.name_kana;
          break;
        case F::householder_name:
          slot = &f.householder_name;
          break;
        case F::address:
          slot = &f.address;
          break;
        case F::issuer_name:
          slot = &f.issuer_name;
          break;
        default:
          break;
      }
      if (slot) *slot = v;
    }
  }
  p.ok = true;
  return p;
}

// ---- classification -------------------------------------------------------------------------

struct Clue {
  std::u32string_view text;
  DocumentType type;
  int weight;
  bool title;  // counts more near the top of the first page
};
constexpr Clue kClues[] = {
    {U"医療保険の資格情報", DocumentType::MynaportalQualification, 3, true},
    {U"保存日時", DocumentType::MynaportalQualification, 2, false},
    {U"この画面のみでは", DocumentType::MynaportalQualification, 1, false},
    {U"資格情報のお知らせ", DocumentType::QualificationNotice, 3, true},
    {U"切り取って", DocumentType::QualificationNotice, 1, false},
    {U"このお知らせのみでは", DocumentType::QualificationNotice, 1, false},
    {U"受診の際にはマイナ保険証があわせて必要です", DocumentType::QualificationNotice, 1, false},
    {U"資格確認書", DocumentType::QualificationCertificate, 3, true},
    {U"発効期日", DocumentType::QualificationCertificate, 2, false},
    {U"世帯主氏名", DocumentType::QualificationCertificate, 1, false},
    {U"被保険者証", DocumentType::LegacyInsuranceCard, 3, true},
    {U"被扶養者証", DocumentType::LegacyInsuranceCard, 3, true},
};

void classify(const std::vector<Line>& lines, InspectionReport& r) {
  std::array<int, 5> score{};
  std::array<bool, std::size(kClues)> seen{};
  int line_no = 0;
  for (const Line& l : lines) {
    std::u32string compact;
    for (char32_t c : l.norm)
      if (!ignorable_in_label(c)) compact.push_back(c);
    for (std::size_t i = 0; i < std::size(kClues); ++i) {
      const Clue& k = kClues[i];
      if (seen[i] || compact.find(k.text) == std::u32string::npos) continue;
      seen[i] = true;
      const bool top = k.title && l.src->page == 0 && line_no < 4 && !l.prose;
      score[static_cast<int>(k.type)] += k.weight + (top ? 2 : 0);
      r.evidence.push_back(std::string(k.title ? "title:" : "text:") + utf8(k.text) +
                           (top ? " (top of page)" : ""));
    }
    ++line_no;
  }
  int best = static_cast<int>(DocumentType::Unknown);
  // A title alone decides; so do two labels only one document type carries (OCR may garble
  // the title).
  for (int t = 0; t < 4; ++t)
    if (score[t] >= 2 && (best == 4 || score[t] > score[best])) best = t;
  r.type = static_cast<DocumentType>(best);
  if (r.type == DocumentType::QualificationNotice) {
    // The full notice carries the covering letter and the cut line; the slip alone does not.
    r.slip_only = !seen[4] && !seen[5];
    bool kana = false;
    for (const Line& l : lines)
      for (const LabelHit& h : l.hits) kana |= h.label->field == F::name_kana;
    if (kana) r.slip_only = false;
    r.evidence.push_back(r.slip_only ? "layout:slip_only" : "layout:full_notice");
  }
}

// ---- validation ------------------------------------------------------------------------------

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
  if (!o.visit_date) return;
  const Date& visit = *o.visit_date;
  if (f.birth_date && *f.birth_date > visit)
    add("birth_date.future", Severity::Error, "生年月日が受診日より後です。",
        "the birth date is after the visit date");
  if (f.copay_ratio && seventy_form && f.birth_date && f.birth_date->age_on(visit) < 70)
    add("copay_ratio.not_allowed", Severity::Warning,
        "70歳未満の方の資格情報には負担割合は記載されません。",
        "a co-pay ratio is shown for a person under 70");
  if (t == DocumentType::QualificationCertificate) {
    if (f.valid_until && *f.valid_until < visit)
      add("valid_until.expired", Severity::Error,
          "資格確認書の有効期限（" + f.valid_until->japanese_era() + "）が過ぎています。",
          "the certificate expired on " + f.valid_until->iso());
    if (f.valid_from && *f.valid_from > visit)
      add("valid_from.not_yet_valid", Severity::Error,
          "資格確認書の発効期日（" + f.valid_from->japanese_era() + "）より前です。",
          "the certificate is valid only from " + f.valid_from->iso());
  }
  if (seventy_form && f.valid_until && *f.valid_until < visit)
    add("valid_until.copay_expired", Severity::Warning,
        "負担割合の有効期限（" + f.valid_until->japanese_era() +
            "）が過ぎています。負担割合が変わっている可能性があるため、オンラインで確認してください"
            "。",
        "the co-pay ratio's 有効期限 passed on " + f.valid_until->iso() +
            ": the ratio may have changed, confirm online");
  if (t == DocumentType::LegacyInsuranceCard && visit > Date::from_ymd(2025, 12, 1).value())
    add("legacy_card.expired", Severity::Error,
        "健康保険証は2025年12月1日に有効期限が満了しています。資格確認書またはマイナ保険証が必要で"
        "す。",
        "every legacy health insurance card expired on 2025-12-01");
  if (f.issued_on && *f.issued_on > visit)
    add("issued_on.future", Severity::Warning, "交付年月日が受診日より後です。",
        "the issue date is after the visit date");
  if (t == DocumentType::MynaportalQualification) {
    if (!f.saved_at) {
      add("saved_at.missing", Severity::Warning, "保存日時が読み取れません。",
          "the PDF's 保存日時 could not be read");
    } else if (*f.saved_at > visit) {
      add("saved_at.future", Severity::Error, "保存日時が受診日より後です。",
          "保存日時 is after the visit date");
    } else {
      const int age = f.saved_at->days_until(visit);
      const bool old = age > o.max_saved_age_days;
      add("saved_at.age", old ? Severity::Warning : Severity::Info,
          "保存日時から" + std::to_string(age) + "日経過" +
              (old ? "しています。最新の資格情報かオンラインで確認してください。" : "。"),
          "saved " + std::to_string(age) + " days before the visit" +
              (old ? ": may be outdated, confirm online" : ""));
    }
  }
}

}  // namespace

InspectionReport analyse(PageText pt, bool individual_number_dropped, const InspectOptions& options,
                         const DigitReader& reread) {
  InspectionReport r;
  r.text_source = pt.source;
  r.pages = pt.pages;
  std::vector<Line> lines;
  lines.reserve(pt.lines.size());
  for (const TextLine& tl : pt.lines) lines.push_back(prepare(tl));
  classify(lines, r);
  const std::vector<Candidate> cands = collect(lines);

  std::array<std::optional<Parsed>, kFieldNames.size()> chosen;
  std::array<const Candidate*, kFieldNames.size()> first_failed{};
  for (const Candidate& c : cands) {
    const int i = static_cast<int>(c.field);
    if (chosen[i]) {
      // Same field printed twice (notice and its slip): they must agree.
      if (chosen[i]->placeholder) continue;
      DocumentFields scratch;
      Parsed again = apply(c, scratch, nullptr);
      if (again.ok && !again.placeholder && !chosen[i]->comparable.empty() &&
          again.comparable != chosen[i]->comparable &&
          !(c.field == F::insurer_name || c.field == F::name || c.field == F::issuer_name))
        r.validation.push_back(
            finding(field_name(c.field) + ".conflict", Severity::Warning,
                    std::string(ja_name(c.field)) + "の記載が一致しません。",
                    field_name(c.field) + " is printed twice with different values"));
      continue;
    }
    Parsed p = apply(c, r.fields, reread);
    if (!p.ok) {
      if (!first_failed[i]) first_failed[i] = &c;
      if (!r.sources.contains(field_name(c.field)))
        r.sources[field_name(c.field)] = clean_text(c.raw);
      continue;
    }
    chosen[i] = p;
    r.sources[field_name(c.field)] = clean_text(c.raw);
    if (!c.conf.empty()) {
      double sum = 0;
      for (float v : c.conf) sum += v;
      r.confidence[field_name(c.field)] = std::clamp(sum / c.conf.size() / 100.0, 0.0, 1.0);
    }
  }
  for (std::size_t i = 0; i < first_failed.size(); ++i) {
    if (chosen[i] || !first_failed[i]) continue;
    DocumentFields scratch;
    const Parsed p = apply(*first_failed[i], scratch, nullptr);
    const F f = static_cast<F>(i);
    std::string code =
        p.error_code.starts_with(field_name(f)) ? p.error_code : field_name(f) + ".invalid";
    r.validation.push_back(finding(
        code, Severity::Error, std::string(ja_name(f)) + "を読み取れないか、記載に誤りがあります。",
        field_name(f) + ": " + p.error_message));
  }
  if (individual_number_dropped)
    r.validation.push_back(
        finding("individual_number.dropped", Severity::Warning,
                "個人番号（マイナンバー）が記載されていたため、読み取らずに破棄しました。",
                "a 12-digit individual number was found and dropped; it is never read or stored"));
  validate(r, options);
  return r;
}

}  // namespace madoguchi::documents::detail
