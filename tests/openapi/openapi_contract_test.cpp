// The API's description and the daemon cannot drift: proto/openapi.yaml is linted (Redocly), and
// a real daemon (PostgreSQL, the gateway simulator over mutual TLS, the document corpus) is called
// on every endpoint — answers and refusals — with each response recorded and validated against
// the description (validate.mjs, ajv with JSON Schema 2020-12).
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace madoguchi_test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path node_dir() { return binary_dir() / "tests/openapi"; }
fs::path description() { return source_dir() / "proto/openapi.yaml"; }

// Both tests empty and refill node_modules with `npm ci`, then use it: each holds this lock for
// its whole run, so neither sees the other's half-installed packages (ctest -j).
class NodeModulesLock {
 public:
  NodeModulesLock()
      : fd_(::open((node_dir() / ".node_modules.lock").c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~NodeModulesLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  NodeModulesLock(const NodeModulesLock&) = delete;
  NodeModulesLock& operator=(const NodeModulesLock&) = delete;

 private:
  int fd_;
};

// npm ci into this build folder, as package-lock.json pins it.
void npm_ci() {
  auto npm = run_command("cd " + node_dir().string() +
                         " && npm ci --no-audit --no-fund --loglevel=error 2>&1");
  ASSERT_EQ(npm.exit_code, 0) << npm.output;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  json json_body() const { return json::parse(body, nullptr, false); }
};

// Calls the daemon with curl and records every exchange into a folder for validate.mjs.
class Recorder {
 public:
  Recorder(const Daemon& daemon, fs::path dir) : daemon_(daemon), dir_(std::move(dir)) {
    fs::create_directories(dir_);
  }

  struct Call {
    std::string method = "GET";
    std::string path;
    std::vector<std::string> headers;  // "Name: value"
    std::optional<std::string> body;   // sent as is
    std::string body_file;             // or a file, sent as is
    bool token = true;                 // Authorization: Bearer <the test desk's token>
  };

  Answer call(const Call& c) {
    const std::string n = std::to_string(++count_);
    const fs::path head = dir_ / ("raw-" + n + ".headers"), out = dir_ / ("raw-" + n + ".body");
    std::string cmd = "curl -sS --max-time 30 --cacert " +
                      (Daemon::dev_certs() / "ca.crt").string() + " -X " + c.method + " -D " +
                      head.string() + " -o " + out.string() + " -w '%{http_code}'";
    if (c.token) cmd += std::string(" -H 'Authorization: Bearer ") + kToken + "'";
    for (const auto& h : c.headers) cmd += " -H " + shell_quote(h);
    if (c.body) {
      const fs::path in = dir_ / ("raw-" + n + ".request");
      std::ofstream(in, std::ios::binary) << *c.body;
      cmd += " --data-binary @" + in.string();
    } else if (!c.body_file.empty()) {
      cmd += " --data-binary @" + c.body_file;
    }
    cmd += " " + shell_quote("https://127.0.0.1:" + std::to_string(daemon_.https_port()) + c.path);
    auto r = run_command(cmd);
    Answer a;
    a.status = std::atoi(r.output.c_str());
    a.body = read_file(out);
    // The last header block (a 100 Continue may precede it).
    std::istringstream lines(read_file(head));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("HTTP/", 0) == 0) {
        a.headers.clear();
        continue;
      }
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      a.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    const std::string type = a.headers["content-type"];
    const bool text = type.find("json") != std::string::npos || type.rfind("text/", 0) == 0 ||
                      type.find("yaml") != std::string::npos;
    json rec{{"method", c.method},
             {"path", c.path},
             {"status", a.status},
             {"headers", a.headers},
             {"body", text ? a.body : std::string()}};
    std::ofstream(dir_ / (std::string(4 - std::min<std::size_t>(4, n.size()), '0') + n + ".json"))
        << rec.dump(2, ' ', false, json::error_handler_t::replace);
    return a;
  }

  Answer get(const std::string& path, bool token = true) {
    return call({.method = "GET",
                 .path = path,
                 .headers = {},
                 .body = {},
                 .body_file = {},
                 .token = token});
  }
  Answer post_json(const std::string& path, const std::string& body, bool token = true) {
    return call({.method = "POST",
                 .path = path,
                 .headers = {"Content-Type: application/json"},
                 .body = body,
                 .body_file = {},
                 .token = token});
  }
  Answer post_file(const std::string& path, const std::string& file, const std::string& type) {
    return call({.method = "POST",
                 .path = path,
                 .headers = {"Content-Type: " + type},
                 .body = {},
                 .body_file = file,
                 .token = true});
  }

 private:
  const Daemon& daemon_;
  fs::path dir_;
  int count_ = 0;
};

std::string corpus(const std::string& name) {
  return (binary_dir() / "tests/documents/corpus" / name).string();
}

const json kInsured = {{"insurer_number", "06139992"},
                       {"symbol", "1001"},
                       {"number", "1001"},
                       {"branch", "00"},
                       {"visit_date", "2026-11-25"}};

}  // namespace

TEST(OpenApi, DescriptionLintsClean) {
  NodeModulesLock lock;
  npm_ci();
  auto lint =
      run_command("cd " + node_dir().string() +
                  " && npx --no-install redocly lint --config redocly.yaml --format=stylish " +
                  description().string() + " 2>&1");
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
}

TEST(OpenApi, EveryEndpointAnswersAsDescribed) {
  NodeModulesLock lock;
  npm_ci();
  TempPostgres pg;
  TempDir dir("openapi");
  GatewaySim sim(dir);
  // The corpus is dated: this test chooses the visit date, which a real desk cannot.
  Daemon d(pg, dir,
           {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port()),
            "MADOGUCHI_API_ALLOW_VISIT_DATE=true",
            // No card reader: this test must not touch a reader or card another test uses.
            "MADOGUCHI_CARD_ENABLED=false"});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  Recorder rec(d, dir.path() / "responses");

  // Operations.
  EXPECT_EQ(rec.get("/healthz", false).status, 200);
  EXPECT_EQ(rec.get("/readyz", false).status, 200);
  EXPECT_EQ(rec.get("/metrics", false).status, 200);
  const Answer described = rec.get("/openapi.yaml", false);
  EXPECT_EQ(described.status, 200);
  EXPECT_EQ(described.headers.at("content-type"), "application/yaml");
  EXPECT_EQ(described.body, read_file(description())) << "the daemon serves another description";
  const Answer not_allowed = rec.call({.method = "DELETE",
                                       .path = "/healthz",
                                       .headers = {},
                                       .body = {},
                                       .body_file = {},
                                       .token = false});
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(not_allowed.headers.count("allow"), 1u);
  EXPECT_EQ(rec.get("/v1/nothing-here").status, 404);

  // By number: a decision, refusals by field, the 個人番号, bad JSON, no or a wrong token.
  const Answer decided = rec.post_json("/v1/checks/by-number", kInsured.dump());
  ASSERT_EQ(decided.status, 200) << decided.body << d.log();
  const std::string check_id = decided.json_body()["check_id"].get<std::string>();
  EXPECT_EQ(
      rec.post_json("/v1/checks/by-number", R"({"insurer_number":"06139993","number":"1"})").status,
      422);
  EXPECT_EQ(rec.post_json("/v1/checks/by-number",
                          R"({"insurer_number":"06139992","number":"1234 5678 9012"})")
                .status,
            422);
  EXPECT_EQ(rec.post_json("/v1/checks/by-number",
                          R"({"insurer_number":"06139992","number":"1","birth_date":"1980/01/01"})")
                .status,
            422);
  EXPECT_EQ(rec.post_json("/v1/checks/by-number", "[1, 2]").status, 400);
  EXPECT_EQ(rec.post_json("/v1/checks/by-number", kInsured.dump(), false).status, 401);
  EXPECT_EQ(rec.call({.method = "POST",
                      .path = "/v1/checks/by-number",
                      .headers = {"Authorization: Bearer not-a-token"},
                      .body = kInsured.dump(),
                      .body_file = {},
                      .token = false})
                .status,
            401);
  const Answer wrong_method = rec.call({.method = "DELETE",
                                        .path = "/v1/checks/by-number",
                                        .headers = {},
                                        .body = {},
                                        .body_file = {},
                                        .token = true});
  EXPECT_EQ(wrong_method.status, 405);

  // By card: no reader is configured here.
  EXPECT_EQ(rec.post_json("/v1/checks/by-card", R"({"pin":"1234"})").status, 503);

  // By document: a decision with its report, several files in one form, unusable papers.
  const Answer doc = rec.post_file("/v1/checks/by-document?context=counter&visit_date=2026-05-01",
                                   corpus("myna_00_kumiai_table.pdf"), "application/pdf");
  EXPECT_EQ(doc.status, 200) << doc.body;
  EXPECT_EQ(rec.post_file("/v1/checks/by-document?context=patient", corpus("bad_encrypted.pdf"),
                          "application/pdf")
                .status,
            422);
  EXPECT_EQ(rec.post_file("/v1/checks/by-document?context=nobody",
                          corpus("myna_00_kumiai_table.pdf"), "application/pdf")
                .status,
            400);
  EXPECT_EQ(rec.post_file("/v1/checks/by-document?visit_date=2026/05/01",
                          corpus("myna_00_kumiai_table.pdf"), "application/pdf")
                .status,
            422);
  const std::string boundary = "madoguchi-openapi-boundary";
  std::string form =
      "--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"context\"\r\n\r\ncounter\r\n--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"visit_date\"\r\n\r\n2026-05-01\r\n";
  for (const char* f : {"myna_00_kumiai_table.pdf", "bad_encrypted.pdf"})
    form += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + f +
            "\"\r\nContent-Type: application/pdf\r\n\r\n" + read_file(corpus(f)) + "\r\n";
  form += "--" + boundary + "--\r\n";
  const Answer several =
      rec.call({.method = "POST",
                .path = "/v1/checks/by-document",
                .headers = {"Content-Type: multipart/form-data; boundary=" + boundary},
                .body = form,
                .body_file = {},
                .token = true});
  EXPECT_EQ(several.status, 200) << several.body;
  EXPECT_EQ(several.json_body()["results"].size(), 2u) << several.body;
  EXPECT_EQ(rec.call({.method = "POST",
                      .path = "/v1/checks/by-document",
                      .headers = {"Content-Type: multipart/form-data; boundary=" + boundary},
                      .body = "--" + boundary +
                              "\r\nContent-Disposition: form-data; name=\"context\"\r\n\r\n"
                              "counter\r\n--" +
                              boundary + "--\r\n",
                      .body_file = {},
                      .token = true})
                .status,
            400);

  // Batch: valid and invalid items side by side; sizes and shapes refused.
  json batch{
      {"visit_date", "2026-11-25"},
      {"items",
       json::array(
           {kInsured, {{"insurer_number", "138157"}, {"number", "1"}, {"reference", "R-2"}}})}};
  batch["items"][0]["reference"] = "R-1";
  const Answer batched = rec.post_json("/v1/checks/batch", batch.dump());
  EXPECT_EQ(batched.status, 200) << batched.body;
  EXPECT_EQ(rec.post_json("/v1/checks/batch", R"({"items":[]})").status, 400);
  EXPECT_EQ(rec.post_json("/v1/checks/batch", R"({"items":{}})").status, 400);

  // Durable batches: created, read, cancelled.
  const Answer created = rec.post_json("/v1/batches", batch.dump());
  ASSERT_EQ(created.status, 202) << created.body << d.log();
  const std::string batch_id = created.json_body()["batch_id"].get<std::string>();
  EXPECT_EQ(rec.get("/v1/batches/" + batch_id).status, 200);
  EXPECT_EQ(rec.get("/v1/batches/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_LT(rec.call({.method = "DELETE",
                      .path = "/v1/batches/" + batch_id,
                      .headers = {},
                      .body = {},
                      .body_file = {},
                      .token = true})
                .status,
            500);
  EXPECT_EQ(rec.post_json("/v1/batches", R"({"items":"none"})").status, 400);

  // FHIR R4: the capability statement, an eligibility request, a resource of the wrong type.
  EXPECT_EQ(rec.get("/fhir/metadata", false).status, 200);
  const std::string ext = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_";
  const json eligibility = {
      {"resourceType", "CoverageEligibilityRequest"},
      {"status", "active"},
      {"purpose", {"validation"}},
      {"patient", {{"reference", "#pat"}}},
      {"servicedDate", "2026-11-25"},
      {"created", "2026-11-25T09:00:00+09:00"},
      {"insurer", {{"reference", "#ins"}}},
      {"contained",
       {{{"resourceType", "Patient"}, {"id", "pat"}},
        {{"resourceType", "Organization"},
         {"id", "ins"},
         {"identifier", {{{"system", "urn:oid:1.2.392.100495.20.3.61"}, {"value", "06139992"}}}}},
        {{"resourceType", "Coverage"},
         {"id", "cov"},
         {"status", "active"},
         {"beneficiary", {{"reference", "#pat"}}},
         {"payor", {{{"reference", "#ins"}}}},
         {"extension",
          {{{"url", ext + "InsuredPersonSymbol"}, {"valueString", "1001"}},
           {{"url", ext + "InsuredPersonNumber"}, {"valueString", "1001"}},
           {{"url", ext + "InsuredPersonSubNumber"}, {"valueString", "00"}}}}}}},
      {"insurance", {{{"focal", true}, {"coverage", {{"reference", "#cov"}}}}}}};
  auto fhir = [&](const std::string& body) {
    return rec.call({.method = "POST",
                     .path = "/fhir/CoverageEligibilityRequest/$submit",
                     .headers = {"Content-Type: application/fhir+json"},
                     .body = body,
                     .body_file = {},
                     .token = true});
  };
  const Answer eligible = fhir(eligibility.dump());
  EXPECT_EQ(eligible.status, 200) << eligible.body;
  EXPECT_EQ(fhir(R"({"resourceType":"Patient"})").status, 400);

  // The audit log and the unconfirmed queue.
  EXPECT_EQ(rec.get("/v1/checks?limit=5").status, 200);
  EXPECT_EQ(rec.get("/v1/checks?limit=0").status, 400);
  EXPECT_EQ(rec.get("/v1/checks?outcome=maybe").status, 400);
  EXPECT_EQ(rec.get("/v1/checks/" + check_id).status, 200);
  const Answer unknown = rec.get("/v1/checks/00000000-0000-4000-8000-000000000000");
  EXPECT_TRUE(unknown.status == 404 || unknown.status == 400) << unknown.body;
  EXPECT_EQ(rec.get("/v1/unconfirmed").status, 200);
  EXPECT_EQ(rec.get("/v1/unconfirmed?limit=x").status, 400);

  // The desk page, its sign-in and the reader (none configured).
  EXPECT_EQ(rec.get("/", false).status, 200);
  EXPECT_EQ(rec.get("/desk/desk.js", false).status, 200);
  EXPECT_EQ(rec.get("/desk/desk.css", false).status, 200);
  EXPECT_EQ(rec.get("/desk/no-such-file.js", false).status, 404);
  EXPECT_EQ(rec.get("/v1/desk/session", false).status, 200);
  EXPECT_EQ(rec.post_json("/v1/desk/enrol", R"({"code":"ABCDE-FGHJK"})", false).status, 401);
  EXPECT_EQ(rec.call({.method = "POST",
                      .path = "/v1/desk/enrol",
                      .headers = {"Content-Type: text/plain"},
                      .body = "ABCDE-FGHJK",
                      .body_file = {},
                      .token = false})
                .status,
            415);
  EXPECT_EQ(rec.post_json("/v1/desk/enrol", "{}", false).status, 400);
  EXPECT_EQ(rec.post_json("/v1/desk/sign-out", "{}", false).status, 401);
  EXPECT_EQ(rec.get("/v1/reader/state?wait=0").status, 200);
  EXPECT_EQ(rec.get("/v1/reader/pin-tries").status, 503);
  EXPECT_EQ(rec.get("/v1/reader/state", false).status, 401);

  // A desk's own session: enrolled with the counter CLI, then signed in and out.
  auto enrolled = run_command(
      (binary_dir() / "services/madoguchictl/madoguchictl").string() +
      " terminal enrol desk-7 --json --conninfo=" + shell_quote(pg.conninfo()) + " 2>&1");
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.output;
  const std::string code = json::parse(enrolled.output)["code"].get<std::string>();
  const Answer signed_in = rec.post_json("/v1/desk/enrol", json{{"code", code}}.dump(), false);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const std::string cookie =
      signed_in.headers.at("set-cookie").substr(0, signed_in.headers.at("set-cookie").find(';'));
  const std::string csrf = signed_in.json_body()["csrf_token"].get<std::string>();
  auto with_session = [&](std::string method, std::string path, std::vector<std::string> headers) {
    headers.push_back("Cookie: " + cookie);
    return rec.call({.method = std::move(method),
                     .path = std::move(path),
                     .headers = std::move(headers),
                     .body = std::string(),
                     .body_file = {},
                     .token = false});
  };
  EXPECT_EQ(with_session("GET", "/v1/desk/session", {}).status, 200);
  EXPECT_EQ(with_session("POST", "/v1/desk/sign-out", {}).status, 403);
  EXPECT_EQ(with_session("POST", "/v1/desk/sign-out", {"X-CSRF-Token: " + csrf}).status, 200);

  // The route table, read with an admin key: validate.mjs compares it with the description.
  auto admin = run_command((binary_dir() / "services/madoguchictl/madoguchictl").string() +
                           " keys create openapi-admin --role admin --json --conninfo=" +
                           shell_quote(pg.conninfo()) + " 2>&1");
  ASSERT_EQ(admin.exit_code, 0) << admin.output;
  const std::string admin_token = json::parse(admin.output)["token"].get<std::string>();
  const Answer routes = rec.call({.method = "GET",
                                  .path = "/v1/admin/routes",
                                  .headers = {"Authorization: Bearer " + admin_token},
                                  .body = {},
                                  .body_file = {},
                                  .token = false});
  EXPECT_EQ(routes.status, 200) << routes.body;
  EXPECT_EQ(rec.get("/v1/admin/routes").status, 403);

  auto validate =
      run_command("cd " + node_dir().string() + " && node validate.mjs " + description().string() +
                  " " + (dir.path() / "responses").string() + " 2>&1");
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
  std::cout << validate.output;
}
