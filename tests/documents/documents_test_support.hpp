// Helpers shared by the documents tests: inspect text for a visit date, look up findings.
#pragma once

#include <madoguchi/documents/documents.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace madoguchi::documents::testing {

using nlohmann::json;

inline InspectOptions on(const char* iso) {
  InspectOptions o;
  o.visit_date = Date::parse_iso(iso).value();
  return o;
}

inline json text(const std::string& t, const char* visit = "2026-01-20") {
  return to_json(inspect_text(t, on(visit)));
}

inline std::vector<std::string> codes(const json& report) {
  std::vector<std::string> out;
  for (const auto& v : report["validation"]) out.push_back(v["code"]);
  return out;
}

inline bool has(const json& j, const std::string& code) {
  const auto c = codes(j);
  return std::find(c.begin(), c.end(), code) != c.end();
}

}  // namespace madoguchi::documents::testing
