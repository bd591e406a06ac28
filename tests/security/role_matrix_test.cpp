// Who may do what, through a real daemon: every route it registers × every role (keys made with
// madoguchictl) and no credential, against the table in docs/security.md; the history scope in
// the reader's query; access records for reads; the 12-digit individual number in every
// identifier field refused with no audit row holding it and no connection to the gateway.
#include "daemon_fixture.hpp"

#include <madoguchi/api/router.hpp>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

const char* const kRoles[] = {"desk", "receipt_system", "auditor", "admin"};

struct Row {
  std::string method, path, access;
  std::map<std::string, std::string> cells;  // column → "✓" | "403" | "401"
};

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ')) s.erase(0, 1);
  while (!s.empty() && (s.back() == ' ')) s.pop_back();
  return s;
}

// The rows between the role-matrix markers of docs/security.md.
std::vector<Row> documented_matrix() {
  std::ifstream in(source_dir() / "docs/security.md");
  std::vector<Row> rows;
  bool inside = false;
  std::vector<std::string> columns;
  for (std::string line; std::getline(in, line);) {
    if (line.find("role-matrix:begin") != std::string::npos) inside = true;
    if (line.find("role-matrix:end") != std::string::npos) break;
    if (!inside || line.rfind("|", 0) != 0 || line.rfind("|---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string c; std::getline(ss, c, '|');) cells.push_back(trim(c));
    if (columns.empty()) {
      columns = cells;
      continue;
    }
    Row r{cells.at(0), cells.at(1), cells.at(2), {}};
    for (std::size_t i = 3; i < cells.size() && i < columns.size(); ++i)
      r.cells[columns[i]] = cells[i];
    rows.push_back(r);
  }
  return rows;
}

std::optional<madoguchi::api::Access> access_named(const std::string& name) {
  using madoguchi::api::Access;
  for (Access a : {Access::Public, Access::Authenticated, Access::CheckAtTerminal,
                   Access::CheckByNumber, Access::Batch, Access::Fhir, Access::OwnHistory,
                   Access::AllHistory, Access::Unconfirmed, Access::Admin})
    if (madoguchi::api::to_string(a) == name) return a;
  return std::nullopt;
}

std::string code_of(const HttpAnswer& a) {
  const auto j = json::parse(a.body, nullptr, false);
  return j.is_object() ? j.value("code", "") : "";
}

std::string ctl(const TempPostgres& pg, const std::string& args) {
  auto r = run_command("MADOGUCHI_DATABASE_CONNINFO='" + pg.conninfo() +
                       "' " MADOGUCHICTL_PATH " --json " + args + " 2>&1");
  if (r.exit_code != 0) throw std::runtime_error("madoguchictl " + args + ": " + r.output);
  return r.output;
}

// A key of `role` made the way an administrator makes one; returns its token.
std::string make_key(const TempPostgres& pg, const std::string& client, const std::string& role,
                     const std::string& terminal = "") {
  const auto out = ctl(pg, "keys create " + client + " --role " + role +
                               (terminal.empty() ? "" : " --terminal " + terminal));
  return json::parse(out).at("token").get<std::string>();
}

std::string bearer(const std::string& token) {
  return token.empty() ? "" : "-H 'Authorization: Bearer " + token + "'";
}

HttpAnswer call(const Daemon& d, const std::string& method, std::string path,
                const std::string& token, const std::string& body = "{}") {
  static const std::regex capture("\\{[a-z_]+\\}");
  path = std::regex_replace(path, std::regex("\\{file\\}"), "index.html");
  path = std::regex_replace(path, capture, "00000000-0000-4000-8000-000000000001");
  if (path.find("/v1/reader/state") == 0) path += "?wait=0";
  // '$' in a FHIR operation is literal: single quotes keep it from the shell.
  std::string args = bearer(token);
  if (method != "GET") {
    std::string escaped;
    for (char c : body) escaped += c == '\'' ? std::string("'\\''") : std::string(1, c);
    args +=
        " -X " + method + " -H 'Content-Type: application/json' --data-binary '" + escaped + "'";
  }
  return d.get(path, args);
}

// Something listening where the gateway should be, that only counts connections.
class CountingListener {
 public:
  CountingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("listener");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) ::close(c);
          return;
        }
        ++accepted_;
        ::close(c);
      }
    });
  }
  ~CountingListener() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  unsigned short port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class Security : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("security");
    gateway_ = std::make_unique<CountingListener>();
    daemon_ = std::make_unique<Daemon>(
        pg_, *dir_,
        std::vector<std::string>{"MADOGUCHI_GATEWAY_PORT=" + std::to_string(gateway_->port()),
                                 "MADOGUCHI_GATEWAY_DEADLINE_MS=500",
                                 "MADOGUCHI_CARD_ENABLED=false"});
    ASSERT_TRUE(daemon_->wait_ready(std::chrono::seconds(30))) << daemon_->log();
    for (const char* role : kRoles)
      tokens_[role] = make_key(pg_, std::string("m-") + role, role,
                               std::string(role) == "desk" ? "desk-1" : "");
    tokens_["none"] = "";
  }

  TempPostgres pg_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<CountingListener> gateway_;
  std::unique_ptr<Daemon> daemon_;
  std::map<std::string, std::string> tokens_;
};

const json kInsured = {{"insurer_number", "06139992"}, {"symbol", "1001"}, {"number", "501"}};

}  // namespace

TEST_F(Security, RoleMatrixOfEveryRouteAgreesWithTheDocsAndTheCode) {
  const auto rows = documented_matrix();
  ASSERT_GT(rows.size(), 10u) << "docs/security.md has no role matrix";

  // Every route the daemon registers is in the table, and every row is a route.
  const auto listed = call(*daemon_, "GET", "/v1/admin/routes", tokens_["admin"]);
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::set<std::string> registered, documented;
  const json listing = json::parse(listed.body);
  for (const auto& r : listing["items"]) {
    const std::string key = r["method"].get<std::string>() + " " + r["path"].get<std::string>();
    registered.insert(key);
    // The route's declared access is the documented one.
    for (const auto& row : rows)
      if (row.method + " " + row.path == key) {
        EXPECT_EQ(row.access, r["access"]) << key;
      }
  }
  ASSERT_FALSE(registered.empty()) << listed.body;
  for (const auto& row : rows) documented.insert(row.method + " " + row.path);
  for (const auto& k : registered)
    EXPECT_TRUE(documented.count(k)) << k << " is not in docs/security.md's role matrix";
  for (const auto& k : documented)
    EXPECT_TRUE(registered.count(k)) << k << " is documented but the daemon has no such route";

  for (const auto& row : rows) {
    const auto access = access_named(row.access);
    ASSERT_TRUE(access) << row.access;
    for (const auto& [column, token] : tokens_) {
      const std::string want = row.cells.at(column);
      // The table agrees with the code's grants().
      unsigned roles = 0;
      if (column != "none")
        roles = static_cast<unsigned>(*madoguchi::api::role_from_string(column));
      const bool granted = madoguchi::api::grants(roles, *access);
      EXPECT_EQ(want == "✓", granted) << row.method << " " << row.path << " / " << column;

      const auto a = call(*daemon_, row.method, row.path, token);
      const std::string code = code_of(a);
      const std::string where = row.method + " " + row.path + " as " + column + ": " +
                                std::to_string(a.status) + " " + a.body.substr(0, 200);
      if (want == "✓") {
        EXPECT_NE(a.status, 0) << where;
        EXPECT_NE(code, "auth.forbidden") << where;
        EXPECT_NE(code, "auth.missing_token") << where;
        EXPECT_NE(code, "auth.invalid_token") << where;
        EXPECT_NE(a.status, 429) << where;
      } else if (want == "403") {
        EXPECT_EQ(a.status, 403) << where;
        EXPECT_EQ(code, "auth.forbidden") << where;
      } else if (want == "401") {
        EXPECT_EQ(a.status, 401) << where;
        EXPECT_EQ(code, "auth.missing_token") << where;
      } else {
        ADD_FAILURE() << "unknown cell '" << want << "' at " << where;
      }
    }
  }
}

TEST_F(Security, HistoryIsScopedInTheQueryAndEveryReadLeavesAnAccessRecord) {
  const std::string other_desk = make_key(pg_, "m-desk-2", "desk", "desk-2");
  const std::string other_rece = make_key(pg_, "m-rece-2", "receipt_system");
  // A check by the desk of desk-1 and one by the receipt system (the gateway fails: both are
  // audited as failed, which is all this test needs).
  auto by_desk = call(*daemon_, "POST", "/v1/checks/by-number", tokens_["desk"], kInsured.dump());
  ASSERT_EQ(by_desk.status, 200) << by_desk.body;
  const std::string desk_check = json::parse(by_desk.body)["check_id"];
  auto by_rece =
      call(*daemon_, "POST", "/v1/checks/by-number", tokens_["receipt_system"], kInsured.dump());
  ASSERT_EQ(by_rece.status, 200) << by_rece.body;
  const std::string rece_check = json::parse(by_rece.body)["check_id"];

  const auto ids = [&](const std::string& token, const std::string& query = "") {
    auto a = call(*daemon_, "GET", "/v1/checks" + query, token);
    std::set<std::string> out;
    if (a.status != 200) return std::set<std::string>{"status " + std::to_string(a.status)};
    const json page = json::parse(a.body);
    for (const auto& r : page["items"]) out.insert(r["check_id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(ids(tokens_["auditor"]), (std::set<std::string>{desk_check, rece_check}));
  // The desk of desk-1 sees desk-1's checks (the receipt system's run under the daemon's terminal
  // desk-1 too); the desk of desk-2 sees none; a receipt system only its own client's.
  EXPECT_TRUE(ids(tokens_["desk"]).count(desk_check));
  EXPECT_EQ(ids(other_desk), std::set<std::string>{});
  EXPECT_EQ(ids(other_desk, "?terminal=desk-1"), std::set<std::string>{"status 403"});
  EXPECT_EQ(ids(tokens_["receipt_system"]), std::set<std::string>{rece_check});
  EXPECT_EQ(ids(other_rece), std::set<std::string>{});

  EXPECT_EQ(call(*daemon_, "GET", "/v1/checks/" + desk_check, other_desk).status, 404);
  EXPECT_EQ(call(*daemon_, "GET", "/v1/checks/" + desk_check, other_rece).status, 404);
  EXPECT_EQ(call(*daemon_, "GET", "/v1/checks/" + rece_check, tokens_["receipt_system"]).status,
            200);
  const auto read = call(*daemon_, "GET", "/v1/checks/" + desk_check, tokens_["auditor"]);
  ASSERT_EQ(read.status, 200) << read.body;

  // The auditor's read of the desk's check is on record: who, what, when, through which route.
  EXPECT_EQ(pg_.psql("SELECT client_id || ' ' || role || ' ' || endpoint FROM access_records "
                     "WHERE '" +
                     desk_check +
                     "'::uuid = ANY (check_ids) AND endpoint = 'GET /v1/checks/{id}' AND "
                     "accessed_at > now() - interval '1 minute'"),
            "m-auditor auditor GET /v1/checks/{id}");
  // Lists are recorded with every id they showed; a 404 shows nothing and records nothing.
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM access_records WHERE client_id = 'm-auditor' AND "
                     "endpoint = 'GET /v1/checks' AND cardinality(check_ids) = 2"),
            "1");
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM access_records WHERE client_id = 'm-desk-2' AND "
                     "endpoint = 'GET /v1/checks/{id}'"),
            "0");
}

TEST_F(Security, TwelveDigitsInAnyIdentifierFieldNeverReachTheGatewayOrTheAuditTable) {
  const int connections_before = gateway_->accepted();
  const std::map<std::string, std::string> twelve = {
      {"insurer_number", "123456789012"}, {"symbol", "1234 5678 9012"},
      {"number", "123456789012"},         {"branch", "123456789012"},
      {"birth_date", "1234-5678-9012"},   {"visit_date", "123456789012"}};
  for (const auto& [field, value] : twelve) {
    json body = kInsured;
    body[field] = value;
    for (const char* role : {"desk", "receipt_system"}) {
      const auto a = call(*daemon_, "POST", "/v1/checks/by-number", tokens_[role], body.dump());
      EXPECT_EQ(a.status, 422) << field << " as " << role << ": " << a.body;
      EXPECT_EQ(code_of(a), field + ".individual_number") << a.body;
    }
  }
  EXPECT_EQ(gateway_->accepted(), connections_before) << "the gateway was asked";
  // The attempts are audited, without the number anywhere in the row.
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM audit_checks"), std::to_string(twelve.size() * 2));
  EXPECT_EQ(
      pg_.psql("SELECT count(*) FROM audit_checks a WHERE regexp_replace(row_to_json(a)::text, "
               "'[^0-9]', '', 'g') ~ '123456789012'"),
      "0");
  EXPECT_EQ(daemon_->log().find("9012"), std::string::npos);
}

TEST_F(Security, KeysAreRevokedWithinSecondsAndWrongTokensAreRateLimited) {
  const std::string token = make_key(pg_, "m-rotating", "receipt_system");
  ASSERT_EQ(call(*daemon_, "GET", "/v1/checks", token).status, 200);
  const auto keys = json::parse(ctl(pg_, "keys list"));
  std::string key_id;
  for (const auto& k : keys)
    if (k["client_id"] == "m-rotating") key_id = k["key_id"];
  ASSERT_FALSE(key_id.empty());
  ctl(pg_, "keys revoke " + key_id);
  // Within the key cache's 5 seconds (docs/security.md), polled, not slept.
  EXPECT_TRUE(wait_until([&] { return call(*daemon_, "GET", "/v1/checks", token).status == 401; },
                         std::chrono::seconds(8), std::chrono::milliseconds(250)));

  // Ten wrong guesses from this address, then 429 with Retry-After even for a right token.
  int limited_at = -1;
  for (int i = 0; i < 12 && limited_at < 0; ++i) {
    const auto a = call(*daemon_, "GET", "/v1/checks", "mdg_wrong" + std::to_string(i));
    if (a.status == 429) limited_at = i;
  }
  // api.auth_failures_burst is 10; the revoked token's 401 above was one failure already.
  EXPECT_GE(limited_at, 8);
  EXPECT_LE(limited_at, 10);
  const auto a = call(*daemon_, "GET", "/v1/checks", tokens_["auditor"]);
  EXPECT_EQ(a.status, 429);
  EXPECT_EQ(code_of(a), "auth.rate_limited");
  EXPECT_EQ(call(*daemon_, "GET", "/healthz", "").status, 200);
}

// A desk session of the terminal its browser signed in as (enrolment code → cookie); returns the
// curl arguments that present it (cookie jar and CSRF header).
static std::string desk_session(const TempPostgres& pg, const Daemon& d, const TempDir& dir,
                                const std::string& terminal) {
  const auto code = json::parse(ctl(pg, "terminal enrol " + terminal))["code"].get<std::string>();
  const std::string jar = (dir.path() / ("cookies-" + terminal)).string();
  const auto signed_in =
      d.get("/v1/desk/enrol", "-c " + jar +
                                  " -X POST -H 'Content-Type: application/json' --data-binary "
                                  "'{\"code\":\"" +
                                  code + "\"}'");
  if (signed_in.status != 200) throw std::runtime_error("enrol: " + signed_in.body);
  const std::string csrf = json::parse(signed_in.body)["csrf_token"];
  return "-b " + jar + " -H 'X-CSRF-Token: " + csrf + "'";
}

TEST(TerminalBinding, EachReaderServesOnlyItsOwnCountersDesk) {
  TempPostgres pg;
  TempDir dir("binding");
  // Two readers on one daemon, one per counter (a pharmacy's PC); no card is needed to be refused.
  Daemon d(pg, dir,
           {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(free_port()),
            "MADOGUCHI_CARD_READERS=[{\"name\":\"Virtual PCD 00 00\",\"terminal\":\"desk-1\"},"
            "{\"name\":\"Virtual PCD 00 01\",\"terminal\":\"desk-2\"}]"});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(30))) << d.log();
  const std::string desk1 = desk_session(pg, d, dir, "desk-1");
  const std::string desk3 = desk_session(pg, d, dir, "desk-3");
  const std::string rece = bearer(make_key(pg, "rece-b", "receipt_system"));
  const std::string desk2_key = bearer(make_key(pg, "desk-2-cli", "desk", "desk-2"));
  const std::string pin =
      " -X POST -H 'Content-Type: application/json' --data-binary "
      "'{\"visual_confirmation\":true}'";

  // Another counter's session: its own reader does not exist, this one is not its.
  for (const std::string path : {"/v1/reader/state?wait=0", "/v1/reader/pin-tries"}) {
    const auto a = d.get(path, desk3);
    EXPECT_EQ(a.status, 403) << path << ": " << a.body;
    EXPECT_EQ(code_of(a), "card.not_your_reader") << a.body;
  }
  const auto other = d.get("/v1/checks/by-card", desk3 + pin);
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(code_of(other), "card.not_your_reader");
  // A receipt system may not use any reader.
  const auto by_rece = d.get("/v1/checks/by-card", rece + pin);
  EXPECT_EQ(by_rece.status, 403);
  EXPECT_EQ(code_of(by_rece), "auth.forbidden");
  // The counters that own a reader reach it (no card is inserted: its state, not a refusal).
  for (const std::string& who : {desk1, desk2_key}) {
    const auto state = d.get("/v1/reader/state?wait=0", who);
    EXPECT_EQ(state.status, 200) << state.body;
    EXPECT_EQ(json::parse(state.body)["configured"], true) << state.body;
    const auto check = d.get("/v1/checks/by-card", who + pin);
    EXPECT_NE(check.status, 403) << check.body;
    EXPECT_NE(check.status, 401) << check.body;
  }
  // Nothing was audited for the refused attempts: no check was made.
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE terminal_id = 'desk-3'"), "0");
}
