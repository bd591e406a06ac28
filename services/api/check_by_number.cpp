// POST /v1/checks/by-number: a receipt system or a desk typing the card's numbers.
#include "check_endpoints.hpp"

#include <madoguchi/api/batches.hpp>
#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/json_handler.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/inputs.hpp>

namespace madoguchi::api {

void add_check_by_number(Router& router, check::CheckService& service,
                         const CheckRoutesOptions& options) {
  // Asynchronous: the check waits on the gateway and the audit's group commit without holding
  // a thread.
  router.add_async(
      "POST", "/v1/checks/by-number", Access::CheckByNumber,
      idempotent_async(
          options.idempotency,
          json_endpoint_async([&service, terminal_id = options.terminal_id](
                                  const Request& req, const JsonBody& body, Responder respond) {
            const check::Caller caller = caller_of(req, terminal_id);
            const check::NumberCheckFields fields = number_fields(body.json());
            auto check = check::to_number_check(fields, today_in_japan());
            if (!check) {
              // Nothing is sent to the gateway, but the attempt is audited.
              const Error error = check.error();
              return service.record_rejected(
                  caller, check::rejected_number(fields, error),
                  [respond, error](Result<std::string> id) {
                    respond(rejected_response(id, error, "Invalid input"));
                  });
            }
            const Date visit = check->visit_date;
            service.by_number(caller, std::move(*check),
                              [respond, visit](Result<check::CheckOutcome> outcome) {
                                respond(decision_response(outcome, visit));
                              });
          })));
}

}  // namespace madoguchi::api
