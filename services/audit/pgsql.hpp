// Internal: the audit table through libpqxx 6.4 (statements in db/queries/audit.sql).
#pragma once

#define PQXX_HAVE_OPTIONAL 1
#include <pqxx/pqxx>

#include <madoguchi/audit/audit.hpp>

#include <string>
#include <vector>

namespace madoguchi::audit::detail {

// conninfo with connect_timeout set (keyword form: appended; URI form: as a parameter).
std::string with_connect_timeout(const std::string& conninfo, int seconds);
// conninfo with TCP keepalives and tcp_user_timeout, for long-lived connections.
std::string with_liveness_checks(const std::string& conninfo);

// "2025-11-25 06:00:00.123456+00"
std::string iso_utc(TimePoint t);

// The records in one statement (audit.insert_checks: ON CONFLICT (check_id, checked_at) DO
// NOTHING); affected_rows() counts the new ones. The connection has queries::prepare_all'ed.
pqxx::result insert_checks(pqxx::transaction_base& tx,
                           const std::vector<const AuditRecord*>& records);

// A row of audit.find_checks / audit.get_check (db/queries/audit.sql) as a record.
AuditRecord row_to_record(const pqxx::row& row);

// Errors caused by the data itself (SQLSTATE classes 22 and 23): retrying will not help and
// the database is fine. Anything else is treated as the database being unavailable.
bool is_data_error(const pqxx::sql_error& e);

// What a database exception may say in an error value or a log line: the SQLSTATE of a
// statement's error (its text can quote the values sent: a name, a number), the first line
// of a connection error's text (host and port, no personal data).
std::string describe(const std::exception& e);

}  // namespace madoguchi::audit::detail
