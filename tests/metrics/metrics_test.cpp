// The metrics an operator alerts on: counted only for durable records, exposed as Prometheus text.
#include <madoguchi/metrics/metrics.hpp>

#include <gtest/gtest.h>

#include <atomic>

namespace {

using madoguchi::Outcome;
using madoguchi::Result;
using madoguchi::audit::AuditRecord;
using madoguchi::audit::Durability;
using madoguchi::audit::Method;

class FakeSink : public madoguchi::audit::AuditSink {
 public:
  bool fail = false;
  int writes = 0;
  Result<Durability> write(const AuditRecord&) override {
    ++writes;
    if (fail) return madoguchi::make_error("audit.unavailable", "down");
    return Durability::Database;
  }
  void write(AuditRecord r, madoguchi::Completion<Durability> done) override { done(write(r)); }
};

AuditRecord record(Method m, Outcome o, std::chrono::microseconds latency,
                   std::vector<std::string> reasons = {"qualification_confirmed"}) {
  AuditRecord r;
  r.method = m;
  r.outcome = o;
  r.latency = latency;
  r.reasons = std::move(reasons);
  return r;
}

bool contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(Metrics, CountsDurableChecksByMethodAndOutcome) {
  madoguchi::metrics::Registry registry;
  FakeSink inner;
  madoguchi::metrics::CountingAuditSink sink(inner, registry);
  ASSERT_TRUE(sink.write(record(Method::Number, Outcome::Accepted, std::chrono::milliseconds(3))));
  ASSERT_TRUE(sink.write(record(Method::Number, Outcome::Accepted, std::chrono::milliseconds(4))));
  ASSERT_TRUE(sink.write(record(Method::Card, Outcome::Refused, std::chrono::milliseconds(40),
                                {"qualification_lost"})));
  inner.fail = true;  // not durable: not answered, so not counted
  ASSERT_FALSE(sink.write(record(Method::Card, Outcome::Accepted, std::chrono::milliseconds(1))));
  inner.fail = false;
  bool completed = false;
  sink.write(record(Method::Number, Outcome::Refused, std::chrono::milliseconds(2),
                    {"qualification_not_found"}),
             [&](Result<Durability> d) { completed = d.has_value(); });
  EXPECT_TRUE(completed);

  const std::string text = registry.expose();
  EXPECT_TRUE(contains(text, "# TYPE madoguchi_checks_total counter")) << text;
  EXPECT_TRUE(contains(text, "madoguchi_checks_total{method=\"number\",outcome=\"accepted\"} 2"))
      << text;
  EXPECT_TRUE(contains(text, "madoguchi_checks_total{method=\"card\",outcome=\"refused\"} 1"))
      << text;
  EXPECT_FALSE(contains(text, "madoguchi_checks_total{method=\"card\",outcome=\"accepted\"}"))
      << text;
  EXPECT_TRUE(contains(text, "madoguchi_checks_total{method=\"number\",outcome=\"refused\"} 1"))
      << text;
  EXPECT_TRUE(contains(text, "madoguchi_check_duration_seconds_count{method=\"number\"} 3"))
      << text;
  // 2 ms is within 2.5 ms; 3 ms and 4 ms fall into the 5 ms bucket.
  EXPECT_TRUE(
      contains(text, "madoguchi_check_duration_seconds_bucket{method=\"number\",le=\"0.0025\"} 1"))
      << text;
  EXPECT_TRUE(
      contains(text, "madoguchi_check_duration_seconds_bucket{method=\"number\",le=\"0.005\"} 3"))
      << text;
}

TEST(Metrics, GatewayErrorsAndRejectedInputsAreTheirOwnSeries) {
  madoguchi::metrics::Registry registry;
  FakeSink inner;
  madoguchi::metrics::CountingAuditSink sink(inner, registry);
  auto down =
      record(Method::Number, Outcome::Failed, std::chrono::seconds(3), {"gateway_unavailable"});
  down.gateway_error_code = "gateway.timeout";
  ASSERT_TRUE(sink.write(down));
  ASSERT_TRUE(sink.write(record(Method::Number, Outcome::Failed, std::chrono::microseconds(0),
                                {"insurer_number.check_digit"})));
  const std::string text = registry.expose();
  EXPECT_TRUE(contains(text, "madoguchi_gateway_errors_total{code=\"gateway.timeout\"} 1")) << text;
  EXPECT_TRUE(contains(text, "madoguchi_rejected_inputs_total{method=\"number\"} 1")) << text;
  // The refused input is not a check.
  EXPECT_TRUE(contains(text, "madoguchi_checks_total{method=\"number\",outcome=\"failed\"} 1"))
      << text;
}

TEST(Metrics, PolledGaugesAndCountersReadTheirOwnerAtEachScrape) {
  madoguchi::metrics::Registry registry;
  std::atomic<double> depth{3}, written{10};
  registry.add_gauge("madoguchi_audit_spool_depth", "Records waiting in the spool.", {},
                     [&] { return depth.load(); });
  registry.add_counter("madoguchi_audit_written_total", "Records written.", {{"to", "database"}},
                       [&] { return written.load(); });
  EXPECT_TRUE(contains(registry.expose(), "madoguchi_audit_spool_depth 3"));
  depth = 0;
  written = 25;
  const std::string text = registry.expose();
  EXPECT_TRUE(contains(text, "madoguchi_audit_spool_depth 0")) << text;
  EXPECT_TRUE(contains(text, "madoguchi_audit_written_total{to=\"database\"} 25")) << text;
  EXPECT_TRUE(contains(text, "# TYPE madoguchi_audit_written_total counter")) << text;
}

}  // namespace
