// The decision table (DESIGN §4), row by row, each with the sentence it comes from. The flyer
// is the government's マイナ保険証 flyer; "MHLW 2025-11-12" the notice on the transitional
// measure for expired 健康保険証 and the notice alone (until 2026-03-31).
#include <madoguchi/policy/rules_table.hpp>

#include <vector>

namespace madoguchi::policy {

namespace {
using Ctx = PresentationContext;
using Doc = DocumentType;
using R = ReasonCode;

constexpr unsigned bit(Ctx c) { return context_bit(c); }
constexpr unsigned kAtCounter =
    bit(Ctx::Counter) | bit(Ctx::ParentWithChild) | bit(Ctx::ReceiptSystem);

constexpr std::string_view kPdfNotAlone =
    "「この画面のみでは受診できません。マイナ保険証とあわせて医療機関等の受付に提示してください。」"
    "（医療保険の資格情報）";
constexpr std::string_view kPdfCardUnreadable =
    "「マイナ保険証の読み取りができない例外的な場合には、保存したPDFファイルをマイナ保険証とともに"
    "医療機関等の受付に提示することで受診いただけます。」";
constexpr std::string_view kNoticeCardUnreadable =
    "「スマートフォンをお持ちでない方は、この文書をマイナ保険証とともに医療機関等の受付で提示する"
    "ことで受診いただけます」（資格情報のお知らせ）";
constexpr std::string_view kNoticeNotAlone =
    "「なお、このお知らせのみでは受診できません。」「受診の際にはマイナ保険証があわせて必要です」";
constexpr std::string_view kEscort =
    "「保育士等または教員等の引率者が医療機関・薬局に同伴し①②いずれかで受診」（①医療保険の資格情報"
    "のPDF・印刷、②資格情報のお知らせまたはその写し）";
constexpr std::string_view kEscortPdf =
    "「保育所等への通園時・学校行事等においては、「医療保険の資格情報」のみの提示で使用可能」";
constexpr std::string_view kParent =
    "「※保護者が児童・生徒等を医療機関・薬局に連れて行く場合はマイナ保険証を提示」";
constexpr std::string_view kUsualWithCard =
    "「(通常はマイナ保険証と併せて提示)」／「マイナ保険証の読み取りができない例外的な場合には」";
constexpr std::string_view kNoticeCopyEscort =
    "「保育所等や学校においては事前に原本または写しを預け保育士等が医療機関・薬局に提示することで"
    "保険診療・保険調剤を受けることが可能です」";
constexpr std::string_view kCertificate =
    "「資格確認書を病院・薬局の窓口で提示することでこれまで通り保険診療を受けることができます」";
constexpr std::string_view kCertificateCopy =
    "「保育所等や学校で資格確認書の写しを預け医療機関・薬局に提示することで保険診療・保険調剤を受け"
    "ることが可能です」（マイナ保険証の利用登録がない場合）";
constexpr std::string_view kLegacy =
    "「2025年12月1日、全ての健康保険証の有効期限が満了を迎えました」";
constexpr std::string_view kTransitional =
    "MHLW 2025-11-12 事務連絡（経過措置）: "
    "2026年3月31日まで、有効期限切れの健康保険証または資格情報の"
    "お知らせのみの提示でも、オンライン資格確認等で資格が確認できれば受診可";
constexpr std::string_view kOnlyThese =
    "フライヤーが受診に使えるとする書類はマイナ保険証・医療保険の資格情報・資格情報のお知らせ・資格"
    "確認"
    "書のみ（限度額適用認定証・高齢受給者証・受給者証・領収書・様式見本は資格の証明ではない）";

std::vector<Rule> make_rules() {
  const Date legacy_end = legacy_cards_expired_on();
  const Date last_day = transitional_measure_last_day();
  const Date after_last = last_day.add_days(1);
  const Date before_legacy_end = legacy_end.add_days(-1);
  return {
      // Papers that prove nothing about eligibility, whatever the context.
      {"other.any",
       Doc::OtherDocument,
       kAllContexts,
       Match::Any,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::NotProofOfInsurance,
       "資格の証明にならない書類は受け付けない",
       "A paper that proves nothing about eligibility is refused",
       kOnlyThese},
      {"unknown.any",
       Doc::Unknown,
       kAllContexts,
       Match::Any,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::NotProofOfInsurance,
       "判別できない書類は受け付けない",
       "An unrecognised paper is refused",
       kOnlyThese},

      // 医療保険の資格情報 (Mynaportal PDF, print, phone screen).
      {"mynaportal.escort",
       Doc::MynaportalQualification,
       bit(Ctx::SchoolEscort),
       Match::Any,
       Match::Any,
       {},
       {},
       Verdict::Accept,
       R::EscortDocumentAccepted,
       "引率者はPDF・印刷のみで可（オンラインで確認）",
       "An escort may show the PDF or its print alone (confirmed online)",
       kEscortPdf},
      {"mynaportal.card_unreadable.no_card",
       Doc::MynaportalQualification,
       bit(Ctx::CardUnreadable),
       Match::No,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::DocumentRequiresCard,
       "カード読取不可でもカード自体の提示が必要",
       "Card unreadable: the card itself must still be shown",
       kPdfNotAlone},
      {"mynaportal.card_unreadable",
       Doc::MynaportalQualification,
       bit(Ctx::CardUnreadable),
       Match::Yes,
       Match::Any,
       {},
       {},
       Verdict::Accept,
       R::QualificationConfirmed,
       "カード＋PDFで受付（読取不可の根拠が必要・オンラインで確認）",
       "Card + PDF accepted (the fault must be established; confirmed online)",
       kPdfCardUnreadable},
      {"mynaportal.card_shown",
       Doc::MynaportalQualification,
       kAtCounter,
       Match::Yes,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::ReadTheCardFirst,
       "カードがあればまずカードで確認",
       "The card is there: check by card first",
       kUsualWithCard},
      {"mynaportal.parent",
       Doc::MynaportalQualification,
       bit(Ctx::ParentWithChild),
       Match::Any,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::ParentMustShowCard,
       "保護者はマイナ保険証を提示（PDFのみ不可）",
       "A parent shows the card (the PDF alone is refused)",
       kParent},
      {"mynaportal.alone",
       Doc::MynaportalQualification,
       kAtCounter,
       Match::Any,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::DocumentRequiresCard,
       "PDFのみでは受診不可",
       "The PDF alone is refused",
       kPdfNotAlone},

      // 資格情報のお知らせ (and its cut-off slip).
      {"notice.escort",
       Doc::QualificationNotice,
       bit(Ctx::SchoolEscort),
       Match::Any,
       Match::Any,
       {},
       {},
       Verdict::Accept,
       R::EscortDocumentAccepted,
       "引率者はお知らせ（原本または写し）のみで可（オンラインで確認）",
       "An escort may show the notice, original or copy, alone (confirmed online)",
       kEscort},
      {"notice.copy",
       Doc::QualificationNotice,
       kAllContexts & ~bit(Ctx::SchoolEscort),
       Match::Any,
       Match::Yes,
       {},
       {},
       Verdict::Refuse,
       R::DocumentCopyNotAccepted,
       "お知らせの写しは引率の場合のみ",
       "A copy of the notice only from an escort",
       kNoticeCopyEscort},
      {"notice.card_unreadable.no_card",
       Doc::QualificationNotice,
       bit(Ctx::CardUnreadable),
       Match::No,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::DocumentRequiresCard,
       "カード読取不可でもカード自体の提示が必要",
       "Card unreadable: the card itself must still be shown",
       kNoticeNotAlone},
      {"notice.card_unreadable",
       Doc::QualificationNotice,
       bit(Ctx::CardUnreadable),
       Match::Yes,
       Match::Any,
       {},
       {},
       Verdict::Accept,
       R::QualificationConfirmed,
       "カード＋お知らせで受付（読取不可の根拠が必要・オンラインで確認）",
       "Card + notice accepted (the fault must be established; confirmed online)",
       kNoticeCardUnreadable},
      {"notice.card_shown",
       Doc::QualificationNotice,
       kAtCounter,
       Match::Yes,
       Match::Any,
       {},
       {},
       Verdict::Refuse,
       R::ReadTheCardFirst,
       "カードがあればまずカードで確認",
       "The card is there: check by card first",
       kUsualWithCard},
      {"notice.transitional",
       Doc::QualificationNotice,
       kAtCounter,
       Match::Any,
       Match::Any,
       {},
       last_day,
       Verdict::AcceptOnlineOnly,
       R::TransitionalNoticeAlone,
       "2026-03-31まで: お知らせのみでもオンラインで確認できれば可",
       "Until 2026-03-31: the notice alone if confirmed online",
       kTransitional},
      {"notice.parent",
       Doc::QualificationNotice,
       bit(Ctx::ParentWithChild),
       Match::Any,
       Match::Any,
       after_last,
       {},
       Verdict::Refuse,
       R::ParentMustShowCard,
       "保護者はマイナ保険証を提示（お知らせのみ不可）",
       "A parent shows the card (the notice alone is refused)",
       kParent},
      {"notice.alone",
       Doc::QualificationNotice,
       kAtCounter,
       Match::Any,
       Match::Any,
       after_last,
       {},
       Verdict::Refuse,
       R::DocumentRequiresCard,
       "お知らせのみでは受診不可",
       "The notice alone is refused",
       kNoticeNotAlone},

      // 資格確認書: valid alone within 発効期日..有効期限; a copy only from an escort.
      {"certificate.escort",
       Doc::QualificationCertificate,
       bit(Ctx::SchoolEscort),
       Match::Any,
       Match::Any,
       {},
       {},
       Verdict::CheckPeriod,
       R::EscortDocumentAccepted,
       "引率者は資格確認書（預かった写しを含む）を有効期間内なら提示可",
       "An escort may show the certificate, or its deposited copy, within its period",
       kCertificateCopy},
      {"certificate.copy",
       Doc::QualificationCertificate,
       kAllContexts & ~bit(Ctx::SchoolEscort),
       Match::Any,
       Match::Yes,
       {},
       {},
       Verdict::Refuse,
       R::CertificateCopyNotAccepted,
       "資格確認書の写しは引率の場合のみ",
       "A copy of a certificate only from an escort",
       kCertificateCopy},
      {"certificate.original",
       Doc::QualificationCertificate,
       kAllContexts & ~bit(Ctx::SchoolEscort),
       Match::Any,
       Match::No,
       {},
       {},
       Verdict::CheckPeriod,
       R::CertificateValid,
       "資格確認書の原本は発効期日〜有効期限の間なら単独で可",
       "The original certificate alone, from 発効期日 to 有効期限",
       kCertificate},

      // 健康保険証 (legacy card).
      {"legacy.copy",
       Doc::LegacyInsuranceCard,
       kAllContexts,
       Match::Any,
       Match::Yes,
       {},
       {},
       Verdict::Refuse,
       R::DocumentCopyNotAccepted,
       "健康保険証の写しは不可",
       "A copy of a legacy card is refused",
       kLegacy},
      {"legacy.valid",
       Doc::LegacyInsuranceCard,
       kAllContexts,
       Match::Any,
       Match::No,
       {},
       before_legacy_end,
       Verdict::Accept,
       R::QualificationConfirmed,
       "2025-11-30まで: 健康保険証は有効",
       "Until 2025-11-30: the legacy card is valid",
       kLegacy},
      {"legacy.transitional", Doc::LegacyInsuranceCard, kAllContexts, Match::Any, Match::No,
       legacy_end, last_day, Verdict::AcceptOnlineOnly, R::LegacyCardTransitional,
       "2025-12-01〜2026-03-31: オンラインで確認できた場合のみ",
       "2025-12-01 to 2026-03-31: only if confirmed online", kTransitional},
      {"legacy.expired",
       Doc::LegacyInsuranceCard,
       kAllContexts,
       Match::Any,
       Match::No,
       after_last,
       {},
       Verdict::Refuse,
       R::LegacyCardExpired,
       "2026-04-01から: 健康保険証は不可（資格確認書・マイナ保険証を案内）",
       "From 2026-04-01: refused (ask for a certificate or the card)",
       kLegacy},
  };
}

bool matches(Match m, bool value) { return m == Match::Any || (m == Match::Yes) == value; }
}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Accept:
      return "accept";
    case Verdict::AcceptOnlineOnly:
      return "accept_online_only";
    case Verdict::CheckPeriod:
      return "check_period";
    case Verdict::Refuse:
      return "refuse";
  }
  return "refuse";
}

std::span<const Rule> rules() {
  static const std::vector<Rule> table = make_rules();
  return table;
}

const Rule* find_rule(const Presentation& shown, const Date& visit) {
  for (const Rule& r : rules()) {
    if (r.document != shown.document) continue;
    if ((r.contexts & context_bit(shown.context)) == 0) continue;
    if (!matches(r.card_shown, shown.card_shown) || !matches(r.copy, shown.copy)) continue;
    if (r.visit_from && visit < *r.visit_from) continue;
    if (r.visit_until && *r.visit_until < visit) continue;
    return &r;
  }
  return nullptr;
}

}  // namespace madoguchi::policy

namespace madoguchi::policy {

namespace {
std::string contexts_of(unsigned mask) {
  if (mask == kAllContexts) return "all";
  std::string out;
  for (PresentationContext c : all_contexts())
    if (mask & context_bit(c)) out += (out.empty() ? "" : ", ") + std::string(to_string(c));
  return out;
}
std::string_view match_of(Match m) {
  return m == Match::Any ? "–" : m == Match::Yes ? "yes" : "no";
}
std::string visit_of(const Rule& r) {
  if (!r.visit_from && !r.visit_until) return "–";
  return (r.visit_from ? r.visit_from->iso() : std::string()) + "…" +
         (r.visit_until ? r.visit_until->iso() : std::string());
}
}  // namespace

std::string rules_markdown() {
  std::string out =
      "| # | row | document | contexts | card shown | copy | visit date | verdict | reason | "
      "判断 | decision | source (出典) |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  int n = 0;
  for (const Rule& r : rules()) {
    out += "| " + std::to_string(++n) + " | `" + std::string(r.id) + "` | " +
           std::string(to_string(r.document)) + " | " + contexts_of(r.contexts) + " | " +
           std::string(match_of(r.card_shown)) + " | " + std::string(match_of(r.copy)) + " | " +
           visit_of(r) + " | " + std::string(to_string(r.verdict)) + " | `" +
           std::string(describe(r.reason).code) + "` | " + std::string(r.summary_ja) + " | " +
           std::string(r.summary_en) + " | " + std::string(r.source) + " |\n";
  }
  return out;
}

}  // namespace madoguchi::policy
