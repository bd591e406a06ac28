// Lines of page text made ready for reading: half-width, sentences told from label rows, and
// every label found (spaces and middle dots inside labels ignored: 保 険 者 番 号).
#include "analysis.hpp"

#include <madoguchi/domain/text.hpp>

#include <algorithm>

namespace madoguchi::documents::detail {

namespace {

constexpr std::u32string_view kAgeNote = U"(70歳以上のみ記載)";

// Longest first where one label contains another at the same start (the matcher also prefers
// the longest). F::none labels only end the value before them (terminators): numbers that are
// not the insured's (受給者番号, 公費負担者番号, 患者番号) must not be read as 番号.
constexpr Label kLabels[] = {
    {U"保険者番号並びに保険者の名称及び印", F::insurer_number_and_name},
    {U"保険者番号並びに保険者名称", F::insurer_number_and_name},
    {U"保険者番号及び保険者の名称", F::insurer_number_and_name},
    {U"保険者番号及び保険者名", F::insurer_number_and_name},
    {U"保険者番号並びに", F::insurer_number},  // the same label wrapped over two lines
    {U"保険者の名称及び印", F::insurer_name},
    {U"保険者の名称", F::insurer_name},
    {U"被保険者番号", F::number},
    {U"被保険者氏名", F::name},
    {U"保険者名称", F::insurer_name},
    {U"保険者番号", F::insurer_number},
    {U"保険者名", F::insurer_name},
    {U"世帯主氏名", F::householder_name},
    {U"個人番号", F::none},
    {U"公費負担者番号", F::none},
    {U"受給者番号", F::none},
    {U"患者番号", F::none},
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
    {U"有効期間", F::validity_period},
    {U"発効期日", F::valid_from},
    {U"適用開始年月日", F::qualification_date},
    {U"資格取得年月日", F::qualification_date},
    {U"資格喪失年月日", F::none},
    {U"交付年月日", F::issued_on},
    {U"交付者名", F::issuer_name},
    {U"交付者", F::issuer_name},
    {U"交付日", F::issued_on},
    {U"交付", F::issued_on, true},  // legacy cards: 「令和3年4月1日交付」
    {U"発行年月日", F::issued_on},
    {U"発行者名", F::issuer_name},
    {U"発行者", F::issuer_name},
    {U"発行日", F::issued_on},
    {U"発行", F::issued_on, true},
    {U"保存日時", F::saved_at},
    {U"住所", F::address},
    {U"保険料率", F::none},
    {U"保険料", F::none},
    {U"年齢", F::none},
};

}  // namespace

bool is_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\u3000'; }
bool ignorable_in_label(char32_t c) { return is_space(c) || c == U'・' || c == U'･' || c == U'·'; }
bool is_age_note(const Label& l) { return l.text == kAgeNote; }

std::string utf8(std::u32string_view s) { return text::encode_utf8(s); }

std::u32string trim(std::u32string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
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

float Line::start_x() const {
  for (std::size_t i = 0; i < norm.size(); ++i)
    if (!is_space(norm[i])) return src->x[i];
  return 0;
}

int Line::visible() const {
  return static_cast<int>(
      std::count_if(norm.begin(), norm.end(), [](char32_t c) { return !is_space(c); }));
}

namespace {

const Label* find_label(std::u32string_view text) {
  return &*std::find_if(std::begin(kLabels), std::end(kLabels),
                        [&](const Label& x) { return x.text == text; });
}

Line prepare(const TextLine& tl) {
  Line l{&tl, text::decode_utf8(text::to_half_width(utf8(tl.text))), {}, {}, false, false};
  if (l.norm.size() != tl.text.size()) l.norm = tl.text;
  // Compact view: code points that count for label matching, with their indices.
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < l.norm.size(); ++i) {
    if (ignorable_in_label(l.norm[i])) continue;
    l.compact.push_back(l.norm[i]);
    idx.push_back(i);
  }
  // Sentences are notes and instructions, never a label with its value.
  // (A lone 。 in a short OCR line is dust, not a sentence.)
  const std::u32string t = trim(l.norm);
  l.prose = (t.find_first_of(U"。、") != std::u32string::npos && l.visible() >= 16) ||
            t.starts_with(U"※") || t.starts_with(U"(注)");
  if (l.prose) return l;
  const std::u32string& compact = l.compact;
  const bool ocr = !tl.boxes.empty();
  std::size_t k = 0;
  while (k < compact.size()) {
    auto exact_at = [&](std::size_t at) {
      const Label* found = nullptr;
      for (const Label& lab : kLabels) {
        if (compact.compare(at, lab.text.size(), lab.text) == 0 &&
            (!found || lab.text.size() > found->text.size()))
          found = &lab;
      }
      return found;
    };
    const Label* best = exact_at(k);
    // OCR garbles one character of a long label now and then (有効期眼, 世帯上氏名): allow one
    // substitution in labels of four characters or more, on OCR text only.
    // (Not when a label starts exactly one character later: 「様保険者番号」 is 様 + 保険者番号.)
    if (!best && ocr && !(k + 1 < compact.size() && exact_at(k + 1))) {
      for (const Label& lab : kLabels) {
        if (lab.text.size() < 4 || k + lab.text.size() > compact.size()) continue;
        int diff = 0;
        for (std::size_t j = 0; j < lab.text.size() && diff < 2; ++j)
          diff += compact[k + j] != lab.text[j];
        if (diff == 1 && (!best || lab.text.size() > best->text.size())) best = &lab;
      }
    }
    if (best) {
      const std::size_t len = best->text.size();
      // OCR misreads the 被 of 被保険者番号 now and then: one stray character right before
      // 保険者番号 at the start of a line is that 被.
      if (best->field == F::insurer_number && best->text == U"保険者番号" && k == 1 &&
          compact[0] > 0x3000 && l.hits.empty())
        best = find_label(U"被保険者番号");
      // OCR garbles two characters of 保険者番号 now and then (保険春番号 read as 番号 alone):
      // a bare 番号 right after what is left of 保険者 is the insurer's, unless a 被 says it is
      // the insured's.
      if (ocr && best->text == U"番号" && k > 0) {
        auto before = [&](std::size_t n, std::u32string_view set) {
          for (std::size_t j = k >= n ? k - n : 0; j < k; ++j)
            if (set.find(compact[j]) != std::u32string_view::npos) return true;
          return false;
        };
        if (before(5, U"被"))
          best = find_label(U"被保険者番号");
        else if (before(3, U"保険者"))
          best = find_label(U"保険者番号");
      }
      l.hits.push_back({best, idx[k], idx[k + len - 1] + 1});
      k += len;
    } else {
      ++k;
    }
  }
  return l;
}

}  // namespace

std::vector<Line> prepare_lines(const std::vector<TextLine>& lines) {
  std::vector<Line> out;
  out.reserve(lines.size());
  for (const TextLine& tl : lines) out.push_back(prepare(tl));
  return out;
}

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

Finding finding(std::string code, Severity s, std::string ja, std::string en) {
  return Finding{std::move(code), s, std::move(ja), std::move(en)};
}

}  // namespace madoguchi::documents::detail
