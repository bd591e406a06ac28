#include <madoguchi/check/reconfirm.hpp>
#include <madoguchi/policy/acceptance.hpp>

#include <spdlog/spdlog.h>

namespace madoguchi::check {

namespace {
// The queue holds what the first check stored: valid identifiers (they were parsed then).
Result<InsuranceIdentity> identity_of(const audit::UnconfirmedEntry& e) {
  auto insurer = InsurerNumber::parse(e.insurer_number);
  if (!insurer) return insurer.error();
  auto number = InsuredNumber::parse(e.insured_number);
  if (!number) return number.error();
  InsuranceIdentity id{*insurer, std::nullopt, *number, std::nullopt};
  if (!e.insured_symbol.empty()) {
    auto s = InsuredSymbol::parse(e.insured_symbol);
    if (!s) return s.error();
    id.symbol = *s;
  }
  if (!e.branch_number.empty()) {
    auto b = BranchNumber::parse(e.branch_number);
    if (!b) return b.error();
    id.branch = *b;
  }
  return id;
}
}  // namespace

Reconfirmer::Reconfirmer(gateway::GatewayPort& gateway, audit::UnconfirmedQueue& queue,
                         ReconfirmOptions options)
    : gateway_(gateway), queue_(queue), options_(std::move(options)) {}

Reconfirmer::~Reconfirmer() { stop(); }

void Reconfirmer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      try {
        // Work through the due entries, then wait for the next pass.
        for (;;) {
          auto n = run_once();
          if (!n) {
            spdlog::warn("unconfirmed queue: {}", n.error().message);
            break;
          }
          if (*n < options_.batch) break;
        }
      } catch (const std::exception& e) {
        spdlog::error("unconfirmed queue: {}", e.what());
      }
      lock.lock();
      wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
    }
  });
}

void Reconfirmer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<int> Reconfirmer::run_once() {
  auto n = queue_.reconfirm_due(options_.batch,
                                [this](const audit::UnconfirmedEntry& e) { return reconfirm(e); });
  if (n && *n > 0) spdlog::info("unconfirmed queue: {} check(s) re-confirmed", *n);
  return n;
}

Result<audit::Reconfirmation> Reconfirmer::reconfirm(const audit::UnconfirmedEntry& e) {
  const auto started = std::chrono::steady_clock::now();
  auto visit = Date::parse_iso(e.visit_date);
  if (!visit) return visit.error();
  std::optional<Date> birth;
  if (e.birth_date) {
    if (auto b = Date::parse_iso(*e.birth_date)) birth = *b;
  }
  audit::AuditRecord r;
  r.check_id = audit::new_check_id();
  r.terminal_id = e.terminal_id;
  r.client_id = options_.client_id;
  r.method = audit::Method::Number;
  r.document_type = e.document_type;
  r.presentation_context = e.presentation_context;
  r.insurer_number = e.insurer_number;
  r.insured_symbol = e.insured_symbol;
  r.insured_number = e.insured_number;
  r.branch_number = e.branch_number;
  r.birth_date = e.birth_date;
  r.visit_date = e.visit_date;
  r.reconfirms_check_id = e.check_id;

  auto id = identity_of(e);
  policy::Reconfirmation decided;
  if (!id) {
    // Cannot be asked about: someone must look at it.
    decided.follow_up = true;
    decided.decision.outcome = Outcome::Failed;
    decided.decision.reasons = {ReasonCode::ReconfirmationFollowUp, ReasonCode::DocumentInvalid};
  } else {
    auto answer = gateway_.confirm_by_number({*id, birth, false});
    if (!answer) return answer.error();  // still unreachable: try later
    if (answer->unit_error) return answer->unit_error.value();
    const auto online = policy::read_answer(answer->validity, answer->qualifications, {*id, birth});
    if (online.mismatch)
      r.gateway_error_code = "gateway.mismatch";
    else
      r.qualification_validity = static_cast<int>(answer->validity);
    r.processing_status = 1;
    decided = policy::decide_reconfirmation(online, *visit);
  }
  r.outcome = decided.decision.outcome;
  for (ReasonCode reason : decided.decision.reasons) r.reasons.emplace_back(describe(reason).code);
  r.latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  r.time = audit::now();
  if (decided.follow_up)
    spdlog::warn("check {} re-confirmed as {}: follow up ({})", e.check_id, to_string(r.outcome),
                 audit::masked_identity(r));
  return audit::Reconfirmation{std::move(r), decided.follow_up};
}

}  // namespace madoguchi::check
