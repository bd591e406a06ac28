// The Router's answers before any handler runs: 404 and 405 with Allow.
#include <madoguchi/api/router.hpp>

#include <gtest/gtest.h>

using namespace madoguchi::api;

namespace {

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = r.target = std::move(path);
  return r;
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<absent>";
}

Response ok(const Request&) { return Response::text(200, "ok"); }

}  // namespace

TEST(Router, MethodNotAllowedNamesTheAllowedMethods) {
  Router router;
  router.add("GET", "/v1/things/{id}", Access::Public, ok);
  router.add("DELETE", "/v1/things/{id}", Access::Public, ok);
  router.add("GET", "/v1/things", Access::Public, ok);
  router.add("POST", "/v1/things", Access::Public, ok);
  router.add("GET", "/v1/things", Access::Public, ok);  // the same method twice: once in Allow

  const Response r = router.dispatch(request("PUT", "/v1/things/7"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(header(r, "Allow"), "GET, DELETE");
  EXPECT_EQ(header(router.dispatch(request("PATCH", "/v1/things")), "Allow"), "GET, POST");
}

TEST(Router, NotFoundHasNoAllow) {
  Router router;
  router.add("GET", "/v1/things", Access::Public, ok);
  const Response r = router.dispatch(request("GET", "/v1/other"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(header(r, "Allow"), "<absent>");
  EXPECT_EQ(router.dispatch(request("GET", "/v1/things")).status, 200);
}

TEST(Router, MethodIsCheckedBeforeAuthentication) {
  Router router;
  router.add("POST", "/v1/checks/by-number", Access::CheckByNumber, ok);
  const Response r = router.dispatch(request("GET", "/v1/checks/by-number"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "POST");
}
