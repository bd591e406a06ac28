// libFuzzer target for madoguchid's configuration loader: the input up to the first NUL is the
// JSON file, the rest NAME=value lines of the environment; and the JSON log line escaping of
// arbitrary bytes (each line must stay valid JSON).
#include "config.hpp"
#include "logging.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string file = [] {
    char dir[] = "/tmp/madoguchi-fuzz-config-XXXXXX";
    if (!::mkdtemp(dir)) std::abort();
    return std::string(dir) + "/madoguchid.json";
  }();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  {
    std::ofstream out(file, std::ios::trunc | std::ios::binary);
    out << input.substr(0, nul);
  }
  std::vector<std::string> env;
  if (nul != std::string::npos) {
    std::size_t pos = nul + 1;
    while (pos <= input.size()) {
      const auto nl = input.find('\n', pos);
      env.push_back(input.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  (void)madoguchid::load_config(file, envp.data());

  const std::string line = "{\"msg\":\"" + madoguchid::json_escape(input) + "\"}";
  if (!nlohmann::json::accept(line)) std::abort();  // a log line that is not JSON is a bug
  (void)madoguchid::check_id_of(input);
  return 0;
}
