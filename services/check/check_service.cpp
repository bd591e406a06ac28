#include <madoguchi/check/check_service.hpp>
#include <madoguchi/policy/card_certificate.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

namespace madoguchi::check {

namespace {
void put_identity(audit::AuditRecord& r, const InsuranceIdentity& id) {
  r.insurer_number = id.insurer.digits();
  r.insured_symbol = id.symbol ? id.symbol->value() : "";
  r.insured_number = id.number.value();
  r.branch_number = id.branch ? id.branch->value() : "";
}

audit::AuditRecord new_record(const Caller& caller, audit::Method method) {
  audit::AuditRecord r;
  r.check_id = audit::new_check_id();
  r.terminal_id = caller.terminal_id;
  r.client_id = caller.client_id;
  r.method = method;
  return r;
}
}  // namespace

CheckService::CheckService(gateway::GatewayPort& gateway, audit::AuditSink& audit)
    : gateway_(gateway), audit_(audit) {}

policy::OnlineAnswer CheckService::to_online(const gateway::Confirmation& answer,
                                             const std::optional<InsuranceIdentity>& asked,
                                             audit::AuditRecord& record,
                                             std::optional<Date> birth_date) {
  // One query of a batch the gateway answered with an error: no answer for this patient.
  if (answer.unit_error) {
    record.gateway_error_code = answer.unit_error->code;
    record.processing_status = 2;
    return {};
  }
  // An answer about someone else (another person, another member of the household) must never
  // accept this patient: policy reads the answer against what was asked.
  auto online = policy::read_answer(answer.validity, answer.qualifications, {asked, birth_date});
  if (online.mismatch) {
    record.gateway_error_code = "gateway.mismatch";
    spdlog::error("check {}: the gateway answered about another person; answer ignored",
                  record.check_id);
    return online;
  }
  record.qualification_validity = static_cast<int>(answer.validity);
  record.processing_status = 1;
  if (!answer.qualifications.empty())
    record.answer_details = audit::answer_details_json(answer.qualifications.front().details);
  return online;
}

policy::OnlineAnswer CheckService::ask(const InsuranceIdentity& identity,
                                       std::optional<Date> birth_date, audit::AuditRecord& record) {
  auto answer = gateway_.confirm_by_number({identity, birth_date, false});
  if (!answer) {
    record.gateway_error_code = answer.error().code;
    return {};
  }
  return to_online(*answer, identity, record, birth_date);
}

void CheckService::complete_record(audit::AuditRecord& record, const Decision& decision,
                                   std::chrono::steady_clock::time_point started) {
  record.outcome = decision.outcome;
  for (ReasonCode r : decision.reasons) record.reasons.emplace_back(describe(r).code);
  record.latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  record.time = audit::now();
}

void CheckService::log_answered(const audit::AuditRecord& record, audit::Durability durability) {
  // Debug level: at thousands of checks a second an info line each is the hot path's biggest
  // cost; the audit log is the record of every check.
  spdlog::debug("check {} {} {} ({}) {}", record.check_id, audit::to_string(record.method),
                to_string(record.outcome), audit::masked_identity(record),
                audit::to_string(durability));
}

Result<CheckOutcome> CheckService::finish(audit::AuditRecord& record, Decision decision,
                                          std::chrono::steady_clock::time_point started) {
  complete_record(record, decision, started);
  auto durable = audit_.write(record);
  if (!durable) {
    spdlog::error("check {} not answered: audit record not durable: {}", record.check_id,
                  durable.error().code);
    return durable.error();
  }
  log_answered(record, *durable);
  return CheckOutcome{record.check_id, std::move(decision), *durable, record.latency};
}

Result<CheckOutcome> CheckService::by_number(const Caller& caller, const NumberCheck& check) {
  std::promise<Result<CheckOutcome>> answer;
  auto future = answer.get_future();
  by_number(caller, check, [&answer](Result<CheckOutcome> r) { answer.set_value(std::move(r)); });
  return future.get();
}

void CheckService::by_number(Caller caller, NumberCheck check, Completion<CheckOutcome> done) {
  const auto started = std::chrono::steady_clock::now();
  auto record = std::make_shared<audit::AuditRecord>(new_record(caller, audit::Method::Number));
  record->batch_id = check.batch_id;
  record->visit_date = check.visit_date.iso();
  put_identity(*record, check.identity);
  if (check.birth_date) record->birth_date = check.birth_date->iso();
  const Date visit_date = check.visit_date;
  const InsuranceIdentity asked = check.identity;
  const std::optional<Date> birth_date = check.birth_date;
  auto on_answer = [this, record, asked, birth_date, visit_date, started,
                    done = std::move(done)](Result<gateway::Confirmation> answer) mutable {
    Decision decision;
    try {
      policy::OnlineAnswer online;
      if (!answer)
        record->gateway_error_code = answer.error().code;
      else
        online = to_online(*answer, asked, *record, birth_date);
      decision = policy::decide_online(online, visit_date);
      complete_record(*record, decision, started);
    } catch (const std::exception& e) {
      spdlog::error("check {} failed: {}", record->check_id, e.what());
      return done(make_error("check.internal", "the check failed; it was logged"));
    }
    const std::string check_id = record->check_id;
    const auto latency = record->latency;
    audit_.write(*record, [record, decision = std::move(decision), check_id, latency,
                           done = std::move(done)](Result<audit::Durability> durable) mutable {
      if (!durable) {
        spdlog::error("check {} not answered: audit record not durable: {}", check_id,
                      durable.error().code);
        return done(durable.error());
      }
      log_answered(*record, *durable);
      done(CheckOutcome{check_id, std::move(decision), *durable, latency});
    });
  };
  gateway_.confirm_by_number({check.identity, check.birth_date, false}, std::move(on_answer));
}

std::vector<CheckService::Decided> CheckService::decide_number_batch(
    const Caller& caller, std::span<const NumberCheck> checks, const std::string& batch_id) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<gateway::NumberQuery> queries;
  queries.reserve(checks.size());
  for (const auto& c : checks) queries.push_back({c.identity, c.birth_date, false});
  auto answers = gateway_.batch(queries);
  if (answers && answers->size() != checks.size())
    answers = make_error("gateway.protocol", "batch answered the wrong number of checks");
  std::vector<Decided> records;
  records.reserve(checks.size());
  for (std::size_t i = 0; i < checks.size(); ++i) {
    audit::AuditRecord record = new_record(caller, audit::Method::Number);
    record.batch_id = batch_id;
    record.visit_date = checks[i].visit_date.iso();
    put_identity(record, checks[i].identity);
    if (checks[i].birth_date) record.birth_date = checks[i].birth_date->iso();
    policy::OnlineAnswer online;
    if (answers)
      online = to_online((*answers)[i], checks[i].identity, record, checks[i].birth_date);
    else
      record.gateway_error_code = answers.error().code;
    Decision decision = policy::decide_online(online, checks[i].visit_date);
    complete_record(record, decision, started);
    records.push_back({std::move(record), std::move(decision)});
  }
  return records;
}

BatchOutcome CheckService::by_number_batch(const Caller& caller,
                                           std::span<const NumberCheck> checks) {
  BatchOutcome out;
  out.batch_id = audit::new_check_id();
  out.checks.assign(checks.size(), make_error("check.not_run", "not run"));
  std::vector<Decided> records;
  try {
    records = decide_number_batch(caller, checks, out.batch_id);
  } catch (const std::exception& e) {
    spdlog::error("batch {} failed: {}", out.batch_id, e.what());
    out.checks.assign(checks.size(),
                      make_error("check.internal", "the check failed; it was logged"));
    return out;
  }

  // The records are written from a few threads so that group commit can batch them: one
  // transaction for many records instead of one fsync each.
  std::atomic<std::size_t> next{0};
  auto work = [&]() noexcept {
    for (std::size_t i = next++; i < records.size(); i = next++) {
      try {
        const auto& record = records[i].record;
        auto durable = audit_.write(record);
        if (!durable) {
          spdlog::error("check {} not answered: audit record not durable: {}", record.check_id,
                        durable.error().code);
          out.checks[i] = durable.error();
          continue;
        }
        log_answered(record, *durable);
        out.checks[i] =
            CheckOutcome{record.check_id, std::move(records[i].decision), *durable, record.latency};
      } catch (const std::exception& e) {
        spdlog::error("batch {}: item {} failed: {}", out.batch_id, i, e.what());
        out.checks[i] = make_error("check.internal", "the check failed; it was logged");
      }
    }
  };
  std::vector<std::thread> writers;
  const std::size_t n = std::min<std::size_t>(16, records.size());
  for (std::size_t t = 1; t < n; ++t) writers.emplace_back(work);
  work();
  for (auto& w : writers) w.join();
  return out;
}

Result<CheckOutcome> CheckService::by_document(const Caller& caller, const DocumentCheck& check) {
  const auto started = std::chrono::steady_clock::now();
  audit::AuditRecord record = new_record(caller, audit::Method::Document);
  record.document_type = std::string(policy::to_string(check.presentation.document));
  record.presentation_context = std::string(policy::to_string(check.presentation.context));
  record.document_sha256 = check.document_sha256;
  record.visit_date = check.visit_date.iso();
  record.document_copy = check.presentation.copy;
  record.card_shown = check.presentation.card_shown;
  if (check.presentation.card_fault == policy::CardFault::FailedCardCheck)
    record.card_fault = "failed_card_check";
  else if (check.presentation.card_fault == policy::CardFault::DeclaredReaderFault)
    record.card_fault = "declared_reader_fault";
  record.card_check_id = check.card_check_id;
  if (check.identity) put_identity(record, *check.identity);
  if (check.birth_date) record.birth_date = check.birth_date->iso();

  const auto verdict =
      policy::judge_document(check.presentation, check.visit_date, policy_options_);
  policy::OnlineAnswer online;
  // A refused document is not looked up: no reason to send the person's numbers anywhere.
  if (verdict.acceptable && check.identity) online = ask(*check.identity, check.birth_date, record);
  Decision decision;
  if (verdict.acceptable && !check.identity) {
    decision.outcome = Outcome::Failed;
    decision.reasons = {ReasonCode::DocumentInvalid};
  } else {
    decision = policy::decide_document(verdict, online, check.visit_date);
  }
  return finish(record, std::move(decision), started);
}

Result<CheckOutcome> CheckService::by_card(const Caller& caller, card::CardReader& reader,
                                           card::Pin pin, const CardCheck& check) {
  const auto started = std::chrono::steady_clock::now();
  audit::AuditRecord record = new_record(caller, audit::Method::Card);
  record.visit_date = check.visit_date.iso();
  auto card_failed = [&](const Error& e) {
    record.gateway_error_code = e.code;  // the card's own code, e.g. card.reader_fault
    Decision d;
    d.outcome = Outcome::Failed;
    d.reasons = {card::reason_for(e).value_or(ReasonCode::CardReaderFault)};
    d.facts.tries_left = card::tries_left_after(e);
    return finish(record, std::move(d), started);
  };

  auto identity = reader.read_identity();
  if (!identity) return card_failed(identity.error());
  // The card reports its certificate's dates; the rule (MHLW) is policy's.
  const auto certificate =
      policy::judge_card_certificate(identity->not_before, identity->not_after, check.visit_date);
  if (!certificate.usable) {
    record.gateway_error_code = certificate.state == policy::CardCertificateState::NotYetValid
                                    ? "card.certificate_not_yet_valid"
                                    : "card.certificate_expired";
    Decision d;
    d.outcome = Outcome::Refused;
    d.reasons = {*certificate.reason};
    d.facts = certificate.facts;
    return finish(record, std::move(d), started);
  }

  gateway::CardQuery query;
  query.certificate_der.assign(identity->certificate_der.begin(), identity->certificate_der.end());
  query.visual_confirmation = check.visual_confirmation;
  if (!check.visual_confirmation) {
    auto challenge = gateway_.challenge();
    if (!challenge) {
      record.gateway_error_code = challenge.error().code;
      return finish(record, policy::decide_online({}, check.visit_date), started);
    }
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(challenge->data());
    auto signature = reader.prove_possession(std::move(pin), {bytes, challenge->size()});
    if (!signature) return card_failed(signature.error());
    query.challenge = *challenge;
    query.signature.assign(signature->bytes.begin(), signature->bytes.end());
  }

  auto answer = gateway_.confirm_by_card(query);
  policy::OnlineAnswer online;
  if (answer)
    online = to_online(*answer, std::nullopt, record);
  else
    record.gateway_error_code = answer.error().code;
  if (online.qualification && online.qualification->identity)
    put_identity(record, *online.qualification->identity);
  if (online.qualification && online.qualification->birth_date)
    record.birth_date = online.qualification->birth_date->iso();
  if (check.visual_confirmation) record.presentation_context = "visual_confirmation";

  Decision decision = policy::decide_online(online, check.visit_date);
  if (certificate.reason) {
    decision.reasons.push_back(*certificate.reason);
    decision.facts.card_certificate_expiry = certificate.facts.card_certificate_expiry;
    decision.facts.card_certificate_usable_until = certificate.facts.card_certificate_usable_until;
  }
  return finish(record, std::move(decision), started);
}

audit::AuditRecord rejected_record(const Caller& caller, const RejectedInput& in) {
  audit::AuditRecord record = new_record(caller, in.method);
  record.document_type = in.document_type;
  // A refused 個人番号 is never stored: the record keeps only that such an input happened.
  const bool individual_number = in.error_code.ends_with(".individual_number");
  if (!individual_number) {
    record.insurer_number = in.insurer_number;
    record.insured_symbol = in.insured_symbol;
    record.insured_number = in.insured_number;
    record.branch_number = in.branch_number;
  }
  record.document_sha256 = in.document_sha256;
  record.outcome = Outcome::Failed;
  record.reasons = {in.error_code};
  record.time = audit::now();
  return record;
}

Result<std::string> CheckService::record_rejected(const Caller& caller, const RejectedInput& in) {
  audit::AuditRecord record = rejected_record(caller, in);
  auto durable = audit_.write(record);
  if (!durable) return durable.error();
  return record.check_id;
}

void CheckService::record_rejected(const Caller& caller, const RejectedInput& in,
                                   Completion<std::string> done) {
  audit::AuditRecord record = rejected_record(caller, in);
  std::string id = record.check_id;
  audit_.write(std::move(record),
               [id = std::move(id), done = std::move(done)](Result<audit::Durability> durable) {
                 if (!durable) return done(durable.error());
                 done(Result<std::string>(boost::system::in_place_value, id));
               });
}

}  // namespace madoguchi::check
