// Shared by both adapters: queries -> XmlMsg requests, XmlMsg answers -> Confirmation.
#pragma once

#include <madoguchi/gateway/messages.hpp>
#include <madoguchi/gateway/port.hpp>

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace madoguchi::gateway::detail {

MessageHeader request_header(const std::string& medical_institution_code,
                             ReferenceClassification classification, CharacterCode code,
                             const std::string& file_id);

Request number_request(const NumberQuery& query, MessageHeader header);
Request card_request(const CardQuery& query, MessageHeader header);

// Error answers become "gateway.rejected" (carrying the gateway's code and message).
Result<void> check_status(const Response& response);
Result<Confirmation> to_confirmation(const QualificationAnswer& answer);
// A unit answered with an error is a Confirmation with unit_error, not a failed batch.
Result<Confirmation> to_confirmation(const BulkConfirmUnit& unit);
Result<Confirmation> confirmation_from(const Response& response);

// The batch exchange over any transport: upload (OQSmuquc01) → ReceptionNumber → download
// (OQSmuquc02) until it is no longer in progress → one Confirmation per query, in the queries'
// order, units matched by their echoed search info.
// `send(request, timeout)` carries one message and returns the answer; `make_header` gives each
// message its header.
using BatchClock = std::chrono::steady_clock;
Result<std::vector<Confirmation>> run_batch(
    std::span<const NumberQuery> queries, BatchClock::time_point until,
    const std::function<MessageHeader()>& make_header,
    const std::function<Result<Response>(const Request&, std::chrono::milliseconds)>& send);

std::string now_compact_datetime();  // yyyyMMddHHmmss, Japan Standard Time
std::string today_compact();         // yyyyMMdd

}  // namespace madoguchi::gateway::detail
