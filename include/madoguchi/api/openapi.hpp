// The API's description (proto/openapi.yaml), built into the binary and served.
#pragma once

#include <madoguchi/api/router.hpp>

#include <string_view>

namespace madoguchi::api {

// proto/openapi.yaml as this binary was built with it.
std::string_view openapi_document();

// GET /openapi.yaml (Public, application/yaml).
void add_openapi_route(Router& router);

}  // namespace madoguchi::api
