// bench_gateway: the online-check gateway client against the real simulator, over mutual TLS.
//   bench_gateway [--queries N] [--batch N]
// Prints single-query latency percentiles and the time of one batch, each as a ratio against a
// baseline measured in the same run: a bare TLS round trip (GET /healthz through the same
// client, pool and simulator), so the figures say what the XmlMsg work costs on this machine.
#include <madoguchi/gateway/client.hpp>

#include <madoguchi_test/process.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace gw = madoguchi::gateway;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Percentiles {
  double p50, p95, p99;
};

Percentiles percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))];
  };
  return {at(0.50), at(0.95), at(0.99)};
}

gw::NumberQuery query_of(const nlohmann::json& p) {
  madoguchi::InsuranceIdentity id{
      madoguchi::InsurerNumber::parse(p.at("insurer_number").get<std::string>()).value(),
      std::nullopt, madoguchi::InsuredNumber::parse(p.at("number").get<std::string>()).value(),
      madoguchi::BranchNumber::parse(p.at("branch").get<std::string>()).value()};
  auto symbol = p.value("symbol", std::string());
  if (!symbol.empty()) id.symbol = madoguchi::InsuredSymbol::parse(symbol).value();
  return {id, madoguchi::Date::parse_compact(p.at("birth_date").get<std::string>()).value(), false};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t queries = 2000, batch = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--queries") queries = std::stoul(argv[i + 1]);
    if (a == "--batch") batch = std::stoul(argv[i + 1]);
  }
  madoguchi_test::TempDir dir("bench-gateway");
  auto certs = dir.path() / "certs";
  auto made = madoguchi_test::run_command(
      "bash " + (madoguchi_test::source_dir() / "deploy/dev-certs.sh").string() + " " +
      certs.string());
  if (made.exit_code != 0) {
    std::cerr << made.output;
    return 1;
  }
  unsigned short port = madoguchi_test::free_port();
  auto population = dir.path() / "population.json";
  madoguchi_test::ChildProcess sim(
      {MADOGUCHI_GATEWAY_SIM, "--port", std::to_string(port), "--cert",
       (certs / "gateway.crt").string(), "--key", (certs / "gateway.key").string(), "--ca",
       (certs / "ca.crt").string(), "--size", std::to_string(std::max<std::size_t>(batch, 100)),
       "--dump-population", population.string(), "--batch-delay-ms", "0"},
      {}, dir.path() / "sim.log");
  if (!madoguchi_test::wait_for_port(port, 20s)) {
    std::cerr << "simulator did not start\n" << sim.log();
    return 1;
  }
  gw::GatewayClientConfig cfg;
  cfg.port = port;
  cfg.ca_file = (certs / "ca.crt").string();
  cfg.cert_file = (certs / "client.crt").string();
  cfg.key_file = (certs / "client.key").string();
  auto client = gw::GatewayClient::create(cfg).value();

  auto people = nlohmann::json::parse(std::ifstream(population)).at("people");
  std::vector<gw::NumberQuery> all;
  for (const auto& p : people) all.push_back(query_of(p));

  // Warm up: the pool's connection and both code paths.
  for (int i = 0; i < 20; ++i) {
    (void)client->ping();
    (void)client->confirm_by_number(all[static_cast<std::size_t>(i) % all.size()]);
  }

  std::vector<double> base_ms, query_ms;
  for (std::size_t i = 0; i < queries; ++i) {
    auto t = client->ping();
    if (!t) {
      std::cerr << "ping: " << t.error().message << "\n";
      return 1;
    }
    base_ms.push_back(std::chrono::duration<double, std::milli>(*t).count());
    auto start = Clock::now();
    auto r = client->confirm_by_number(all[i % all.size()]);
    if (!r) {
      std::cerr << "confirm_by_number: " << r.error().code << " " << r.error().message << "\n";
      return 1;
    }
    query_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  auto b = percentiles(base_ms), q = percentiles(query_ms);

  std::vector<gw::NumberQuery> items(all.begin(),
                                     all.begin() + static_cast<long>(std::min(batch, all.size())));
  auto start = Clock::now();
  auto r = client->batch(items);
  double batch_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!r || r->size() != items.size()) {
    std::cerr << "batch failed: " << (r ? "wrong size" : r.error().message) << "\n";
    return 1;
  }

  std::printf("baseline  bare TLS round trip (GET /healthz, keep-alive), %zu samples\n", queries);
  std::printf("          p50 %.3f ms  p95 %.3f ms  p99 %.3f ms\n", b.p50, b.p95, b.p99);
  std::printf("single    confirm_by_number, %zu samples\n", queries);
  std::printf("          p50 %.3f ms (x%.2f)  p95 %.3f ms (x%.2f)  p99 %.3f ms (x%.2f)\n", q.p50,
              q.p50 / b.p50, q.p95, q.p95 / b.p95, q.p99, q.p99 / b.p99);
  double sequential = q.p50 * static_cast<double>(items.size());
  std::printf("batch     %zu numbers (upload + download): %.0f ms, %.3f ms/item\n", items.size(),
              batch_ms, batch_ms / static_cast<double>(items.size()));
  std::printf("          x%.2f of %zu bare round trips, x%.2f of %zu single queries (p50)\n",
              batch_ms / (b.p50 * static_cast<double>(items.size())), items.size(),
              batch_ms / sequential, items.size());
  return 0;
}
