// Fault tests' helpers: the gateway simulator started with fault options on a port of the test's
// choosing (so that a "restarted" simulator is the same gateway to the daemon), the answers of a
// by-number check as the desk sees them, and the audit rows those answers must have.
#pragma once

#include "daemon_fixture.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace madoguchi_test::faults {

using nlohmann::json;

// Fixed card holder 1001 of the simulator's population (docs/gateway.md): insured, 本人, 3割.
inline const json kInsured = {{"insurer_number", "06139992"},
                              {"symbol", "1001"},
                              {"number", "1001"},
                              {"branch", "00"},
                              {"visit_date", "2026-11-25"}};

// The simulator on `port`; `extra` are fault options (--fault, --latency-ms) or other
// certificates (--cert/--key).
inline std::unique_ptr<ChildProcess> start_sim(const TempDir& dir, unsigned short port,
                                               std::vector<std::string> extra = {}) {
  const auto certs = Daemon::dev_certs();
  std::vector<std::string> argv{
      (binary_dir() / "services/gateway-sim/madoguchi-gateway-sim").string(),
      "--port",
      std::to_string(port),
      "--ca",
      (certs / "ca.crt").string(),
      "--jpki-ca",
      (certs / "jpki-ca.crt").string(),
      "--size",
      "100"};
  bool own_cert = false;
  for (const auto& a : extra) own_cert = own_cert || a == "--cert";
  if (!own_cert)
    extra.insert(extra.end(), {"--cert", (certs / "gateway.crt").string(), "--key",
                               (certs / "gateway.key").string()});
  argv.insert(argv.end(), extra.begin(), extra.end());
  static int n = 0;
  auto p = std::make_unique<ChildProcess>(
      argv, std::vector<std::string>{},
      dir.path() / ("gateway-sim-" + std::to_string(port) + "-" + std::to_string(++n) + ".log"));
  if (!wait_for_port(port, std::chrono::seconds(20)))
    throw std::runtime_error("gateway simulator did not listen: " + p->log());
  return p;
}

// One by-number check as the desk saw it.
struct Seen {
  int status = 0;
  std::string outcome, reason, problem_code, check_id;
  std::chrono::milliseconds took{0};
  std::string text() const {
    std::string s = "HTTP " + std::to_string(status);
    if (!outcome.empty()) s += " outcome=" + outcome;
    if (!reason.empty()) s += " reason=" + reason;
    if (!problem_code.empty()) s += " code=" + problem_code;
    return s + " in " + std::to_string(took.count()) + " ms";
  }
};

inline Seen check(const Daemon& d, const json& body = kInsured) {
  Seen s;
  const auto t0 = std::chrono::steady_clock::now();
  auto a = d.post("/v1/checks/by-number", body);
  s.took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  s.status = a.status;
  auto j = json::parse(a.body, nullptr, false);
  if (j.is_object()) {
    s.outcome = j.value("outcome", "");
    s.check_id = j.value("check_id", "");
    s.problem_code = j.value("code", "");
    if (j.contains("reasons") && j["reasons"].is_array() && !j["reasons"].empty())
      s.reason = j["reasons"][0].value("code", "");
  }
  return s;
}

// Every answered check id with its audit row: how many have none (must be 0) and how many have
// more than one (must be 0 too).
struct AuditTally {
  std::size_t answered = 0, missing = 0, duplicated = 0;
};

inline AuditTally tally(const TempPostgres& pg, const std::set<std::string>& answered) {
  AuditTally t;
  t.answered = answered.size();
  std::multiset<std::string> rows;
  const std::string all = pg.psql("SELECT check_id FROM audit_checks");
  std::size_t i = 0;
  while (i < all.size()) {
    auto nl = all.find('\n', i);
    rows.insert(all.substr(i, nl == std::string::npos ? std::string::npos : nl - i));
    if (nl == std::string::npos) break;
    i = nl + 1;
  }
  for (const auto& id : answered) {
    const auto c = rows.count(id);
    if (c == 0) ++t.missing;
    if (c > 1) ++t.duplicated;
  }
  return t;
}

inline bool wait_spool_drained(const Daemon& d, std::chrono::seconds timeout) {
  return wait_until(
      [&] {
        auto a = d.get("/readyz");
        auto j = json::parse(a.body, nullptr, false);
        return a.status == 200 && j.is_object() && j.value("spool_depth", -1) == 0;
      },
      timeout, std::chrono::milliseconds(200));
}

}  // namespace madoguchi_test::faults
