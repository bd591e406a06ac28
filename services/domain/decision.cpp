#include <madoguchi/domain/decision.hpp>

#include <array>
#include <utility>

namespace madoguchi {

namespace {
using R = ReasonCode;

// One row per code; the order does not matter, the strings are the contract. Each sentence says
// what happened; `next` what to ask or do next (the desk reads both, in that order).
constexpr std::array<std::pair<ReasonCode, ReasonText>, 45> kReasons{{
    {R::QualificationConfirmed,
     {"qualification_confirmed", "オンライン資格確認で資格を確認しました。",
      "Qualification confirmed online."}},
    {R::QualificationLost,
     {"qualification_lost", "この保険の資格は[{disqualification_date}に]喪失しています。",
      "The person is no longer insured under this qualification[ (lost on "
      "{disqualification_date})].",
      "新しい保険の資格確認書またはマイナ保険証をお持ちか確認してください。",
      "Ask for the new insurance: its qualification certificate or the MyNumber insurance card."}},
    {R::NewerQualificationExists,
     {"newer_qualification_exists", "より新しい資格があります。この書類の保険は使えません。",
      "A newer qualification exists; this insurance can no longer be used.",
      "新しい保険の資格確認書またはマイナ保険証をお持ちか確認してください。",
      "Ask for the new insurance: its qualification certificate or the MyNumber insurance card."}},
    {R::QualificationNotFound,
     {"qualification_not_found", "該当する資格が見つかりません。", "No qualification matches.",
      "保険者番号・記号・番号・枝番を書類と照らしてご確認ください。",
      "Check the insurer number, symbol, number and branch against the document."}},
    {R::SeveralQualificationsMatch,
     {"several_qualifications_match", "複数の資格が該当しました。", "Several qualifications match.",
      "枝番または生年月日を確認して、もう一度照会してください。",
      "Ask for the branch number (枝番) or the birth date and check again."}},
    {R::GatewayUnavailable,
     {"gateway_unavailable", "オンライン資格確認に接続できません。",
      "The online qualification check is unavailable.", "しばらくしてから再度照会してください。",
      "Try the online check again later."}},
    {R::UnconfirmedPendingRecheck,
     {"unconfirmed_pending_recheck",
      "書類で受け付けました（未確認）。オンライン資格確認が回復し次第、自動で再確認します。",
      "Accepted on the document, unconfirmed; it is re-confirmed online automatically when the "
      "gateway is back."}},
    {R::DocumentRequiresCard,
     {"document_requires_card", "この書類のみでは受診できません。",
      "This document is not valid alone.",
      "マイナ保険証とあわせてご提示いただくか、資格確認書をお持ちください。",
      "Ask for the MyNumber insurance card together with it, or a qualification certificate."}},
    {R::EscortDocumentAccepted,
     {"escort_document_accepted", "保育所・学校等の引率者による提示として受け付けます。",
      "Accepted as shown by a daycare or school escort."}},
    {R::CertificateValid,
     {"certificate_valid", "資格確認書は有効期間内です[（有効期限 {valid_until}）]。",
      "The qualification certificate is valid[ (until {valid_until})]."}},
    {R::CertificateExpired,
     {"certificate_expired", "資格確認書の有効期限[（{valid_until}）]が切れています。",
      "The qualification certificate expired[ on {valid_until}].",
      "新しい資格確認書またはマイナ保険証をお持ちください。",
      "Ask for the new qualification certificate or the MyNumber insurance card."}},
    {R::CertificateNotYetValid,
     {"certificate_not_yet_valid", "資格確認書の発効期日[（{valid_from}）]より前です。",
      "The qualification certificate is not yet in effect[ (from {valid_from})].",
      "現在有効な資格確認書またはマイナ保険証をお持ちください。",
      "Ask for the certificate in effect today or the MyNumber insurance card."}},
    {R::LegacyCardExpired,
     {"legacy_card_expired", "健康保険証は2025年12月1日で有効期限が満了しています。",
      "Legacy insurance cards expired on 2025-12-01.",
      "資格確認書またはマイナ保険証をお持ちください。",
      "Ask for a qualification certificate or the MyNumber insurance card."}},
    {R::LegacyCardTransitional,
     {"legacy_card_transitional",
      "経過措置（2026年3月31日まで）として、オンラインで資格を確認できた場合に限り受け付けます。",
      "Transitional measure (until 2026-03-31): accepted only when confirmed online.",
      "次回からは資格確認書またはマイナ保険証をお持ちください。",
      "Next time: a qualification certificate or the MyNumber insurance card."}},
    {R::CoPayRatioExpiryPassed,
     {"copay_ratio_expiry_passed", "負担割合の有効期限[（{copay_valid_until}）]を過ぎています。",
      "The co-pay ratio's expiry date[ ({copay_valid_until})] has passed.",
      "オンラインで最新の負担割合を確認してください。", "Confirm the current ratio online."}},
    {R::CardCertificateRenewalDue,
     {"card_certificate_renewal_due",
      "マイナンバーカードの電子証明書の有効期限[（{card_certificate_expiry}）]が近づいています。",
      "The card's electronic certificate expires soon[ ({card_certificate_expiry})].",
      "市区町村の窓口で更新するようお伝えください。",
      "Tell the patient to renew it at the municipality."}},
    {R::CardCertificateGracePeriod,
     {"card_certificate_grace_period",
      "電子証明書の有効期限[（{card_certificate_expiry}）]が切れています[（{card_certificate_"
      "usable_"
      "until}まで利用可）]。",
      "The card's electronic certificate has expired[ ({card_certificate_expiry})]; the card "
      "still confirms eligibility[ until {card_certificate_usable_until}].",
      "市区町村の窓口で更新するようお伝えください。",
      "Tell the patient to renew it at the municipality."}},
    {R::CardCertificateExpired,
     {"card_certificate_expired",
      "電子証明書の有効期限[（{card_certificate_expiry}）]"
      "から3か月を過ぎた月末を過ぎたため、マイナ保"
      "険証として利用できません。",
      "The card's certificate expired[ on {card_certificate_expiry}] and its grace period has "
      "ended: the card cannot be used.",
      "市区町村で更新するようお伝えし、本日は資格確認書等でご確認ください。",
      "Refer the patient to the municipality for renewal; use a document today."}},
    {R::CardPinLastTry,
     {"card_pin_last_try", "暗証番号の残り回数が1回のため、照合を行いません。",
      "Only one PIN try is left: the PIN is not sent.",
      "目視確認で確認するか、市区町村での再設定をご案内ください。",
      "Use visual confirmation (目視確認) or refer the patient to the municipality."}},
    {R::CardLocked,
     {"card_locked", "暗証番号がロックされています。", "The card's PIN is locked.",
      "目視確認で確認し、市区町村での再設定をご案内ください。",
      "Use visual confirmation (目視確認); the PIN is reset at the municipality."}},
    {R::CardWrongPin,
     {"card_wrong_pin", "暗証番号が違います[（残り{tries_left}回）]。",
      "Wrong PIN[ ({tries_left} tries left)].",
      "もう一度暗証番号を入力していただくか、目視確認を選んでください。",
      "Ask the patient to enter the PIN again, or use visual confirmation."}},
    {R::CardReaderFault,
     {"card_reader_fault", "カードを読み取れません。", "The card cannot be read.",
      "資格情報の画面・書類とマイナ保険証で確認してください（カード読取不可）。",
      "Fall back to the qualification document shown with the card (card_unreadable)."}},
    {R::CardNotPresent,
     {"card_not_present", "カードが置かれていません。", "No card on the reader.",
      "カードをリーダーに置いてください。", "Place the card on the reader."}},
    {R::NotMyNumberCard,
     {"not_mynumber_card", "マイナンバーカードではありません。", "This is not a MyNumber card.",
      "マイナ保険証または資格確認書をお持ちください。",
      "Ask for the MyNumber insurance card or a qualification certificate."}},
    {R::DocumentUnreadable,
     {"document_unreadable", "書類を読み取れません。", "The document cannot be read.",
      "鮮明な画像で撮り直すか、原本をお持ちください。",
      "Scan or photograph it again, or ask for the original."}},
    {R::DocumentInvalid,
     {"document_invalid", "書類の記載内容に誤りがあるか、必要な記載が読み取れません。",
      "The document's contents are invalid or incomplete.", "原本の記載をご確認ください。",
      "Check the original document."}},
    {R::NotProofOfInsurance,
     {"not_proof_of_insurance",
      "この書類は保険資格の証明になりません（限度額適用認定証・受給者証・領収書など）。",
      "This paper does not prove insurance (a limit certificate, recipient certificate, receipt "
      "or similar).",
      "マイナ保険証または資格確認書をお持ちください。",
      "Ask for the MyNumber insurance card or a qualification certificate."}},
    {R::CertificateCopyNotAccepted,
     {"certificate_copy_not_accepted",
      "資格確認書の写しは、保育所・学校等の引率の場合に限り使えます。",
      "A copy of a qualification certificate is accepted only from a daycare or school escort.",
      "資格確認書の原本またはマイナ保険証をお持ちください。",
      "Ask for the original certificate or the MyNumber insurance card."}},
    {R::DocumentCopyNotAccepted,
     {"document_copy_not_accepted", "この書類の写しは、保育所・学校等の引率の場合に限り使えます。",
      "A copy of this document is accepted only from a daycare or school escort.",
      "原本とマイナ保険証をあわせてご提示ください。",
      "Ask for the original together with the MyNumber insurance card."}},
    {R::ParentMustShowCard,
     {"parent_must_show_card",
      "保護者がお子さまを連れて受診する場合は、マイナ保険証の提示が必要です。",
      "A parent bringing the child shows the child's MyNumber insurance card.",
      "お子さまのマイナ保険証または資格確認書をお持ちください。",
      "Ask for the child's MyNumber insurance card or qualification certificate."}},
    {R::ReadTheCardFirst,
     {"read_the_card_first", "マイナ保険証をお持ちです。書類よりカードでの確認が先です。",
      "The card is here: check by card before any document.",
      "カードをリーダーで読み取ってください。読み取れない場合は「カード読取不可」を選んでください"
      "。",
      "Read the card; if it cannot be read, choose card_unreadable."}},
    {R::CardUnreadableNotEstablished,
     {"card_unreadable_not_established",
      "カードが読み取れなかったことが確認できません（この端末で失敗したカード確認、またはリーダー"
      "障害の申告が必要です）。",
      "That the card could not be read is not established (a failed card check on this terminal, "
      "or a declared reader fault, is needed).",
      "まずカードで確認するか、リーダー障害として申告してください。",
      "Try the card first, or declare a reader fault."}},
    {R::CardReaderFaultDeclared,
     {"card_reader_fault_declared", "窓口がカードリーダーの障害を申告しています。",
      "The desk declared a card reader fault."}},
    {R::CardCheckFailedEarlier,
     {"card_check_failed_earlier", "この端末でのカード確認が失敗しています。",
      "The card check on this terminal failed."}},
    {R::QualificationNotYetStarted,
     {"qualification_not_yet_started",
      "受診日は資格取得年月日[（{qualification_date}）]より前です。",
      "The visit is before the qualification starts[ ({qualification_date})].",
      "受診日時点で有効な保険の資格確認書またはマイナ保険証をお持ちか確認してください。",
      "Ask for the insurance valid on the visit date."}},
    {R::QualificationValidOnVisitDate,
     {"qualification_valid_on_visit_date",
      "資格はその後[{disqualification_date}に]喪失していますが、受診日には有効でした。",
      "The qualification has been lost since[ ({disqualification_date})], but it was valid on the "
      "visit date."}},
    {R::ValidUnregistered,
     {"valid_unregistered", "資格は有効です（未登録・医療扶助など）。",
      "The qualification is valid but not registered (e.g. medical aid).",
      "医療券・調剤券などの記載もあわせてご確認ください。",
      "Check the medical aid voucher as well."}},
    {R::GatewayAnswerMismatch,
     {"gateway_answer_mismatch",
      "オンライン資格確認の回答が照会した方（枝番・生年月日）と一致しないため、使いません。",
      "The online answer is about someone else (branch number or birth date differ); it is "
      "ignored.",
      "記号・番号・枝番・生年月日を確認して、もう一度照会してください。",
      "Check the symbol, number, branch and birth date, and check again."}},
    {R::CoPayRatioDiffers,
     {"copay_ratio_differs",
      "書類の負担割合[（{document_copay_percent}%）]がオンラインの負担割合[（{online_copay_percent}"
      "%"
      "）]と異なります。",
      "The document's co-pay ratio[ ({document_copay_percent}%)] differs from the online one[ "
      "({online_copay_percent}%)].",
      "オンラインの負担割合で受け付けてください。", "Use the online ratio."}},
    {R::MynaportalSavedAge,
     {"mynaportal_saved_age", "資格情報PDFの保存日時は[{saved_on}]です[（{saved_age_days}日前）]。",
      "The Mynaportal PDF was saved[ on {saved_on}][ ({saved_age_days} days ago)]."}},
    {R::MynaportalTooOldUnconfirmed,
     {"mynaportal_too_old_unconfirmed",
      "資格情報PDFが古いため[（{saved_age_days}日前、上限{max_unconfirmed_age_days}日）]"
      "、オンライン"
      "で確認できない間は受け付けられません。",
      "The Mynaportal PDF is too old[ ({saved_age_days} days, limit {max_unconfirmed_age_days})] "
      "to be accepted without online confirmation.",
      "マイナポータルで新しく保存したPDFをお持ちいただくか、オンライン資格確認の回復後に再度照会し"
      "て"
      "ください。",
      "Ask for a freshly saved PDF, or check again when the gateway is back."}},
    {R::CardCertificateNotYetValid,
     {"card_certificate_not_yet_valid",
      "マイナンバーカードの電子証明書の有効期間[（{card_certificate_valid_from}から）]"
      "がまだ始まって"
      "いません。",
      "The card's electronic certificate is not valid yet[ (from {card_certificate_valid_from})].",
      "本日は資格確認書等で確認してください。", "Use a document today."}},
    {R::Reconfirmed,
     {"reconfirmed", "未確認で受け付けた確認を、オンラインで再確認しました。",
      "The unconfirmed acceptance was re-confirmed online."}},
    {R::ReconfirmationFollowUp,
     {"reconfirmation_follow_up",
      "未確認で受け付けた方の資格を再確認できませんでした。要フォローです。",
      "Re-confirmation did not find the qualification: follow up.",
      "ご本人に連絡し、有効な保険の資格確認書またはマイナ保険証を確認してください。",
      "Contact the patient about their current insurance."}},
    {R::TransitionalNoticeAlone,
     {"transitional_notice_alone",
      "経過措置（2026年3月31日まで）として、資格情報のお知らせのみでもオンラインで資格を確認できた"
      "場合に限り受け付けます。",
      "Transitional measure (until 2026-03-31): the notice alone is accepted only when confirmed "
      "online.",
      "次回からはマイナ保険証とあわせてご提示ください。",
      "Next time: show it with the MyNumber insurance card."}},
}};

constexpr std::array<ReasonCode, kReasons.size()> all_codes() {
  std::array<ReasonCode, kReasons.size()> out{};
  for (std::size_t i = 0; i < kReasons.size(); ++i) out[i] = kReasons[i].first;
  return out;
}
constexpr auto kAllCodes = all_codes();

std::string japanese_date(const Date& d) {
  return std::to_string(d.year()) + "年" + std::to_string(d.month()) + "月" +
         std::to_string(d.day()) + "日";
}

// The value of `{name}` in the language's form, or nullopt when the fact is unknown.
std::optional<std::string> fact(std::string_view name, const DecisionFacts& f, bool ja) {
  auto date = [&](const std::optional<Date>& d) -> std::optional<std::string> {
    if (!d) return std::nullopt;
    return ja ? japanese_date(*d) : d->iso();
  };
  auto number = [](const std::optional<int>& n) -> std::optional<std::string> {
    if (!n) return std::nullopt;
    return std::to_string(*n);
  };
  if (name == "valid_from") return date(f.valid_from);
  if (name == "valid_until") return date(f.valid_until);
  if (name == "copay_valid_until") return date(f.copay_valid_until);
  if (name == "document_copay_percent") return number(f.document_copay_percent);
  if (name == "online_copay_percent") return number(f.online_copay_percent);
  if (name == "qualification_date") return date(f.qualification_date);
  if (name == "disqualification_date") return date(f.disqualification_date);
  if (name == "saved_on") return date(f.saved_on);
  if (name == "saved_age_days") return number(f.saved_age_days);
  if (name == "max_unconfirmed_age_days") return number(f.max_unconfirmed_age_days);
  if (name == "tries_left") return number(f.tries_left);
  if (name == "card_certificate_expiry") return date(f.card_certificate_expiry);
  if (name == "card_certificate_usable_until") return date(f.card_certificate_usable_until);
  if (name == "card_certificate_valid_from") return date(f.card_certificate_valid_from);
  return std::nullopt;
}

// Fills `{name}`; a `[…]` part is kept only when every fact inside it is known.
std::string render(std::string_view text, const DecisionFacts& f, bool ja) {
  std::string out, part;
  bool in_part = false, part_ok = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string& sink = in_part ? part : out;
    const char c = text[i];
    if (c == '[' && !in_part) {
      in_part = true;
      part.clear();
      part_ok = true;
    } else if (c == ']' && in_part) {
      if (part_ok) out += part;
      in_part = false;
    } else if (c == '{') {
      const auto close = text.find('}', i);
      if (close == std::string_view::npos) {
        sink += text.substr(i);
        break;
      }
      const auto value = fact(text.substr(i + 1, close - i - 1), f, ja);
      if (value)
        sink += *value;
      else
        part_ok = false;
      i = close;
    } else {
      sink += c;
    }
  }
  return out;
}
}  // namespace

const ReasonText& describe(ReasonCode code) {
  for (const auto& [c, t] : kReasons)
    if (c == code) return t;
  static const ReasonText unknown{"unknown", "不明な理由です。", "Unknown reason."};
  return unknown;
}

std::string message_ja(ReasonCode code, const DecisionFacts& facts) {
  const ReasonText& t = describe(code);
  return render(t.message_ja, facts, true) + render(t.next_ja, facts, true);
}

std::string message_en(ReasonCode code, const DecisionFacts& facts) {
  const ReasonText& t = describe(code);
  std::string out = render(t.message_en, facts, false);
  if (!t.next_en.empty()) out += " " + render(t.next_en, facts, false);
  return out;
}

std::optional<ReasonCode> reason_from_string(std::string_view code) {
  for (const auto& [c, t] : kReasons)
    if (t.code == code) return c;
  return std::nullopt;
}

std::span<const ReasonCode> all_reason_codes() { return kAllCodes; }

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Accepted:
      return "accepted";
    case Outcome::AcceptedUnconfirmed:
      return "accepted_unconfirmed";
    case Outcome::Refused:
      return "refused";
    case Outcome::Failed:
      return "failed";
    case Outcome::NeedsMore:
      return "needs_more";
  }
  return "failed";
}

std::string Decision::message_ja() const {
  std::string out;
  for (ReasonCode r : reasons) out += madoguchi::message_ja(r, facts);
  return out;
}

std::string Decision::message_en() const {
  std::string out;
  for (ReasonCode r : reasons) {
    if (!out.empty()) out += ' ';
    out += madoguchi::message_en(r, facts);
  }
  return out;
}

std::string Decision::next_step_ja() const {
  for (ReasonCode r : reasons)
    if (!describe(r).next_ja.empty()) return render(describe(r).next_ja, facts, true);
  return {};
}

std::string Decision::next_step_en() const {
  for (ReasonCode r : reasons)
    if (!describe(r).next_en.empty()) return render(describe(r).next_en, facts, false);
  return {};
}

}  // namespace madoguchi
