// Internal: an audit record as the JSON payload of a spool frame, and back.
#pragma once

#include <madoguchi/audit/audit.hpp>

#include <optional>
#include <string>

namespace madoguchi::audit::detail {

std::string to_json(const AuditRecord& r);
// nullopt when the payload is not a record this version can read (or fails validation).
std::optional<AuditRecord> from_json(const std::string& payload);

}  // namespace madoguchi::audit::detail
