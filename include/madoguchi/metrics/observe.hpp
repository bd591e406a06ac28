// The gauges whose truth lives in another module, read from it at each scrape
// (docs/operations.md lists every series and the alerts on them).
//
//   madoguchi_audit_spool_depth / _spool_bytes, madoguchi_audit_database_up,
//   madoguchi_audit_{written,replayed,spool_corrupt,rejected,outages}_total   the audit store
//   madoguchi_gateway_breaker_state{state}                                    1 for the current
//   madoguchi_card_reader_state{state}                                        1 for the current
//   madoguchi_unconfirmed_checks{state}                     the unconfirmed queue, by state
//   madoguchi_batches_running, madoguchi_batches_total{state},
//   madoguchi_batch_checks_total{state}                                       BatchProgress
#pragma once

#include <madoguchi/metrics/metrics.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace madoguchi::audit {
class PostgresAudit;
class UnconfirmedQueue;
}  // namespace madoguchi::audit
namespace madoguchi::gateway {
class GatewayClient;
}
namespace madoguchi::card {
class CardReader;
}

namespace madoguchi::metrics {

// Each keeps a reference: the observed object must outlive the registry's scrapes.
void observe_audit_store(Registry& registry, const audit::PostgresAudit& store);
void observe_gateway(Registry& registry, const gateway::GatewayClient& gateway);
void observe_card_reader(Registry& registry, card::CardReader& reader);
// One database query per scrape (at most one a second); a failed read reports -1.
void observe_unconfirmed(Registry& registry, audit::UnconfirmedQueue& queue);

// Batch progress (POST /v1/checks/batch): the batch runner reports what it does, the registry
// counts it. States of a batch: "running", "done", "failed"; of its checks: "done", "failed".
//   progress.batch_started();  progress.check_done(ok);  progress.batch_finished(ok);
// The batches gauge counts running batches of this daemon; on several daemons sum them.
class BatchProgress {
 public:
  explicit BatchProgress(Registry& registry);
  void batch_started();
  void check_done(bool ok);
  void batch_finished(bool ok);
  // Batches resumed after a restart (durable batches) count as started again.

  struct Counts;

 private:
  std::shared_ptr<Counts> counts_;
};

}  // namespace madoguchi::metrics
