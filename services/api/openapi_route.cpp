// GET /openapi.yaml: the API's description, as built into this binary (proto/openapi.yaml), so
// that what a client reads always matches what this daemon serves.
#include <madoguchi/api/openapi.hpp>

#include <string_view>

namespace madoguchi::api {

namespace embedded {
std::string_view openapi_yaml();  // generated from proto/openapi.yaml (embed_file.cmake)
}

std::string_view openapi_document() { return embedded::openapi_yaml(); }

void add_openapi_route(Router& router) {
  router.add("GET", "/openapi.yaml", Access::Public, [](const Request&) {
    return Response::text(200, std::string(openapi_document()), "application/yaml");
  });
}

}  // namespace madoguchi::api
