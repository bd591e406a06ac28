// madoguchi-gateway-sim: the online-check gateway simulator. See docs/gateway.md.
#include "folder_terminal.hpp"
#include "https_server.hpp"

#include <boost/program_options.hpp>

#include <ctime>
#include <iostream>

namespace po = boost::program_options;
using namespace madoguchi;

int main(int argc, char** argv) try {
  sim::HttpsOptions https;
  std::string jpki_ca, population_file, dump_file, folder, today_text;
  std::uint64_t seed = 1;
  std::size_t size = 1000;
  int batch_delay_ms = 200;
  int challenge_seconds = 60;
  po::options_description desc("madoguchi-gateway-sim options");
  desc.add_options()("help,h", "this help")(
      "address", po::value(&https.address)->default_value("127.0.0.1"), "listen address")(
      "port", po::value(&https.port)->default_value(8443), "HTTPS port (0: any free port)")(
      "cert", po::value(&https.cert_file), "server certificate (PEM)")(
      "key", po::value(&https.key_file), "server private key (PEM)")(
      "ca", po::value(&https.ca_file), "CA that client certificates must chain to (PEM)")(
      "jpki-ca", po::value(&jpki_ca), "simulated JPKI CA for card certificates (PEM)")(
      "population", po::value(&population_file), "load the population from this JSON file")(
      "seed", po::value(&seed)->default_value(1), "seed of the generated population")(
      "size", po::value(&size)->default_value(1000), "generated people besides the fixed ones")(
      "today", po::value(&today_text), "reference date yyyyMMdd for generation (default: today)")(
      "dump-population", po::value(&dump_file), "write the population as JSON and go on")(
      "latency-ms", po::value(&https.latency_ms)->default_value(0), "delay before each answer")(
      "failure-rate", po::value(&https.failure_rate)->default_value(0.0),
      "share of requests answered 503 (0..1)")(
      "batch-delay-ms", po::value(&batch_delay_ms)->default_value(200),
      "a batch is 'in progress' this long after its upload")(
      "challenge-seconds", po::value(&challenge_seconds)->default_value(60),
      "how long a card challenge stays valid")(
      "folder", po::value(&folder), "play the terminal on the folder exchange in DIR instead");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  https.seed = seed;

  Date today = [&] {
    if (!today_text.empty()) return Date::parse_compact(today_text).value();
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    return Date::from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday).value();
  }();
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
