// madoguchictl decide --context=C [--card-shown] [--copy] [--card-fault=…] --visit-date=YYYY-MM-DD
//                     --gateway-validity=1..6|unreachable FILE... [--json]
//
// The rules offline, for staff training and tests: reads each paper locally, applies the
// policy for the context on the visit date with the gateway answer given (no gateway is asked),
// and prints the inspection and the decision. Exit codes (docs/cli.md): 0 every paper accepted
// (or accepted unconfirmed), 1 one was refused, 3 one needs more or a file cannot be read
// ({"error": {...}} with --json), 2 usage.
#include "commands.hpp"

#include <madoguchi/documents/documents.hpp>
#include <madoguchi/policy/acceptance.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace madoguchi::ctl {

namespace {

struct DecideOptions {
  std::string context = "counter";
  bool card_shown = false, copy = false;
  std::string card_fault;  // "" with card_unreadable: declared by the desk, as the API takes it
  std::string visit_date;
  std::string gateway_validity = "unreachable";
  std::vector<std::string> files;
};

nlohmann::json decision_json(const Decision& d, std::string_view rule) {
  nlohmann::json reasons = nlohmann::json::array();
  for (ReasonCode r : d.reasons)
    reasons.push_back({{"code", describe(r).code},
                       {"message_ja", message_ja(r, d.facts)},
                       {"message_en", message_en(r, d.facts)}});
  nlohmann::json j{{"outcome", to_string(d.outcome)},  {"reasons", reasons},
                   {"message_ja", d.message_ja()},     {"message_en", d.message_en()},
                   {"next_step_ja", d.next_step_ja()}, {"next_step_en", d.next_step_en()}};
  if (!rule.empty()) j["rule"] = rule;
  return j;
}

// The decision for one paper, as the daemon would make it with this gateway answer.
nlohmann::json decide_file(const std::string& file, const DecideOptions& o, const Date& visit,
                           int& exit_code) {
  documents::InspectOptions io;
  io.visit_date = visit;
  auto report = documents::inspect_file(file, io);
  if (!report) {
    exit_code = std::max(exit_code, static_cast<int>(kNeedsMore));
    nlohmann::json e = documents::to_json(report.error());
    e["file"] = file;
    return e;
  }
  policy::Presentation shown;
  shown.context = *policy::context_from_string(o.context);
  shown.document = policy::document_type_from_string(documents::to_string(report->type))
                       .value_or(policy::DocumentType::Unknown);
  shown.valid_from = report->fields.valid_from;
  shown.valid_until = report->fields.valid_until;
  shown.card_shown = o.card_shown || shown.context == policy::PresentationContext::CardUnreadable;
  shown.copy = o.copy || report->copy_marked;
  shown.card_fault = o.card_fault == "failed_card_check" ? policy::CardFault::FailedCardCheck
                     : o.card_fault == "declared_reader_fault"
                         ? policy::CardFault::DeclaredReaderFault
                         : policy::CardFault::None;
  shown.copay = report->fields.copay_ratio;
  if (shown.document != policy::DocumentType::QualificationCertificate)
    shown.copay_valid_until = report->fields.valid_until;
  shown.saved_on = report->fields.saved_at;

  const auto verdict = policy::judge_document(shown, visit);
  Decision d;
  bool malformed = false;
  for (const auto& f : report->validation)
    if (f.severity == documents::Severity::Error) malformed = true;
  const auto identity = report->identity();
  if (malformed && shown.document != policy::DocumentType::OtherDocument &&
      shown.document != policy::DocumentType::Unknown) {
    d.outcome = Outcome::Refused;  // the daemon answers 422: the paper is not well formed
    d.reasons = {ReasonCode::DocumentInvalid};
  } else if (verdict.acceptable && !identity) {
    d.outcome = Outcome::Failed;
    d.reasons = {ReasonCode::DocumentInvalid};
  } else {
    policy::OnlineAnswer online;
    if (o.gateway_validity != "unreachable") {
      Qualification q;
      q.validity = static_cast<QualificationValidity>(std::stoi(o.gateway_validity));
      q.identity = identity;
      online.validity = q.validity;
      online.qualification = q;
    }
    d = policy::decide_document(verdict, online, visit);
  }
  const int code = d.outcome == Outcome::Accepted || d.outcome == Outcome::AcceptedUnconfirmed ? kOk
                   : d.outcome == Outcome::Refused ? kRefused
                                                   : kNeedsMore;
  exit_code = std::max(exit_code, code == kRefused && exit_code == kNeedsMore ? exit_code : code);
  nlohmann::json j = decision_json(d, verdict.rule);
  j["file"] = file;
  j["context"] = policy::to_string(shown.context);
  j["visit_date"] = visit.iso();
  j["inspection"] = documents::to_json(*report);
  return j;
}

void print_text(const nlohmann::json& j, bool en) {
  std::cout << j.value("file", "") << "\n";
  if (j.contains("error")) {
    std::cout << "  error: " << j["error"].value("code", "") << "\n";
    return;
  }
  std::cout << "  " << j["inspection"].value("document_type", "") << " / "
            << j["context"].get<std::string>() << " / " << j["visit_date"].get<std::string>()
            << "\n  → " << j["outcome"].get<std::string>() << " (" << j.value("rule", "") << ")\n";
  for (const auto& r : j["reasons"])
    std::cout << "    " << r["code"].get<std::string>() << ": "
              << r[en ? "message_en" : "message_ja"].get<std::string>() << "\n";
}

}  // namespace

void add_decide_command(CLI::App& app, Globals& g) {
  auto o = std::make_shared<DecideOptions>();
  CLI::App* sub = app.add_subcommand(
      "decide",
      "apply the acceptance rules to papers offline, without a gateway (training, tests)");
  std::vector<std::string> contexts;
  for (auto c : policy::all_contexts()) contexts.emplace_back(policy::to_string(c));
  contexts.emplace_back("patient");  // deprecated names, mapped
  contexts.emplace_back("escort");
  sub->add_option("--context", o->context, "presentation context")->check(CLI::IsMember(contexts));
  sub->add_flag("--card-shown", o->card_shown, "the マイナ保険証 is shown with the paper");
  sub->add_flag("--copy", o->copy, "the paper is a copy (写し)");
  sub->add_option("--card-fault", o->card_fault, "card_unreadable: why the card was not read")
      ->check(CLI::IsMember({"none", "failed_card_check", "declared_reader_fault"}));
  sub->add_option("--visit-date", o->visit_date, "date of the visit")->required()->check(iso_date);
  sub->add_option("--gateway-validity", o->gateway_validity,
                  "the online answer to assume: QualificationValidity 1..6, or unreachable")
      ->check(CLI::IsMember({"1", "2", "3", "4", "5", "6", "unreachable"}));
  sub->add_option("FILE", o->files, "PDF, PNG or JPEG")->required();
  sub->callback([o, &g] {
    const Date visit = *Date::parse_iso(o->visit_date);
    int exit_code = kOk;
    nlohmann::json results = nlohmann::json::array();
    for (const auto& f : o->files) results.push_back(decide_file(f, *o, visit, exit_code));
    if (g.json)
      std::cout << (results.size() == 1 ? results[0] : results).dump(2) << "\n";
    else
      for (const auto& r : results) print_text(r, g.lang == "en");
    g.exit_code = exit_code;
  });
}

}  // namespace madoguchi::ctl
