#include <madoguchi/audit/audit.hpp>

#include <madoguchi/domain/mask.hpp>

#include <nlohmann/json.hpp>

#include <sys/random.h>

#include <array>
#include <cstdio>
#include <cstring>

namespace madoguchi::audit {

std::string answer_details_json(const AnswerDetails& d) {
  using nlohmann::json;
  json j = json::object();
  auto date = [](json& o, const char* key, const std::optional<Date>& v) {
    if (v) o[key] = v->iso();
  };
  auto text = [](json& o, const char* key, const std::string& v) {
    if (!v.empty()) o[key] = v;
  };
  text(j, "card_classification", d.card_classification);
  text(j, "sex", d.sex);
  text(j, "name_of_other", d.name_of_other);
  text(j, "name_of_other_kana", d.name_of_other_kana);
  text(j, "sex2", d.sex2);
  if (const auto& l = d.limit_certificate) {
    json o = json::object();
    text(o, "classification", l->classification);
    text(o, "bracket", l->bracket);
    date(o, "issued", l->issued);
    date(o, "valid_from", l->valid_from);
    date(o, "valid_until", l->valid_until);
    date(o, "long_term_since", l->long_term_since);
    j["limit_certificate"] = o;
  }
  if (const auto& e = d.elderly_certificate) {
    json o = json::object();
    date(o, "issued", e->issued);
    date(o, "valid_from", e->valid_from);
    date(o, "valid_until", e->valid_until);
    if (e->copay) o["copay_percent"] = e->copay->percent();
    j["elderly_certificate"] = o;
  }
  for (const auto& p : d.public_expenses) {
    json o = json::object();
    text(o, "payer_number", p.payer_number);
    text(o, "recipient_number", p.recipient_number);
    date(o, "valid_from", p.valid_from);
    date(o, "valid_until", p.valid_until);
    if (!p.medical_ticket_type.empty()) {
      json t{{"type", p.medical_ticket_type}};
      date(t, "valid_from", p.ticket_valid_from);
      date(t, "valid_until", p.ticket_valid_until);
      text(t, "designated_institution", p.designated_institution);
      o["medical_ticket"] = t;
    }
    j["public_expenses"].push_back(o);
  }
  for (const auto& c : d.consents) {
    json o{{"agreed", c.agreed}};
    text(o, "time", c.time);
    j["consents"][c.kind] = o;
  }
  text(j, "prescription_issue", d.prescription_issue);
  return j.empty() ? std::string() : j.dump();
}

TimePoint now() { return std::chrono::time_point_cast<std::chrono::microseconds>(Clock::now()); }

std::string_view to_string(Method m) {
  switch (m) {
    case Method::Card:
      return "card";
    case Method::Number:
      return "number";
    case Method::Document:
      return "document";
  }
  return "number";
}

std::optional<Method> method_from_string(std::string_view s) {
  for (Method m : {Method::Card, Method::Number, Method::Document})
    if (to_string(m) == s) return m;
  return std::nullopt;
}

std::optional<Outcome> outcome_from_string(std::string_view s) {
  for (Outcome o : {Outcome::Accepted, Outcome::AcceptedUnconfirmed, Outcome::Refused,
                    Outcome::Failed, Outcome::NeedsMore})
    if (to_string(o) == s) return o;
  return std::nullopt;
}

std::string_view to_string(Durability d) {
  return d == Durability::Database ? "database" : "spooled";
}

std::string new_check_id() {
  std::array<unsigned char, 16> b{};
  std::size_t got = 0;
  while (got < b.size()) {
    ssize_t n = ::getrandom(b.data() + got, b.size() - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!is_lower_hex(s[i])) {
      return false;
    }
  }
  return true;
}

// Well-formed UTF-8 without NUL: PostgreSQL refuses anything else, and a record the database
// refuses after it was acknowledged as spooled would be lost at replay.
bool valid_text(const std::string& s, std::size_t max_bytes) {
  if (s.size() > max_bytes) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    if (c == 0 || len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

bool valid_iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  int y = std::stoi(s.substr(0, 4));
  unsigned m = static_cast<unsigned>(std::stoi(s.substr(5, 2)));
  unsigned d = static_cast<unsigned>(std::stoi(s.substr(8, 2)));
  return y >= 1800 && std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                                  std::chrono::day{d}}
                          .ok();
}

Error invalid(const std::string& field) {
  return make_error("audit.invalid_record", "audit record field '" + field + "' is invalid");
}

}  // namespace

Result<void> validate(const AuditRecord& r) {
  if (!is_uuid(r.check_id)) return invalid("check_id");
  if (r.time.time_since_epoch().count() <= 0) return invalid("time");
  if (r.terminal_id.empty() || !valid_text(r.terminal_id, 200)) return invalid("terminal_id");
  if (r.client_id.empty() || !valid_text(r.client_id, 200)) return invalid("client_id");
  const std::pair<const std::string*, const char*> texts[] = {
      {&r.document_type, "document_type"},
      {&r.presentation_context, "presentation_context"},
      {&r.batch_id, "batch_id"},
      {&r.insurer_number, "insurer_number"},
      {&r.insured_symbol, "insured_symbol"},
      {&r.insured_number, "insured_number"},
      {&r.branch_number, "branch_number"},
      {&r.processing_code, "processing_code"},
      {&r.gateway_error_code, "gateway_error_code"},
      {&r.card_fault, "card_fault"},
  };
  for (auto [text, name] : texts)
    if (!valid_text(*text, 200)) return invalid(name);
  if (r.birth_date && !valid_iso_date(*r.birth_date)) return invalid("birth_date");
  if (r.visit_date && !valid_iso_date(*r.visit_date)) return invalid("visit_date");
  if (!r.card_check_id.empty() && !is_uuid(r.card_check_id)) return invalid("card_check_id");
  if (!r.reconfirms_check_id.empty() && !is_uuid(r.reconfirms_check_id))
    return invalid("reconfirms_check_id");
  if (r.qualification_validity && (*r.qualification_validity < 1 || *r.qualification_validity > 6))
    return invalid("qualification_validity");
  if (r.processing_status && (*r.processing_status < 0 || *r.processing_status > 32767))
    return invalid("processing_status");
  if (r.answer_details.size() > 16384 ||
      (!r.answer_details.empty() && !nlohmann::json::accept(r.answer_details)))
    return invalid("answer_details");
  if (r.reasons.size() > 32) return invalid("reasons");
  for (const auto& reason : r.reasons)
    if (reason.empty() || !valid_text(reason, 100)) return invalid("reasons");
  if (r.latency.count() < 0) return invalid("latency");
  if (!r.document_sha256.empty()) {
    if (r.document_sha256.size() != 64) return invalid("document_sha256");
    for (char c : r.document_sha256)
      if (!is_lower_hex(c)) return invalid("document_sha256");
  }
  return {};
}

std::string masked_identity(const AuditRecord& r) {
  std::string out = mask::keep_prefix(r.insurer_number, 4) + "/" + mask::all(r.insured_symbol) +
                    "/" + mask::all(r.insured_number) + "/" + mask::all(r.branch_number);
  if (r.birth_date) out += ", " + mask::birth_date(*r.birth_date);
  return out;
}

}  // namespace madoguchi::audit
