// POST/GET/DELETE /v1/batches — durable batches (一括確認) for receipt systems: up to 100,000
// entries (tomorrow's appointments), stored in PostgreSQL and worked by every daemon's batch
// worker. Columns and fields: docs/api.md, "Batches".
#include <madoguchi/api/batches.hpp>
#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/json_handler.hpp>
#include <madoguchi/check/inputs.hpp>

#include <array>
#include <charconv>

namespace madoguchi::api {

namespace {

// The CSV columns a batch takes (a header row names them, in any order; only number and
// insurer_number are required) and those its results have.
constexpr std::array<std::string_view, 7> kInputColumns = {
    "reference", "insurer_number", "symbol", "number", "branch", "birth_date", "visit_date"};
constexpr std::array<std::string_view, 9> kResultColumns = {
    "index",        "reference",  "state",        "check_id",  "outcome",
    "reason_codes", "message_ja", "next_step_ja", "error_code"};

// RFC 4180 records: fields separated by commas, optionally quoted ("" inside quotes is a quote),
// CRLF or LF line ends. A UTF-8 BOM at the start is skipped. nullopt: an unterminated quote.
std::optional<std::vector<std::vector<std::string>>> parse_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) return std::nullopt;
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A batch's items as fields, from JSON or CSV; or the 400 to answer.
using Items = std::vector<check::NumberCheckFields>;
std::variant<Items, Response> read_items(const Request& req, std::string& visit_date,
                                         std::size_t max_items) {
  const std::string type = req.header("content-type");
  Items items;
  if (type.rfind("text/csv", 0) == 0) {
    visit_date = req.query_param("visit_date");
    auto rows = parse_csv(req.body);
    if (!rows || rows->empty())
      return problem(400, "batch.bad_csv", "The CSV needs a header row and one row per item");
    std::vector<int> column;  // per CSV column: its index in kInputColumns, or -1
    for (const auto& name : rows->front()) {
      auto it = std::find(kInputColumns.begin(), kInputColumns.end(), name);
      if (it == kInputColumns.end())
        return problem(400, "batch.bad_csv",
                       "Unknown CSV column '" + name.substr(0, 40) +
                           "' (reference, insurer_number, symbol, number, branch, birth_date, "
                           "visit_date)");
      column.push_back(static_cast<int>(it - kInputColumns.begin()));
    }
    if (rows->size() - 1 > max_items) return problem(400, "api.batch_size", "Too many items");
    items.reserve(rows->size() - 1);
    for (std::size_t r = 1; r < rows->size(); ++r) {
      const auto& row = (*rows)[r];
      if (row.size() != column.size())
        return problem(400, "batch.bad_csv",
                       "CSV row " + std::to_string(r) + " has " + std::to_string(row.size()) +
                           " fields, the header " + std::to_string(column.size()));
      check::NumberCheckFields f;
      std::string* slots[] = {&f.reference, &f.insurer_number, &f.symbol,    &f.number,
                              &f.branch,    &f.birth_date,     &f.visit_date};
      for (std::size_t c = 0; c < row.size(); ++c) *slots[column[c]] = row[c];
      items.push_back(std::move(f));
    }
  } else {
    auto body = JsonBody::parse(req.body);
    if (!body) return bad_json("The body must be {\"visit_date\": ..., \"items\": [...]}");
    const nlohmann::json* list = body->array("items");
    if (!list) return bad_json("The body must be {\"visit_date\": ..., \"items\": [...]}");
    if (list->size() > max_items) return problem(400, "api.batch_size", "Too many items");
    visit_date = body->string("visit_date");
    items.reserve(list->size());
    for (const auto& item : *list) {
      if (!item.is_object()) return bad_json("Each item is an object");
      items.push_back(number_fields(item));
    }
  }
  if (items.empty() || items.size() > max_items)
    return problem(400, "api.batch_size", "A batch has 1.." + std::to_string(max_items) + " items");
  return items;
}

nlohmann::json info_json(const audit::BatchInfo& b) {
  nlohmann::json outcomes = nlohmann::json::object();
  for (const auto& [k, v] : b.counts.by_outcome) outcomes[k] = v;
  return {{"batch_id", b.batch_id},
          {"state", b.state},
          {"visit_date", b.visit_date},
          {"progress",
           {{"total", b.counts.total},
            {"done", b.counts.done},
            {"pending", b.counts.pending},
            {"cancelled", b.counts.cancelled},
            {"by_outcome", outcomes}}}};
}

std::string results_csv(const audit::BatchResultPage& page, bool header, bool bom) {
  std::string out = bom ? "\xEF\xBB\xBF" : "";
  if (header) {
    for (std::size_t i = 0; i < kResultColumns.size(); ++i)
      out += (i ? "," : "") + std::string(kResultColumns[i]);
    out += "\r\n";
  }
  for (const auto& e : page.items) {
    std::string check_id, outcome, reasons, message, next_step, error;
    if (!e.result.empty()) {
      const auto j = nlohmann::json::parse(e.result);
      check_id = j.value("check_id", "");
      outcome = j.value("outcome", "");
      message = j.value("message_ja", "");
      next_step = j.value("next_step_ja", "");
      if (j.contains("reasons"))
        for (const auto& r : j["reasons"])
          reasons += (reasons.empty() ? "" : ";") + r.value("code", "");
      if (j.contains("error")) error = j["error"].value("code", "");
    }
    const std::string fields[] = {std::to_string(e.seq),
                                  e.reference,
                                  e.state,
                                  check_id,
                                  outcome,
                                  reasons,
                                  message,
                                  next_step,
                                  error};
    for (std::size_t i = 0; i < std::size(fields); ++i)
      out += (i ? "," : "") + csv_field(fields[i]);
    out += "\r\n";
  }
  return out;
}

Response unavailable(const Error& e) {
  auto r = problem(503, "audit.unavailable", "Batches cannot be read or stored now", e.code);
  r.headers.emplace_back("Retry-After", "2");
  return r;
}

}  // namespace

void add_batch_routes(Router& router, audit::BatchStore& store, BatchRoutesOptions options) {
  auto opts = std::make_shared<BatchRoutesOptions>(std::move(options));
  router.add("POST", "/v1/batches", Access::Batch,
             idempotent(opts->idempotency, [&store, opts](const Request& req) -> Response {
               std::string visit_text;
               auto read = read_items(req, visit_text, opts->max_items);
               if (auto* r = std::get_if<Response>(&read)) return std::move(*r);
               auto& items = std::get<Items>(read);
               const Date today = today_in_japan();
               Date visit = today;
               if (!visit_text.empty()) {
                 auto d = Date::parse_iso(visit_text);
                 if (!d) return problem(400, "visit_date.format", "visit_date is YYYY-MM-DD");
                 visit = *d;
               }
               const check::Caller caller = caller_of(req, opts->terminal_id);
               audit::NewBatch batch{.batch_id = audit::new_check_id(),
                                     .client_id = caller.client_id,
                                     .terminal_id = caller.terminal_id,
                                     .visit_date = visit.iso(),
                                     .items = {}};
               batch.items.reserve(items.size());
               int refused = 0;
               for (auto& f : items) {
                 // Refused here already: only sanitised fields are stored, and no identifiers at
                 // all for an individual number. The worker records the attempt, once, with the
                 // batch.
                 if (auto c = check::to_number_check(f, today); !c) {
                   const auto in = check::rejected_number(f, c.error());
                   const bool individual = c.error().code.ends_with(".individual_number");
                   audit::BatchItem item;
                   item.reference = f.reference;
                   item.error_code = c.error().code;
                   if (!individual) {
                     item.insurer_number = in.insurer_number;
                     item.insured_symbol = in.insured_symbol;
                     item.insured_number = in.insured_number;
                     item.branch_number = in.branch_number;
                   }
                   batch.items.push_back(std::move(item));
                   ++refused;
                   continue;
                 }
                 batch.items.push_back({.reference = f.reference,
                                        .insurer_number = f.insurer_number,
                                        .insured_symbol = f.symbol,
                                        .insured_number = f.number,
                                        .branch_number = f.branch,
                                        .birth_date = f.birth_date,
                                        .visit_date = f.visit_date,
                                        .error_code = ""});
               }
               if (auto created = store.create(batch); !created)
                 return unavailable(created.error());
               if (opts->created) opts->created();
               const std::string location = "/v1/batches/" + batch.batch_id;
               auto r = Response::json(202, {{"batch_id", batch.batch_id},
                                             {"state", "queued"},
                                             {"visit_date", batch.visit_date},
                                             {"total", batch.items.size()},
                                             {"refused_at_intake", refused},
                                             {"location", location}});
               r.headers.emplace_back("Location", location);
               return r;
             }));

  router.add("GET", "/v1/batches/{id}", Access::Batch, [&store](const Request& req) -> Response {
    const std::string id = req.path_params.at("id");
    auto info = store.info(id, req.client_id);
    if (!info) return unavailable(info.error());
    if (!*info) return problem(404, "batch.not_found", "No such batch");
    int limit = 100;
    if (const auto l = req.query_param("limit"); !l.empty()) {
      auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), limit);
      if (ec != std::errc() || p != l.data() + l.size() || limit < 1 || limit > 1000)
        return problem(400, "batch.bad_limit", "limit is 1..1000");
    }
    const std::string cursor = req.query_param("cursor");
    auto page = store.results(id, cursor, limit);
    if (!page) {
      if (page.error().code == "batch.bad_cursor")
        return problem(400, "batch.bad_cursor", "The cursor is not one this API gave");
      return unavailable(page.error());
    }
    const std::string accept = req.header("accept");
    if (accept.find("text/csv") != std::string::npos) {
      const bool bom = req.query_param("bom") == "1";
      auto r = Response::text(200, results_csv(*page, cursor.empty(), bom && cursor.empty()),
                              "text/csv; charset=utf-8");
      r.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"batch-" + id + ".csv\"");
      if (!page->next_cursor.empty())
        r.headers.emplace_back("Link", "</v1/batches/" + id + "?cursor=" + page->next_cursor +
                                           "&limit=" + std::to_string(limit) + ">; rel=\"next\"");
      return r;
    }
    nlohmann::json body = info_json(**info);
    nlohmann::json results = nlohmann::json::array();
    for (const auto& e : page->items) {
      nlohmann::json j =
          e.result.empty() ? nlohmann::json{{"index", e.seq}} : nlohmann::json::parse(e.result);
      if (!e.reference.empty()) j["reference"] = e.reference;
      j["state"] = e.state;
      results.push_back(std::move(j));
    }
    body["results"] = std::move(results);
    body["next_cursor"] = page->next_cursor;
    return Response::json(200, body);
  });

  router.add("DELETE", "/v1/batches/{id}", Access::Batch, [&store](const Request& req) -> Response {
    const std::string id = req.path_params.at("id");
    auto info = store.info(id, req.client_id);
    if (!info) return unavailable(info.error());
    if (!*info) return problem(404, "batch.not_found", "No such batch");
    auto cancelled = store.cancel(id);
    if (!cancelled) return unavailable(cancelled.error());
    auto after = store.info(id, req.client_id);
    if (!after || !*after) return unavailable(after ? Error{} : after.error());
    return Response::json(200, info_json(**after));
  });
}

}  // namespace madoguchi::api
