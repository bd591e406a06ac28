// The check endpoints, registered together; each lives in its own file (check_by_*.cpp,
// check_batch.cpp) on the JSON handler base (json_handler.hpp) and the shared answers
// (check_answers.hpp).
#include "check_endpoints.hpp"

namespace madoguchi::api {

void add_check_service_routes(Router& router, check::CheckService& service,
                              CheckRoutesOptions options) {
  add_check_by_document(router, service, options);
  add_check_by_card(router, service, options);
  add_check_by_number(router, service, options);
  add_check_batch(router, service, options);
}

}  // namespace madoguchi::api
