// FHIR R4 ↔ the by-number check: what a CoverageEligibilityRequest asks, what the decision
// answers as a CoverageEligibilityResponse with JP Core's JP_Coverage. Pure: no I/O, no clock.
#include <madoguchi/api/fhir.hpp>

#include <madoguchi/domain/identifiers.hpp>
#include <madoguchi/domain/text.hpp>

#include <algorithm>
#include <map>

namespace madoguchi::api::fhir {

using nlohmann::json;

namespace {

constexpr std::string_view kJpCoverage =
    "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Coverage";
constexpr std::string_view kJpPatient = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient";
constexpr std::string_view kJpOrganization =
    "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Organization";
constexpr std::string_view kNameRepresentation =
    "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation";

Error fhir_error(std::string code, std::string message) {
  return Error{"fhir." + std::move(code), std::move(message)};
}

std::string string_member(const json& o, std::string_view key) {
  if (!o.is_object()) return {};
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// FHIR's id: [A-Za-z0-9\-\.]{1,64}.
bool is_fhir_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

bool is_insurer_system(std::string_view system) {
  return system == kInsurerNumberSystem || system == kInsurerNumberOid;
}

// A 12-digit 個人番号 anywhere an identifier travels: every Identifier.value (resources and
// logical references alike), Coverage.subscriberId and .dependent, and string extension values.
// 記号 and 番号 are left to check::to_number_check, which names them in its codes.
bool holds_individual_number(const json& node) {
  if (node.is_array()) return std::any_of(node.begin(), node.end(), holds_individual_number);
  if (!node.is_object()) return false;
  const std::string url = string_member(node, "url");
  const bool symbol_or_number = url == kInsuredPersonSymbol || url == kInsuredPersonNumber;
  for (const auto& [key, value] : node.items()) {
    if (value.is_string()) {
      const bool identifying = key == "subscriberId" || key == "dependent" ||
                               (key == "valueString" && !symbol_or_number) ||
                               (key == "value" && node.contains("system"));
      if (identifying && contains_individual_number(value.get<std::string>())) return true;
    } else if (key == "identifier" && value.is_object()) {
      if (contains_individual_number(string_member(value, "value"))) return true;
      if (holds_individual_number(value)) return true;
    } else if (key == "identifier" && value.is_array()) {
      for (const json& id : value)
        if (contains_individual_number(string_member(id, "value"))) return true;
      if (holds_individual_number(value)) return true;
    } else if (holds_individual_number(value)) {
      return true;
    }
  }
  return false;
}

class Contained {
 public:
  explicit Contained(const json& request) {
    auto it = request.find("contained");
    if (it == request.end() || !it->is_array()) return;
    for (const json& r : *it)
      if (auto id = string_member(r, "id"); !id.empty()) by_id_.emplace(id, &r);
  }
  // The contained resource a Reference points to ("#id"), of the given type; nullptr if none.
  const json* resolve(const json& reference, std::string_view type) const {
    const std::string ref = string_member(reference, "reference");
    if (ref.size() < 2 || ref.front() != '#') return nullptr;
    auto it = by_id_.find(ref.substr(1));
    if (it == by_id_.end() || string_member(*it->second, "resourceType") != type) return nullptr;
    return it->second;
  }
  const json* only(std::string_view type) const {
    const json* found = nullptr;
    for (const auto& [id, r] : by_id_) {
      if (string_member(*r, "resourceType") != type) continue;
      if (found) return nullptr;
      found = r;
    }
    return found;
  }

 private:
  std::map<std::string, const json*> by_id_;
};

// 保険者番号 from an Organization's identifiers or a logical reference's identifier. JP Core
// writes 国保's 6 digits zero-padded to 8; 法別番号 "00" does not exist, so "00" + 6 is 国保.
std::string insurer_number_of(const json* organization, const json& reference) {
  auto from = [](const json& identifier) -> std::string {
    if (!is_insurer_system(string_member(identifier, "system"))) return {};
    std::string v = string_member(identifier, "value");
    const std::string digits = text::normalise_identifier(v);
    if (digits.size() == 8 && digits.starts_with("00") && text::all_digits(digits))
      return digits.substr(2);
    return v;
  };
  if (organization) {
    if (auto it = organization->find("identifier"); it != organization->end() && it->is_array())
      for (const json& id : *it)
        if (auto v = from(id); !v.empty()) return v;
  }
  if (auto it = reference.find("identifier"); reference.is_object() && it != reference.end())
    return from(*it);
  return {};
}

std::string extension_value(const json& resource, std::string_view url, bool& wrong_type) {
  auto it = resource.find("extension");
  if (it == resource.end() || !it->is_array()) return {};
  for (const json& e : *it) {
    if (string_member(e, "url") != url) continue;
    if (!e.contains("valueString") || !e["valueString"].is_string()) {
      wrong_type = true;
      return {};
    }
    return e["valueString"].get<std::string>();
  }
  return {};
}

}  // namespace

Result<EligibilityRequest> read_eligibility_request(std::string_view body) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object())
    return fhir_error("bad_json", "the body must be a FHIR resource in JSON");
  if (string_member(request, "resourceType") != "CoverageEligibilityRequest")
    return fhir_error("resource_type", "the body must be a CoverageEligibilityRequest");
  // Before anything is read: a 個人番号 must not travel further than this.
  if (holds_individual_number(request))
    return Error{"identifier.individual_number",
                 "an identifier holds a 12-digit individual number; it is not accepted"};

  EligibilityRequest out;
  const Contained contained(request);
  if (auto id = string_member(request, "id"); is_fhir_id(id)) out.id = id;
  if (auto it = request.find("identifier");
      it != request.end() && it->is_array() && !it->empty() && it->front().is_object()) {
    json id = json::object();
    for (const char* key : {"system", "value"})
      if (auto v = string_member(it->front(), key); !v.empty()) id[key] = v;
    if (!id.empty()) out.identifier = std::move(id);
  }
  static constexpr std::string_view kPurposes[] = {"auth-requirements", "benefits", "discovery",
                                                   "validation"};
  if (auto it = request.find("purpose"); it != request.end()) {
    if (!it->is_array()) return fhir_error("purpose", "purpose is an array of codes");
    for (const json& p : *it) {
      if (!p.is_string() || std::find(std::begin(kPurposes), std::end(kPurposes),
                                      p.get<std::string>()) == std::end(kPurposes))
        return fhir_error("purpose",
                          "purpose is auth-requirements | benefits | discovery | validation");
      out.purpose.push_back(p.get<std::string>());
    }
  }
  if (out.purpose.empty()) out.purpose.push_back("validation");

  // The Coverage asked about: the one insurance entry's, contained.
  const json* coverage = nullptr;
  if (auto it = request.find("insurance"); it != request.end()) {
    if (!it->is_array() || it->size() != 1 || !it->front().is_object())
      return fhir_error("insurance", "one insurance entry per request");
    const json& insurance = it->front();
    coverage = contained.resolve(insurance.value("coverage", json::object()), "Coverage");
    if (!coverage)
      return fhir_error("coverage", "insurance[0].coverage must refer to a contained Coverage");
  } else {
    coverage = contained.only("Coverage");
    if (!coverage) return fhir_error("coverage", "the request must contain its Coverage");
  }

  bool wrong_type = false;
  check::NumberCheckFields& f = out.fields;
  f.symbol = extension_value(*coverage, kInsuredPersonSymbol, wrong_type);
  f.number = extension_value(*coverage, kInsuredPersonNumber, wrong_type);
  f.branch = extension_value(*coverage, kInsuredPersonSubNumber, wrong_type);
  if (wrong_type) return fhir_error("extension", "JP_Coverage extensions take valueString");
  if (f.branch.empty()) f.branch = string_member(*coverage, "dependent");

  // 保険者: the Coverage's payor, else the request's insurer; contained or by identifier.
  if (auto it = coverage->find("payor"); it != coverage->end() && it->is_array() && !it->empty())
    f.insurer_number =
        insurer_number_of(contained.resolve(it->front(), "Organization"), it->front());
  if (f.insurer_number.empty() && request.contains("insurer"))
    f.insurer_number = insurer_number_of(contained.resolve(request["insurer"], "Organization"),
                                         request["insurer"]);

  const json* patient = contained.resolve(request.value("patient", json::object()), "Patient");
  if (!patient)
    patient = contained.resolve(coverage->value("beneficiary", json::object()), "Patient");
  if (patient) f.birth_date = string_member(*patient, "birthDate");

  if (request.contains("servicedPeriod"))
    return fhir_error("serviced", "servicedPeriod is not supported; send servicedDate");
  if (request.contains("servicedDate") && !request["servicedDate"].is_string())
    return fhir_error("serviced", "servicedDate is a date");
  f.visit_date = string_member(request, "servicedDate");
  if (!out.identifier.is_null()) f.reference = string_member(out.identifier, "value");
  return out;
}

IssueKind issue_kind(std::string_view code) {
  if (code == "fhir.bad_json" || code == "fhir.resource_type") return {400, "structure"};
  if (code == "fhir.content_type") return {415, "not-supported"};
  if (code.starts_with("fhir.serviced") || code == "fhir.insurance") return {400, "not-supported"};
  if (code == "fhir.internal") return {500, "exception"};
  if (code.starts_with("fhir.")) return {400, "invalid"};
  if (code.starts_with("audit.")) return {503, "transient"};
  if (code.ends_with(".empty")) return {422, "required"};
  return {422, "value"};  // an identifier or a date the domain refused
}

json operation_outcome(const Error& error, std::string_view check_id) {
  json issues = json::array();
  issues.push_back(
      {{"severity", "error"},
       {"code", issue_kind(error.code).type},
       {"details", {{"coding", json::array({{{"system", kErrorSystem}, {"code", error.code}}})}}},
       {"diagnostics", error.message}});
  if (!check_id.empty())
    issues.push_back({{"severity", "information"},
                      {"code", "informational"},
                      {"diagnostics", "audited as check " + std::string(check_id)}});
  return {{"resourceType", "OperationOutcome"}, {"issue", issues}};
}

namespace {

std::string zero_padded8(const InsurerNumber& n) {
  return std::string(8 - n.digits().size(), '0') + n.digits();
}

json period_of(const Qualification& q) {
  json p = json::object();
  if (q.qualification_date) p["start"] = q.qualification_date->iso();
  if (q.disqualification_date)
    p["end"] = q.disqualification_date->iso();
  else if (q.card_valid_until)
    p["end"] = q.card_valid_until->iso();
  return p;
}

json patient_of(const std::optional<Qualification>& q, const check::NumberCheck& asked) {
  json p{{"resourceType", "Patient"}, {"id", "patient"}, {"meta", {{"profile", {kJpPatient}}}}};
  if (q && !q->name.empty()) {
    // JP Core: the kanji name (IDE) and its reading (SYL) as two HumanNames.
    json names = json::array();
    names.push_back({{"extension", {{{"url", kNameRepresentation}, {"valueCode", "IDE"}}}},
                     {"use", "official"},
                     {"text", q->name}});
    if (!q->name_kana.empty())
      names.push_back({{"extension", {{{"url", kNameRepresentation}, {"valueCode", "SYL"}}}},
                       {"use", "official"},
                       {"text", q->name_kana}});
    p["name"] = names;
  }
  if (q && q->details.sex == "1") p["gender"] = "male";
  if (q && q->details.sex == "2") p["gender"] = "female";
  if (q && q->birth_date)
    p["birthDate"] = q->birth_date->iso();
  else if (asked.birth_date)
    p["birthDate"] = asked.birth_date->iso();
  return p;
}

json insurer_of(const InsuranceIdentity& identity, const std::optional<Qualification>& q) {
  const std::string number = zero_padded8(identity.insurer);
  json o{{"resourceType", "Organization"},
         {"id", "insurer"},
         {"meta", {{"profile", {kJpOrganization}}}},
         {"identifier",
          {{{"system", kInsurerNumberSystem}, {"value", number}},
           {{"system", kInsurerNumberOid}, {"value", number}}}},
         {"type",
          {{{"coding",
             {{{"system", "http://terminology.hl7.org/CodeSystem/organization-type"},
               {"code", "pay"},
               {"display", "Payer"}}}}}}}};
  if (q && !q->insurer_name.empty()) o["name"] = q->insurer_name;
  return o;
}

json coverage_of(const InsuranceIdentity& identity, const std::optional<Qualification>& q) {
  json extensions = json::array();
  if (identity.symbol)
    extensions.push_back(
        {{"url", kInsuredPersonSymbol}, {"valueString", identity.symbol->value()}});
  extensions.push_back({{"url", kInsuredPersonNumber}, {"valueString", identity.number.value()}});
  if (identity.branch)
    extensions.push_back(
        {{"url", kInsuredPersonSubNumber}, {"valueString", identity.branch->value()}});
  const bool ended = q && (q->validity == QualificationValidity::Invalid ||
                           q->validity == QualificationValidity::NewerExists);
  json c{{"resourceType", "Coverage"},
         {"id", "coverage"},
         {"meta", {{"profile", {kJpCoverage}}}},
         {"extension", extensions},
         {"status", ended ? "cancelled" : "active"},
         {"beneficiary", {{"reference", "#patient"}}},
         {"payor", {{{"reference", "#insurer"}}}}};
  if (identity.branch) c["dependent"] = identity.branch->value();
  if (q && q->relationship) {
    json coding = json::array();
    if (*q->relationship == Relationship::Self) {
      coding.push_back({{"system", kRelationshipSystem}, {"code", "1"}, {"display", "被保険者"}});
      coding.push_back({{"system", "http://terminology.hl7.org/CodeSystem/subscriber-relationship"},
                        {"code", "self"}});
    } else {
      coding.push_back({{"system", kRelationshipSystem}, {"code", "2"}, {"display", "被扶養者"}});
    }
    c["relationship"] = {{"coding", coding}};
  }
  if (q) {
    if (json p = period_of(*q); !p.empty()) c["period"] = p;
  }
  if (q && q->copay) {
    // 一部負担金割合 as JP Core writes a co-pay: coverage-copay-type#copaypct, a percentage.
    c["costToBeneficiary"] = {
        {{"type",
          {{"coding",
            {{{"system", "http://terminology.hl7.org/CodeSystem/coverage-copay-type"},
              {"code", "copaypct"}}}}}},
         {"valueQuantity",
          {{"value", q->copay->percent()},
           {"unit", "%"},
           {"system", "http://unitsofmeasure.org"},
           {"code", "%"}}}}};
  }
  return c;
}

// The reason code with its English sentence, dates filled in, as display.
json reason_coding(ReasonCode reason, const DecisionFacts& facts) {
  json c{{"system", kReasonSystem}, {"code", describe(reason).code}};
  // FHIR strings are never empty.
  if (std::string text = message_en(reason, facts); !text.empty()) c["display"] = std::move(text);
  return c;
}

}  // namespace

json eligibility_response(const EligibilityRequest& request, const check::NumberCheck& asked,
                          const check::CheckOutcome& outcome, std::string_view created) {
  const Decision& d = outcome.decision;
  const std::optional<Qualification>& q = d.qualification;
  // The Coverage as the gateway answered it, else as asked.
  const InsuranceIdentity& identity = q && q->identity ? *q->identity : asked.identity;

  // complete: the gateway answered and the rules decided; error: no decision on eligibility
  // (gateway unreachable, several qualifications match: ask for 枝番 or birth date).
  const bool complete = d.outcome == Outcome::Accepted || d.outcome == Outcome::Refused ||
                        d.outcome == Outcome::AcceptedUnconfirmed;
  json insurance{{"coverage", {{"reference", "#coverage"}}}};
  if (d.outcome == Outcome::Accepted) insurance["inforce"] = true;
  if (d.outcome == Outcome::Refused) insurance["inforce"] = false;
  if (q) {
    if (json p = period_of(*q); !p.empty()) insurance["benefitPeriod"] = p;
  }

  json extensions =
      json::array({{{"url", kOutcomeExtension}, {"valueCode", to_string(d.outcome)}}});
  for (ReasonCode reason : d.reasons)
    extensions.push_back(
        {{"url", kReasonExtension}, {"valueCoding", reason_coding(reason, d.facts)}});

  json reference = json::object({{"type", "CoverageEligibilityRequest"}});
  if (!request.identifier.is_null())
    reference["identifier"] = request.identifier;
  else if (!request.id.empty())
    reference["reference"] = "CoverageEligibilityRequest/" + request.id;

  json r{{"resourceType", "CoverageEligibilityResponse"},
         {"id", outcome.check_id},
         {"contained", {patient_of(q, asked), insurer_of(identity, q), coverage_of(identity, q)}},
         {"extension", extensions},
         {"identifier",
          {{{"system", "urn:ietf:rfc:3986"}, {"value", "urn:uuid:" + outcome.check_id}}}},
         {"status", "active"},
         {"purpose", request.purpose},
         {"patient", {{"reference", "#patient"}}},
         {"servicedDate", asked.visit_date.iso()},
         {"created", created},
         {"request", reference},
         {"outcome", complete ? "complete" : "error"},
         {"insurer", {{"reference", "#insurer"}}},
         {"insurance", {insurance}}};
  if (const std::string sentence = d.message_ja(); !sentence.empty()) r["disposition"] = sentence;
  if (!complete) {
    json errors = json::array();
    for (ReasonCode reason : d.reasons) {
      json code{{"coding", {reason_coding(reason, d.facts)}}};
      if (std::string text = message_ja(reason, d.facts); !text.empty()) code["text"] = text;
      errors.push_back({{"code", code}});
    }
    if (!errors.empty()) r["error"] = errors;
  }
  return r;
}

json capability_statement(std::string_view software_version) {
  return {{"resourceType", "CapabilityStatement"},
          {"status", "active"},
          // When what this statement says last changed (not the server's clock).
          {"date", "2026-12-01"},
          {"publisher", "Madoguchi"},
          {"kind", "instance"},
          {"software", {{"name", "Madoguchi"}, {"version", software_version}}},
          {"implementation",
           {{"description", "Health-insurance eligibility checks (オンライン資格確認) by number"}}},
          {"fhirVersion", "4.0.1"},
          {"format", {"application/fhir+json"}},
          {"rest",
           {{{"mode", "server"},
             {"documentation",
              "Authorization: Bearer <token> of a receipt system (role receipt_system). "
              "GET /fhir/metadata needs no token."},
             {"security", {{"service", {{{"text", "Bearer token (Authorization header)"}}}}}},
             {"resource",
              {{{"type", "CoverageEligibilityRequest"},
                {"operation",
                 {{{"name", "submit"},
                   {"definition",
                    "https://madoguchi.invalid/fhir/OperationDefinition/"
                    "CoverageEligibilityRequest-submit"},
                   {"documentation",
                    "A CoverageEligibilityRequest with a contained Patient and JP_Coverage in, a "
                    "CoverageEligibilityResponse out; every check is audited."}}}}},
               {{"type", "CoverageEligibilityResponse"}},
               {{"type", "Coverage"}, {"supportedProfile", {kJpCoverage}}}}}}}}};
}

}  // namespace madoguchi::api::fhir
