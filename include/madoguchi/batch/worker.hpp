// The batch worker (一括確認): every daemon runs one. It claims a chunk of a durable batch's
// entries from the store (audit/batches.hpp), builds each check through check/inputs.hpp, sends
// the chunk to the gateway as one national batch request (OQSmuquc01/02) through the check
// service, and hands the results and audit records back to the store, which commits them with
// the entries in one transaction: each entry is audited exactly once, whichever daemon finishes
// it. No transport code, no libpqxx.
#pragma once

#include <madoguchi/audit/batches.hpp>
#include <madoguchi/check/check_service.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace madoguchi::batch {

struct WorkerOptions {
  int chunk = 500;  // entries per claim, and per gateway batch request
  // Chunks worked at once by this daemon: a chunk mostly waits for the gateway's batch answer.
  int threads = 4;
  // How long a claim is held. Longer than a chunk's gateway round trip (the gateway client's
  // batch deadline) plus its commit, so a live worker is not overtaken; a dead one's chunk is
  // claimed again after this.
  std::chrono::milliseconds lease{180000};
  std::chrono::milliseconds idle_poll{1000};  // between looks when there is no work
  // The decision's JSON as the API shows it (api::to_json); the entry's answer is this plus
  // index, reference and check_id.
  std::function<nlohmann::json(const Decision&)> decision_json;
  std::function<Date()> today;  // the clinic's day; default: the system clock in JST
};

class Worker {
 public:
  Worker(check::CheckService& checks, audit::BatchStore& store, WorkerOptions options);
  ~Worker();  // stops the thread
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();
  // Wakes the threads now (a batch was just created).
  void poke();
  // Claims and finishes one chunk; how many entries it stored (0: no work). For the thread and
  // tests.
  Result<int> run_once();

 private:
  check::CheckService& checks_;
  audit::BatchStore& store_;
  WorkerOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  unsigned pokes_ = 0;
  std::vector<std::thread> threads_;
};

// The entry's answer for an item refused at intake or when it was run.
nlohmann::json rejected_json(int seq, const std::string& reference, const std::string& check_id,
                             const Error& error);

}  // namespace madoguchi::batch
