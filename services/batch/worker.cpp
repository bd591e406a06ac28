#include <madoguchi/batch/worker.hpp>
#include <madoguchi/check/inputs.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace madoguchi::batch {

nlohmann::json rejected_json(int seq, const std::string& reference, const std::string& check_id,
                             const Error& error) {
  nlohmann::json j{{"index", seq}, {"error", {{"code", error.code}, {"message", error.message}}}};
  if (!reference.empty()) j["reference"] = reference;
  if (!check_id.empty()) j["check_id"] = check_id;
  return j;
}

Worker::Worker(check::CheckService& checks, audit::BatchStore& store, WorkerOptions options)
    : checks_(checks), store_(store), options_(std::move(options)) {
  if (!options_.today)
    options_.today = [] { return Date::in_japan(std::chrono::system_clock::now()); };
  if (!options_.decision_json)
    options_.decision_json = [](const Decision& d) {
      return nlohmann::json{{"outcome", to_string(d.outcome)}};
    };
}

Worker::~Worker() { stop(); }

void Worker::start() {
  if (!threads_.empty()) return;
  for (int t = 0; t < std::max(1, options_.threads); ++t)
    threads_.emplace_back([this] {
      std::unique_lock lock(mu_);
      while (!stopping_) {
        const unsigned pokes = pokes_;
        lock.unlock();
        bool more = false;
        try {
          auto n = run_once();
          if (!n)
            spdlog::warn("batch worker: {}: {}", n.error().code, n.error().message);
          else
            more = *n > 0;
        } catch (const std::exception& e) {
          spdlog::error("batch worker: {}", e.what());
        }
        lock.lock();
        if (!more)
          wake_.wait_for(lock, options_.idle_poll,
                         [this, pokes] { return stopping_ || pokes_ != pokes; });
      }
    });
}

void Worker::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Worker::poke() {
  {
    std::lock_guard lock(mu_);
    ++pokes_;
  }
  wake_.notify_all();
}

Result<int> Worker::run_once() {
  auto claimed = store_.claim(options_.chunk, options_.lease);
  if (!claimed) return claimed.error();
  if (!*claimed) return 0;
  const audit::BatchClaim& claim = **claimed;
  const check::Caller caller{claim.terminal_id, claim.client_id};
  const Date today = options_.today();

  std::vector<audit::FinishedEntry> finished;
  finished.reserve(claim.entries.size());
  std::vector<check::NumberCheck> valid;
  std::vector<std::size_t> valid_at;  // index into `finished`
  for (const auto& e : claim.entries) {
    const auto& item = e.item;
    const check::NumberCheckFields fields{
        .insurer_number = item.insurer_number,
        .symbol = item.insured_symbol,
        .number = item.insured_number,
        .branch = item.branch_number,
        .birth_date = item.birth_date,
        .visit_date = item.visit_date.empty() ? claim.visit_date : item.visit_date,
        .reference = item.reference};
    std::optional<Error> refused;
    if (!item.error_code.empty()) {
      refused =
          make_error(item.error_code, "the item could not become a check (refused at intake)");
    } else if (auto c = check::to_number_check(fields, today); !c) {
      refused = c.error();
    } else {
      check::NumberCheck check = std::move(*c);
      check.batch_id = claim.batch_id;
      valid.push_back(std::move(check));
      valid_at.push_back(finished.size());
      finished.push_back({.seq = e.seq, .outcome = "", .result_json = "", .record = {}});
      continue;
    }
    // Input that could not become a check is still recorded, once, with the batch.
    auto record = check::rejected_record(caller, check::rejected_number(fields, *refused));
    record.batch_id = claim.batch_id;
    record.visit_date = fields.visit_date;
    if (!Date::parse_iso(fields.visit_date)) record.visit_date.reset();
    finished.push_back(
        {.seq = e.seq,
         .outcome = "error",
         .result_json = rejected_json(e.seq, item.reference, record.check_id, *refused).dump(),
         .record = std::move(record)});
  }
  if (!valid.empty()) {
    auto decided = checks_.decide_number_batch(caller, valid, claim.batch_id);
    for (std::size_t k = 0; k < decided.size(); ++k) {
      auto& f = finished[valid_at[k]];
      const auto& entry = claim.entries[valid_at[k]];
      nlohmann::json j = options_.decision_json(decided[k].decision);
      j["index"] = entry.seq;
      if (!entry.item.reference.empty()) j["reference"] = entry.item.reference;
      j["check_id"] = decided[k].record.check_id;
      f.outcome = std::string(to_string(decided[k].decision.outcome));
      f.result_json = j.dump();
      f.record = std::move(decided[k].record);
    }
  }
  auto stored = store_.finish(claim, finished);
  if (!stored) return stored.error();
  spdlog::info("batch {}: {} entries checked (chunk of {}, attempt {})", claim.batch_id, *stored,
               claim.entries.size(), claim.entries.empty() ? 0 : claim.entries.front().attempts);
  return *stored;
}

}  // namespace madoguchi::batch
