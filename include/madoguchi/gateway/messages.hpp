// XmlMsg: the online-check message model (オンライン資格確認, DESIGN §6), one model for every
// transport (HTTPS to the gateway, the folder exchange with a 資格確認端末).
//
// The structs hold the wire values as the wire spells them (codes and dates as strings), so a
// message reads and writes back unchanged; to_qualification() turns a result into domain types.
// Element names live in services/gateway/names.hpp and the schema in proto/oqs/XmlMsg.xsd.
#pragma once

#include <madoguchi/domain/qualification.hpp>
#include <madoguchi/domain/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace madoguchi::gateway {

// CharacterCodeIdentifier: 0 UTF-8, 1 Shift_JIS (written as Windows-31J, read as either).
enum class CharacterCode { Utf8 = 0, ShiftJis = 1 };
// ReferenceClassification: what the query started from.
enum class ReferenceClassification { Card = 1, InsuranceCardInfo = 2 };  // 1 カード, 2 保険証情報
// SegmentOfResult: 1 normal end, 2 still in progress (batch), 9 abnormal end.
enum class SegmentOfResult { Normal = 1, InProgress = 2, Abnormal = 9 };
// ProcessingResultStatus
enum class ProcessingResultStatus { Ok = 1, Error = 2 };
// Our extension: how the card holder was verified.
enum class CardVerification { Signature = 1, Visual = 2 };  // 2 = 目視確認, flagged

struct MessageHeader {
  std::string process_execution_time;           // yyyyMMddHHmmss
  std::string qualification_confirmation_date;  // yyyyMMdd
  std::string medical_institution_code;         // 医療機関コード, 10 digits
  std::string arbitrary_file_identifier;        // the request id, echoed in the answer
  std::optional<ReferenceClassification> reference_classification;
  std::optional<SegmentOfResult> segment_of_result;  // answers only
  std::string error_code;
  std::string error_message;
  CharacterCode character_code = CharacterCode::Utf8;  // also picks the bytes write() produces

  friend bool operator==(const MessageHeader&, const MessageHeader&) = default;
};

// QualificationConfirmSearchInfo: confirm by number (保険者番号・記号・番号・枝番・生年月日).
struct SearchInfo {
  std::string insurer_number;                  // 8 characters (国保: padded)
  std::string insured_card_symbol;             // 記号, may be empty
  std::string insured_identification_number;   // 番号
  std::string insured_branch_number;           // 枝番, 2 digits or empty
  std::string birthdate;                       // yyyyMMdd or empty
  bool limit_application_certificate = false;  // LimitApplicationCertificateRelatedConsFlg

  friend bool operator==(const SearchInfo&, const SearchInfo&) = default;
};

// Confirm by card (our extension): the JPKI user-authentication certificate, the gateway's
// challenge and the card's RSA PKCS#1 v1.5 SHA-256 signature over the raw challenge bytes.
// All three are raw bytes here and base64 on the wire. Without a signature the request is a
// 目視確認 (visual confirmation by the desk), which the gateway accepts but flags.
struct CardAuthentication {
  std::string certificate_der;
  std::string challenge;
  std::string signature;
  bool visual_confirmation = false;

  friend bool operator==(const CardAuthentication&, const CardAuthentication&) = default;
};

struct BatchUpload {  // OQSmuquc01req
  std::vector<SearchInfo> items;
  friend bool operator==(const BatchUpload&, const BatchUpload&) = default;
};
struct BatchDownload {  // OQSmuquc02req
  std::string reception_number;
  friend bool operator==(const BatchDownload&, const BatchDownload&) = default;
};
struct ChallengeRequest {
  friend bool operator==(const ChallengeRequest&, const ChallengeRequest&) = default;
};

struct Request {
  MessageHeader header;
  std::variant<SearchInfo, CardAuthentication, BatchUpload, BatchDownload, ChallengeRequest> body;
  friend bool operator==(const Request&, const Request&) = default;
};

struct ElderlyRecipientCertificateInfo {  // 高齢受給者証 (70–74)
  std::string date;                       // ElderlyRecipientCertificateDate (交付)
  std::string valid_start_date;
  std::string valid_end_date;
  std::string contribution_ratio;  // "020"
  friend bool operator==(const ElderlyRecipientCertificateInfo&,
                         const ElderlyRecipientCertificateInfo&) = default;
};

struct LimitApplicationCertificateInfo {  // 限度額適用認定証
  std::string classification;
  std::string date;
  std::string valid_start_date;
  std::string valid_end_date;
  friend bool operator==(const LimitApplicationCertificateInfo&,
                         const LimitApplicationCertificateInfo&) = default;
};

// ResultOfQualificationConfirmation
struct QualificationRecord {
  std::string insured_card_classification;  // 01 一般 … 05 資格証明書
  std::string insurer_number;
  std::string insured_card_symbol;
  std::string insured_identification_number;
  std::string insured_branch_number;
  std::string personal_family_classification;  // 1 本人, 2 家族
  std::string insured_name;                    // 被保険者氏名 (世帯主)
  std::string name;
  std::string name_kana;
  std::string sex;  // Sex1: 1 male, 2 female, 3 unset
  std::string birthdate;
  std::string address;
  std::string post_number;
  std::string qualification_date;
  std::string disqualification_date;
  std::string insured_certificate_issuance_date;
  std::string insured_card_valid_date;
  std::string insured_card_expiration_date;
  std::string insured_partial_contribution_ratio;  // 3 digits: "030" = 3割
  std::string preschool_classification;
  std::string reason_of_loss;  // 01 death, 02 welfare, 03 other insurance, 99 other
  std::string insurer_name;
  std::optional<ElderlyRecipientCertificateInfo> elderly;
  std::optional<LimitApplicationCertificateInfo> limit;
  std::string reference_number;

  friend bool operator==(const QualificationRecord&, const QualificationRecord&) = default;
};

// One answered query: single confirmations and each BulkConfirmUnit of a batch.
struct QualificationAnswer {
  std::optional<QualificationValidity> validity;
  std::optional<SearchInfo> search_info;  // echoed
  std::optional<CardVerification> card_verification;
  std::vector<QualificationRecord> results;
  friend bool operator==(const QualificationAnswer&, const QualificationAnswer&) = default;
};

struct BatchAccepted {  // OQSmuquc01res
  std::string reception_number;
  friend bool operator==(const BatchAccepted&, const BatchAccepted&) = default;
};
struct BatchResults {  // OQSmuquc02res (units empty while SegmentOfResult is 2)
  std::string reception_number;
  std::vector<QualificationAnswer> units;
  friend bool operator==(const BatchResults&, const BatchResults&) = default;
};
struct ChallengeIssued {
  std::string challenge;  // raw bytes (32), base64 on the wire
  int valid_seconds = 60;
  friend bool operator==(const ChallengeIssued&, const ChallengeIssued&) = default;
};

struct Response {
  MessageHeader header;
  ProcessingResultStatus status = ProcessingResultStatus::Ok;
  std::string result_code;
  std::string result_message;
  std::variant<QualificationAnswer, BatchAccepted, BatchResults, ChallengeIssued> body;
  friend bool operator==(const Response&, const Response&) = default;
};

// Writers: the bytes of the message in header.character_code's encoding, with the matching XML
// declaration. Fields equal to "" or nullopt are left out.
std::string write(const Request& message);
std::string write(const Response& message);

// Readers: any encoding the declaration names (UTF-8, Shift_JIS/Windows-31J). Malformed XML, a
// wrong root, a missing header, an unknown code or undecodable bytes are "gateway.protocol".
Result<Request> parse_request(std::string_view bytes);
Result<Response> parse_response(std::string_view bytes);

// A result in the domain's types; identifiers and dates that do not parse are
// "gateway.protocol".
Result<Qualification> to_qualification(const QualificationRecord& record,
                                       QualificationValidity validity);
// The search info for a domain query.
SearchInfo to_search_info(const InsuranceIdentity& identity, const std::optional<Date>& birth_date,
                          bool limit_application_certificate = false);

// Encodings (glibc iconv). Errors are "gateway.encoding".
Result<std::string> utf8_to_shift_jis(std::string_view utf8);
Result<std::string> shift_jis_to_utf8(std::string_view sjis);

// base64 (RFC 4648, no line breaks).
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace madoguchi::gateway
