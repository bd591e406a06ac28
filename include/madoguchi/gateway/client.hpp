// GatewayClient: GatewayPort over HTTPS with mutual TLS to the online-check gateway (or its
// simulator, madoguchi-gateway-sim). Thread-safe: call it from any number of threads.
//
// Requests run on one private I/O thread; confirm_by_number has an asynchronous form that
// completes on that thread. Connections are kept alive and reused, TLS sessions resumed.
//
// Per request: an overall deadline (retries included); a failure to connect, or a connection
// reset before the request was sent, is retried with jittered back-off while the deadline
// allows; nothing else is retried. A circuit breaker opens after `breaker_failures` consecutive
// transport failures and then answers "gateway.unavailable" at once, letting one probe through
// every `breaker_cooldown`; a probe that succeeds closes it.
#pragma once

#include <madoguchi/gateway/port.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace madoguchi::gateway {

struct GatewayClientConfig {
  std::string host = "localhost";  // checked against the server certificate (DNS or IP SAN)
  unsigned short port = 8443;
  std::string ca_file;    // the only CA trusted for the gateway's certificate (pinned)
  std::string cert_file;  // our client certificate (PEM); CN = 医療機関コード
  std::string key_file;   // its private key (PEM)
  std::string medical_institution_code;      // MessageHeader; empty: taken from the cert's CN
  std::chrono::milliseconds deadline{3000};  // per single request, retries included
  std::chrono::milliseconds batch_deadline{120000};  // whole upload + download of a batch
  int retries = 2;                                   // extra attempts for idempotent failures
  std::chrono::milliseconds retry_backoff{50};       // base; each retry waits base*2^n ± 50 %
  int breaker_failures = 5;                          // consecutive failures that open it
  std::chrono::milliseconds breaker_cooldown{2000};  // open -> one half-open probe
  // Keep-alive pool: idle connections kept for reuse. Size it to the concurrency of checks, or
  // every check beyond it pays a new mutual-TLS handshake.
  std::size_t max_idle_connections = 256;
};

enum class BreakerState { Closed, Open, HalfOpen };

class GatewayClient final : public GatewayPort {
 public:
  // Errors ("gateway.tls") when the certificate, key or CA file cannot be loaded.
  static Result<std::unique_ptr<GatewayClient>> create(const GatewayClientConfig& config);
  ~GatewayClient() override;

  Result<std::string> challenge() override;
  Result<Confirmation> confirm_by_number(const NumberQuery& query) override;
  void confirm_by_number(const NumberQuery& query, Completion<Confirmation> done) override;
  Result<Confirmation> confirm_by_card(const CardQuery& query) override;
  Result<std::vector<Confirmation>> batch(std::span<const NumberQuery> queries) override;

  // GET /healthz: one bare round trip through the pool (benchmarks use it as the baseline).
  Result<std::chrono::nanoseconds> ping();
  BreakerState breaker_state() const;

  struct Impl;

 private:
  explicit GatewayClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace madoguchi::gateway
