#include "pgsql.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace madoguchi::audit::detail {

std::string with_connect_timeout(const std::string& conninfo, int seconds) {
  const std::string value = std::to_string(seconds);
  if (conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0)
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") +
           "connect_timeout=" + value;
  return conninfo + " connect_timeout=" + value;  // libpq: the last setting wins
}

std::string with_liveness_checks(const std::string& conninfo) {
  // A peer that vanished without a FIN/RST (network cut, host down) is noticed in seconds
  // instead of the kernel's two hours. Ignored on Unix-domain sockets.
  const char* params[] = {"keepalives=1", "keepalives_idle=5", "keepalives_interval=2",
                          "keepalives_count=3", "tcp_user_timeout=10000"};
  const bool uri = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
  std::string out = conninfo;
  for (const char* p : params) {
    if (uri)
      out += (out.find('?') == std::string::npos ? "?" : "&") + std::string(p);
    else
      out += std::string(" ") + p;
  }
  return out;
}

std::string iso_utc(TimePoint t) {
  using namespace std::chrono;
  const auto us = t.time_since_epoch();
  const auto day = floor<days>(us);
  const year_month_day ymd{sys_days{day}};
  const hh_mm_ss hms{us - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d.%06lld+00",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

namespace {

std::string text_or_null(pqxx::connection_base& c, const std::string& s) {
  return s.empty() ? "NULL" : c.quote(s);
}

std::string int_or_null(const std::optional<int>& v) { return v ? std::to_string(*v) : "NULL"; }

}  // namespace

std::string insert_sql(pqxx::connection_base& c, const std::vector<const AuditRecord*>& records) {
  std::string sql =
      "INSERT INTO audit_checks (visit_date, document_copy, card_shown, card_fault, "
      "card_check_id, reconfirms_check_id, check_id, checked_at, terminal_id, client_id, method, "
      "document_type, presentation_context, batch_id, insurer_number, insured_symbol, "
      "insured_number, branch_number, birth_date, qualification_validity, processing_status, "
      "processing_code, gateway_error_code, outcome, reason_codes, latency_us, document_sha256, "
      "answer_details) "
      "VALUES ";
  sql.reserve(sql.size() + records.size() * 400);
  bool first = true;
  for (const AuditRecord* r : records) {
    if (!first) sql += ',';
    first = false;
    std::string reasons = "'{}'::text[]";
    if (!r->reasons.empty()) {
      reasons = "ARRAY[";
      for (std::size_t i = 0; i < r->reasons.size(); ++i)
        reasons += (i ? "," : "") + c.quote(r->reasons[i]);
      reasons += "]::text[]";
    }
    sql += "(" + (r->visit_date ? c.quote(*r->visit_date) : std::string("NULL")) + "," +
           (r->document_copy ? "true" : "false") + "," + (r->card_shown ? "true" : "false") + "," +
           text_or_null(c, r->card_fault) + "," + text_or_null(c, r->card_check_id) + "," +
           text_or_null(c, r->reconfirms_check_id) + ",";
    sql += c.quote(r->check_id) + "," + c.quote(iso_utc(r->time)) + "," + c.quote(r->terminal_id) +
           "," + c.quote(r->client_id) + "," + c.quote(std::string(to_string(r->method))) + "," +
           text_or_null(c, r->document_type) + "," + text_or_null(c, r->presentation_context) +
           "," + text_or_null(c, r->batch_id) + "," + text_or_null(c, r->insurer_number) + "," +
           text_or_null(c, r->insured_symbol) + "," + text_or_null(c, r->insured_number) + "," +
           text_or_null(c, r->branch_number) + "," +
           (r->birth_date ? c.quote(*r->birth_date) : std::string("NULL")) + "," +
           int_or_null(r->qualification_validity) + "," + int_or_null(r->processing_status) + "," +
           text_or_null(c, r->processing_code) + "," + text_or_null(c, r->gateway_error_code) +
           "," + c.quote(std::string(to_string(r->outcome))) + "," + reasons + "," +
           std::to_string(r->latency.count()) + "," + text_or_null(c, r->document_sha256) + "," +
           text_or_null(c, r->answer_details) + "::jsonb)";
  }
  sql += " ON CONFLICT (check_id, checked_at) DO NOTHING";
  return sql;
}

const char* const kSelectColumns =
    // Issue 10's columns first (row_to_record reads them, then the rest as a slice).
    "to_char(visit_date, 'YYYY-MM-DD'), document_copy, card_shown, coalesce(card_fault, ''), "
    "coalesce(card_check_id::text, ''), coalesce(reconfirms_check_id::text, ''), "
    "check_id::text, (extract(epoch FROM checked_at) * 1000000)::bigint, terminal_id, "
    "client_id, method, coalesce(document_type, ''), coalesce(presentation_context, ''), "
    "coalesce(batch_id, ''), coalesce(insurer_number, ''), coalesce(insured_symbol, ''), "
    "coalesce(insured_number, ''), coalesce(branch_number, ''), "
    "to_char(birth_date, 'YYYY-MM-DD'), qualification_validity, processing_status, "
    "coalesce(processing_code, ''), coalesce(gateway_error_code, ''), outcome, "
    "array_to_json(reason_codes)::text, latency_us, coalesce(document_sha256, ''), "
    "coalesce(answer_details::text, '')";

AuditRecord row_to_record(const pqxx::row& all) {
  AuditRecord r;
  if (!all[0].is_null()) r.visit_date = all[0].as<std::string>();
  r.document_copy = all[1].as<bool>();
  r.card_shown = all[2].as<bool>();
  r.card_fault = all[3].as<std::string>();
  r.card_check_id = all[4].as<std::string>();
  r.reconfirms_check_id = all[5].as<std::string>();
  const pqxx::row row = all.slice(6, all.size());
  r.check_id = row[0].as<std::string>();
  r.time = TimePoint(std::chrono::microseconds(row[1].as<long long>()));
  r.terminal_id = row[2].as<std::string>();
  r.client_id = row[3].as<std::string>();
  r.method = method_from_string(row[4].as<std::string>()).value_or(Method::Number);
  r.document_type = row[5].as<std::string>();
  r.presentation_context = row[6].as<std::string>();
  r.batch_id = row[7].as<std::string>();
  r.insurer_number = row[8].as<std::string>();
  r.insured_symbol = row[9].as<std::string>();
  r.insured_number = row[10].as<std::string>();
  r.branch_number = row[11].as<std::string>();
  if (!row[12].is_null()) r.birth_date = row[12].as<std::string>();
  if (!row[13].is_null()) r.qualification_validity = row[13].as<int>();
  if (!row[14].is_null()) r.processing_status = row[14].as<int>();
  r.processing_code = row[15].as<std::string>();
  r.gateway_error_code = row[16].as<std::string>();
  r.outcome = outcome_from_string(row[17].as<std::string>()).value_or(Outcome::Failed);
  r.reasons = nlohmann::json::parse(row[18].as<std::string>()).get<std::vector<std::string>>();
  r.latency = std::chrono::microseconds(row[19].as<long long>());
  r.document_sha256 = row[20].as<std::string>();
  // jsonb keeps its own key order and spacing: back to the compact, sorted form it was written in.
  if (auto details = row[21].as<std::string>(); !details.empty())
    r.answer_details = nlohmann::json::parse(details).dump();
  return r;
}

bool is_data_error(const pqxx::sql_error& e) {
  const std::string state = e.sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0;
}

}  // namespace madoguchi::audit::detail
