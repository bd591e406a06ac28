// The re-confirmation worker (再確認): takes the unconfirmed queue's due entries, asks the
// gateway again by number, applies policy for the ORIGINAL visit date, and records the answer
// as a new audit record linked to the first. A lost qualification is flagged for follow-up.
#pragma once

#include <madoguchi/audit/unconfirmed.hpp>
#include <madoguchi/gateway/port.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace madoguchi::check {

struct ReconfirmOptions {
  std::chrono::milliseconds interval{10000};       // between passes over the queue
  int batch = 20;                                  // entries per pass (and per transaction)
  std::string client_id = "madoguchid.reconfirm";  // who the new audit records name
};

class Reconfirmer {
 public:
  Reconfirmer(gateway::GatewayPort& gateway, audit::UnconfirmedQueue& queue,
              ReconfirmOptions options = {});
  ~Reconfirmer();  // stops the thread
  Reconfirmer(const Reconfirmer&) = delete;
  Reconfirmer& operator=(const Reconfirmer&) = delete;

  void start();
  void stop();
  // One pass: how many entries were re-confirmed (for tests and the thread).
  Result<int> run_once();
  // The re-confirmation of one entry, without storing it (an error: the gateway is down).
  Result<audit::Reconfirmation> reconfirm(const audit::UnconfirmedEntry& entry);

 private:
  gateway::GatewayPort& gateway_;
  audit::UnconfirmedQueue& queue_;
  ReconfirmOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace madoguchi::check
