// madoguchid — the reception daemon. Wires the configuration to the modules and waits for
// SIGTERM; everything that decides anything lives in the modules.
#include "config.hpp"
#include "logging.hpp"

#include <madoguchi/api/batches.hpp>
#include <madoguchi/api/desk.hpp>
#include <madoguchi/api/fhir.hpp>
#include <madoguchi/api/keys.hpp>
#include <madoguchi/api/openapi.hpp>
#include <madoguchi/api/readers.hpp>
#include <madoguchi/api/routes.hpp>
#include <madoguchi/api/server.hpp>
#include <madoguchi/api/settings.hpp>
#include <madoguchi/audit/postgres.hpp>
#include <madoguchi/audit/schema.hpp>
#include <madoguchi/audit/settings.hpp>
#include <madoguchi/batch/worker.hpp>
#include <madoguchi/card/card.hpp>
#include <madoguchi/card/settings.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/check/reconfirm.hpp>
#include <madoguchi/check/settings.hpp>
#include <madoguchi/folders/folders.hpp>
#include <madoguchi/gateway/client.hpp>
#include <madoguchi/gateway/settings.hpp>
#include <madoguchi/metrics/metrics.hpp>
#include <madoguchi/metrics/observe.hpp>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <boost/program_options.hpp>

#include <csignal>
#include <iostream>

extern char** environ;

namespace po = boost::program_options;
using nlohmann::json;

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

  // Each module reads its own sections of the configuration (the loader checked them all).
  const auto db = madoguchi::audit::from_config(config);
  const std::string& conninfo = db.conninfo;
  const auto check_settings = madoguchi::check::from_config(config);
  auto api_settings = madoguchi::api::from_config(config);
  auto reader_settings = madoguchi::card::from_config(config);
  if (!api_settings || !reader_settings) {
    const madoguchi::Error e = !api_settings ? api_settings.error() : reader_settings.error();
    spdlog::critical("{}: {}", e.code, e.message);
    return 2;
  }

  // Migrations first, so the audit store finds its schema; if the database is still starting,
  // they are retried in the background: /readyz says "not ready" and checks are spooled meanwhile.
  madoguchi::audit::SchemaKeeper schema({.migrate_conninfo = db.owner_conninfo,
                                         .probe_conninfo = db.conninfo,
                                         .migrations_dir = db.migrations_dir});
  auto audit = madoguchi::audit::PostgresAudit::open(db.store);
  if (!audit) {
    spdlog::critical("audit store cannot start: {}: {}", audit.error().code, audit.error().message);
    return 1;
  }

  auto gateway = madoguchi::gateway::GatewayClient::create(madoguchi::gateway::from_config(config));
  if (!gateway) {
    spdlog::critical("gateway client cannot start: {}: {}", gateway.error().code,
                     gateway.error().message);
    return 1;
  }
  // Every durable record is counted on its way to the audit store (docs/operations.md).
  madoguchi::metrics::Registry metrics;
  madoguchi::metrics::CountingAuditSink counted_audit(**audit, metrics);
  madoguchi::check::CheckService checks(**gateway, counted_audit);
  checks.set_policy_options(check_settings.policy);
  // The unconfirmed queue (migration 0003) and its re-confirmation when the gateway is back; safe
  // with several daemons on one database.
  auto unconfirmed = madoguchi::audit::open_unconfirmed_queue(db.unconfirmed);
  madoguchi::check::Reconfirmer reconfirmer(**gateway, *unconfirmed, check_settings.reconfirm);
  reconfirmer.start();
  // Card readers, each bound to a terminal; `reader` is the first one.
  std::vector<std::unique_ptr<madoguchi::card::CardReader>> card_readers;
  std::vector<madoguchi::api::BoundReader> bound_readers;
  for (const auto& r : *reader_settings) {
    card_readers.push_back(std::make_unique<madoguchi::card::CardReader>(r.reader));
    bound_readers.push_back({r.terminal_id, card_readers.back().get()});
  }
  const std::unique_ptr<madoguchi::card::CardReader> no_reader;
  const auto& reader = card_readers.empty() ? no_reader : card_readers.front();
  const madoguchi::api::ReaderBinding readers(bound_readers);

  auto router = std::make_shared<madoguchi::api::Router>(api_settings->clients);
  // Keys from `madoguchictl keys` (migration 0006) and the failed-authentication limit.
  madoguchi::api::KeyStore keys(conninfo);
  madoguchi::api::enable_api_keys(*router, keys);
  router->set_auth_failure_limit(api_settings->auth_failures);
  madoguchi::audit::PostgresAudit& store = **audit;
  madoguchi::api::add_health_routes(*router,
                                    {.database_ready = [&schema] { return schema.ready(); },
                                     .spool_depth = [&store] { return store.spool_depth(); },
                                     .metrics = [&metrics] { return metrics.expose(); }});
  madoguchi::api::add_openapi_route(*router);
  madoguchi::metrics::observe_audit_store(metrics, store);
  madoguchi::metrics::observe_gateway(metrics, **gateway);
  if (reader) madoguchi::metrics::observe_card_reader(metrics, *reader);
  madoguchi::metrics::observe_unconfirmed(metrics, *unconfirmed);
  // Every read of a person's data leaves an access record (docs/security.md), spooled beside
  // the check records while the database is down.
  auto access_log = madoguchi::audit::PostgresAccessLog::open(conninfo, db.access_spool_dir);
  if (!access_log) {
    spdlog::critical("access log cannot start: {}: {}", access_log.error().code,
                     access_log.error().message);
    return 1;
  }
  madoguchi::api::add_check_routes(*router, store, access_log->get());
  madoguchi::api::add_unconfirmed_routes(*router, *unconfirmed, access_log->get());
  // Idempotency-Key on the POSTs that record (docs/api.md, "Idempotency").
  auto idempotency = madoguchi::audit::open_idempotency_store(
      {.conninfo = conninfo,
       .ttl = std::chrono::seconds(config["idempotency"]["ttl_seconds"].get<int>())});
  madoguchi::api::add_check_service_routes(*router, checks,
                                           {.terminal_id = config["terminal_id"],
                                            .reader = reader.get(),
                                            .allow_visit_date = api_settings->allow_visit_date,
                                            .checks = &store,
                                            .readers = &readers,
                                            .idempotency = idempotency.get()});
  // Durable batches (/v1/batches), worked by every daemon on this database, and Idempotency-Key
  // (docs/api.md, "Batches", "Idempotency").
  auto batch_store = madoguchi::audit::open_batch_store({.conninfo = conninfo});
  const json& batches = config["batches"];
  madoguchi::batch::Worker batch_worker(
      checks, *batch_store,
      {.chunk = batches["chunk"].get<int>(),
       .threads = batches["workers"].get<int>(),
       .lease = std::chrono::seconds(batches["lease_seconds"].get<int>()),
       .idle_poll = std::chrono::milliseconds(batches["poll_ms"].get<int>()),
       .decision_json = [](const madoguchi::Decision& d) { return madoguchi::api::to_json(d); },
       .today = {}});
  madoguchi::api::add_batch_routes(*router, *batch_store,
                                   {.terminal_id = config["terminal_id"],
                                    .max_items = batches["max_items"].get<std::size_t>(),
                                    .created = [&batch_worker] { batch_worker.poke(); },
                                    .idempotency = idempotency.get()});
  batch_worker.start();
  // FHIR R4 for receipt systems (docs/api.md, "FHIR").
  madoguchi::api::fhir::add_fhir_routes(*router, checks,
                                        {.terminal_id = config["terminal_id"],
                                         .software_version = MADOGUCHI_VERSION,
                                         .idempotency = idempotency.get()});

  // The front desk's page and its terminal sessions (docs/front-desk.md).
  const std::chrono::minutes idle_expiry = api_settings->session_idle;
  madoguchi::api::TerminalStore terminals(conninfo, idle_expiry);
  madoguchi::api::add_desk_routes(*router, {.web_root = api_settings->web_root,
                                            .terminals = &terminals,
                                            .reader = reader.get(),
                                            .readers = &readers,
                                            .idle_expiry = idle_expiry});
  madoguchi::api::enable_desk_sessions(*router, terminals);
  madoguchi::api::add_admin_routes(*router);

  const madoguchi::api::ServerConfig& server_config = api_settings->server;
  madoguchi::api::Server server(server_config, router);
  if (auto started = server.start(); !started) {
    spdlog::critical("cannot start: {}: {}", started.error().code, started.error().message);
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
  server.stop(std::chrono::seconds(10));
  if (folders) folders->stop();  // answers the checks in flight first
  reconfirmer.stop();
  batch_worker.stop();  // a chunk being sent is finished (or its lease lapses for another daemon)
  audit->reset();       // flushes queued audit records to the database or the spool
  spdlog::info("stopped");
  return 0;
}
