// madoguchictl document inspect FILE [--visit-date YYYY-MM-DD] [--json]
//
// Exit codes: 0 the document was read and is valid; 1 it was read but validation found an
// error; 2 usage error; 3 the file could not be read at all ({"error": {...}} with --json).
#include "commands.hpp"

#include <madoguchi/documents/documents.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

namespace madoguchi::ctl {

namespace {

int usage() {
  std::cerr << "usage: madoguchictl document inspect FILE [--visit-date YYYY-MM-DD] [--json]\n";
  return 2;
}

// The visit date defaults to today in Japan, whatever the host's time zone.
Date today() { return Date::in_japan(std::chrono::system_clock::now()); }

void print_text(const documents::InspectionReport& r) {
  const nlohmann::json j = documents::to_json(r);
  std::cout << "document_type: " << j["document_type"].get<std::string>()
            << (r.slip_only ? " (slip only)" : "") << "\n";
  std::cout << "evidence: ";
  for (const auto& e : r.evidence) std::cout << e << "; ";
  std::cout << "\nfields:\n";
  for (const auto& [k, v] : j["fields"].items())
    std::cout << "  " << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
  std::cout << "validation:\n";
  for (const auto& f : r.validation)
    std::cout << "  [" << documents::to_string(f.severity) << "] " << f.code << ": " << f.message_ja
              << "\n";
  std::cout << "valid: " << (r.valid() ? "yes" : "no") << "\n";
}

}  // namespace

int cmd_document(Args args) {
  if (args.empty() || args[0] != "inspect") return usage();
  std::string file;
  bool json = false;
  documents::InspectOptions options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--visit-date" && i + 1 < args.size()) {
      auto d = Date::parse_iso(args[++i]);
      if (!d) {
        std::cerr << "madoguchictl: --visit-date must be YYYY-MM-DD\n";
        return 2;
      }
      options.visit_date = *d;
    } else if (file.empty() && !args[i].starts_with("--")) {
      file = std::string(args[i]);
    } else {
      return usage();
    }
  }
  if (file.empty()) return usage();
  if (!options.visit_date) options.visit_date = today();

  auto report = documents::inspect_file(file, options);
  if (!report) {
    if (json)
      std::cout << documents::to_json(report.error()).dump(2) << "\n";
    else
      std::cerr << "madoguchictl: " << report.error().code << ": " << report.error().message
                << "\n";
    return 3;
  }
  if (json)
    std::cout << documents::to_json(*report).dump(2) << "\n";
  else
    print_text(*report);
  return report->valid() ? 0 : 1;
}

}  // namespace madoguchi::ctl
