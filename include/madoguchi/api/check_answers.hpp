// What every check endpoint answers, in one place: the decision's JSON, the 422 for input that
// could not become a check (with the desk's sentence), the 503 when no durable record was made.
// Used by the check endpoints and by any front end that answers a check over HTTP.
#pragma once

#include <madoguchi/api/http.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/inputs.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace madoguchi::api {

// The clinic's day, taken from the clock here at the transport edge only.
Date today_in_japan();

// A desk session names its own counter; API clients check on behalf of the daemon's terminal.
check::Caller caller_of(const Request& request, const std::string& daemon_terminal_id);

// The by-number members of a JSON object ("insurer_number", "symbol", "number", "branch",
// "birth_date", "visit_date", "reference"); members that are not strings read as absent.
check::NumberCheckFields number_fields(const nlohmann::json& object);

// The visit date of a by-card or by-document check: today, or (when allowed) the one asked for.
// Errors: visit_date.format, visit_date.not_today.
Result<Date> visit_date_at_desk(const std::string& text, bool allow_other_day);

// 200 with the decision, its check id, visit date and durability; 503 with the audit's code when
// the record is not durable (no decision without a record).
Response decision_response(const Result<check::CheckOutcome>& outcome, const Date& visit);

// The desk's sentence for input that could not become a check, by the error's code prefix.
std::string input_error_ja(std::string_view code);

// 422 problem+json with the input error's code and message_ja.
Response unprocessable(const Error& error, std::string_view title);

// 422 for input that could not become a check, carrying the check id of its audit record; 503
// when even that record could not be made durable.
Response rejected_response(const Result<std::string>& audited, const Error& error,
                           std::string_view title);

}  // namespace madoguchi::api
