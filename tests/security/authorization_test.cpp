// The Router's authorisation before any handler runs: roles against what a route needs, the key
// lookup, the failed-authentication limit, and the history scope. Fakes only for the key store.
#include <madoguchi/api/router.hpp>
#include <madoguchi/api/routes.hpp>

#include <gtest/gtest.h>

using namespace madoguchi;
using namespace madoguchi::api;

namespace {

constexpr unsigned bit(Role r) { return static_cast<unsigned>(r); }

ApiClient client(std::string id, std::string token, unsigned roles, std::string terminal = {}) {
  return ApiClient{std::move(id), Router::sha256_hex(token), roles, std::move(terminal)};
}

Request request(std::string method, std::string path, std::string token = {},
                std::string from = "192.0.2.7") {
  Request r;
  r.method = std::move(method);
  r.path = r.target = std::move(path);
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  r.remote_address = std::move(from);
  return r;
}

std::string code(const Response& r) {
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() ? j.value("code", "") : "";
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

// A handler that says who called it.
Response whoami(const Request& req) {
  return Response::json(200, {{"client", req.principal.client_id},
                              {"terminal", req.principal.terminal_id},
                              {"role", std::string(req.principal.role_name())}});
}

Router router_with_every_access() {
  Router r({client("desk-a", "t-desk", bit(Role::Desk), "desk-1"),
            client("rece", "t-rece", bit(Role::ReceiptSystem)),
            client("audit", "t-audit", bit(Role::Auditor)),
            client("admin", "t-admin", bit(Role::Admin))});
  r.add("POST", "/card", Access::CheckAtTerminal, whoami);
  r.add("POST", "/number", Access::CheckByNumber, whoami);
  r.add("POST", "/batch", Access::Batch, whoami);
  r.add("GET", "/history", Access::OwnHistory, whoami);
  r.add("GET", "/all", Access::AllHistory, whoami);
  r.add("GET", "/admin", Access::Admin, whoami);
  r.add("GET", "/any", Access::Authenticated, whoami);
  return r;
}

}  // namespace

TEST(Authorization, EachRoleReachesWhatItIsGrantedAndNothingElse) {
  Router r = router_with_every_access();
  struct Cell {
    const char* method;
    const char* path;
    const char* token;
    int status;
  };
  const Cell cells[] = {
      {"POST", "/card", "t-desk", 200},    {"POST", "/card", "t-rece", 403},
      {"POST", "/card", "t-audit", 403},   {"POST", "/card", "t-admin", 403},
      {"POST", "/number", "t-desk", 200},  {"POST", "/number", "t-rece", 200},
      {"POST", "/number", "t-audit", 403}, {"POST", "/batch", "t-desk", 403},
      {"POST", "/batch", "t-rece", 200},   {"GET", "/history", "t-audit", 200},
      {"GET", "/history", "t-admin", 403}, {"GET", "/all", "t-audit", 200},
      {"GET", "/all", "t-rece", 403},      {"GET", "/admin", "t-admin", 200},
      {"GET", "/admin", "t-desk", 403},    {"GET", "/any", "t-admin", 200},
  };
  for (const auto& c : cells) {
    const Response a = r.dispatch(request(c.method, c.path, c.token));
    EXPECT_EQ(a.status, c.status) << c.method << " " << c.path << " as " << c.token;
    if (c.status == 403) {
      EXPECT_EQ(code(a), "auth.forbidden");
    }
  }
  const auto desk = nlohmann::json::parse(r.dispatch(request("POST", "/card", "t-desk")).body);
  EXPECT_EQ(desk["terminal"], "desk-1");
  EXPECT_EQ(desk["role"], "desk");
}

TEST(Authorization, GrantsMatchesTheRoleTableOfRouterHpp) {
  EXPECT_TRUE(grants(0, Access::Public));
  EXPECT_FALSE(grants(0, Access::Authenticated));
  EXPECT_TRUE(grants(bit(Role::Desk) | bit(Role::ReceiptSystem), Access::Batch));
  EXPECT_FALSE(grants(bit(Role::Auditor), Access::CheckByNumber));
  EXPECT_FALSE(grants(bit(Role::Admin), Access::OwnHistory));
  EXPECT_TRUE(grants(bit(Role::Auditor), Access::AllHistory));
  EXPECT_FALSE(grants(bit(Role::Desk), Access::Fhir));
  for (const char* name : {"desk", "receipt_system", "auditor", "admin"})
    EXPECT_EQ(to_string(*role_from_string(name)), name);
  EXPECT_FALSE(role_from_string("root"));
}

TEST(Authorization, KeysFromTheStoreAuthenticateAndAnOutageIsNotA401) {
  Router r;
  r.add("GET", "/any", Access::Authenticated, whoami);
  bool store_up = true;
  int lookups = 0;
  r.set_key_lookup([&](const std::string& hash) -> Result<std::optional<ApiClient>> {
    ++lookups;
    if (!store_up) return make_error("key.unavailable", "down");
    if (hash == Router::sha256_hex("mdg_good"))
      return std::optional<ApiClient>(client("rece-9", "mdg_good", bit(Role::ReceiptSystem)));
    return std::optional<ApiClient>();
  });
  const Response ok = r.dispatch(request("GET", "/any", "mdg_good"));
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok.body)["client"], "rece-9");
  EXPECT_EQ(r.dispatch(request("GET", "/any", "mdg_bad")).status, 401);
  store_up = false;
  const Response down = r.dispatch(request("GET", "/any", "mdg_good"));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(code(down), "auth.unavailable");
  EXPECT_EQ(lookups, 3);
}

TEST(Authorization, WrongTokensFromOneAddressAreRateLimitedOthersAreNot) {
  Router r({client("rece", "t-rece", bit(Role::ReceiptSystem))});
  r.add("GET", "/any", Access::Authenticated, whoami);
  r.add("GET", "/healthz", Access::Public, whoami);
  r.set_auth_failure_limit({.burst = 3, .per_minute = 1});
  // A missing credential is no guess.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(r.dispatch(request("GET", "/any")).status, 401);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(r.dispatch(request("GET", "/any", "guess-" + std::to_string(i))).status, 401);
  const Response limited = r.dispatch(request("GET", "/any", "guess-x"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(code(limited), "auth.rate_limited");
  const int retry = std::stoi(header(limited, "Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 61);
  // Even the right token waits now: the address is out of guesses.
  EXPECT_EQ(r.dispatch(request("GET", "/any", "t-rece")).status, 429);
  // Probes stay open; another address is unaffected.
  EXPECT_EQ(r.dispatch(request("GET", "/healthz")).status, 200);
  EXPECT_EQ(r.dispatch(request("GET", "/any", "t-rece", "192.0.2.8")).status, 200);
}

TEST(Authorization, RefusedEnrolmentCodesCountAsFailures) {
  Router r;
  r.add("POST", "/v1/desk/enrol", Access::Public,
        [](const Request&) { return problem(401, "desk.code_invalid", "no"); });
  r.set_auth_failure_limit({.burst = 2, .per_minute = 1});
  EXPECT_EQ(r.dispatch(request("POST", "/v1/desk/enrol")).status, 401);
  EXPECT_EQ(r.dispatch(request("POST", "/v1/desk/enrol")).status, 401);
  EXPECT_EQ(r.dispatch(request("POST", "/v1/desk/enrol")).status, 429);
}

TEST(Authorization, HistoryScopeIsOwnTerminalOwnClientOrAll) {
  Principal desk{Principal::Kind::Terminal, "desk-page", "desk-2", bit(Role::Desk)};
  Principal rece{Principal::Kind::ApiClient, "rececon-1", "", bit(Role::ReceiptSystem)};
  Principal auditor{Principal::Kind::ApiClient, "audit-1", "", bit(Role::Auditor)};
  Principal admin{Principal::Kind::ApiClient, "admin-1", "", bit(Role::Admin)};

  audit::CheckQuery q;
  ASSERT_TRUE(apply_scope(history_scope(desk), q));
  EXPECT_EQ(q.terminal, "desk-2");
  EXPECT_EQ(q.client, "");
  audit::CheckQuery other;
  other.terminal = "desk-3";
  EXPECT_FALSE(apply_scope(history_scope(desk), other));

  audit::CheckQuery r;
  r.terminal = "desk-3";
  ASSERT_TRUE(apply_scope(history_scope(rece), r));
  EXPECT_EQ(r.client, "rececon-1");
  EXPECT_EQ(r.terminal, "desk-3");

  // The counter's own token that is also a receipt system: its terminal's history.
  Principal both{Principal::Kind::ApiClient, "desk-local", "desk-1",
                 bit(Role::Desk) | bit(Role::ReceiptSystem)};
  audit::CheckQuery b;
  ASSERT_TRUE(apply_scope(history_scope(both), b));
  EXPECT_EQ(b.terminal, "desk-1");
  EXPECT_EQ(b.client, "");

  audit::CheckQuery a;
  ASSERT_TRUE(apply_scope(history_scope(auditor), a));
  EXPECT_EQ(a.client, "");
  EXPECT_EQ(a.terminal, "");

  audit::CheckQuery n;
  ASSERT_TRUE(apply_scope(history_scope(admin), n));
  EXPECT_FALSE(n.client.empty());  // matches nothing
}
