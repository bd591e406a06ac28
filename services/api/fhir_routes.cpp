// POST /fhir/CoverageEligibilityRequest/$submit and GET /fhir/metadata.
#include <madoguchi/api/batches.hpp>
#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/fhir.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <exception>

namespace madoguchi::api::fhir {

namespace {

Response fhir_json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/fhir+json";
  // Text from the gateway is UTF-8; should it not be, one bad byte must not lose the answer.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response outcome_response(const Error& error, std::string_view check_id = {}) {
  return fhir_json(issue_kind(error.code).status, operation_outcome(error, check_id));
}

// FHIR's JSON media types (and plain JSON); a request without Content-Type is read as JSON.
bool json_content_type(std::string type) {
  if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type.empty() || type == "application/fhir+json" || type == "application/json";
}

// The answer's instant in Japan (+09:00, no daylight saving), as a FHIR dateTime.
std::string now_in_japan() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  const std::time_t jst = t + 9 * 3600;
  std::tm tm{};
  gmtime_r(&jst, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+09:00", &tm);
  return buf;
}

}  // namespace

void add_fhir_routes(Router& router, check::CheckService& service, RoutesOptions options) {
  // Public: a client reads what the server supports before it has a token; nothing personal.
  router.add_async("GET", "/fhir/metadata", Access::Public,
                   [body = fhir_json(200, capability_statement(options.software_version))](
                       Request, Responder respond) { respond(body); });

  // Asynchronous like POST /v1/checks/by-number: no thread waits on the gateway or the audit.
  router.add_async(
      "POST", "/fhir/CoverageEligibilityRequest/$submit", Access::Fhir,
      idempotent_async(options.idempotency, [&service, terminal_id = options.terminal_id](
                                                Request req, Responder respond) {
        if (!json_content_type(req.header("content-type")))
          return respond(
              outcome_response(Error{"fhir.content_type", "send application/fhir+json"}));
        auto request = read_eligibility_request(req.body);
        const check::Caller caller = caller_of(req, terminal_id);
        if (!request) {
          const Error error = request.error();
          if (error.code.starts_with("fhir.")) return respond(outcome_response(error));
          // A 12-digit 個人番号 in an identifier: audited as a refused input without identifiers.
          check::RejectedInput refused;
          refused.method = audit::Method::Number;
          refused.error_code = error.code;
          return service.record_rejected(caller, refused, [respond, error](Result<std::string> id) {
            respond(id ? outcome_response(error, *id) : outcome_response(id.error()));
          });
        }
        auto check = check::to_number_check(request->fields, today_in_japan());
        if (!check) {
          // Nothing is sent to the gateway, but the attempt is audited, as over REST.
          const Error error = check.error();
          return service.record_rejected(
              caller, check::rejected_number(request->fields, error),
              [respond, error](Result<std::string> id) {
                respond(id ? outcome_response(error, *id) : outcome_response(id.error()));
              });
        }
        check::NumberCheck asked = *check;
        service.by_number(
            caller, std::move(*check),
            [respond, request = std::move(*request),
             asked = std::move(asked)](Result<check::CheckOutcome> outcome) {
              // No decision without a durable record (503, the audit's code).
              if (!outcome) return respond(outcome_response(outcome.error()));
              try {
                respond(
                    fhir_json(200, eligibility_response(request, asked, *outcome, now_in_japan())));
              } catch (const std::exception& e) {
                spdlog::error("fhir: answer for check {} not formed: {}", outcome->check_id,
                              e.what());
                respond(fhir_json(
                    500, operation_outcome(Error{"fhir.internal", "the answer could not be formed"},
                                           outcome->check_id)));
              }
            });
      }));
}

}  // namespace madoguchi::api::fhir
