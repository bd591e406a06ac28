// The daemon's HTTP(S) server: Beast + OpenSSL behind a Beast-free interface.
//
// I/O runs on a few threads. Asynchronous handlers (the by-number check) run inline on them and
// complete later from any thread; blocking handlers (card, document, slow reads) run on a
// bounded blocking pool, heavy routes (OCR) on a smaller one, probes on a pool of their own
// (and plain HTTP, where supervisors ask them, on an I/O thread of its own).
// A full lane answers 503 at once; connections are capped, with accept back-off on EMFILE.
#pragma once

#include <madoguchi/api/router.hpp>
#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace madoguchi::api {

// The TLS policy of Madoguchi's HTTPS listeners: TLS 1.2 with ECDHE + AEAD suites only, or
// TLS 1.3; no compression or renegotiation. Error: "server.tls".
Result<void> apply_tls_policy(ssl_ctx_st* ctx);

struct ServerConfig {
  std::string https_address = "127.0.0.1";
  unsigned short https_port = 8443;  // 0: any free port (tests)
  std::string tls_cert_file;
  std::string tls_key_file;
  // Plain HTTP is for loopback only (probes, a local reverse proxy); 0 port = disabled.
  std::string http_address = "127.0.0.1";
  unsigned short http_port = 0;
  bool http_enabled = true;
  int io_threads = 2;
  int worker_threads = 16;  // the blocking pool
  // Blocking requests waiting for a worker beyond those running; more are answered 503.
  int blocking_queue_limit = 64;
  // Asynchronous requests in flight (waiting on the gateway or the audit); more: 503.
  int async_in_flight_limit = 4096;
  // Probes and /metrics waiting or running on their own pool; more are answered 503.
  int probe_queue_limit = 64;
  // A blocking request that waited longer than this for a worker is answered 503 without
  // running: its client has most likely given up, and the work would only delay the next.
  std::chrono::milliseconds queue_deadline{10000};
  // Open HTTPS connections; at the cap the listener stops accepting (the kernel's backlog
  // holds newcomers) until one closes. Plain HTTP (probes) has a small cap of its own.
  int max_connections = 4096;
  int max_plain_connections = 64;
  // Routes whose work is CPU-heavy (OCR of uploaded documents): a pool of their own, so uploads
  // cannot take the workers of card checks nor every core from by-number checks.
  std::vector<std::string> heavy_paths;  // exact paths, e.g. "/v1/checks/by-document"
  int heavy_concurrency = 2;
  int heavy_queue_limit = 8;
  std::size_t body_limit_bytes = 16 * 1024 * 1024;  // uploads of scanned documents
  std::chrono::seconds idle_timeout{30};
};

class Server {
 public:
  Server(ServerConfig config, std::shared_ptr<const Router> router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; errors: "server.tls" (bad cert/key), "server.bind",
  // "server.plain_http_not_loopback".
  Result<void> start();
  // Stops accepting, lets requests in flight finish (up to `grace`), then stops.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Loads the certificate chain and key files again (SIGHUP): new connections use the new
  // context, live ones keep theirs. On an error the old context stays. Error: "server.tls".
  Result<void> reload_tls();

  unsigned short https_port() const;  // the bound ports (useful with port 0)
  unsigned short http_port() const;

  struct Impl;  // public only so the sessions in server.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace madoguchi::api
