#include "pgsql.hpp"

#include <madoguchi/audit/queries.hpp>

#include <nlohmann/json.hpp>

#include <array>

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

using Column = std::vector<std::optional<std::string>>;

std::optional<std::string> text_or_null(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

std::optional<std::string> int_or_null(const std::optional<int>& v) {
  return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

}  // namespace

pqxx::result insert_checks(pqxx::transaction_base& tx,
                           const std::vector<const AuditRecord*>& records) {
  // One array per column (db/queries/audit.sql, audit.insert_checks).
  std::array<Column, 28> col;
  for (auto& c : col) c.reserve(records.size());
  for (const AuditRecord* r : records) {
    std::size_t i = 0;
    const auto put = [&](std::optional<std::string> v) { col[i++].push_back(std::move(v)); };
    put(r->visit_date);
    put(r->document_copy ? "true" : "false");
    put(r->card_shown ? "true" : "false");
    put(text_or_null(r->card_fault));
    put(text_or_null(r->card_check_id));
    put(text_or_null(r->reconfirms_check_id));
    put(r->check_id);
    put(iso_utc(r->time));
    put(r->terminal_id);
    put(r->client_id);
    put(std::string(to_string(r->method)));
    put(text_or_null(r->document_type));
    put(text_or_null(r->presentation_context));
    put(text_or_null(r->batch_id));
    put(text_or_null(r->insurer_number));
    put(text_or_null(r->insured_symbol));
    put(text_or_null(r->insured_number));
    put(text_or_null(r->branch_number));
    put(r->birth_date);
    put(int_or_null(r->qualification_validity));
    put(int_or_null(r->processing_status));
    put(text_or_null(r->processing_code));
    put(text_or_null(r->gateway_error_code));
    put(std::string(to_string(r->outcome)));
    put(queries::array_literal(r->reasons));
    put(std::to_string(r->latency.count()));
    put(text_or_null(r->document_sha256));
    put(text_or_null(r->answer_details));
  }
  std::array<std::string, 28> a;
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = queries::array_literal(col[i]);
  return tx.exec_prepared("audit.insert_checks", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
                          a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18],
                          a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26], a[27]);
}

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

std::string describe(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e))
    return "SQLSTATE " + (sql->sqlstate().empty() ? std::string("unknown") : sql->sqlstate());
  const std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

}  // namespace madoguchi::audit::detail
