// Shared by both adapters: queries -> XmlMsg requests, XmlMsg answers -> Confirmation.
#pragma once

#include <madoguchi/gateway/messages.hpp>
#include <madoguchi/gateway/port.hpp>

#include <string>

namespace madoguchi::gateway::detail {

MessageHeader request_header(const std::string& medical_institution_code,
                             ReferenceClassification classification, CharacterCode code,
                             const std::string& file_id);

Request number_request(const NumberQuery& query, MessageHeader header);
Request card_request(const CardQuery& query, MessageHeader header);

// Error answers become "gateway.rejected" (carrying the gateway's code and message).
Result<void> check_status(const Response& response);
Result<Confirmation> to_confirmation(const QualificationAnswer& answer);
Result<Confirmation> confirmation_from(const Response& response);

std::string now_compact_datetime();  // yyyyMMddHHmmss, local time
std::string today_compact();         // yyyyMMdd

}  // namespace madoguchi::gateway::detail
