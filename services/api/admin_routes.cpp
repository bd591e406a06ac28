// GET /v1/admin/routes: every route the daemon serves and what it needs (Admin). The role ×
// endpoint test compares it with docs/security.md.
#include <madoguchi/api/routes.hpp>

namespace madoguchi::api {

void add_admin_routes(Router& router) {
  router.add("GET", "/v1/admin/routes", Access::Admin, [&router](const Request&) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& r : router.routes())
      items.push_back({{"method", r.method},
                       {"path", r.pattern},
                       {"access", std::string(to_string(r.access))}});
    return Response::json(200, {{"items", items}});
  });
}

}  // namespace madoguchi::api
