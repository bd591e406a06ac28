// POST /v1/checks/by-card: the マイナ保険証 on this terminal's reader, with the patient's PIN or
// the desk's visual confirmation.
#include "check_endpoints.hpp"

#include <madoguchi/api/batches.hpp>
#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/json_handler.hpp>
#include <madoguchi/card/card.hpp>
#include <madoguchi/check/check_service.hpp>

namespace madoguchi::api {

void add_check_by_card(Router& router, check::CheckService& service,
                       const CheckRoutesOptions& options) {
  router.add(
      "POST", "/v1/checks/by-card", Access::CheckAtTerminal,
      idempotent(
          options.idempotency,
          json_endpoint([&service, terminal_id = options.terminal_id, single = options.reader,
                         readers = options.readers, allow_visit_date = options.allow_visit_date](
                            const Request& req, const JsonBody& body) {
            // The reader of the caller's own counter (docs/security.md): another terminal's
            // desk gets 403 card.not_your_reader.
            card::CardReader* reader = single;
            if (readers) {
              auto found = readers->for_caller(req.principal);
              if (auto* refused = std::get_if<Response>(&found)) return *refused;
              reader = std::get<card::CardReader*>(found);
            }
            if (!reader) return problem(503, "card.no_reader", "No card reader is configured");
            auto visit = visit_date_at_desk(body.string("visit_date"), allow_visit_date);
            if (!visit) return unprocessable(visit.error(), "Bad visit date");
            check::CardCheck check{*visit, body.boolean("visual_confirmation").value_or(false)};
            std::string pin = body.string("pin");
            if (!check.visual_confirmation && pin.empty())
              return problem(400, "card.pin_missing", "Send the PIN, or visual_confirmation");
            auto outcome = service.by_card(caller_of(req, terminal_id), *reader,
                                           card::Pin(std::move(pin)), check);
            return decision_response(outcome, check.visit_date);
          })));
}

}  // namespace madoguchi::api
