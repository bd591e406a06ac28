// madoguchid — the reception daemon. Wires the configuration to the modules and waits for
// SIGTERM; everything that decides anything lives in the modules.
#include "config.hpp"
#include "logging.hpp"

#include <madoguchi/api/desk.hpp>
#include <madoguchi/api/keys.hpp>
#include <madoguchi/api/readers.hpp>
#include <madoguchi/api/fhir.hpp>
#include <madoguchi/api/routes.hpp>
#include <madoguchi/api/server.hpp>
#include <madoguchi/audit/postgres.hpp>
#include <madoguchi/audit/schema.hpp>
#include <madoguchi/card/card.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/reconfirm.hpp>
#include <madoguchi/folders/folders.hpp>
#include <madoguchi/gateway/client.hpp>
#include <madoguchi/metrics/metrics.hpp>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <boost/program_options.hpp>

#include <csignal>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

extern char** environ;

namespace po = boost::program_options;
using nlohmann::json;

namespace {

// What the metrics read from their owners at each scrape.
void add_gauges(madoguchi::metrics::Registry& m, madoguchi::audit::PostgresAudit& store,
                madoguchi::gateway::GatewayClient& gateway, madoguchi::card::CardReader* reader) {
  using madoguchi::audit::AuditStats;
  auto stat = [&store](std::uint64_t AuditStats::*field) {
    return [&store, field] { return static_cast<double>(store.stats().*field); };
  };
  m.add_gauge("madoguchi_audit_spool_depth", "Audit records waiting in the local spool.", {},
              stat(&AuditStats::spool_depth));
  m.add_gauge("madoguchi_audit_database_up", "1 when the audit database is reachable.", {},
              [&store] { return store.stats().database_up ? 1.0 : 0.0; });
  m.add_counter("madoguchi_audit_written_total", "Audit records made durable, by where.",
                {{"to", "database"}}, stat(&AuditStats::written_database));
  m.add_counter("madoguchi_audit_written_total", "Audit records made durable, by where.",
                {{"to", "spool"}}, stat(&AuditStats::written_spooled));
  m.add_counter("madoguchi_audit_replayed_total", "Spooled audit records replayed.", {},
                stat(&AuditStats::replayed));
  m.add_counter("madoguchi_audit_spool_corrupt_total", "Corrupt or torn spool regions found.", {},
                stat(&AuditStats::spool_corrupt));
  m.add_counter("madoguchi_audit_rejected_total", "Records the database refused as invalid.", {},
                stat(&AuditStats::rejected));
  m.add_counter("madoguchi_audit_outages_total", "Audit database outages.", {},
                stat(&AuditStats::outages));
  using madoguchi::gateway::BreakerState;
  for (auto [state, name] :
       {std::pair{BreakerState::Closed, "closed"}, std::pair{BreakerState::Open, "open"},
        std::pair{BreakerState::HalfOpen, "half_open"}})
    m.add_gauge("madoguchi_gateway_breaker_state",
                "1 for the gateway circuit breaker's current state.", {{"state", name}},
                [&gateway, state = state] { return gateway.breaker_state() == state ? 1.0 : 0.0; });
  if (reader) {
    using madoguchi::card::ReaderState;
    for (ReaderState s : {ReaderState::NoReader, ReaderState::Empty, ReaderState::CardPresent,
                          ReaderState::Reading, ReaderState::Removed})
      m.add_gauge("madoguchi_card_reader_state", "1 for the card reader's current state.",
                  {{"state", std::string(madoguchi::card::to_string(s))}},
                  [reader, s] { return reader->status().state == s ? 1.0 : 0.0; });
  }
}

// API clients from the configuration; a malformed entry is a configuration error, not a crash.
// Each has a role (default receipt_system) or several ("roles"); a desk client acts for
// "terminal" (default: the daemon's terminal_id).
madoguchi::Result<std::vector<madoguchi::api::ApiClient>> api_clients(const json& config) {
  std::vector<madoguchi::api::ApiClient> clients;
  const auto bad = [] {
    return madoguchi::make_error(
        "config.api_clients",
        "each api.clients entry needs an \"id\" and a \"token_sha256\" of 64 lower-case hex "
        "digits; \"role\"/\"roles\" are desk, receipt_system, auditor or admin");
  };
  for (const auto& c : config["api"]["clients"]) {
    const auto id = c.is_object() ? c.value("id", std::string{}) : std::string{};
    const auto hash = c.is_object() ? c.value("token_sha256", std::string{}) : std::string{};
    const bool hex =
        hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (id.empty() || !hex) return bad();
    json roles = c.contains("roles") ? c["roles"] : json::array({c.value("role", "receipt_system")});
    if (!roles.is_array() || roles.empty()) return bad();
    madoguchi::api::ApiClient client{id, hash, 0, {}};
    for (const auto& r : roles) {
      const auto role = r.is_string() ? madoguchi::api::role_from_string(r.get<std::string>())
                                      : std::nullopt;
      if (!role) return bad();
      client.roles |= static_cast<unsigned>(*role);
    }
    if (client.roles & static_cast<unsigned>(madoguchi::api::Role::Desk))
      client.terminal_id = c.value("terminal", config["terminal_id"].get<std::string>());
    clients.push_back(std::move(client));
  }
  return clients;
}

// /readyz opens a database connection: answer from a result at most a second old, so that a
// flood of probes cannot use up the server's connections.
class CachedProbe {
 public:
  explicit CachedProbe(std::function<madoguchi::Result<void>()> probe) : probe_(std::move(probe)) {}
  madoguchi::Result<void> operator()() {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!last_ || now - at_ > std::chrono::seconds(1)) {
      last_ = probe_();
      at_ = now;
    }
    return *last_;
  }

 private:
  std::function<madoguchi::Result<void>()> probe_;
  std::mutex mu_;
  std::optional<madoguchi::Result<void>> last_;
  std::chrono::steady_clock::time_point at_;
};

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("madoguchid options");
  opts.add_options()("help", "show this help")("version", "print the version and exit")(
      "config", po::value<std::string>()->default_value(""), "JSON configuration file")(
      "print-config", "print the effective configuration (defaults + file + env) and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "madoguchid: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "madoguchid " MADOGUCHI_VERSION "\n";
    return 0;
  }
  auto loaded = madoguchid::load_config(vm["config"].as<std::string>(), environ);
  if (!loaded) {
    std::cerr << "madoguchid: " << loaded.error().code << ": " << loaded.error().message << "\n";
    return 2;
  }
  const json config = *loaded;
  if (vm.count("print-config")) {
    std::cout << config.dump(2) << "\n";
    return 0;
  }
  madoguchid::setup_json_logging(config["log"]["level"].get<std::string>());

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);  // default action: terminate. Here: noted, not obeyed
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string conninfo = config["database"]["conninfo"];
  const std::string migrations = config["database"]["migrations_dir"];
  // Migrations run as the owner; everything else as the daemon's least-privilege role.
  const std::string owner_conninfo = config["database"]["owner_conninfo"].get<std::string>().empty()
                                         ? conninfo
                                         : config["database"]["owner_conninfo"].get<std::string>();

  // Migrations first, so the audit store finds its schema; if the database is still starting,
  // keep trying in the background: /readyz says "not ready" and checks are spooled meanwhile.
  std::atomic<bool> stopping{false};
  auto first = madoguchi::audit::apply_migrations(owner_conninfo, migrations);
  if (first) spdlog::info("database schema up to date ({} migrations applied now)", *first);
  std::thread migrator([&, done = static_cast<bool>(first)] {
    bool warned = false;
    while (!done && !stopping) {
      auto applied = madoguchi::audit::apply_migrations(owner_conninfo, migrations);
      if (applied) {
        spdlog::info("database schema up to date ({} migrations applied now)", *applied);
        return;
      }
      if (!warned) spdlog::warn("migrations not applied yet: {}", applied.error().code);
      warned = true;
      for (int i = 0; i < 20 && !stopping; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  madoguchi::audit::PostgresAuditConfig audit_config;
  audit_config.conninfo = conninfo;
  audit_config.spool_dir = config["audit"]["spool_dir"].get<std::string>();
  auto audit = madoguchi::audit::PostgresAudit::open(audit_config);
  if (!audit) {
    spdlog::critical("audit store cannot start: {}: {}", audit.error().code, audit.error().message);
    stopping = true;
    migrator.join();
    return 1;
  }

  const json& gw = config["gateway"];
  madoguchi::gateway::GatewayClientConfig gateway_config;
  gateway_config.host = gw["host"];
  gateway_config.port = gw["port"].get<unsigned short>();
  gateway_config.ca_file = gw["ca_file"];
  gateway_config.cert_file = gw["cert_file"];
  gateway_config.key_file = gw["key_file"];
  gateway_config.deadline = std::chrono::milliseconds(gw["deadline_ms"].get<int>());
  auto gateway = madoguchi::gateway::GatewayClient::create(gateway_config);
  if (!gateway) {
    spdlog::critical("gateway client cannot start: {}: {}", gateway.error().code,
                     gateway.error().message);
    stopping = true;
    migrator.join();
    return 1;
  }
  // Every durable record is counted on its way to the audit store (docs/operations.md).
  madoguchi::metrics::Registry metrics;
  madoguchi::metrics::CountingAuditSink counted_audit(**audit, metrics);
  madoguchi::check::CheckService checks(**gateway, counted_audit);
  checks.set_policy_options(
      {.max_unconfirmed_pdf_age_days =
           config["policy"]["mynaportal_max_unconfirmed_age_days"].get<int>()});
  // The unconfirmed queue (migration 0003) and its re-confirmation when the gateway is back; safe
  // with several daemons on one database.
  auto unconfirmed = madoguchi::audit::open_unconfirmed_queue({.conninfo = conninfo});
  madoguchi::check::Reconfirmer reconfirmer(
      **gateway, *unconfirmed,
      {.interval = std::chrono::seconds(config["unconfirmed"]["recheck_seconds"].get<int>()),
       .batch = config["unconfirmed"]["batch"].get<int>()});
  reconfirmer.start();
  // Card readers, each bound to a terminal (card.readers: [{name, terminal}]); without that list,
  // card.reader_name is the daemon's own terminal's reader. `reader` is the first one.
  std::vector<std::unique_ptr<madoguchi::card::CardReader>> card_readers;
  std::vector<madoguchi::api::BoundReader> bound_readers;
  if (config["card"]["enabled"].get<bool>()) {
    json list = config["card"]["readers"];
    if (list.empty())
      list = json::array({{{"name", config["card"]["reader_name"]},
                           {"terminal", config["terminal_id"]}}});
    for (const auto& r : list) {
      if (!r.is_object() || !r.value("name", json()).is_string() ||
          !r.value("terminal", json()).is_string()) {
        spdlog::critical("config.card_readers: each card.readers entry is {{name, terminal}}");
        stopping = true;
        migrator.join();
        return 2;
      }
      card_readers.push_back(std::make_unique<madoguchi::card::CardReader>(
          madoguchi::card::CardReader::Config{.reader_name = r["name"].get<std::string>()}));
      bound_readers.push_back({r["terminal"].get<std::string>(), card_readers.back().get()});
    }
  }
  const std::unique_ptr<madoguchi::card::CardReader> no_reader;
  const auto& reader = card_readers.empty() ? no_reader : card_readers.front();
  const madoguchi::api::ReaderBinding readers(bound_readers);

  auto clients = api_clients(config);
  if (!clients) {
    spdlog::critical("{}: {}", clients.error().code, clients.error().message);
    stopping = true;
    migrator.join();
    return 2;
  }
  auto router = std::make_shared<madoguchi::api::Router>(std::move(*clients));
  // Keys from `madoguchictl keys` (migration 0006) and the failed-authentication limit.
  madoguchi::api::KeyStore keys(conninfo);
  madoguchi::api::enable_api_keys(*router, keys);
  router->set_auth_failure_limit(
      {.burst = config["api"]["auth_failures_burst"].get<int>(),
       .per_minute = config["api"]["auth_failures_per_minute"].get<int>()});
  madoguchi::audit::PostgresAudit& store = **audit;
  madoguchi::api::add_health_routes(
      *router, {.database_ready = [probe = std::make_shared<CachedProbe>([conninfo, migrations] {
                                     return madoguchi::audit::check_schema_ready(conninfo,
                                                                                 migrations);
                                   })] { return (*probe)(); },
                .spool_depth = [&store] { return store.spool_depth(); },
                .metrics = [&metrics] { return metrics.expose(); }});
  add_gauges(metrics, store, **gateway, reader.get());
  // Every read of a person's data leaves an access record (docs/security.md), spooled beside
  // the check records while the database is down.
  auto access_log = madoguchi::audit::PostgresAccessLog::open(
      conninfo, std::filesystem::path(audit_config.spool_dir) / "access");
  if (!access_log) {
    spdlog::critical("access log cannot start: {}: {}", access_log.error().code,
                     access_log.error().message);
    stopping = true;
    migrator.join();
    return 1;
  }
  madoguchi::api::add_check_routes(*router, store, access_log->get());
  madoguchi::api::add_unconfirmed_routes(*router, *unconfirmed, access_log->get());
  madoguchi::api::add_check_service_routes(
      *router, checks,
      {.terminal_id = config["terminal_id"],
       .reader = reader.get(),
       .allow_visit_date = config["api"]["allow_visit_date"].get<bool>(),
       .checks = &store,
       .readers = &readers});
  // FHIR R4 for receipt systems (docs/api.md, "FHIR").
  madoguchi::api::fhir::add_fhir_routes(
      *router, checks,
      {.terminal_id = config["terminal_id"], .software_version = MADOGUCHI_VERSION});

  // The front desk's page and its terminal sessions (docs/front-desk.md).
  const std::chrono::minutes idle_expiry(config["web"]["session_idle_minutes"].get<int>());
  madoguchi::api::TerminalStore terminals(conninfo, idle_expiry);
  madoguchi::api::add_desk_routes(*router, {.web_root = config["web"]["root"].get<std::string>(),
                                            .terminals = &terminals,
                                            .reader = reader.get(),
                                            .readers = &readers,
                                            .idle_expiry = idle_expiry});
  madoguchi::api::enable_desk_sessions(*router, terminals);
  madoguchi::api::add_admin_routes(*router);

  madoguchi::api::ServerConfig server_config;
  const json& listen = config["listen"];
  server_config.https_address = listen["https_address"];
  server_config.https_port = listen["https_port"].get<unsigned short>();
  server_config.http_enabled = listen["http_enabled"];
  server_config.http_address = listen["http_address"];
  server_config.http_port = listen["http_port"].get<unsigned short>();
  server_config.io_threads = listen["io_threads"];
  server_config.worker_threads = listen["worker_threads"];
  server_config.blocking_queue_limit = listen["blocking_queue_limit"];
  server_config.async_in_flight_limit = listen["async_in_flight_limit"];
  server_config.queue_deadline = std::chrono::milliseconds(listen["queue_deadline_ms"].get<int>());
  server_config.max_connections = listen["max_connections"];
  // OCR of uploads has its own lane, so uploads cannot starve the other checks.
  server_config.heavy_paths = {"/v1/checks/by-document"};
  server_config.heavy_concurrency = listen["ocr_concurrency"];
  server_config.heavy_queue_limit = listen["ocr_queue_limit"];
  server_config.tls_cert_file = config["tls"]["cert_file"];
  server_config.tls_key_file = config["tls"]["key_file"];

  madoguchi::api::Server server(server_config, router);
  if (auto started = server.start(); !started) {
    spdlog::critical("cannot start: {}: {}", started.error().code, started.error().message);
    stopping = true;
    migrator.join();
    return 1;
  }
  spdlog::info("listening: https://{}:{}/ (plain http {})", server_config.https_address,
               server.https_port(),
               server_config.http_enabled
                   ? server_config.http_address + ":" + std::to_string(server.http_port())
                   : std::string("off"));
  // The terminal's folder interface for receipt systems (docs/folders.md).
  std::unique_ptr<madoguchi::folders::ServedFolders> folders;
  if (const json& f = config["folders"]; f["enabled"].get<bool>()) {
    madoguchi::folders::ServedFoldersConfig folders_config;
    folders_config.root = f["root"].get<std::string>();
    folders_config.caller = {.terminal_id = config["terminal_id"].get<std::string>(),
                             .client_id = f["client_id"].get<std::string>()};
    folders_config.allow_visit_date = f["allow_visit_date"].get<bool>();
    folders_config.rescan = std::chrono::milliseconds(f["rescan_ms"].get<int>());
    folders = std::make_unique<madoguchi::folders::ServedFolders>(folders_config, checks);
    if (auto started = folders->start(); !started) {
      spdlog::critical("served folders cannot start: {}: {}", started.error().code,
                       started.error().message);
      server.stop(std::chrono::seconds(1));
      stopping = true;
      migrator.join();
      return 1;
    }
  }
  // systemd's Type=notify: ready once both listeners accept (a no-op outside systemd).
  sd_notify(0, "READY=1");

  int sig = 0;
  // SIGHUP (a closed terminal, `systemctl reload`) does not stop the counter: it reloads the TLS
  // certificate and key (new connections get them, live ones keep theirs); the rest of the
  // configuration is read at start only.
  while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
    if (auto reloaded = server.reload_tls(); reloaded)
      spdlog::info("SIGHUP: TLS certificate and key reloaded; other settings apply at restart");
    else
      spdlog::error("SIGHUP: TLS reload failed, the previous certificate stays: {}: {}",
                    reloaded.error().code, reloaded.error().message);
  }
  spdlog::info("signal {}: stopping", sig);
  sd_notify(0, "STOPPING=1");
  stopping = true;
  server.stop(std::chrono::seconds(10));
  if (folders) folders->stop();  // answers the checks in flight first
  reconfirmer.stop();
  migrator.join();
  audit->reset();  // flushes queued audit records to the database or the spool
  spdlog::info("stopped");
  return 0;
}
