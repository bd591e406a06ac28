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

// CharacterCodeIdentifier: 0 UTF-8, 1 Shift_JIS (always meaning Windows-31J = CP932).
enum class CharacterCode { Utf8 = 0, ShiftJis = 1 };
// ReferenceClassification: what the query started from. Other readers write more values (e.g.
// 7 and 8 from OCR-capable face readers): any number is kept as it came, never fatal.
enum class ReferenceClassification : int { Card = 1, InsuranceCardInfo = 2 };  // 1 カード, 2 保険証
// SegmentOfResult: 1 normal end, 2 still in progress (batch), 9 abnormal end.
enum class SegmentOfResult { Normal = 1, InProgress = 2, Abnormal = 9 };
// ProcessingResultStatus
enum class ProcessingResultStatus { Ok = 1, Error = 2 };
// Our extension: how the card holder was verified.
enum class CardVerification { Signature = 1, Visual = 2 };  // 2 = 目視確認, flagged

// The message kinds, as the folder exchange names its files and HTTPS its endpoints.
enum class MessageKind {
  Single,         // OQSsiquc01: confirm by number (and the face reader's results)
  Card,           // our extension: confirm by card
  Challenge,      // our extension: a challenge for the card to sign
  BatchUpload,    // OQSmuquc01: 一括照会 upload
  BatchDownload,  // OQSmuquc02: 一括照会 results
};

struct MessageHeader {
  std::string process_execution_time;           // yyyyMMddHHmmss
  std::string qualification_confirmation_date;  // yyyyMMdd
  std::string medical_institution_code;         // 医療機関コード, 10 digits
  std::string arbitrary_file_identifier;        // the request id, echoed in the answer
  std::optional<ReferenceClassification> reference_classification;
  std::string reception_number;                      // OQSmuquc02res: the batch's 受付番号
  std::optional<SegmentOfResult> segment_of_result;  // answers only
  std::string error_code;
  std::string error_message;
  // OQSmuquc02res: how many units the body holds, normal and in error (checked on reading).
  std::optional<long> number_of_processing_result;
  std::optional<long> number_of_normal_processing;
  std::optional<long> number_of_error;
  CharacterCode character_code = CharacterCode::Utf8;  // also picks the bytes write() produces

  friend bool operator==(const MessageHeader&, const MessageHeader&) = default;
};

// QualificationConfirmSearchInfo: confirm by number (保険者番号・記号・番号・枝番・生年月日).
// Values as they were given: 6-digit 国保 numbers bare or left-padded with blanks, full-width
// 記号・番号 — compare them with same_person(), never with ==.
struct SearchInfo {
  std::string insurer_number;                  // 8 characters (国保: "  138156") or 6
  std::string insured_card_symbol;             // 記号, may be empty
  std::string insured_identification_number;   // 番号
  std::string insured_branch_number;           // 枝番, 2 digits or empty
  std::string birthdate;                       // yyyyMMdd or empty
  bool limit_application_certificate = false;  // LimitApplicationCertificateRelatedConsFlg

  friend bool operator==(const SearchInfo&, const SearchInfo&) = default;
};
// The key two search infos about the same query share: each field normalised (full-width
// forms, blanks and hyphen variants), the birth date as is.
std::string match_key(const SearchInfo& info);

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

// OQSmuquc01req: the search infos directly under MessageBody (no list element).
struct BatchUpload {
  std::vector<SearchInfo> items;
  friend bool operator==(const BatchUpload&, const BatchUpload&) = default;
};
struct BatchDownload {  // OQSmuquc02req: header MedicalInstitutionCode, body ReceptionNumber
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
  std::string classification;             // 適用区分 as the gateway writes it
  std::string classification_flag;        // A01… B01…: the bracket the desk bills by
  std::string date;                       // 交付年月日
  std::string valid_start_date;
  std::string valid_end_date;
  std::string long_term_date;  // 長期入院該当年月日
  friend bool operator==(const LimitApplicationCertificateInfo&,
                         const LimitApplicationCertificateInfo&) = default;
};

struct MedicalTicketInfo {  // 医療券 (医療扶助)
  std::string ticket_type;  // MedicalTicketType: 医療, 調剤 …
  std::string valid_start_date;
  std::string valid_end_date;
  std::string designated_institution_name;  // 指定医療機関名
  friend bool operator==(const MedicalTicketInfo&, const MedicalTicketInfo&) = default;
};

struct PublicExpenseResult {     // 公費 (PublicExpenseResultList/PublicExpenseResult)
  std::string payer_number;      // PublicExpenseNumber: 公費負担者番号 (8 digits)
  std::string recipient_number;  // PublicExpenseBeneficiaryNumber: 受給者番号 (7 digits)
  std::string valid_start_date;
  std::string valid_end_date;
  std::optional<MedicalTicketInfo> medical_ticket;
  friend bool operator==(const PublicExpenseResult&, const PublicExpenseResult&) = default;
};

// The patient's consent to share information (…InfoConsFlg 0/1, …InfoConsTime yyyyMMddHHmmss).
struct Consent {
  std::string flag;
  std::string time;
  friend bool operator==(const Consent&, const Consent&) = default;
};

// ResultOfQualificationConfirmation
struct QualificationRecord {
  std::string insured_card_classification;  // 01 一般 … 05 資格証明書, A1 医療扶助 (alphanumeric)
  std::string insurer_number;
  std::string insured_card_symbol;
  std::string insured_identification_number;
  std::string insured_branch_number;
  std::string personal_family_classification;  // 1 本人, 2 家族
  std::string insured_name;                    // 被保険者氏名 (世帯主)
  std::string name;
  std::string name_of_other;  // NameOfOther: 通称名
  std::string name_kana;
  std::string name_of_other_kana;  // NameOfOtherKana
  std::string sex;                 // Sex1: 1 male, 2 female, 3 unset
  std::string sex2;  // Sex2: the sex shown with the 通称名 (cards may print it instead)
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
  std::vector<PublicExpenseResult> public_expenses;  // PublicExpenseResultList
  Consent specific_health_checkups;       // SpecificHealthCheckupsInfoCons{Flg,Time}: 特定健診
  Consent pharmacists;                    // PharmacistsInfoCons…: 薬剤情報
  Consent diagnosis;                      // DiagnosisInfoCons…: 診療情報
  Consent operations;                     // OperationInfoCons…: 手術情報
  std::string prescription_issue_select;  // PrescriptionIssueSelect: 1 電子処方箋, 2 紙
  std::string reference_number;

  friend bool operator==(const QualificationRecord&, const QualificationRecord&) = default;
};

// One answered single query (OQSsiquc01res, a card confirmation, a face-reader result).
struct QualificationAnswer {
  std::optional<QualificationValidity> validity;
  std::optional<SearchInfo> search_info;  // echoed
  std::optional<CardVerification> card_verification;
  std::vector<QualificationRecord> results;  // ResultList
  friend bool operator==(const QualificationAnswer&, const QualificationAnswer&) = default;
};

// BulkConfirmUnit of OQSmuquc02res: one query of the batch, matched by its echoed search info
// (units come in any order), with its own status, at most one result and a ReferenceNumber.
struct BulkConfirmUnit {
  SearchInfo search_info;
  ProcessingResultStatus status = ProcessingResultStatus::Ok;
  std::string result_code;
  std::string result_message;
  std::optional<QualificationValidity> validity;
  std::optional<QualificationRecord> result;
  std::string reference_number;
  friend bool operator==(const BulkConfirmUnit&, const BulkConfirmUnit&) = default;
};

struct BatchAccepted {  // OQSmuquc01res: no ProcessingResultStatus in the body
  std::string reception_number;
  std::string reception_date_time;  // ReceptionDateTime, yyyyMMddHHmmss
  friend bool operator==(const BatchAccepted&, const BatchAccepted&) = default;
};
// OQSmuquc02res: the reception number and the counts are in the header; units empty while
// SegmentOfResult is 2.
struct BatchResults {
  std::vector<BulkConfirmUnit> units;
  friend bool operator==(const BatchResults&, const BatchResults&) = default;
};
struct ChallengeIssued {
  std::string challenge;  // raw bytes (32), base64 on the wire
  int valid_seconds = 60;
  friend bool operator==(const ChallengeIssued&, const ChallengeIssued&) = default;
};

struct Response {
  MessageHeader header;
  // In the body of single answers and challenges; batch answers carry none (their header's
  // SegmentOfResult/ErrorCode say it, and each unit its own): Ok when read from them.
  ProcessingResultStatus status = ProcessingResultStatus::Ok;
  std::string result_code;
  std::string result_message;
  std::variant<QualificationAnswer, BatchAccepted, BatchResults, ChallengeIssued> body;
  friend bool operator==(const Response&, const Response&) = default;
};

// The kind of an answer body (for the file name of an answer): Single for QualificationAnswer.
MessageKind kind_of(const Request& request);

// Writers: the bytes of the message in header.character_code's encoding, with the matching XML
// declaration. Fields equal to "" or nullopt are left out.
std::string write(const Request& message);
std::string write(const Response& message);

// Readers: UTF-8, or Shift_JIS under any of its names (Shift_JIS, SJIS, Windows-31J, CP932, MS932),
// always decoded as Windows-31J. Elements may come in any order within their parent. Malformed
// XML, a wrong root, a missing header, an unknown code or undecodable bytes are
// "gateway.protocol". With a kind the body is read as that kind (the file name or endpoint says
// it); without one it is inferred (one search info with a ReferenceClassification in the
// header is a single query, search infos otherwise a batch upload).
Result<Request> parse_request(std::string_view bytes);
Result<Request> parse_request(std::string_view bytes, MessageKind kind);
// Batch results are checked against the header's counts ("gateway.protocol" when they differ).
Result<Response> parse_response(std::string_view bytes);

// A result in the domain's types; identifiers and dates that do not parse are
// "gateway.protocol".
Result<Qualification> to_qualification(const QualificationRecord& record,
                                       QualificationValidity validity);
// The other direction, for whoever answers in XmlMsg (the served folders): a result as the
// gateway would write it. Lossless for what to_qualification() reads except the co-pay of a
// 高齢受給者証, written in both places; fields the domain does not keep (address, 被保険者氏名 …)
// stay empty.
QualificationRecord to_record(const Qualification& qualification);
// The search info for a domain query.
SearchInfo to_search_info(const InsuranceIdentity& identity, const std::optional<Date>& birth_date,
                          bool limit_application_certificate = false);

// Encodings (glibc iconv, CP932 both ways). Errors are "gateway.encoding".
Result<std::string> utf8_to_shift_jis(std::string_view utf8);
Result<std::string> shift_jis_to_utf8(std::string_view sjis);

// base64 (RFC 4648, no line breaks).
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace madoguchi::gateway
