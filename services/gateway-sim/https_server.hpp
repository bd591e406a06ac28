// The simulator's HTTPS face: Beast + OpenSSL, mutual TLS (client certificates verified
// against the dev CA), one XmlMsg per POST.
#pragma once

#include "sim_gateway.hpp"

#include <string>

namespace madoguchi::sim {

struct HttpsOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8443;  // 0: any free port (the ready line tells which)
  std::string cert_file, key_file, ca_file;
  int latency_ms = 0;
  double failure_rate = 0.0;  // share of requests answered 503
  // For fault tests, off by default: every XmlMsg request (not /healthz) is answered with
  // Fault::Http500 a 500 with a plain-text body, Fault::MalformedXml a 200 whose XmlMsg is cut
  // off halfway, Fault::Reset nothing (the connection closed after the request was read).
  enum class Fault { None, Http500, MalformedXml, Reset };
  Fault fault = Fault::None;
  std::uint64_t seed = 1;
};

// Serves until SIGINT/SIGTERM; prints the ready line on stdout once listening. Returns the exit
// code.
int run_https(SimGateway& gateway, const HttpsOptions& options);

}  // namespace madoguchi::sim
