#include <madoguchi/metrics/metrics.hpp>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <sstream>
#include <vector>

namespace madoguchi::metrics {

namespace {
// Check latencies at a counter: a millisecond (by number, cached TLS) to the gateway's deadline
// and OCR of a photo (seconds).
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

struct Polled {
  std::function<double()> read;
  prometheus::Gauge* gauge = nullptr;
  prometheus::Counter* counter = nullptr;
  double last = 0;  // counters: what was already added
};
}  // namespace

struct Registry::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& checks =
      prometheus::BuildCounter()
          .Name("madoguchi_checks_total")
          .Help("Checks answered with a durable audit record, by method and outcome.")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& duration =
      prometheus::BuildHistogram()
          .Name("madoguchi_check_duration_seconds")
          .Help("Time from request to durable decision, by method.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& gateway_errors =
      prometheus::BuildCounter()
          .Name("madoguchi_gateway_errors_total")
          .Help("Checks whose online confirmation failed, by error code.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& rejected =
      prometheus::BuildCounter()
          .Name("madoguchi_rejected_inputs_total")
          .Help(
              "Inputs refused before a check could be made (invalid identifiers, unreadable "
              "documents), by method.")
          .Register(*registry);

  mutable std::mutex polled_mu;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauge_families;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counter_families;
  mutable std::vector<Polled> polled;
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

void Registry::record_durable(const audit::AuditRecord& r) {
  const std::string method(audit::to_string(r.method));
  // A refused input (CheckService::record_rejected) carries the validation error's dotted
  // code instead of a reason code: it is not a check.
  const bool rejected_input =
      r.outcome == Outcome::Failed && r.reasons.size() == 1 && !reason_from_string(r.reasons[0]);
  if (rejected_input) {
    impl_->rejected.Add({{"method", method}}).Increment();
    return;
  }
  impl_->checks.Add({{"method", method}, {"outcome", std::string(to_string(r.outcome))}})
      .Increment();
  impl_->duration.Add({{"method", method}}, kLatencyBuckets)
      .Observe(std::chrono::duration<double>(r.latency).count());
  if (!r.gateway_error_code.empty())
    impl_->gateway_errors.Add({{"code", r.gateway_error_code}}).Increment();
}

void Registry::add_gauge(const std::string& name, const std::string& help,
                         std::map<std::string, std::string> labels, std::function<double()> read) {
  std::lock_guard lock(impl_->polled_mu);
  auto& family = impl_->gauge_families[name];
  if (!family) family = &prometheus::BuildGauge().Name(name).Help(help).Register(*impl_->registry);
  impl_->polled.push_back({std::move(read), &family->Add(labels), nullptr, 0});
}

void Registry::add_counter(const std::string& name, const std::string& help,
                           std::map<std::string, std::string> labels,
                           std::function<double()> read) {
  std::lock_guard lock(impl_->polled_mu);
  auto& family = impl_->counter_families[name];
  if (!family)
    family = &prometheus::BuildCounter().Name(name).Help(help).Register(*impl_->registry);
  impl_->polled.push_back({std::move(read), nullptr, &family->Add(labels), 0});
}

std::string Registry::expose() const {
  {
    std::lock_guard lock(impl_->polled_mu);
    for (Polled& p : impl_->polled) {
      const double v = p.read();
      if (p.gauge) p.gauge->Set(v);
      if (p.counter && v > p.last) {
        p.counter->Increment(v - p.last);
        p.last = v;
      }
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

Result<audit::Durability> CountingAuditSink::write(const audit::AuditRecord& record) {
  auto durable = inner_.write(record);
  if (durable) registry_.record_durable(record);
  return durable;
}

void CountingAuditSink::write(audit::AuditRecord record, Completion<audit::Durability> done) {
  // The record is needed again once durable; the sink only reads it, so keep a copy here.
  auto counted = std::make_shared<audit::AuditRecord>(record);
  inner_.write(std::move(record),
               [this, counted, done = std::move(done)](Result<audit::Durability> durable) {
                 if (durable) registry_.record_durable(*counted);
                 done(std::move(durable));
               });
}

}  // namespace madoguchi::metrics
