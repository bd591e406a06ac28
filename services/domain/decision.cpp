#include <madoguchi/domain/decision.hpp>

#include <array>
#include <utility>

namespace madoguchi {

namespace {
using R = ReasonCode;

// One row per code; the order does not matter, the strings are the contract.
constexpr std::array<std::pair<ReasonCode, ReasonText>, 26> kReasons{{
    {R::QualificationConfirmed,
     {"qualification_confirmed", "オンライン資格確認で資格を確認しました。",
      "Qualification confirmed online."}},
    {R::QualificationLost,
     {"qualification_lost",
      "この保険の資格は喪失しています。新しい保険の資格情報をご確認ください。",
      "The person is no longer insured under this qualification; ask for the new one."}},
    {R::NewerQualificationExists,
     {"newer_qualification_exists", "より新しい資格があります。最新の資格情報をご確認ください。",
      "A newer qualification exists; confirm the current one."}},
    {R::QualificationNotFound,
     {"qualification_not_found", "該当する資格が見つかりません。記載内容をご確認ください。",
      "No qualification matches; check the identifiers."}},
    {R::SeveralQualificationsMatch,
     {"several_qualifications_match", "複数の資格が該当しました。枝番・生年月日をご確認ください。",
      "Several qualifications match; add the branch number or birth date."}},
    {R::GatewayUnavailable,
     {"gateway_unavailable", "オンライン資格確認に接続できません。",
      "The online qualification check is unavailable."}},
    {R::UnconfirmedPendingRecheck,
     {"unconfirmed_pending_recheck",
      "書類で受け付けました。オンライン資格確認が回復し次第、再確認します。",
      "Accepted on the document; will be re-confirmed online when the gateway is back."}},
    {R::DocumentRequiresCard,
     {"document_requires_card",
      "この書類のみでは受診できません。マイナ保険証とあわせてご提示ください。",
      "This document is not valid alone; it must be shown with the MyNumber insurance card."}},
    {R::EscortDocumentAccepted,
     {"escort_document_accepted", "保育所・学校等の引率者による提示として受け付けます。",
      "Accepted as shown by a daycare or school escort."}},
    {R::CertificateValid,
     {"certificate_valid", "資格確認書は有効期間内です。",
      "The qualification certificate is valid."}},
    {R::CertificateExpired,
     {"certificate_expired", "資格確認書の有効期限が切れています。",
      "The qualification certificate has expired."}},
    {R::CertificateNotYetValid,
     {"certificate_not_yet_valid", "資格確認書の発効期日前です。",
      "The qualification certificate is not yet in effect."}},
    {R::LegacyCardExpired,
     {"legacy_card_expired",
      "健康保険証は2025年12月1日で有効期限が満了しています。マイナ保険証または資格確認書をご提示く"
      "ださい。",
      "Legacy insurance cards expired on 2025-12-01; show the MyNumber insurance card or a "
      "qualification certificate."}},
    {R::LegacyCardTransitional,
     {"legacy_card_transitional",
      "経過措置（2026年3月31日まで）として、オンラインで資格を確認できた場合に限り受け付けます。",
      "Transitional measure (until 2026-03-31): accepted only when confirmed online."}},
    {R::CoPayRatioExpiryPassed,
     {"copay_ratio_expiry_passed",
      "負担割合の有効期限を過ぎています。オンラインで最新の負担割合をご確認ください。",
      "The co-pay ratio's expiry date has passed; confirm the current ratio online."}},
    {R::CardCertificateRenewalDue,
     {"card_certificate_renewal_due",
      "マイナンバーカードの電子証明書の有効期限が近づいています。市区町村で更新してください。",
      "The card's electronic certificate expires soon; renew it at the municipality."}},
    {R::CardCertificateGracePeriod,
     {"card_certificate_grace_period",
      "電子証明書の有効期限が切れています（3か月間は利用可）。市区町村で更新してください。",
      "The card's electronic certificate has expired (usable for 3 months); renew it."}},
    {R::CardCertificateExpired,
     {"card_certificate_expired",
      "電子証明書の有効期限から3か月を過ぎたため、マイナ保険証として利用できません。市区町村で更新"
      "し、本日は資格確認書等でご確認ください。",
      "The card's certificate expired more than 3 months ago; the card cannot be used. Renew it "
      "at the municipality; use a document today."}},
    {R::CardPinLastTry,
     {"card_pin_last_try",
      "暗証番号の残り回数が1回のため、照合を行いません。市区町村での再設定、または目視確認をご案内"
      "ください。",
      "Only one PIN try is left: the PIN is not sent. Refer the patient to the municipality or "
      "use visual confirmation."}},
    {R::CardLocked,
     {"card_locked", "暗証番号がロックされています。市区町村で再設定してください。",
      "The card's PIN is locked; it must be reset at the municipality."}},
    {R::CardWrongPin, {"card_wrong_pin", "暗証番号が違います。", "Wrong PIN."}},
    {R::CardReaderFault,
     {"card_reader_fault",
      "カードを読み取れません。資格情報の画面・書類とマイナ保険証で確認してください。",
      "The card cannot be read; fall back to the qualification document with the card."}},
    {R::CardNotPresent,
     {"card_not_present", "カードが置かれていません。", "No card on the reader."}},
    {R::NotMyNumberCard,
     {"not_mynumber_card", "マイナンバーカードではありません。", "This is not a MyNumber card."}},
    {R::DocumentUnreadable,
     {"document_unreadable", "書類を読み取れません。", "The document cannot be read."}},
    {R::DocumentInvalid,
     {"document_invalid", "書類の記載内容に誤りがあります。",
      "The document's contents are invalid."}},
}};

constexpr std::array<ReasonCode, kReasons.size()> all_codes() {
  std::array<ReasonCode, kReasons.size()> out{};
  for (std::size_t i = 0; i < kReasons.size(); ++i) out[i] = kReasons[i].first;
  return out;
}
constexpr auto kAllCodes = all_codes();
}  // namespace

const ReasonText& describe(ReasonCode code) {
  for (const auto& [c, t] : kReasons)
    if (c == code) return t;
  static const ReasonText unknown{"unknown", "不明な理由です。", "Unknown reason."};
  return unknown;
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
  }
  return "failed";
}

std::string Decision::message_ja() const {
  std::string out;
  for (ReasonCode r : reasons) out += describe(r).message_ja;
  return out;
}

std::string Decision::message_en() const {
  std::string out;
  for (ReasonCode r : reasons) {
    if (!out.empty()) out += ' ';
    out += describe(r).message_en;
  }
  return out;
}

}  // namespace madoguchi
