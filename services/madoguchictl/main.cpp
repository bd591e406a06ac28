// madoguchictl: the operator's command line. A thin dispatcher; every subcommand is a function
// in its own file (commands.hpp).
#include "commands.hpp"

#include <cstdio>
#include <string_view>
#include <vector>

namespace {

struct Command {
  std::string_view name;
  int (*run)(madoguchi::ctl::Args);
  std::string_view usage;
};

// One line per subcommand.
constexpr Command kCommands[] = {
    {"document", madoguchi::ctl::cmd_document,
     "document inspect FILE [--visit-date YYYY-MM-DD] [--json]"},
    {"audit", madoguchi::ctl::cmd_audit, "audit migrate|ready|detach-old|ensure-partitions ..."},
};

int usage(FILE* out) {
  std::fprintf(out, "usage: madoguchictl <command> ...\n");
  for (const Command& c : kCommands)
    std::fprintf(out, "  madoguchictl %.*s\n", static_cast<int>(c.usage.size()), c.usage.data());
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) return usage(stderr);
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") return usage(stdout);
  for (const Command& c : kCommands)
    if (c.name == args[0]) return c.run(madoguchi::ctl::Args(args).subspan(1));
  std::fprintf(stderr, "madoguchictl: unknown command '%.*s'\n", static_cast<int>(args[0].size()),
               args[0].data());
  return usage(stderr);
}
