// Shared helpers of the audit tests.
#pragma once

#include <madoguchi/audit/audit.hpp>
#include <madoguchi_test/process.hpp>

#include <string>

namespace audit_test {

inline std::filesystem::path migrations_dir() {
  return madoguchi_test::source_dir() / "db" / "migrations";
}

// A realistic record: a check by number at counter `terminal`.
inline madoguchi::audit::AuditRecord make_record(
    const std::string& terminal = "counter-1",
    madoguchi::Outcome outcome = madoguchi::Outcome::Accepted) {
  using namespace madoguchi::audit;
  AuditRecord r;
  r.check_id = new_check_id();
  r.time = now();
  r.terminal_id = terminal;
  r.client_id = "1312345678";
  r.method = Method::Number;
  r.presentation_context = "patient";
  r.insurer_number = "33120015";
  r.insured_symbol = "記号１２";
  r.insured_number = "4567";
  r.branch_number = "01";
  r.birth_date = "1980-04-01";
  r.qualification_validity = 1;
  r.processing_status = 1;
  r.processing_code = "0000";
  r.outcome = outcome;
  r.reasons = {"qualification_confirmed"};
  r.latency = std::chrono::microseconds(12345);
  return r;
}

}  // namespace audit_test
