// FHIR R4 for receipt systems: POST /fhir/CoverageEligibilityRequest/$submit answers a
// CoverageEligibilityResponse whose Coverage follows JP Core's JP_Coverage (docs/api.md, "FHIR").
// The request becomes a by-number check through check::to_number_check, like every front end.
#pragma once

#include <madoguchi/api/router.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/inputs.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::audit {
class IdempotencyStore;
}

namespace madoguchi::api::fhir {

// JP Core v1 (jpfhir.jp) systems and extensions. 保険者番号: the IG's preferred URI and its OID.
inline constexpr std::string_view kInsurerNumberSystem =
    "http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber";
inline constexpr std::string_view kInsurerNumberOid = "urn:oid:1.2.392.100495.20.3.61";
inline constexpr std::string_view kInsuredPersonSymbol =
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSymbol";
inline constexpr std::string_view kInsuredPersonNumber =
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonNumber";
inline constexpr std::string_view kInsuredPersonSubNumber =
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSubNumber";
// 被保険者区分: 1 被保険者 (本人), 2 被扶養者 (家族).
inline constexpr std::string_view kRelationshipSystem = "urn:oid:1.2.392.100495.20.2.62";
// Madoguchi's own: the decision's reason codes (docs/api.md) and the extension carrying them.
inline constexpr std::string_view kReasonSystem =
    "https://madoguchi.invalid/fhir/CodeSystem/reason";
inline constexpr std::string_view kReasonExtension =
    "https://madoguchi.invalid/fhir/StructureDefinition/decision-reason";
inline constexpr std::string_view kOutcomeExtension =
    "https://madoguchi.invalid/fhir/StructureDefinition/decision-outcome";
inline constexpr std::string_view kErrorSystem = "https://madoguchi.invalid/fhir/CodeSystem/error";

// What a CoverageEligibilityRequest asks for, still text, and what the answer echoes.
struct EligibilityRequest {
  check::NumberCheckFields fields;   // insurer, 記号・番号・枝番, birth date, servicedDate
  std::string id;                    // CoverageEligibilityRequest.id ("" when not sent)
  nlohmann::json identifier;         // its first identifier (null when none)
  std::vector<std::string> purpose;  // as sent ("validation" when none)
};

// The request's fields, or an error with a stable code: "fhir.*" for what is not a
// CoverageEligibilityRequest we take (400), "identifier.individual_number" when any identifier
// of the request holds a 12-digit 個人番号 (refused before anything else; 422). Never throws.
Result<EligibilityRequest> read_eligibility_request(std::string_view body);

// The HTTP status and OperationOutcome issue type of an error code ("fhir.bad_json" → 400
// "structure", "insurer_number.check_digit" → 422 "value", "audit.unavailable" → 503 "transient").
struct IssueKind {
  int status;
  std::string_view type;  // FHIR IssueType
};
IssueKind issue_kind(std::string_view code);

// OperationOutcome with one error issue: our code in details.coding (kErrorSystem), the message
// in diagnostics; `check_id` (the audit record of a refused input) as a second, informational
// issue when not empty.
nlohmann::json operation_outcome(const Error& error, std::string_view check_id = {});

// The answer to a check: CoverageEligibilityResponse with a contained Patient, Organization
// (insurer) and JP_Coverage: the identity as the gateway answered it, else as `asked`.
// `created` is the answer's instant as a FHIR dateTime.
nlohmann::json eligibility_response(const EligibilityRequest& request,
                                    const check::NumberCheck& asked,
                                    const check::CheckOutcome& outcome, std::string_view created);

// GET /fhir/metadata.
nlohmann::json capability_statement(std::string_view software_version);

struct RoutesOptions {
  std::string terminal_id;  // the daemon's terminal, for API clients without one
  std::string software_version;
  // Idempotency-Key on $submit (api/batches.hpp): a retry gets the first answer and records no
  // second check. nullptr: the header is ignored.
  audit::IdempotencyStore* idempotency = nullptr;
};
// POST /fhir/CoverageEligibilityRequest/$submit (Access::Fhir, asynchronous: the check waits on
// the gateway and the audit commit without a thread) and GET /fhir/metadata (Access::Public).
// Answers are application/fhir+json; errors OperationOutcome.
void add_fhir_routes(Router& router, check::CheckService& service, RoutesOptions options);

}  // namespace madoguchi::api::fhir
