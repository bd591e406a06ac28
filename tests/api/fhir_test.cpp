// The FHIR mapping: what a CoverageEligibilityRequest asks, and the CoverageEligibilityResponse
// (JP Core JP_Coverage) a decision answers. The daemon-level test (tests/fhir) validates real
// answers as R4.
#include <madoguchi/api/fhir.hpp>

#include <gtest/gtest.h>

#include <functional>

namespace fhir = madoguchi::api::fhir;
using madoguchi::Date;
using nlohmann::json;

namespace {

// A request as a receipt system sends it: fixed card holder 1001's card (docs/gateway.md).
json request() {
  return json::parse(R"({
    "resourceType": "CoverageEligibilityRequest",
    "id": "req-1",
    "identifier": [{"system": "urn:example:rececon", "value": "R-0001"}],
    "status": "active",
    "purpose": ["validation"],
    "patient": {"reference": "#pat"},
    "servicedDate": "2026-11-25",
    "created": "2026-11-25T09:00:00+09:00",
    "insurer": {"reference": "#ins"},
    "contained": [
      {"resourceType": "Patient", "id": "pat", "birthDate": "1985-04-12"},
      {"resourceType": "Organization", "id": "ins",
       "identifier": [{"system": "http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber",
                       "value": "06139992"}]},
      {"resourceType": "Coverage", "id": "cov", "status": "active",
       "extension": [
         {"url": "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSymbol",
          "valueString": "1001"},
         {"url": "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonNumber",
          "valueString": "1001"},
         {"url": "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSubNumber",
          "valueString": "00"}],
       "beneficiary": {"reference": "#pat"},
       "payor": [{"reference": "#ins"}]}
    ],
    "insurance": [{"focal": true, "coverage": {"reference": "#cov"}}]
  })");
}

json& coverage_of(json& r) { return r["contained"][2]; }

std::string code_of(const json& r) {
  auto read = fhir::read_eligibility_request(r.dump());
  return read ? std::string("ok") : read.error().code;
}

}  // namespace

TEST(FhirRequest, ReadsTheJpCoverageIdentityPatientAndServicedDate) {
  auto read = fhir::read_eligibility_request(request().dump());
  ASSERT_TRUE(read) << read.error().code;
  EXPECT_EQ(read->fields.insurer_number, "06139992");
  EXPECT_EQ(read->fields.symbol, "1001");
  EXPECT_EQ(read->fields.number, "1001");
  EXPECT_EQ(read->fields.branch, "00");
  EXPECT_EQ(read->fields.birth_date, "1985-04-12");
  EXPECT_EQ(read->fields.visit_date, "2026-11-25");
  EXPECT_EQ(read->fields.reference, "R-0001");
  EXPECT_EQ(read->id, "req-1");
  EXPECT_EQ(read->identifier, (json{{"system", "urn:example:rececon"}, {"value", "R-0001"}}));
  EXPECT_EQ(read->purpose, std::vector<std::string>{"validation"});
}

TEST(FhirRequest, InsurerByOidOrLogicalReferenceAndNationalHealthInsurancePadding) {
  json r = request();
  // JP Core writes 国保's six digits zero-padded to eight; the OID names the same system.
  r["contained"][1]["identifier"][0] = {{"system", "urn:oid:1.2.392.100495.20.3.61"},
                                        {"value", "00138156"}};
  auto read = fhir::read_eligibility_request(r.dump());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->fields.insurer_number, "138156");

  // No payor: the request's insurer, as a logical reference by identifier.
  coverage_of(r).erase("payor");
  r["insurer"] = {{"identifier",
                   {{"system", "http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber"},
                    {"value", "01130012"}}}};
  read = fhir::read_eligibility_request(r.dump());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->fields.insurer_number, "01130012");

  // An identifier of another system is not an insurer number: left empty for the check's
  // own error (insurer_number.empty), which is audited.
  r["insurer"]["identifier"]["system"] = "urn:example:other";
  read = fhir::read_eligibility_request(r.dump());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->fields.insurer_number, "");
}

TEST(FhirRequest, BranchFromDependentAndTheOnlyContainedCoverage) {
  json r = request();
  coverage_of(r)["extension"].erase(2);
  coverage_of(r)["dependent"] = "02";
  r.erase("insurance");
  auto read = fhir::read_eligibility_request(r.dump());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->fields.branch, "02");
  // Without purpose and servicedDate: "validation", and the check's today.
  r.erase("purpose");
  r.erase("servicedDate");
  read = fhir::read_eligibility_request(r.dump());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->purpose, std::vector<std::string>{"validation"});
  EXPECT_EQ(read->fields.visit_date, "");
}

TEST(FhirRequest, StructuralProblemsHaveTheirCodes) {
  EXPECT_EQ(fhir::read_eligibility_request("not json").error().code, "fhir.bad_json");
  EXPECT_EQ(fhir::read_eligibility_request("[]").error().code, "fhir.bad_json");
  json r = request();
  r["resourceType"] = "Claim";
  EXPECT_EQ(code_of(r), "fhir.resource_type");
  r = request();
  r["insurance"].push_back(r["insurance"][0]);
  EXPECT_EQ(code_of(r), "fhir.insurance");
  r = request();
  r["insurance"][0]["coverage"] = {{"reference", "Coverage/123"}};
  EXPECT_EQ(code_of(r), "fhir.coverage");
  r = request();
  r["insurance"][0]["coverage"] = {{"reference", "#pat"}};  // contained, but not a Coverage
  EXPECT_EQ(code_of(r), "fhir.coverage");
  r = request();
  r.erase("insurance");
  r["contained"].erase(2);
  EXPECT_EQ(code_of(r), "fhir.coverage");
  r = request();
  coverage_of(r)["extension"][1] = {{"url", fhir::kInsuredPersonNumber}, {"valueInteger", 1001}};
  EXPECT_EQ(code_of(r), "fhir.extension");
  r = request();
  r["servicedPeriod"] = {{"start", "2026-11-25"}};
  EXPECT_EQ(code_of(r), "fhir.serviced");
  r = request();
  r["purpose"] = {"payment"};
  EXPECT_EQ(code_of(r), "fhir.purpose");
}

TEST(FhirRequest, AnIndividualNumberInAnyIdentifierIsRefusedFirst) {
  const std::string mynumber = "1234 5678 9012";
  json r = request();
  r["contained"][0]["identifier"] = {{{"system", "urn:example:mrn"}, {"value", mynumber}}};
  EXPECT_EQ(code_of(r), "identifier.individual_number");
  r = request();
  r["patient"] = {{"identifier", {{"system", "urn:example:mrn"}, {"value", "123456789012"}}}};
  EXPECT_EQ(code_of(r), "identifier.individual_number");
  r = request();
  coverage_of(r)["subscriberId"] = mynumber;
  EXPECT_EQ(code_of(r), "identifier.individual_number");
  r = request();
  coverage_of(r)["extension"][2]["valueString"] = "123456789012";  // as 枝番
  EXPECT_EQ(code_of(r), "identifier.individual_number");
  r = request();
  r["identifier"][0]["value"] = "１２３４５６７８９０１２";  // full-width
  EXPECT_EQ(code_of(r), "identifier.individual_number");
  // Even when the document is otherwise not one we take.
  r["insurance"] = "x";
  EXPECT_EQ(code_of(r), "identifier.individual_number");

  // As 番号, it reaches the one mapping, which names the field (and refuses it there).
  r = request();
  coverage_of(r)["extension"][1]["valueString"] = mynumber;
  auto read = fhir::read_eligibility_request(r.dump());
  ASSERT_TRUE(read);
  auto check =
      madoguchi::check::to_number_check(read->fields, Date::from_ymd(2026, 11, 25).value());
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code, "number.individual_number");
  // An 11-digit number is not one.
  r = request();
  r["identifier"][0]["value"] = "12345678901";
  EXPECT_EQ(code_of(r), "ok");
}

// A bad request never crashes: every member of a valid request replaced by every JSON type.
TEST(FhirRequest, AnyMemberOfAnyTypeIsAnsweredNotThrown) {
  const json variants[] = {
      nullptr, 1, -1.5, true, "x", json::array(), json::object(), json::array({1, "a", nullptr})};
  int cases = 0;
  std::function<void(json&, json&)> walk = [&](json& root, json& node) {
    auto mutate = [&](json& slot) {
      const json keep = slot;
      for (const json& v : variants) {
        slot = v;
        EXPECT_NO_THROW((void)fhir::read_eligibility_request(root.dump())) << root.dump();
        ++cases;
      }
      slot = keep;
    };
    if (node.is_object()) {
      for (auto& [key, value] : node.items()) {
        mutate(value);
        walk(root, value);
      }
    } else if (node.is_array()) {
      for (auto& value : node) {
        mutate(value);
        walk(root, value);
      }
    }
  };
  json r = request();
  walk(r, r);
  EXPECT_GT(cases, 300);
}

namespace {

madoguchi::check::NumberCheck asked(std::string insurer, std::string number) {
  madoguchi::check::NumberCheck c{{madoguchi::InsurerNumber::parse(insurer).value(), std::nullopt,
                                   madoguchi::InsuredNumber::parse(number).value(),
                                   madoguchi::BranchNumber::parse("00").value()},
                                  Date::from_ymd(1953, 8, 15).value(),
                                  Date::from_ymd(2026, 11, 25).value(),
                                  ""};
  return c;
}

madoguchi::check::CheckOutcome outcome(madoguchi::Outcome o,
                                       std::vector<madoguchi::ReasonCode> reasons,
                                       std::optional<madoguchi::Qualification> q) {
  madoguchi::check::CheckOutcome out;
  out.check_id = "0b7e2f5c-3a1d-4e8f-9c2b-6d5a4e3f2a1b";
  out.decision.outcome = o;
  out.decision.reasons = std::move(reasons);
  out.decision.qualification = std::move(q);
  return out;
}

const json& contained(const json& r, const std::string& id) {
  for (const json& c : r["contained"])
    if (c["id"] == id) return c;
  static const json none;
  return none;
}

std::string extension(const json& coverage, std::string_view url) {
  for (const json& e : coverage["extension"])
    if (e["url"] == url) return e["valueString"];
  return "(absent)";
}

}  // namespace

TEST(FhirResponse, AcceptedIsCompleteInforceWithJpCoverage) {
  // Fixed holder 1004: 国保 138156, 2割, 本人.
  const auto check = asked("138156", "1004");
  madoguchi::Qualification q;
  q.validity = madoguchi::QualificationValidity::Valid;
  q.identity = check.identity;
  q.identity->symbol = madoguchi::InsuredSymbol::parse("1004").value();
  q.relationship = madoguchi::Relationship::Self;
  q.copay = madoguchi::CoPayRatio::from_percent(20).value();
  q.qualification_date = Date::from_ymd(2018, 4, 1).value();
  q.name = "鈴木 和子";
  q.name_kana = "スズキ カズコ";
  q.details.sex = "2";
  auto read = fhir::read_eligibility_request(request().dump()).value();
  const json r = fhir::eligibility_response(
      read, check,
      outcome(madoguchi::Outcome::Accepted, {madoguchi::ReasonCode::QualificationConfirmed}, q),
      "2026-11-25T09:00:01+09:00");

  EXPECT_EQ(r["resourceType"], "CoverageEligibilityResponse");
  EXPECT_EQ(r["id"], "0b7e2f5c-3a1d-4e8f-9c2b-6d5a4e3f2a1b");
  EXPECT_EQ(r["outcome"], "complete");
  EXPECT_EQ(r["servicedDate"], "2026-11-25");
  EXPECT_EQ(r["created"], "2026-11-25T09:00:01+09:00");
  EXPECT_EQ(r["request"]["identifier"]["value"], "R-0001");
  EXPECT_FALSE(r["disposition"].get<std::string>().empty());
  EXPECT_FALSE(r.contains("error"));
  ASSERT_EQ(r["insurance"].size(), 1u);
  EXPECT_EQ(r["insurance"][0]["inforce"], true);
  EXPECT_EQ(r["insurance"][0]["benefitPeriod"]["start"], "2018-04-01");
  EXPECT_EQ(r["insurance"][0]["coverage"]["reference"], "#coverage");
  EXPECT_EQ(r["insurer"]["reference"], "#insurer");
  EXPECT_EQ(r["extension"][1]["valueCoding"]["code"], "qualification_confirmed");

  const json& coverage = contained(r, "coverage");
  EXPECT_EQ(coverage["meta"]["profile"][0],
            "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Coverage");
  EXPECT_EQ(coverage["status"], "active");
  EXPECT_EQ(extension(coverage, fhir::kInsuredPersonSymbol), "1004");
  EXPECT_EQ(extension(coverage, fhir::kInsuredPersonNumber), "1004");
  EXPECT_EQ(extension(coverage, fhir::kInsuredPersonSubNumber), "00");
  EXPECT_EQ(coverage["dependent"], "00");
  EXPECT_EQ(coverage["relationship"]["coding"][0]["system"], fhir::kRelationshipSystem);
  EXPECT_EQ(coverage["relationship"]["coding"][0]["code"], "1");
  EXPECT_EQ(coverage["costToBeneficiary"][0]["type"]["coding"][0]["code"], "copaypct");
  EXPECT_EQ(coverage["costToBeneficiary"][0]["valueQuantity"]["value"], 20);
  EXPECT_EQ(coverage["payor"][0]["reference"], "#insurer");
  EXPECT_EQ(coverage["beneficiary"]["reference"], "#patient");

  // 国保's six digits, zero-padded to eight under both of JP Core's names for the system.
  const json& insurer = contained(r, "insurer");
  ASSERT_EQ(insurer["identifier"].size(), 2u);
  EXPECT_EQ(insurer["identifier"][0]["system"], fhir::kInsurerNumberSystem);
  EXPECT_EQ(insurer["identifier"][0]["value"], "00138156");
  EXPECT_EQ(insurer["identifier"][1]["system"], fhir::kInsurerNumberOid);
  EXPECT_EQ(insurer["identifier"][1]["value"], "00138156");

  const json& patient = contained(r, "patient");
  EXPECT_EQ(patient["gender"], "female");
  EXPECT_EQ(patient["birthDate"], "1953-08-15");
  EXPECT_EQ(patient["name"][0]["text"], "鈴木 和子");
  EXPECT_EQ(patient["name"][1]["extension"][0]["valueCode"], "SYL");
}

TEST(FhirResponse, LostIsCompleteNotInforceAndCancelled) {
  const auto check = asked("01130012", "1003");
  madoguchi::Qualification q;
  q.validity = madoguchi::QualificationValidity::Invalid;
  q.identity = check.identity;
  q.relationship = madoguchi::Relationship::Dependent;
  q.qualification_date = Date::from_ymd(2020, 4, 1).value();
  q.disqualification_date = Date::from_ymd(2025, 9, 30).value();
  auto read = fhir::read_eligibility_request(request().dump()).value();
  read.identifier = nullptr;
  const json r = fhir::eligibility_response(
      read, check,
      outcome(madoguchi::Outcome::Refused, {madoguchi::ReasonCode::QualificationLost}, q),
      "2026-11-25T09:00:01+09:00");
  EXPECT_EQ(r["outcome"], "complete");
  EXPECT_EQ(r["insurance"][0]["inforce"], false);
  EXPECT_EQ(r["insurance"][0]["benefitPeriod"]["end"], "2025-09-30");
  EXPECT_EQ(r["request"]["reference"], "CoverageEligibilityRequest/req-1");
  const json& coverage = contained(r, "coverage");
  EXPECT_EQ(coverage["status"], "cancelled");
  EXPECT_EQ(coverage["relationship"]["coding"][0]["code"], "2");
  EXPECT_FALSE(coverage.contains("costToBeneficiary"));
  EXPECT_EQ(contained(r, "insurer")["identifier"][0]["value"], "01130012");
}

TEST(FhirResponse, NoDecisionIsAnErrorOutcomeWithTheReasonCode) {
  const auto check = asked("06139992", "1001");
  auto read = fhir::read_eligibility_request(request().dump()).value();
  const json r =
      fhir::eligibility_response(read, check,
                                 outcome(madoguchi::Outcome::Failed,
                                         {madoguchi::ReasonCode::GatewayUnavailable}, std::nullopt),
                                 "2026-11-25T09:00:01+09:00");
  EXPECT_EQ(r["outcome"], "error");
  EXPECT_FALSE(r["insurance"][0].contains("inforce"));
  EXPECT_FALSE(r["insurance"][0].contains("benefitPeriod"));
  ASSERT_EQ(r["error"].size(), 1u);
  EXPECT_EQ(r["error"][0]["code"]["coding"][0]["system"], fhir::kReasonSystem);
  EXPECT_EQ(r["error"][0]["code"]["coding"][0]["code"], "gateway_unavailable");
  // The Coverage as asked, the birth date as sent.
  EXPECT_EQ(extension(contained(r, "coverage"), fhir::kInsuredPersonNumber), "1001");
  EXPECT_EQ(contained(r, "patient")["birthDate"], "1953-08-15");
}

TEST(FhirOutcome, IssueTypesAndStatusesByCode) {
  EXPECT_EQ(fhir::issue_kind("fhir.bad_json").status, 400);
  EXPECT_EQ(fhir::issue_kind("fhir.bad_json").type, "structure");
  EXPECT_EQ(fhir::issue_kind("fhir.content_type").status, 415);
  EXPECT_EQ(fhir::issue_kind("fhir.serviced").type, "not-supported");
  EXPECT_EQ(fhir::issue_kind("fhir.coverage").type, "invalid");
  EXPECT_EQ(fhir::issue_kind("insurer_number.check_digit").status, 422);
  EXPECT_EQ(fhir::issue_kind("insurer_number.check_digit").type, "value");
  EXPECT_EQ(fhir::issue_kind("number.empty").type, "required");
  EXPECT_EQ(fhir::issue_kind("identifier.individual_number").status, 422);
  EXPECT_EQ(fhir::issue_kind("audit.unavailable").status, 503);
  EXPECT_EQ(fhir::issue_kind("audit.unavailable").type, "transient");

  const json o = fhir::operation_outcome(
      madoguchi::Error{"insurer_number.check_digit", "check digit does not match"}, "abc");
  EXPECT_EQ(o["resourceType"], "OperationOutcome");
  ASSERT_EQ(o["issue"].size(), 2u);
  EXPECT_EQ(o["issue"][0]["severity"], "error");
  EXPECT_EQ(o["issue"][0]["code"], "value");
  EXPECT_EQ(o["issue"][0]["details"]["coding"][0]["code"], "insurer_number.check_digit");
  EXPECT_EQ(o["issue"][1]["severity"], "information");
  EXPECT_EQ(fhir::operation_outcome(madoguchi::Error{"fhir.bad_json", "x"})["issue"].size(), 1u);
}

TEST(FhirCapability, NamesTheOperationAndR4) {
  const json c = fhir::capability_statement("1.2.3");
  EXPECT_EQ(c["resourceType"], "CapabilityStatement");
  EXPECT_EQ(c["fhirVersion"], "4.0.1");
  EXPECT_EQ(c["software"]["version"], "1.2.3");
  EXPECT_EQ(c["rest"][0]["resource"][0]["type"], "CoverageEligibilityRequest");
  EXPECT_EQ(c["rest"][0]["resource"][0]["operation"][0]["name"], "submit");
}
