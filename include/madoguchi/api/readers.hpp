// Card readers belong to terminals (card.readers: [{name, terminal}]): a pharmacy with three
// counters on one PC has three readers, and each counter's desk uses only its own.
#pragma once

#include <madoguchi/api/http.hpp>

#include <string>
#include <variant>
#include <vector>

namespace madoguchi::card {
class CardReader;
}

namespace madoguchi::api {

struct BoundReader {
  std::string terminal_id;
  card::CardReader* reader = nullptr;
};

class ReaderBinding {
 public:
  ReaderBinding() = default;
  explicit ReaderBinding(std::vector<BoundReader> readers) : readers_(std::move(readers)) {}

  // The reader of the caller's terminal; else the answer: 503 card.no_reader when the daemon
  // has no reader at all, 403 card.not_your_reader when the caller is not a desk of a terminal
  // that has one (another counter's session, a receipt system's key).
  std::variant<card::CardReader*, Response> for_caller(const Principal& caller) const;
  const std::vector<BoundReader>& all() const { return readers_; }

 private:
  std::vector<BoundReader> readers_;
};

}  // namespace madoguchi::api
