// The check service (資格確認): the one place where a check is run end to end —
// online answer → acceptance rules → decision → audit record. Transports (HTTP handlers, the
// card reader loop, batch jobs) call it; it calls only ports.
//
// A check is answered only after its audit record is durable: when the audit port fails, the
// result is an error and the caller must not show a decision.
#pragma once

#include <madoguchi/audit/audit.hpp>
#include <madoguchi/card/card.hpp>
#include <madoguchi/domain/decision.hpp>
#include <madoguchi/gateway/port.hpp>
#include <madoguchi/policy/acceptance.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace madoguchi::check {

struct Caller {
  std::string terminal_id;  // 窓口端末
  std::string client_id;    // authenticated API client
};

// 番号による確認: by a receipt system, a batch, or a desk typing the card's numbers.
struct NumberCheck {
  InsuranceIdentity identity;
  std::optional<Date> birth_date;
  Date visit_date;
  std::string batch_id;  // "" unless part of a batch
};

// 書類による確認: what the document showed, in which context; confirmed online by its numbers.
struct DocumentCheck {
  policy::Presentation presentation;
  std::optional<InsuranceIdentity> identity;  // absent: the document did not show enough
  std::optional<Date> birth_date;
  Date visit_date;
  std::string document_sha256;  // of the uploaded bytes; the document itself is not kept
  std::string card_check_id{};  // card_unreadable: the failed card check it refers to
};

// マイナ保険証: the card on the terminal's reader, the patient's PIN (or the desk's visual
// confirmation, 目視確認, when the patient cannot use the PIN).
struct CardCheck {
  Date visit_date;
  bool visual_confirmation = false;  // no PIN, no signature: a weaker, flagged method
};

struct CheckOutcome {
  std::string check_id;
  Decision decision;
  audit::Durability durability = audit::Durability::Database;
  std::chrono::microseconds latency{0};
};

struct BatchOutcome {
  std::string batch_id;  // shared by the batch's audit records
  // In the order of the request; an item whose record is not durable has the audit's error
  // (and no decision) while the others stand.
  std::vector<Result<CheckOutcome>> checks;
};

// Input that could not become a check (an invalid insurer number, an unreadable document) is
// still recorded: the audit log answers "who tried to look up what", not only successes.
struct RejectedInput {
  audit::Method method = audit::Method::Number;
  std::string document_type;
  std::string error_code;  // the validation error's stable code
  std::string insurer_number, insured_symbol, insured_number, branch_number;  // as given
  std::string document_sha256;
};

// The audit record of an input that could not become a check (what record_rejected writes).
audit::AuditRecord rejected_record(const Caller& caller, const RejectedInput& input);

class CheckService {
 public:
  CheckService(gateway::GatewayPort& gateway, audit::AuditSink& audit);
  // The acceptance rules' settings (e.g. the age beyond which a Mynaportal PDF is not accepted
  // unconfirmed). Set before the first check.
  void set_policy_options(policy::Options options) { policy_options_ = options; }

  // Errors: only the audit port's ("audit.*"): no durable record, no answer.
  Result<CheckOutcome> by_number(const Caller& caller, const NumberCheck& check);
  // The same, asynchronous: returns at once; `done` is called exactly once, on the gateway's or
  // the audit sink's thread, when the record is durable (or with the audit's error). The
  // blocking form above waits for this one.
  void by_number(Caller caller, NumberCheck check, Completion<CheckOutcome> done);
  // 一括確認: one gateway batch (OQSmuquc01/02) for all, one audit record each. A gateway
  // failure fails every check (gateway_unavailable), each still audited.
  BatchOutcome by_number_batch(const Caller& caller, std::span<const NumberCheck> checks);
  // The same gateway batch and rules, but the records are returned, not written: for a caller
  // that commits them itself (durable batches store each entry's result and its audit record in
  // one transaction, so a re-run after a crash records nothing twice). One finished record per
  // check with its decision, in order, each with `batch_id`.
  struct Decided {
    audit::AuditRecord record;
    Decision decision;
  };
  std::vector<Decided> decide_number_batch(const Caller& caller,
                                           std::span<const NumberCheck> checks,
                                           const std::string& batch_id);
  Result<CheckOutcome> by_document(const Caller& caller, const DocumentCheck& check);
  // Card errors are decisions, not errors: "reader fault" tells the desk to use a document,
  // "wrong PIN (n tries left)" to try again. The PIN is zeroed when this returns.
  Result<CheckOutcome> by_card(const Caller& caller, card::CardReader& reader, card::Pin pin,
                               const CardCheck& check);
  Result<std::string> record_rejected(const Caller& caller, const RejectedInput& input);
  // The same, asynchronous: `done` gets the record's check id once it is durable.
  void record_rejected(const Caller& caller, const RejectedInput& input,
                       Completion<std::string> done);

 private:
  static policy::OnlineAnswer to_online(const gateway::Confirmation& answer,
                                        const std::optional<InsuranceIdentity>& asked,
                                        audit::AuditRecord& record,
                                        std::optional<Date> birth_date = std::nullopt);
  policy::OnlineAnswer ask(const InsuranceIdentity& identity, std::optional<Date> birth_date,
                           audit::AuditRecord& record);
  Result<CheckOutcome> finish(audit::AuditRecord& record, Decision decision,
                              std::chrono::steady_clock::time_point started);
  // Fills the record's outcome and times; the audit write is the caller's.
  static void complete_record(audit::AuditRecord& record, const Decision& decision,
                              std::chrono::steady_clock::time_point started);
  static void log_answered(const audit::AuditRecord& record, audit::Durability durability);

  gateway::GatewayPort& gateway_;
  policy::Options policy_options_;
  audit::AuditSink& audit_;
};

}  // namespace madoguchi::check
