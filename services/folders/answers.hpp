// The served folders' messages, without files: a request's bytes to checks, outcomes to the
// national answer shapes. Pure functions (the watcher in served_folders.cpp does the I/O).
#pragma once

#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/inputs.hpp>
#include <madoguchi/gateway/messages.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace madoguchi::folders::detail {

// Error codes of the answers (ProcessingResultCode / ErrorCode), after the gateway's EOQS
// numbering (docs/gateway.md); the message starts with Madoguchi's own stable code.
inline constexpr const char* kUnreadable = "EOQS1001";          // not an XmlMsg of its kind
inline constexpr const char* kCardNotServed = "EOQS2000";       // card requests: not by folder
inline constexpr const char* kUnknownReception = "EOQS3001";    // OQSmuquc02: no such batch
inline constexpr const char* kNumberMissing = "EOQS4001";       // no InsuredIdentificationNumber
inline constexpr const char* kInvalidSearch = "EOQS4003";       // a field Madoguchi refuses
inline constexpr const char* kBatchTooLarge = "EOQS4004";       // more items than allowed
inline constexpr const char* kGatewayUnavailable = "EOQS9001";  // no online answer
inline constexpr const char* kNotRecorded = "EOQS9002";         // the audit record is not durable
inline constexpr const char* kAnswerMismatch = "EOQS9003";  // the gateway answered about another

// A request file's name: <kind>req_<id>.xml, kind OQSsiquc01, OQSmuquc01 or OQSmuquc02.
struct RequestName {
  gateway::MessageKind kind;
  std::string prefix;  // "OQSsiquc01"
  std::string id;      // what follows "req_", without ".xml"
  std::string answer_name() const { return prefix + "res_" + id + ".xml"; }
};
// nullopt for anything else (temp files start with '.', other kinds are not served).
std::optional<RequestName> request_name(std::string_view file_name);

// The encoding the request's XML declaration names: Shift_JIS under any of its names, else
// UTF-8. Decides the answer's encoding (CharacterCodeIdentifier may be missing or wrong).
gateway::CharacterCode declared_encoding(std::string_view bytes);

// The by-number fields of a search info (Birthdate yyyyMMdd to YYYY-MM-DD; the header's
// QualificationConfirmationDate as the visit date when allowed).
check::NumberCheckFields fields_of(const gateway::SearchInfo& info,
                                   const gateway::MessageHeader& header, bool allow_visit_date);
// The national code for a refused search info: kNumberMissing or kInvalidSearch.
const char* code_for_invalid(const check::NumberCheckFields& fields);

// The error shape: SegmentOfResult 9, ErrorCode/ErrorMessage in the header, ProcessingResult-
// Status 2 with the same code in the body; the request's header echoed where it was read.
gateway::Response error_answer(const gateway::MessageHeader& request, gateway::CharacterCode code,
                               const std::string& error_code, const std::string& message);

// OQSsiquc01res for a check's outcome (or the audit's error): the gateway's validity, the
// decision's qualification as ResultOfQualificationConfirmation with Madoguchi's check id as
// its ReferenceNumber, the decision's sentence as ProcessingResultMessage. No online answer
// (gateway unreachable, an answer about someone else) or no durable record: the error shape.
gateway::Response single_answer(const gateway::Request& request,
                                const Result<check::CheckOutcome>& outcome,
                                gateway::CharacterCode code);

// One BulkConfirmUnit: the echoed search info with the outcome, or a unit in error.
gateway::BulkConfirmUnit unit_of(const gateway::SearchInfo& info,
                                 const Result<check::CheckOutcome>& outcome);
gateway::BulkConfirmUnit unit_error(const gateway::SearchInfo& info, const std::string& code,
                                    const std::string& message);

// OQSmuquc01res: the reception number; OQSmuquc02res in progress (SegmentOfResult 2) or done,
// with the counts in the header.
gateway::Response batch_accepted(const gateway::MessageHeader& request, gateway::CharacterCode code,
                                 const std::string& reception_number);
gateway::Response batch_results(const gateway::MessageHeader& request, gateway::CharacterCode code,
                                const std::string& reception_number,
                                const std::string& confirmation_date,
                                std::optional<std::vector<gateway::BulkConfirmUnit>> units);

std::string now_compact_datetime();  // yyyyMMddHHmmss, Japan Standard Time

}  // namespace madoguchi::folders::detail
