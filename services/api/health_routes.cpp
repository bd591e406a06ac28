#include <madoguchi/api/routes.hpp>

namespace madoguchi::api {

void add_health_routes(Router& router, HealthProbes probes) {
  router.add("GET", "/healthz", Access::Public, [](const Request&) {
    return Response::json(200, {{"status", "ok"}});
  });
  router.add("GET", "/readyz", Access::Public, [probes](const Request&) {
    nlohmann::json body;
    body["spool_depth"] = probes.spool_depth ? probes.spool_depth() : 0;
    auto db = probes.database_ready ? probes.database_ready() : Result<void>{};
    if (!db) {
      body["status"] = "not_ready";
      // The code only: the message may name hosts and users, and this route is public.
      body["database"] = {{"code", db.error().code}};
      return Response::json(503, body);
    }
    body["status"] = "ready";
    body["database"] = "ok";
    return Response::json(200, body);
  });
  router.add("GET", "/metrics", Access::Public, [probes](const Request&) {
    return Response::text(200, probes.metrics ? probes.metrics() : std::string{},
                          "text/plain; version=0.0.4");
  });
}

}  // namespace madoguchi::api
