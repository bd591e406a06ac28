// Audit log (監査ログ): one record per eligibility check — who looked at whose insurance, when,
// from which counter, with what result. This header is the port: no libpqxx, no Beast.
//
//   AuditSink::write(record)  blocks until the record is durable (PostgreSQL or local spool)
//   AuditSink::write(record, done)  the same, completed by callback once durable
//   AuditReader::find_checks  desk / receipt-system queries, keyset-paginated
//
// The PostgreSQL adapter is in postgres.hpp; migrations and retention in schema.hpp.
#pragma once

#include <madoguchi/domain/decision.hpp>
#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace madoguchi::audit {

using Clock = std::chrono::system_clock;
// Audit times are kept to the microsecond (PostgreSQL's timestamptz resolution), so a record
// read back compares equal to the one written and replays stay idempotent.
using TimePoint = std::chrono::time_point<Clock, std::chrono::microseconds>;
TimePoint now();

enum class Method { Card, Number, Document };  // マイナ保険証 / 番号入力 / 書類
std::string_view to_string(Method m);          // "card" | "number" | "document"
std::optional<Method> method_from_string(std::string_view s);
std::optional<Outcome> outcome_from_string(std::string_view s);  // inverse of to_string(Outcome)

struct AuditRecord {
  std::string check_id;     // UUID (lower-case, 8-4-4-4-12); the idempotency key with `time`
  TimePoint time{};         // when the check was answered
  std::string terminal_id;  // counter / terminal (窓口端末)
  std::string client_id;    // authenticated API client (certificate CN or token subject)
  Method method = Method::Number;
  std::string document_type;         // by document: "qualification_pdf", "notice", ... else ""
  std::string presentation_context;  // "patient", "escort", ... ("" when not applicable)
  std::string batch_id;              // batch checks: the batch's id, else ""

  // What was checked. Stored as given (a refused document may carry invalid identifiers);
  // personal data: never logged unmasked — use masked_identity().
  std::string insurer_number;             // 保険者番号
  std::string insured_symbol;             // 記号
  std::string insured_number;             // 番号
  std::string branch_number;              // 枝番
  std::optional<std::string> birth_date;  // ISO yyyy-mm-dd

  // The gateway's answer, when it was asked.
  std::optional<int> qualification_validity;  // QualificationValidity 1..6
  std::optional<int> processing_status;       // ProcessingResultStatus 1 ok, 2 error
  std::string processing_code;                // ProcessingResultCode
  std::string gateway_error_code;             // MessageHeader ErrorCode, transport errors
  // What the answer said besides eligibility (限度額 bracket, 公費/医療券, 通称名, consents …):
  // answer_details_json() of the first qualification, "" when none. Stored as JSONB.
  std::string answer_details;

  Outcome outcome = Outcome::Failed;
  std::vector<std::string> reasons;  // ReasonCode strings (describe(code).code), main first
  std::chrono::microseconds latency{0};
  std::string document_sha256;  // hex SHA-256 of an uploaded document, never the document

  // What the rules were applied to (issue 10): the visit date, the paper, how it was shown.
  std::optional<std::string> visit_date;  // ISO yyyy-mm-dd
  bool document_copy = false;             // a copy (写し), not the original
  bool card_shown = false;                // the マイナ保険証 was shown with the paper
  std::string card_fault;     // card_unreadable: "failed_card_check" | "declared_reader_fault"
  std::string card_check_id;  // the failed card check (same terminal) card_unreadable refers to
  // A re-confirmation (unconfirmed queue): the accepted_unconfirmed check it re-confirms. The
  // first record is never edited; this one links to it.
  std::string reconfirms_check_id;

  friend bool operator==(const AuditRecord&, const AuditRecord&) = default;
};

// The JSON object (keys sorted, compact) of an answer's details; "" when they are all empty.
std::string answer_details_json(const AnswerDetails& details);

// A fresh random (version 4) UUID for check ids.
std::string new_check_id();
// "ok" or an error "audit.invalid_record" naming the bad field (never its value).
Result<void> validate(const AuditRecord& r);
// For logs: "3312****/**/****/**, 1980-**-**".
std::string masked_identity(const AuditRecord& r);

enum class Durability { Database, Spooled };
std::string_view to_string(Durability d);

// Port: where the check service sends every record. Thread-safe; write() returns only when the
// record is durable (or with an error: "audit.invalid_record", "audit.unavailable",
// "audit.timeout", "audit.rejected"); the caller must not answer the check before that.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual Result<Durability> write(const AuditRecord& record) = 0;
  // Asynchronous: returns at once; `done` is called exactly once, from the sink's own thread,
  // when the record is durable or with the error (same codes, "audit.timeout" after the
  // sink's write timeout). Must not block: the by-number check path calls it from I/O threads.
  virtual void write(AuditRecord record, Completion<Durability> done) = 0;
};

struct CheckQuery {
  std::optional<TimePoint> from;  // inclusive
  std::optional<TimePoint> to;    // exclusive
  std::string terminal;           // "" = any
  std::string client;             // "" = any (a receipt system sees its own client's checks)
  std::string check_id;           // "" = any (GET /v1/checks/{id} within the caller's scope)
  std::optional<Outcome> outcome;
  int limit = 50;      // 1..500
  std::string cursor;  // "" for the first page, else CheckPage::next_cursor
};

struct CheckPage {
  std::vector<AuditRecord> items;  // newest first
  std::string next_cursor;         // "" on the last page
};

// Port: reads for GET /v1/checks. Errors: "audit.bad_query", "audit.unavailable".
// Records still in the spool (database outage) appear once replayed.
class AuditReader {
 public:
  virtual ~AuditReader() = default;
  virtual Result<CheckPage> find_checks(const CheckQuery& query) = 0;
  virtual Result<std::optional<AuditRecord>> get_check(const std::string& check_id) = 0;
};

}  // namespace madoguchi::audit
