#include <madoguchi/api/readers.hpp>

namespace madoguchi::api {

std::variant<card::CardReader*, Response> ReaderBinding::for_caller(const Principal& caller) const {
  if (readers_.empty()) return problem(503, "card.no_reader", "No card reader is configured");
  if (caller.has(Role::Desk) && !caller.terminal_id.empty())
    for (const auto& r : readers_)
      if (r.terminal_id == caller.terminal_id && r.reader) return r.reader;
  return problem(403, "card.not_your_reader", "This card reader belongs to another terminal",
                 "Only a desk signed in at the reader's own counter may use it.");
}

}  // namespace madoguchi::api
