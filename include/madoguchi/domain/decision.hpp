// The answer the desk gets: accept or refuse, why, and what to tell the patient.
#pragma once

#include <madoguchi/domain/qualification.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi {

// Stable reason codes: receipt systems match on their string form; never renumber or rename.
enum class ReasonCode {
  QualificationConfirmed,      // 資格を確認
  QualificationLost,           // 資格喪失
  NewerQualificationExists,    // 新しい資格あり
  QualificationNotFound,       // 該当資格なし
  SeveralQualificationsMatch,  // 複数該当
  GatewayUnavailable,          // オンライン資格確認に接続できない
  UnconfirmedPendingRecheck,   // 書類で受付・後で再確認
  DocumentRequiresCard,        // 資格情報/お知らせのみでは受診不可
  EscortDocumentAccepted,      // 引率者による提示
  CertificateValid,            // 資格確認書 有効期間内
  CertificateExpired,          // 資格確認書 有効期限切れ
  CertificateNotYetValid,      // 資格確認書 発効前
  LegacyCardExpired,           // 健康保険証 2025-12-01 で失効
  LegacyCardTransitional,      // 経過措置 (〜2026-03-31)
  CoPayRatioExpiryPassed,      // 負担割合の有効期限経過 — 要オンライン確認
  CardCertificateRenewalDue,   // 電子証明書 更新時期 (3か月前から)
  CardCertificateGracePeriod,  // 電子証明書 期限切れ後3か月以内
  CardCertificateExpired,      // 電子証明書 失効 (3か月超)
  CardPinLastTry,              // 暗証番号 残り1回 — 送信しない
  CardLocked,                  // 暗証番号ロック
  CardWrongPin,                // 暗証番号誤り
  CardReaderFault,             // カードリーダー障害
  CardNotPresent,              // カードなし
  NotMyNumberCard,             // マイナンバーカードではない
  DocumentUnreadable,          // 書類を読み取れない
  DocumentInvalid,             // 書類の記載に誤り
};

struct ReasonText {
  std::string_view code;        // "qualification_confirmed"
  std::string_view message_ja;  // for the desk
  std::string_view message_en;
};

const ReasonText& describe(ReasonCode code);
std::optional<ReasonCode> reason_from_string(std::string_view code);
std::span<const ReasonCode> all_reason_codes();

enum class Outcome {
  Accepted,             // 受付可 (confirmed online)
  AcceptedUnconfirmed,  // 受付可・未確認 (document accepted, gateway unreachable: re-confirm)
  Refused,              // 受付不可
  Failed,               // could not decide (reader fault, unreadable document)
};
std::string_view to_string(Outcome o);

struct Decision {
  Outcome outcome = Outcome::Failed;
  std::vector<ReasonCode> reasons;  // first one is the main reason
  std::optional<Qualification> qualification;

  // The desk's sentence: the Japanese messages of every reason, joined.
  std::string message_ja() const;
  std::string message_en() const;
};

}  // namespace madoguchi
