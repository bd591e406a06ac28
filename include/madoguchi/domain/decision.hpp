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
  // Added with the presentation contexts and the gateway answers of issue 10.
  NotProofOfInsurance,  // 資格の証明にならない書類 (限度額適用認定証, 受給者証, 領収書 …)
  CertificateCopyNotAccepted,  // 資格確認書の写し (引率以外)
  DocumentCopyNotAccepted,     // お知らせ等の写し (引率以外)
  ParentMustShowCard,          // 保護者はマイナ保険証を提示
  ReadTheCardFirst,            // カードがあるなら読み取りを
  CardUnreadableNotEstablished,  // 読取不可の根拠 (失敗した確認 / リーダー障害の申告) がない
  CardReaderFaultDeclared,        // 窓口がリーダー障害を申告
  CardCheckFailedEarlier,         // 同じ端末で失敗したカード確認あり
  QualificationNotYetStarted,     // 資格取得年月日より前の受診
  QualificationValidOnVisitDate,  // 受診日には資格があった (その後喪失)
  ValidUnregistered,              // 有効・未登録 (医療扶助など)
  GatewayAnswerMismatch,          // 別人・別の家族の回答 (無視)
  CoPayRatioDiffers,              // 書類とオンラインの負担割合が違う
  MynaportalSavedAge,             // 資格情報PDFの保存日時と経過日数
  MynaportalTooOldUnconfirmed,    // 古いPDFは未確認では受け付けない
  CardCertificateNotYetValid,     // 電子証明書 有効期間開始前
  Reconfirmed,                    // 後日オンラインで再確認済み
  ReconfirmationFollowUp,         // 再確認で資格なし: 要フォロー
  TransitionalNoticeAlone,        // 経過措置: お知らせのみ (〜2026-03-31)
};

struct ReasonText {
  std::string_view code;          // "qualification_confirmed"
  std::string_view message_ja;    // what happened, for the desk; may hold placeholders such as
  std::string_view message_en;    // {valid_until} (see DecisionFacts)
  std::string_view next_ja = {};  // what to ask or do next ("" when there is nothing to ask)
  std::string_view next_en = {};
};

// Dates and counts the sentences name: "expired on {valid_until}", "{tries_left} tries left".
// A sentence's bracketed part "[…{x}…]" is left out when its fact is unknown.
struct DecisionFacts {
  std::optional<Date> valid_from;                     // 発効期日 of a certificate
  std::optional<Date> valid_until;                    // 有効期限 of a certificate
  std::optional<Date> copay_valid_until;              // 70+ ratio's 有効期限
  std::optional<int> document_copay_percent;          // ratio printed on the paper
  std::optional<int> online_copay_percent;            // ratio the gateway answered
  std::optional<Date> qualification_date;             // 資格取得年月日
  std::optional<Date> disqualification_date;          // 資格喪失年月日
  std::optional<Date> saved_on;                       // 保存日時 of a Mynaportal PDF
  std::optional<int> saved_age_days;                  // its age on the visit date
  std::optional<int> max_unconfirmed_age_days;        // the configured limit
  std::optional<int> tries_left;                      // PIN tries after a wrong one
  std::optional<Date> card_certificate_expiry;        // JPKI certificate notAfter (JST)
  std::optional<Date> card_certificate_usable_until;  // end of the grace month
  std::optional<Date> card_certificate_valid_from;

  friend bool operator==(const DecisionFacts&, const DecisionFacts&) = default;
};

const ReasonText& describe(ReasonCode code);
// The desk's sentence: what happened, then what to ask next, with the facts filled in.
std::string message_ja(ReasonCode code, const DecisionFacts& facts);
std::string message_en(ReasonCode code, const DecisionFacts& facts);
std::optional<ReasonCode> reason_from_string(std::string_view code);
std::span<const ReasonCode> all_reason_codes();

enum class Outcome {
  Accepted,             // 受付可 (confirmed online)
  AcceptedUnconfirmed,  // 受付可・未確認 (document accepted, gateway unreachable: re-confirm)
  Refused,              // 受付不可
  Failed,               // could not decide (reader fault, unreadable document)
  NeedsMore,  // 追加情報が必要: e.g. several qualifications match — ask 枝番 or 生年月日
};
std::string_view to_string(Outcome o);

struct Decision {
  Outcome outcome = Outcome::Failed;
  std::vector<ReasonCode> reasons;  // first one is the main reason
  std::optional<Qualification> qualification;
  DecisionFacts facts;  // what the sentences name

  // The desk's sentence: the Japanese messages of every reason, joined.
  std::string message_ja() const;
  std::string message_en() const;
  // What to ask or do next: the first reason's next step that has one ("" if none).
  std::string next_step_ja() const;
  std::string next_step_en() const;
};

}  // namespace madoguchi
