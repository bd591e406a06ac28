#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/json_handler.hpp>
#include <madoguchi/api/routes.hpp>

#include <chrono>

namespace madoguchi::api {

namespace {

// What the answer carries besides eligibility (限度額 bracket, 高齢受給者証, 公費・医療券, 通称名,
// consents, 処方箋 form): the same object the audit record keeps, so desk and log agree.
void put_details(nlohmann::json& j, const AnswerDetails& d) {
  if (auto text = audit::answer_details_json(d); !text.empty())
    j.update(nlohmann::json::parse(text));
}

nlohmann::json qualification_json(const Qualification& q) {
  nlohmann::json j{{"validity", to_string(q.validity)}};
  if (q.identity) {
    j["insurer_number"] = q.identity->insurer.digits();
    if (q.identity->symbol) j["symbol"] = q.identity->symbol->value();
    j["number"] = q.identity->number.value();
    if (q.identity->branch) j["branch"] = q.identity->branch->value();
  }
  if (!q.insurer_name.empty()) j["insurer_name"] = q.insurer_name;
  if (q.relationship) j["relationship"] = to_string(*q.relationship);
  if (q.copay) j["copay_percent"] = q.copay->percent();
  if (q.copay_valid_until) j["copay_valid_until"] = q.copay_valid_until->iso();
  if (q.qualification_date) j["qualification_date"] = q.qualification_date->iso();
  if (q.disqualification_date) j["disqualification_date"] = q.disqualification_date->iso();
  if (q.card_valid_until) j["valid_until"] = q.card_valid_until->iso();
  if (!q.name.empty()) j["name"] = q.name;
  if (!q.name_kana.empty()) j["name_kana"] = q.name_kana;
  if (q.birth_date) j["birth_date"] = q.birth_date->iso();
  put_details(j, q.details);
  return j;
}

}  // namespace

nlohmann::json to_json(const Decision& d) {
  nlohmann::json reasons = nlohmann::json::array();
  for (ReasonCode r : d.reasons) {
    const ReasonText& t = describe(r);
    // The sentence with its dates and counts (the expiry date, the tries left, the PDF's age).
    reasons.push_back({{"code", t.code},
                       {"message_ja", message_ja(r, d.facts)},
                       {"message_en", message_en(r, d.facts)}});
  }
  nlohmann::json j{{"outcome", to_string(d.outcome)},  {"reasons", reasons},
                   {"message_ja", d.message_ja()},     {"message_en", d.message_en()},
                   {"next_step_ja", d.next_step_ja()}, {"next_step_en", d.next_step_en()}};
  if (d.facts.saved_on) {
    j["mynaportal_saved_on"] = d.facts.saved_on->iso();
    if (d.facts.saved_age_days) j["mynaportal_saved_age_days"] = *d.facts.saved_age_days;
  }
  if (d.qualification) j["qualification"] = qualification_json(*d.qualification);
  return j;
}

Date today_in_japan() { return Date::in_japan(std::chrono::system_clock::now()); }

check::Caller caller_of(const Request& req, const std::string& daemon_terminal_id) {
  return {req.principal.terminal_id.empty() ? daemon_terminal_id : req.principal.terminal_id,
          req.client_id};
}

check::NumberCheckFields number_fields(const nlohmann::json& o) {
  return {.insurer_number = string_field(o, "insurer_number"),
          .symbol = string_field(o, "symbol"),
          .number = string_field(o, "number"),
          .branch = string_field(o, "branch"),
          .birth_date = string_field(o, "birth_date"),
          .visit_date = string_field(o, "visit_date"),
          .reference = string_field(o, "reference")};
}

Result<Date> visit_date_at_desk(const std::string& text, bool allow_other_day) {
  const Date today = today_in_japan();
  if (text.empty()) return today;
  auto d = Date::parse_iso(text);
  if (!d) return make_error("visit_date.format", "visit_date is YYYY-MM-DD");
  if (*d != today && !allow_other_day)
    return make_error("visit_date.not_today", "checks by card or document are for today (JST)");
  return d;
}

Response decision_response(const Result<check::CheckOutcome>& outcome, const Date& visit) {
  if (!outcome)
    return problem(503, outcome.error().code, "The check could not be recorded",
                   "No decision is given without a durable audit record; retry.");
  nlohmann::json j = to_json(outcome->decision);
  j["check_id"] = outcome->check_id;
  j["visit_date"] = visit.iso();
  j["durability"] = audit::to_string(outcome->durability);
  return Response::json(200, j);
}

std::string input_error_ja(std::string_view code) {
  struct Row {
    std::string_view prefix, message;
  };
  static constexpr Row kRows[] = {
      {"document.not_proof_of_insurance",
       "この書類は保険資格の証明になりません（限度額適用認定証・受給者証・領収書など）。マイナ保険"
       "証"
       "または資格確認書をお持ちください。"},
      {"document.", "書類を読み取れないか、記載内容に誤りがあります。原本をご確認ください。"},
      {"insurer_number.", "保険者番号が正しくありません。書類の記載をご確認ください。"},
      {"symbol.individual_number",
       "個人番号（マイナンバー）は使えません。保険の記号・番号を入力してください。"},
      {"number.individual_number",
       "個人番号（マイナンバー）は使えません。保険の記号・番号を入力してください。"},
      {"symbol.", "記号が正しくありません。書類の記載をご確認ください。"},
      {"number.", "番号が正しくありません。書類の記載をご確認ください。"},
      {"branch.", "枝番が正しくありません（2桁）。書類の記載をご確認ください。"},
      {"birth_date.", "生年月日が正しくありません。"},
      {"visit_date.", "受診日が正しくありません（書類・カードでの確認は本日分のみ）。"},
      {"card_check_id.",
       "この端末で失敗したカード確認が見つかりません。カードで確認し直すか、リーダー障害として申告"
       "して"
       "ください。"},
  };
  for (const Row& r : kRows)
    if (code.substr(0, r.prefix.size()) == r.prefix) return std::string(r.message);
  return "入力内容をご確認ください。";
}

Response unprocessable(const Error& e, std::string_view title) {
  return problem(422, e.code, title, e.message, {{"message_ja", input_error_ja(e.code)}});
}

Response rejected_response(const Result<std::string>& audited, const Error& e,
                           std::string_view title) {
  if (!audited)
    return problem(503, audited.error().code, "Audit log unavailable", audited.error().message);
  return problem(422, e.code, title, e.message,
                 {{"message_ja", input_error_ja(e.code)}, {"check_id", *audited}});
}

}  // namespace madoguchi::api
