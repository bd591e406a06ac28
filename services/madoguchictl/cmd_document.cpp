// madoguchictl document inspect FILE [--visit-date=YYYY-MM-DD] [--json]
//
// Reads a document locally (no daemon). Exit codes: 0 the document was read and is valid; 1 it
// was read but validation found an error; 2 usage error; 3 the file could not be read at all
// ({"error": {...}} with --json).
#include "commands.hpp"

#include <madoguchi/documents/documents.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

namespace madoguchi::ctl {

namespace {

struct InspectOptions {
  std::string file;
  std::string visit_date;
};

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

int inspect(const InspectOptions& o, const Globals& g) {
  documents::InspectOptions options;
  // The visit date defaults to today in Japan, whatever the host's time zone.
  options.visit_date = o.visit_date.empty() ? Date::in_japan(std::chrono::system_clock::now())
                                            : *Date::parse_iso(o.visit_date);
  auto report = documents::inspect_file(o.file, options);
  if (!report) {
    if (g.json)
      std::cout << documents::to_json(report.error()).dump(2) << "\n";
    else
      std::cerr << "madoguchictl: " << report.error().code << ": " << report.error().message
                << "\n";
    return kNeedsMore;
  }
  if (g.json)
    std::cout << documents::to_json(*report).dump(2) << "\n";
  else
    print_text(*report);
  return report->valid() ? kOk : kRefused;
}

}  // namespace

// CLI11 validator shared by the commands that take a visit date.
std::string iso_date(const std::string& s) {
  return Date::parse_iso(s) ? std::string{} : "must be a date YYYY-MM-DD";
}

void add_document_command(CLI::App& app, Globals& g) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* document = app.add_subcommand("document", "documents read locally, without the daemon");
  document->require_subcommand(1);
  CLI::App* sub = document->add_subcommand(
      "inspect", "classify, extract and validate a PDF or scan (資格確認書, 資格情報のお知らせ…)");
  sub->add_option("FILE", o->file, "PDF, PNG or JPEG")->required();
  sub->add_option("--visit-date", o->visit_date, "date of the visit (default: today in Japan)")
      ->check(iso_date);
  sub->callback([o, &g] { g.exit_code = inspect(*o, g); });
}

}  // namespace madoguchi::ctl
