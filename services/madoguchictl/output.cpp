#include "output.hpp"

#include <madoguchi/domain/mask.hpp>

#include <cstdio>
#include <ctime>
#include <iostream>

namespace madoguchi::ctl {

namespace {

bool en(const std::string& lang) { return lang == "en"; }

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

bool has_reason(const nlohmann::json& decision, std::string_view code) {
  auto it = decision.find("reasons");
  if (it == decision.end() || !it->is_array()) return false;
  for (const auto& r : *it) {
    if (r.is_string() && r.get<std::string>() == code) return true;  // audit records
    if (r.is_object() && str(r, "code") == code) return true;        // decisions
  }
  return false;
}

std::string relationship(const std::string& r, const std::string& lang) {
  if (r == "self") return en(lang) ? "insured person" : "本人";
  if (r == "dependent") return en(lang) ? "dependent" : "家族";
  return r;
}

std::string copay(int percent, const std::string& lang) {
  if (en(lang)) return std::to_string(percent) + " %";
  return percent % 10 == 0 ? std::to_string(percent / 10) + "割" : std::to_string(percent) + "%";
}

void line(const char* label_ja, const char* label_en, const std::string& value,
          const std::string& lang) {
  if (value.empty()) return;
  std::cout << (en(lang) ? label_en : label_ja) << ": " << value << "\n";
}

void show_qualification(const nlohmann::json& q, const std::string& lang) {
  std::string insurer = str(q, "insurer_name");
  if (const std::string n = str(q, "insurer_number"); !n.empty())
    insurer += insurer.empty() ? n : " (" + n + ")";
  line("保険者", "Insurer", insurer, lang);
  std::string ids;
  for (const char* k : {"symbol", "number", "branch"}) {
    const std::string v = str(q, k);
    if (!ids.empty() && !v.empty()) ids += en(lang) ? " / " : "・";
    ids += v;
  }
  line("記号・番号・枝番", "Symbol / number / branch", ids, lang);
  line("氏名", "Name", str(q, "name"), lang);
  line("本人・家族", "Relationship", relationship(str(q, "relationship"), lang), lang);
  if (auto c = q.find("copay_percent"); c != q.end() && c->is_number_integer()) {
    std::string ratio = copay(c->get<int>(), lang);
    if (const std::string until = str(q, "copay_valid_until"); !until.empty())
      ratio += en(lang) ? " (valid until " + until + ")" : " (有効期限 " + until + ")";
    line("負担割合", "Co-payment", ratio, lang);
  }
  line("有効期限", "Valid until", str(q, "valid_until"), lang);
  line("資格取得日", "Qualified since", str(q, "qualification_date"), lang);
  line("資格喪失日", "Qualification lost", str(q, "disqualification_date"), lang);
}

// "2026-12-01T01:02:03.000000Z" → "2026-12-01 10:02" in JST, the clinic's clock.
std::string jst(const std::string& utc) {
  std::tm tm{};
  if (!strptime(utc.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return utc;
  const std::time_t t = timegm(&tm) + 9 * 3600;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

}  // namespace

std::string outcome_label(const std::string& outcome, const std::string& lang) {
  struct Label {
    const char* code;
    const char* ja;
    const char* en;
  };
  static constexpr Label kLabels[] = {
      {"accepted", "受付可 (資格確認済み)", "accepted (confirmed online)"},
      {"accepted_unconfirmed", "受付可 (未確認・後で再確認)",
       "accepted, unconfirmed (re-checked later)"},
      {"refused", "受付不可", "refused"},
      {"needs_more", "追加の確認が必要", "needs more information"},
      {"failed", "確認できませんでした", "could not be checked"},
  };
  for (const Label& l : kLabels)
    if (outcome == l.code) return en(lang) ? l.en : l.ja;
  return outcome;
}

int exit_for_outcome(const nlohmann::json& d) {
  const std::string outcome = str(d, "outcome");
  if (outcome == "accepted" || outcome == "accepted_unconfirmed") return kOk;
  if (outcome == "refused") return kRefused;
  if (outcome == "needs_more") return kNeedsMore;
  // "failed": unavailable when something outside the desk's hands is down, else the desk has
  // something to do (present the card again, another document).
  if (has_reason(d, "gateway_unavailable") || has_reason(d, "card_reader_fault"))
    return kUnavailable;
  return kNeedsMore;
}

int exit_for_status(int status) {
  if (status == 422) return kNeedsMore;
  if (status == 400) return kUsage;  // the request carried a bad value from the command line
  if (status == 503 || status == 502 || status == 504 || status == 500) return kUnavailable;
  if (status >= 200 && status < 300) return kOk;
  return kDenied;
}

int show_decision(const nlohmann::json& d, const std::string& lang, bool json) {
  if (json) {
    std::cout << d.dump(2) << "\n";
    return exit_for_outcome(d);
  }
  std::cout << (en(lang) ? "Result: " : "結果: ") << outcome_label(str(d, "outcome"), lang) << "\n";
  if (auto r = d.find("reasons"); r != d.end() && r->is_array()) {
    for (const auto& reason : *r)
      if (reason.is_object())
        std::cout << "  - " << str(reason, en(lang) ? "message_en" : "message_ja") << " ["
                  << str(reason, "code") << "]\n";
  }
  line("次に", "Next", str(d, en(lang) ? "next_step_en" : "next_step_ja"), lang);
  if (auto q = d.find("qualification"); q != d.end() && q->is_object())
    show_qualification(*q, lang);
  if (auto doc = d.find("document"); doc != d.end() && doc->is_object())
    line("書類", "Document", str(*doc, "document_type"), lang);
  line("受診日", "Visit date", str(d, "visit_date"), lang);
  line("確認ID", "Check id", str(d, "check_id"), lang);
  if (str(d, "durability") == "spooled")
    std::cout << (en(lang) ? "(recorded in the local spool: the database is unreachable)\n"
                           : "(監査記録は一時保存されました: データベースに接続できません)\n");
  return exit_for_outcome(d);
}

int show_problem(const HttpReply& reply, const std::string& lang, bool json) {
  const nlohmann::json p = reply.json();
  if (json) {
    nlohmann::json out = p.is_object() ? p : nlohmann::json{{"status", reply.status}};
    if (!out.contains("status")) out["status"] = reply.status;
    std::cout << out.dump(2) << "\n";
  } else {
    std::string code = p.is_object() ? str(p, "code") : "";
    std::string message = p.is_object() ? str(p, en(lang) ? "message_en" : "message_ja") : "";
    if (message.empty() && p.is_object()) message = str(p, "detail");
    if (message.empty() && p.is_object()) message = str(p, "title");
    std::cerr << "madoguchictl: " << (en(lang) ? "the daemon answered " : "デーモンの応答 ")
              << reply.status << (code.empty() ? "" : " " + code)
              << (message.empty() ? "" : ": " + message) << "\n";
    // A rejected input still has its audited check id.
    if (p.is_object() && p.contains("check_id") && p["check_id"].is_string())
      line("確認ID", "Check id", p["check_id"].get<std::string>(), lang);
  }
  return exit_for_status(reply.status);
}

int show_error(const Error& e, bool json) {
  if (json)
    std::cout << nlohmann::json{{"error", {{"code", e.code}, {"message", e.message}}}}.dump(2)
              << "\n";
  else
    std::cerr << "madoguchictl: " << e.code << ": " << e.message << "\n";
  if (e.code == "ctl.config" || e.code == "ctl.token") return kUsage;
  return kUnavailable;
}

std::string record_line(const nlohmann::json& r, const std::string& lang) {
  std::string out =
      jst(str(r, "time")) + "  " + str(r, "method") + "  " + outcome_label(str(r, "outcome"), lang);
  if (auto id = r.find("identity"); id != r.end() && id->is_object()) {
    // Masked: a list on a shared screen shows which check it was, not whose numbers.
    const std::string insurer = str(*id, "insurer_number"), number = str(*id, "number");
    if (!insurer.empty()) out += "  " + insurer;
    if (!number.empty()) out += " " + mask::keep_prefix(number, 1);
  }
  if (auto reasons = r.find("reasons"); reasons != r.end() && reasons->is_array()) {
    std::string codes;
    for (const auto& c : *reasons)
      if (c.is_string()) codes += (codes.empty() ? "" : ",") + c.get<std::string>();
    if (!codes.empty()) out += "  [" + codes + "]";
  }
  out += "  " + str(r, "check_id");
  return out;
}

std::string unconfirmed_line(const nlohmann::json& e, const std::string& lang) {
  const std::string state = str(e, "state");
  std::string label = state;
  if (state == "pending") label = en(lang) ? "pending" : "再確認待ち";
  if (state == "follow_up") label = en(lang) ? "FOLLOW UP" : "要フォロー (資格なし)";
  if (state == "reconfirmed") label = en(lang) ? "re-confirmed" : "再確認済み";
  std::string out = jst(str(e, "checked_at")) + "  " + label;
  if (auto id = e.find("identity"); id != e.end() && id->is_object()) {
    const std::string insurer = str(*id, "insurer_number"), number = str(*id, "number");
    if (!insurer.empty()) out += "  " + insurer;
    if (!number.empty()) out += " " + mask::keep_prefix(number, 1);
  }
  if (auto r = e.find("reconfirmation"); r != e.end() && r->is_object())
    out += "  → " + outcome_label(str(*r, "outcome"), lang);
  out += "  " + str(e, "check_id");
  return out;
}

}  // namespace madoguchi::ctl
