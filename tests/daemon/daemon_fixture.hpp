// Test fixture: madoguchid as a user runs it — a real PostgreSQL, real TLS, curl as the client.
#pragma once

#include <madoguchi_test/postgres.hpp>
#include <madoguchi_test/process.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace madoguchi_test {

// The token the test desk presents; the daemon is configured with only its SHA-256.
inline constexpr const char* kToken = "a-desk-token";

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class Daemon {
 public:
  Daemon(const TempPostgres& pg, const TempDir& dir, std::vector<std::string> extra_env = {})
      : https_port_(free_port()), http_port_(free_port()) {
    const auto certs = dev_certs();
    ca_ = (certs / "ca.crt").string();
    std::vector<std::string> env{
        "MADOGUCHI_LISTEN_HTTPS_PORT=" + std::to_string(https_port_),
        "MADOGUCHI_LISTEN_HTTP_PORT=" + std::to_string(http_port_),
        "MADOGUCHI_TLS_CERT_FILE=" + (certs / "madoguchid.crt").string(),
        "MADOGUCHI_TLS_KEY_FILE=" + (certs / "madoguchid.key").string(),
        "MADOGUCHI_DATABASE_CONNINFO=" + pg.conninfo(),
        "MADOGUCHI_AUDIT_SPOOL_DIR=" + (dir.path() / "spool").string(),
        "MADOGUCHI_GATEWAY_CA_FILE=" + (certs / "ca.crt").string(),
        "MADOGUCHI_GATEWAY_CERT_FILE=" + (certs / "client.crt").string(),
        "MADOGUCHI_GATEWAY_KEY_FILE=" + (certs / "client.key").string(),
        // The test client checks at the daemon's counter and by number, batches, FHIR.
        std::string("MADOGUCHI_API_CLIENTS=[{\"id\":\"desk-test\",\"token_sha256\":\"") +
            token_sha256() + "\",\"roles\":[\"desk\",\"receipt_system\"]}]",
    };
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    log_ = dir.path() / "madoguchid.log";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{(binary_dir() / "services/madoguchid/madoguchid").string()}, env,
        log_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!wait_for_port(https_port_, std::chrono::milliseconds(100))) {
      if (!process_->running() || std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("madoguchid did not listen: " + process_->log());
    }
  }

  // Made once per test process: RSA key generation is the slow part of a daemon's start here.
  static std::filesystem::path dev_certs() {
    static TempDir dir("certs");
    static const bool made = [] {
      auto r = run_command("bash " + (source_dir() / "deploy/dev-certs.sh").string() + " " +
                           dir.path().string());
      if (r.exit_code != 0) throw std::runtime_error("dev-certs.sh: " + r.output);
      return true;
    }();
    (void)made;
    return dir.path();
  }

  static std::string token_sha256() {
    auto r = run_command(std::string("printf %s ") + kToken + " | sha256sum | cut -d' ' -f1");
    return r.output.substr(0, 64);
  }

  HttpAnswer get(const std::string& path, const std::string& extra_curl_args = "") const {
    auto r = run_command("curl -sS --max-time 10 --cacert " + ca_ + " " + extra_curl_args +
                         " -w '\\n%{http_code}' 'https://127.0.0.1:" + std::to_string(https_port_) +
                         path + "'");  // quoted: a query's '&' is not for the shell
    HttpAnswer a;
    const auto nl = r.output.rfind('\n');
    if (nl == std::string::npos) return a;
    a.body = r.output.substr(0, nl);
    a.status = std::atoi(r.output.c_str() + nl + 1);
    return a;
  }

  // POSTs a JSON body with the desk's token.
  HttpAnswer post(const std::string& path, const nlohmann::json& body) const {
    const std::string file =
        (log_.parent_path() /
         ("body-" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())) +
          ".json"))
            .string();
    {
      std::ofstream out(file);
      out << body.dump();
    }
    return get(path, std::string("-X POST -H 'Content-Type: application/json' -H "
                                 "'Authorization: Bearer ") +
                         kToken + "' --data-binary @" + file);
  }

  HttpAnswer get_authorized(const std::string& path) const {
    return get(path, std::string("-H 'Authorization: Bearer ") + kToken + "'");
  }

  bool wait_ready(std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (get("/readyz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  unsigned short https_port() const { return https_port_; }
  unsigned short http_port() const { return http_port_; }
  ChildProcess& process() { return *process_; }
  std::string log() const { return process_->log(); }

 private:
  unsigned short https_port_, http_port_;
  std::string ca_;
  std::filesystem::path log_;
  std::unique_ptr<ChildProcess> process_;
};

// The online-check gateway simulator over mutual TLS, with the daemon's dev certificates.
class GatewaySim {
 public:
  // `jpki_ca`: the CA card certificates must chain to (default: the dev one).
  explicit GatewaySim(const TempDir& dir, std::filesystem::path jpki_ca = {}) : port_(free_port()) {
    const auto certs = Daemon::dev_certs();
    if (jpki_ca.empty()) jpki_ca = certs / "jpki-ca.crt";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            (binary_dir() / "services/gateway-sim/madoguchi-gateway-sim").string(), "--port",
            std::to_string(port_), "--cert", (certs / "gateway.crt").string(), "--key",
            (certs / "gateway.key").string(), "--ca", (certs / "ca.crt").string(), "--jpki-ca",
            jpki_ca.string(), "--size", "100"},
        std::vector<std::string>{}, dir.path() / ("gateway-sim-" + std::to_string(port_) + ".log"));
    if (!wait_for_port(port_, std::chrono::seconds(20)))
      throw std::runtime_error("gateway simulator did not listen: " + process_->log());
  }
  unsigned short port() const { return port_; }
  ChildProcess& process() { return *process_; }

 private:
  unsigned short port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace madoguchi_test
