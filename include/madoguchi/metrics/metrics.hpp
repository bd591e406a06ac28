// What an operator alerts on (docs/operations.md): the daemon's metrics in Prometheus
// conventions, exposed as text at GET /metrics. Counters and histograms are updated where things
// happen; gauges whose truth lives in another module (spool depth, breaker state, queue length,
// reader state) are read from it at scrape time, so they can never go stale.
//
//   madoguchi_checks_total{method,outcome}             every answered (durable) check
//   madoguchi_check_duration_seconds{method}           its latency, as a histogram
//   madoguchi_gateway_errors_total{code}               checks whose gateway call failed, by code
//   madoguchi_rejected_inputs_total{method}            inputs refused before a check (422)
//   + the gauges and counters registered with add_gauge / add_counter
#pragma once

#include <madoguchi/audit/audit.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace madoguchi::metrics {

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // One audit record made durable: a check answered (or an input refused before one).
  void record_durable(const audit::AuditRecord& record);

  // A value read from its owner at each scrape. `labels` name one series of the family `name`;
  // several calls with the same name and help add series to one family.
  void add_gauge(const std::string& name, const std::string& help,
                 std::map<std::string, std::string> labels, std::function<double()> read);
  // A monotonically growing count kept elsewhere (e.g. the audit store's records written).
  void add_counter(const std::string& name, const std::string& help,
                   std::map<std::string, std::string> labels, std::function<double()> read);

  // The Prometheus text exposition format (version 0.0.4).
  std::string expose() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Counts every record on its way to the real sink: only records that became durable are
// counted, so the figures match the audit log.
class CountingAuditSink : public audit::AuditSink {
 public:
  CountingAuditSink(audit::AuditSink& inner, Registry& registry)
      : inner_(inner), registry_(registry) {}
  Result<audit::Durability> write(const audit::AuditRecord& record) override;
  void write(audit::AuditRecord record, Completion<audit::Durability> done) override;

 private:
  audit::AuditSink& inner_;
  Registry& registry_;
};

}  // namespace madoguchi::metrics
