// The simulated gateway's logic, shared by the HTTPS server and the folder terminal:
// XmlMsg request in, XmlMsg answer out. Thread-safe.
#pragma once

#include "population.hpp"

#include <madoguchi/gateway/messages.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>

namespace madoguchi::sim {

class SimGateway {
 public:
  // jpki_ca_file: PEM of the simulated JPKI CA; empty: card confirmations are refused.
  SimGateway(Population population, std::string jpki_ca_file,
             std::chrono::milliseconds batch_delay = std::chrono::milliseconds(200),
             std::chrono::seconds challenge_lifetime = std::chrono::seconds(60));

  gateway::Response handle(const gateway::Request& request);
  // A response for a request that could not be read at all.
  gateway::Response error(const std::string& code, const std::string& message,
                          gateway::CharacterCode encoding = gateway::CharacterCode::Utf8) const;

  // The answer for one person's card read at the face-authentication reader (folder mode).
  gateway::Response face_result(const std::string& card_serial);

  const Population& population() const { return population_; }

 private:
  gateway::QualificationAnswer answer_for(const gateway::SearchInfo& search);
  gateway::QualificationAnswer answer_for_person(const Person* person);
  gateway::Response card(const gateway::Request& request);
  gateway::Response base(const gateway::Request& request) const;

  Population population_;
  std::string jpki_ca_file_;
  std::chrono::milliseconds batch_delay_;
  std::chrono::seconds challenge_lifetime_;
  std::mutex mutex_;  // challenges, batches, reference numbers
  std::map<std::string, std::chrono::steady_clock::time_point> challenges_;
  struct Batch {
    std::vector<gateway::SearchInfo> items;
    std::chrono::steady_clock::time_point ready_at;  // before it: SegmentOfResult 2
  };
  std::map<std::string, Batch> batches_;
  std::mt19937 shuffle_{20260401};  // the order batch units come back in
  unsigned long long next_reference_ = 1;
  unsigned long long next_reception_ = 1;
};

}  // namespace madoguchi::sim
