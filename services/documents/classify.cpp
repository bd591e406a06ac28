// Classification: what the paper is. Safety first: a paper that carries 保険者番号, 記号 and 番号
// but proves nothing about eligibility (限度額適用認定証, 高齢受給者証, 受給者証, receipts, the
// flyer's blank template) is an OtherDocument, never one of the four; a 資格確認書 needs its
// title, and the sentences of a notice or a Mynaportal PDF (「このお知らせのみでは受診できません」)
// rule the certificate out even when 有効期限 and 発効期日 are printed (a 70+ notice has both).
#include "analysis.hpp"

#include <algorithm>

namespace madoguchi::documents::detail {

namespace {

using T = DocumentType;
using K = OtherKind;

struct Clue {
  std::u32string_view text;
  T type;
  int weight;
  bool title;  // a title: counts only on a line that is not a sentence, more at the top
};
constexpr Clue kClues[] = {
    {U"医療保険の資格情報", T::MynaportalQualification, 3, true},
    {U"保存日時", T::MynaportalQualification, 2, false},
    {U"この画面のみでは", T::MynaportalQualification, 1, false},
    {U"資格情報のお知らせ", T::QualificationNotice, 3, true},
    {U"切り取って", T::QualificationNotice, 1, false},
    {U"このお知らせのみでは", T::QualificationNotice, 1, false},
    {U"受診の際にはマイナ保険証があわせて必要です", T::QualificationNotice, 1, false},
    {U"資格確認書", T::QualificationCertificate, 3, true},
    {U"発効期日", T::QualificationCertificate, 1, false},
    {U"世帯主氏名", T::QualificationCertificate, 1, false},
    {U"被保険者証", T::LegacyInsuranceCard, 3, true},
    {U"被扶養者証", T::LegacyInsuranceCard, 3, true},
    {U"組合員証", T::LegacyInsuranceCard, 3, true},
};

// The paper says it is not enough on its own: never a 資格確認書.
constexpr std::u32string_view kCertificateVetoes[] = {
    U"このお知らせのみでは",       U"この通知のみでは",       U"この画面のみでは",
    U"マイナ保険証があわせて必要", U"マイナ保険証とあわせて",
};

// Titles (or labels only they carry) of papers that are not proof of insurance. Longest first
// where one contains another.
struct OtherClue {
  std::u32string_view text;
  K kind;
  bool title;  // false: counts on any line that is not a sentence (a label such as 公費負担者番号)
};
constexpr OtherClue kOtherClues[] = {
    {U"限度額適用標準負担額減額認定証", K::LimitCertificate, true},
    {U"限度額適用認定証", K::LimitCertificate, true},
    {U"標準負担額減額認定証", K::LimitCertificate, true},
    {U"高齢受給者証", K::ElderlyRecipientCertificate, true},
    {U"特定疾病療養受療証", K::SpecificDiseaseCertificate, true},
    {U"特定疾病療養", K::SpecificDiseaseCertificate, true},
    {U"公費負担者番号", K::PublicExpenseCertificate, false},
    {U"受給者証", K::PublicExpenseCertificate, true},
    {U"医療証", K::PublicExpenseCertificate, true},
    {U"医療券", K::PublicExpenseCertificate, true},
    {U"診療明細書", K::ReceiptOrStatement, true},
    {U"調剤明細書", K::ReceiptOrStatement, true},
    {U"明細書", K::ReceiptOrStatement, true},
    {U"領収書", K::ReceiptOrStatement, true},
    {U"領収証", K::ReceiptOrStatement, true},
};

// The flyer explains the documents and prints a blank 資格確認書: its own sentences give it away.
constexpr std::u32string_view kTemplateClues[] = {
    U"とは?",
    U"とは？",
    U"利用シーン",
    U"自動的に交付されます",
    U"申請によって交付されます",
    U"見本",
    U"記載例",
    U"サンプル",
    U"SAMPLE",
    U"記入例",
};
// A note that only means "template" when the form around it is empty.
constexpr std::u32string_view kWeakTemplateClue = U"様式は保険者によって異なります";

// 「被保険者証兼高齢受給者証」: one card that is both; the proof of insurance wins.
bool combined_with_eligibility_title(std::u32string_view compact, std::size_t at) {
  if (at == 0 || compact[at - 1] != U'兼') return false;
  const std::u32string_view before = compact.substr(0, at);
  return before.find(U"資格確認書") != std::u32string_view::npos ||
         before.find(U"被保険者証") != std::u32string_view::npos;
}

bool contains(std::u32string_view s, std::u32string_view x) {
  return s.find(x) != std::u32string_view::npos;
}

// OCR may garble one character of a title: 資格確認害.
bool near_match(std::u32string_view compact, std::u32string_view title) {
  if (compact.size() < title.size()) return false;
  for (std::size_t k = 0; k + title.size() <= compact.size(); ++k) {
    int diff = 0;
    for (std::size_t j = 0; j < title.size() && diff < 2; ++j) diff += compact[k + j] != title[j];
    if (diff <= 1) return true;
  }
  return false;
}

// 「コピー」「写し」 stamped or printed on the paper: a short line of its own, not a sentence.
bool copy_mark(const Line& l) {
  if (l.prose || l.compact.size() > 12) return false;
  const std::u32string& c = l.compact;
  if (c == U"写" || c == U"(写)" || c == U"【写】" || c == U"[写]") return true;
  // (ー is a dash once the line is half-width.)
  for (std::u32string_view m : {U"コピ-", U"コピー", U"写し", U"複写", U"COPY", U"Copy"})
    if (contains(c, m)) return true;
  return false;
}

}  // namespace

Classification classify(const std::vector<Line>& lines, const Extraction& x) {
  Classification r;
  std::array<int, 5> score{};
  std::array<bool, std::size(kClues)> seen{};
  std::optional<K> other;
  bool veto = false, explained = false, weak_template = false, fuzzy_certificate_title = false;
  int line_no = 0;
  for (const Line& l : lines) {
    const std::u32string& compact = l.compact;
    const bool top = l.src->page == 0 && line_no < 4 && !l.prose;
    for (std::size_t i = 0; i < std::size(kClues); ++i) {
      const Clue& k = kClues[i];
      if (seen[i] || !contains(compact, k.text) || (k.title && l.prose)) continue;
      seen[i] = true;
      const bool bonus = k.title && top;
      score[static_cast<int>(k.type)] += k.weight + (bonus ? 2 : 0);
      r.evidence.push_back(std::string(k.title ? "title:" : "text:") + utf8(k.text) +
                           (bonus ? " (top of page)" : ""));
    }
    if (!seen[7] && top && !l.src->boxes.empty() && near_match(compact, U"資格確認書"))
      fuzzy_certificate_title = true;
    for (std::u32string_view v : kCertificateVetoes)
      if (contains(compact, v)) {
        if (!veto) r.evidence.push_back("veto_certificate:" + utf8(v));
        veto = true;
      }
    if (!other && !l.prose) {
      for (const OtherClue& o : kOtherClues) {
        const std::size_t at = compact.find(o.text);
        if (at == std::u32string::npos ||
            (o.text == U"受給者証" && at > 0 && compact[at - 1] == U'齢'))
          continue;
        if (combined_with_eligibility_title(compact, at)) continue;
        other = o.kind;
        r.evidence.push_back(std::string(o.title ? "title:" : "label:") + utf8(o.text));
        break;
      }
    }
    for (std::u32string_view t : kTemplateClues)
      if (contains(compact, t)) {
        if (!explained) r.evidence.push_back("template:" + utf8(t));
        explained = true;
      }
    weak_template |= contains(compact, kWeakTemplateClue);
    if (!r.copy_marked && copy_mark(l)) {
      r.copy_marked = true;
      r.evidence.push_back("copy_mark:" + utf8(trim(l.norm)));
    }
    ++line_no;
  }

  // An eligibility form whose identifiers carry no value is a blank form (見本), not a document.
  const bool blank_form =
      !x.fields.insurer_number && !x.fields.number &&
      (x.labelled[static_cast<int>(F::insurer_number)] || x.labelled[static_cast<int>(F::number)]);
  const bool eligibility_title = seen[0] || seen[3] || seen[7] || seen[10] || seen[11] || seen[12];
  if (other) {
    r.type = T::OtherDocument;
    r.other_kind = other;
  } else if (explained || (eligibility_title && blank_form && (weak_template || x.values == 0))) {
    r.type = T::OtherDocument;
    r.other_kind = K::BlankTemplate;
    if (!explained) r.evidence.push_back("template:blank_form");
  } else {
    // A 資格確認書 needs its title (garbled by OCR at most), and no sentence that says the paper
    // is not enough alone.
    const bool certificate_allowed = (seen[7] || fuzzy_certificate_title) && !veto;
    if (fuzzy_certificate_title && !seen[7] && certificate_allowed) {
      score[static_cast<int>(T::QualificationCertificate)] += 5;
      r.evidence.push_back("title:資格確認書 (OCR, one character off)");
    }
    int best = -1;
    // A title alone decides; so do two labels only one document type carries.
    for (int t = 0; t < 4; ++t) {
      if (t == static_cast<int>(T::QualificationCertificate) && !certificate_allowed) continue;
      if (score[t] >= 2 && (best < 0 || score[t] > score[best])) best = t;
    }
    r.type = best < 0 ? T::Unknown : static_cast<T>(best);
  }
  if (r.type == T::QualificationNotice) {
    // The full notice carries the covering letter and the cut line; the slip alone does not.
    r.slip_only = !seen[4] && !seen[5] && !x.labelled[static_cast<int>(F::name_kana)];
    r.evidence.push_back(r.slip_only ? "layout:slip_only" : "layout:full_notice");
  }
  return r;
}

}  // namespace madoguchi::documents::detail
