// POST /v1/checks/batch — 一括確認 within one request: a receipt system checks tomorrow's
// appointments in one call. One gateway batch; one audit record per person, sharing the batch id;
// an invalid item is answered (and audited) on its own without failing the others.
#include "check_endpoints.hpp"

#include <madoguchi/api/batches.hpp>
#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/json_handler.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/inputs.hpp>

namespace madoguchi::api {

namespace {
// Up to a day's appointments of a large clinic in one call.
constexpr std::size_t kMaxBatchItems = 5000;
}  // namespace

void add_check_batch(Router& router, check::CheckService& service,
                     const CheckRoutesOptions& options) {
  router.add(
      "POST", "/v1/checks/batch", Access::Batch,
      idempotent(
          options.idempotency, json_endpoint([&service, terminal_id = options.terminal_id](
                                                 const Request& req, const JsonBody& body) {
            const nlohmann::json* items = body.array("items");
            if (!items) return bad_json("The body must be {\"items\": [...]}");
            if (items->empty() || items->size() > kMaxBatchItems)
              return problem(400, "api.batch_size",
                             "A batch has 1.." + std::to_string(kMaxBatchItems) + " items");
            Date visit = today_in_japan();
            if (const std::string v = body.string("visit_date"); !v.empty()) {
              auto d = Date::parse_iso(v);
              if (!d) return problem(400, "visit_date.format", "visit_date is YYYY-MM-DD");
              visit = *d;
            }
            const Date today = today_in_japan();
            const check::Caller caller = caller_of(req, terminal_id);
            nlohmann::json results = nlohmann::json::array();
            std::vector<check::NumberCheck> valid;
            std::vector<std::size_t> valid_index;
            for (std::size_t i = 0; i < items->size(); ++i) {
              check::NumberCheckFields fields = number_fields((*items)[i]);
              // An item without its own visit date is for the batch's.
              if (fields.visit_date.empty()) fields.visit_date = visit.iso();
              nlohmann::json entry{{"index", i}};
              if (!fields.reference.empty()) entry["reference"] = fields.reference;
              auto check = check::to_number_check(fields, today);
              if (!check) {
                // Answered on its own: the item's own error, or the audit's if it was not recorded.
                auto id =
                    service.record_rejected(caller, check::rejected_number(fields, check.error()));
                const Error& e = id ? check.error() : id.error();
                if (id) entry["check_id"] = *id;
                entry["error"] = {{"code", e.code}, {"message", e.message}};
              } else {
                valid.push_back(std::move(*check));
                valid_index.push_back(i);
              }
              results.push_back(std::move(entry));
            }
            std::string batch_id;
            if (!valid.empty()) {
              const auto outcomes = service.by_number_batch(caller, valid);
              batch_id = outcomes.batch_id;
              for (std::size_t k = 0; k < valid.size(); ++k) {
                auto& entry = results[valid_index[k]];
                const auto& o = outcomes.checks[k];
                if (!o) {  // not durable: no decision for this one, the others stand
                  entry["error"] = {{"code", o.error().code}, {"message", o.error().message}};
                  continue;
                }
                entry.update(to_json(o->decision));
                entry["check_id"] = o->check_id;
                entry["durability"] = audit::to_string(o->durability);
              }
            }
            return Response::json(
                200, {{"batch_id", batch_id}, {"visit_date", visit.iso()}, {"results", results}});
          })));
}

}  // namespace madoguchi::api
