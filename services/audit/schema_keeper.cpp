#include <madoguchi/audit/schema.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace madoguchi::audit {

struct SchemaKeeper::Impl {
  Options o;
  std::atomic<bool> migrated{false};

  std::mutex mu;  // guards stopping (with cv) and the probe cache
  std::condition_variable cv;
  bool stopping = false;
  std::optional<Result<void>> last_probe;
  std::chrono::steady_clock::time_point probed_at;
  std::thread retrier;

  bool try_once(bool warn) {
    auto applied = apply_migrations(o.migrate_conninfo, o.migrations_dir);
    if (applied) {
      spdlog::info("database schema up to date ({} migrations applied now)", *applied);
      migrated = true;
      return true;
    }
    if (warn)
      spdlog::warn("migrations not applied yet: {}: {}", applied.error().code,
                   applied.error().message);
    return false;
  }

  void retry_until_done() {
    std::unique_lock lock(mu);
    while (!stopping) {
      if (cv.wait_for(lock, o.retry, [this] { return stopping; })) return;
      lock.unlock();
      const bool done = try_once(false);
      lock.lock();
      if (done) return;
    }
  }
};

SchemaKeeper::SchemaKeeper(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->o = std::move(options);
  if (!impl_->try_once(true))
    impl_->retrier = std::thread([impl = impl_.get()] { impl->retry_until_done(); });
}

SchemaKeeper::~SchemaKeeper() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->retrier.joinable()) impl_->retrier.join();
}

Result<void> SchemaKeeper::ready() {
  std::lock_guard lock(impl_->mu);
  const auto now = std::chrono::steady_clock::now();
  if (!impl_->last_probe || now - impl_->probed_at > impl_->o.probe_cache) {
    impl_->last_probe = check_schema_ready(impl_->o.probe_conninfo, impl_->o.migrations_dir);
    impl_->probed_at = now;
  }
  return *impl_->last_probe;
}

bool SchemaKeeper::migrated() const { return impl_->migrated; }

}  // namespace madoguchi::audit
