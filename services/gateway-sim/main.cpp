// madoguchi-gateway-sim: the online-check gateway simulator. See docs/gateway.md.
#include "folder_terminal.hpp"
#include "https_server.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <map>

using namespace madoguchi;

int main(int argc, char** argv) try {
  sim::HttpsOptions https;
  std::string jpki_ca, population_file, dump_file, folder, today_text;
  std::uint64_t seed = 1;
  std::size_t size = 1000;
  int batch_delay_ms = 200;
  int challenge_seconds = 60;
  https.address = "127.0.0.1";
  https.port = 8443;
  CLI::App app{
      "The online-check gateway simulator (XmlMsg over mutual TLS, or the folder exchange)",
      "madoguchi-gateway-sim"};
  app.set_version_flag("--version", "madoguchi-gateway-sim " MADOGUCHI_VERSION);
  app.option_defaults()->always_capture_default();
  app.add_option("--address", https.address, "listen address");
  app.add_option("--port", https.port, "HTTPS port (0: any free port)");
  app.add_option("--cert", https.cert_file, "server certificate (PEM)");
  app.add_option("--key", https.key_file, "server private key (PEM)");
  app.add_option("--ca", https.ca_file, "CA that client certificates must chain to (PEM)");
  app.add_option("--jpki-ca", jpki_ca, "simulated JPKI CA for card certificates (PEM)");
  app.add_option("--population", population_file, "load the population from this JSON file");
  app.add_option("--seed", seed, "seed of the generated population");
  app.add_option("--size", size, "generated people besides the fixed ones");
  app.add_option("--today", today_text, "reference date yyyyMMdd for generation (default: today)");
  app.add_option("--dump-population", dump_file, "write the population as JSON and go on");
  app.add_option("--latency-ms", https.latency_ms, "delay before each answer");
  app.add_option("--failure-rate", https.failure_rate, "share of requests answered 503 (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  const std::map<std::string, sim::HttpsOptions::Fault> faults{
      {"none", sim::HttpsOptions::Fault::None},
      {"http-500", sim::HttpsOptions::Fault::Http500},
      {"malformed-xml", sim::HttpsOptions::Fault::MalformedXml},
      {"reset", sim::HttpsOptions::Fault::Reset}};
  app.add_option("--fault", https.fault,
                 "for fault tests: answer every request with an HTTP 500, a cut-off XmlMsg, or "
                 "a closed connection")
      ->transform(CLI::CheckedTransformer(faults, CLI::ignore_case))
      ->default_str("none");
  app.add_option("--batch-delay-ms", batch_delay_ms,
                 "a batch is 'in progress' this long after its upload");
  app.add_option("--challenge-seconds", challenge_seconds, "how long a card challenge stays valid");
  app.add_option("--folder", folder, "play the terminal on the folder exchange in DIR instead");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  https.seed = seed;

  // Today in Japan, whatever the host's time zone.
  const Date today = today_text.empty() ? Date::in_japan(std::chrono::system_clock::now())
                                        : Date::parse_compact(today_text).value();
  auto population = population_file.empty() ? sim::Population::generate(seed, size, today)
                                            : sim::Population::load(population_file);
  if (!dump_file.empty()) population.save(dump_file);
  sim::SimGateway gateway(std::move(population), jpki_ca, std::chrono::milliseconds(batch_delay_ms),
                          std::chrono::seconds(challenge_seconds));

  if (!folder.empty()) return sim::run_folder(gateway, folder, https.latency_ms);
  if (https.cert_file.empty() || https.key_file.empty() || https.ca_file.empty()) {
    std::cerr << "madoguchi-gateway-sim: --cert, --key and --ca are required (or --folder)\n";
    return 2;
  }
  return sim::run_https(gateway, https);
} catch (const std::exception& e) {
  std::cerr << "madoguchi-gateway-sim: " << e.what() << "\n";
  return 1;
}
