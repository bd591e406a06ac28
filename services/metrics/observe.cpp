#include <madoguchi/metrics/observe.hpp>

#include <madoguchi/audit/postgres.hpp>
#include <madoguchi/audit/unconfirmed.hpp>
#include <madoguchi/card/card.hpp>
#include <madoguchi/gateway/client.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>

namespace madoguchi::metrics {

void observe_audit_store(Registry& m, const audit::PostgresAudit& store) {
  using audit::AuditStats;
  auto stat = [&store](std::uint64_t AuditStats::*field) {
    return [&store, field] { return static_cast<double>(store.stats().*field); };
  };
  m.add_gauge("madoguchi_audit_spool_depth", "Audit records waiting in the local spool.", {},
              stat(&AuditStats::spool_depth));
  m.add_gauge("madoguchi_audit_spool_bytes",
              "Size of the local audit spool file (emptied once fully replayed).", {},
              stat(&AuditStats::spool_bytes));
  m.add_gauge("madoguchi_audit_database_up", "1 when the audit database is reachable.", {},
              [&store] { return store.stats().database_up ? 1.0 : 0.0; });
  const std::string written = "Audit records made durable, by where.";
  m.add_counter("madoguchi_audit_written_total", written, {{"to", "database"}},
                stat(&AuditStats::written_database));
  m.add_counter("madoguchi_audit_written_total", written, {{"to", "spool"}},
                stat(&AuditStats::written_spooled));
  m.add_counter("madoguchi_audit_replayed_total", "Spooled audit records replayed.", {},
                stat(&AuditStats::replayed));
  m.add_counter("madoguchi_audit_spool_corrupt_total", "Corrupt or torn spool regions found.", {},
                stat(&AuditStats::spool_corrupt));
  m.add_counter("madoguchi_audit_rejected_total", "Records the database refused as invalid.", {},
                stat(&AuditStats::rejected));
  m.add_counter("madoguchi_audit_outages_total", "Audit database outages.", {},
                stat(&AuditStats::outages));
}

void observe_gateway(Registry& m, const gateway::GatewayClient& gateway) {
  using gateway::BreakerState;
  for (auto [state, name] :
       {std::pair{BreakerState::Closed, "closed"}, std::pair{BreakerState::Open, "open"},
        std::pair{BreakerState::HalfOpen, "half_open"}})
    m.add_gauge("madoguchi_gateway_breaker_state",
                "1 for the gateway circuit breaker's current state.", {{"state", name}},
                [&gateway, state = state] { return gateway.breaker_state() == state ? 1.0 : 0.0; });
}

void observe_card_reader(Registry& m, card::CardReader& reader) {
  using card::ReaderState;
  for (ReaderState s : {ReaderState::NoReader, ReaderState::Empty, ReaderState::CardPresent,
                        ReaderState::Reading, ReaderState::Removed})
    m.add_gauge("madoguchi_card_reader_state", "1 for the card reader's current state.",
                {{"state", std::string(card::to_string(s))}},
                [&reader, s] { return reader.status().state == s ? 1.0 : 0.0; });
}

void observe_unconfirmed(Registry& m, audit::UnconfirmedQueue& queue) {
  // The three series of one scrape share one query.
  struct Cache {
    std::mutex mu;
    std::optional<Result<std::map<std::string, std::int64_t>>> last;
    std::chrono::steady_clock::time_point at;
  };
  auto cache = std::make_shared<Cache>();
  for (const char* state : {"pending", "follow_up", "reconfirmed"})
    m.add_gauge("madoguchi_unconfirmed_checks",
                "Checks accepted while the gateway was unreachable, by re-confirmation state "
                "(-1: the queue could not be read).",
                {{"state", state}}, [&queue, cache, state = std::string(state)] {
                  std::lock_guard lock(cache->mu);
                  const auto now = std::chrono::steady_clock::now();
                  if (!cache->last || now - cache->at > std::chrono::seconds(1)) {
                    cache->last = queue.counts();
                    cache->at = now;
                  }
                  if (!*cache->last) return -1.0;
                  const auto& counts = cache->last->value();
                  const auto it = counts.find(state);
                  return it == counts.end() ? 0.0 : static_cast<double>(it->second);
                });
}

struct BatchProgress::Counts {
  std::atomic<std::int64_t> running{0}, done{0}, failed{0}, checks_done{0}, checks_failed{0};
};

BatchProgress::BatchProgress(Registry& m) : counts_(std::make_shared<Counts>()) {
  const auto read = [c = counts_](std::atomic<std::int64_t> Counts::*field) {
    return [c, field] { return static_cast<double>(((*c).*field).load()); };
  };
  m.add_gauge("madoguchi_batches_running", "Batches this daemon is working on.", {},
              read(&Counts::running));
  const std::string batches = "Batches finished by this daemon, by result.";
  m.add_counter("madoguchi_batches_total", batches, {{"state", "done"}}, read(&Counts::done));
  m.add_counter("madoguchi_batches_total", batches, {{"state", "failed"}}, read(&Counts::failed));
  const std::string checks = "Checks of batches worked off, by result.";
  m.add_counter("madoguchi_batch_checks_total", checks, {{"state", "done"}},
                read(&Counts::checks_done));
  m.add_counter("madoguchi_batch_checks_total", checks, {{"state", "failed"}},
                read(&Counts::checks_failed));
}

void BatchProgress::batch_started() { ++counts_->running; }
void BatchProgress::check_done(bool ok) { ++(ok ? counts_->checks_done : counts_->checks_failed); }
void BatchProgress::batch_finished(bool ok) {
  --counts_->running;
  ++(ok ? counts_->done : counts_->failed);
}

}  // namespace madoguchi::metrics
