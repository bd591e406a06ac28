#include <madoguchi/api/multipart.hpp>
#include <madoguchi/api/routes.hpp>
#include <madoguchi/card/card.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/documents/documents.hpp>
#include <madoguchi/domain/text.hpp>

#include <ctime>

namespace madoguchi::api {

namespace {

// The clinic's day, taken from the clock here at the transport edge only.
Date today_in_japan() { return Date::in_japan(std::chrono::system_clock::now()); }

std::string field(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

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
  nlohmann::json j{{"outcome", to_string(d.outcome)},
                   {"reasons", reasons},
                   {"message_ja", d.message_ja()},
                   {"message_en", d.message_en()},
                   {"next_step_ja", d.next_step_ja()},
                   {"next_step_en", d.next_step_en()}};
  if (d.facts.saved_on) {
    j["mynaportal_saved_on"] = d.facts.saved_on->iso();
    if (d.facts.saved_age_days) j["mynaportal_saved_age_days"] = *d.facts.saved_age_days;
  }
  if (d.qualification) j["qualification"] = qualification_json(*d.qualification);
  return j;
}

static Response decision_response(const Result<check::CheckOutcome>& outcome, const Date& visit) {
  if (!outcome)
    return problem(503, outcome.error().code, "The check could not be recorded",
                   "No decision is given without a durable audit record; retry.");
  nlohmann::json j = to_json(outcome->decision);
  j["check_id"] = outcome->check_id;
  j["visit_date"] = visit.iso();
  j["durability"] = audit::to_string(outcome->durability);
  return Response::json(200, j);
}

// A desk session names its own counter; API clients check on behalf of the daemon's terminal.
static check::Caller caller_of(const Request& req, const std::string& terminal_id) {
  return {req.principal.terminal_id.empty() ? terminal_id : req.principal.terminal_id,
          req.client_id};
}

// Up to a day's appointments of a large clinic in one call.
constexpr std::size_t kMaxBatchItems = 5000;

// The by-number fields of a JSON object, every identifier validated: the first error wins.
static Result<check::NumberCheck> parse_number_check(const nlohmann::json& body,
                                                     const Date& default_visit) {
  auto insurer = InsurerNumber::parse(field(body, "insurer_number"));
  if (!insurer) return insurer.error();
  auto number = InsuredNumber::parse(field(body, "number"));
  if (!number) return number.error();
  check::NumberCheck check{InsuranceIdentity{*insurer, std::nullopt, *number, std::nullopt},
                           std::nullopt, default_visit, ""};
  if (const std::string symbol = field(body, "symbol"); !symbol.empty()) {
    auto s = InsuredSymbol::parse(symbol);
    if (!s) return s.error();
    check.identity.symbol = *s;
  }
  if (const std::string branch = field(body, "branch"); !branch.empty()) {
    auto b = BranchNumber::parse(branch);
    if (!b) return b.error();
    check.identity.branch = *b;
  }
  // Date errors are "date.*": name the field instead ("birth_date.invalid").
  for (const char* key : {"birth_date", "visit_date"}) {
    const std::string text = field(body, key);
    if (text.empty()) continue;
    auto d = Date::parse_iso(text);
    if (!d) return Error{std::string(key) + d.error().code.substr(4), d.error().message};
    if (std::string(key) == "birth_date") {
      if (d->year() < 1868 || *d > today_in_japan())
        return Error{"birth_date.out_of_range", "birth date must be between 1868 and today"};
      check.birth_date = *d;
    } else
      check.visit_date = *d;
  }
  return Result<check::NumberCheck>(boost::system::in_place_value, std::move(check));
}

// What was sent, for the audit record of a rejected attempt: as given, but valid UTF-8, without
// control characters and at most 64 characters, so that the audit store always takes it.
static std::string as_given(const nlohmann::json& body, const char* key) {
  std::u32string cps = text::decode_utf8(field(body, key));
  std::erase_if(cps, [](char32_t c) { return c < 0x20 || c == 0x7F; });
  if (cps.size() > 64) cps.resize(64);
  return text::encode_utf8(cps);
}

static check::RejectedInput rejected_number(const nlohmann::json& body, const Error& e) {
  check::RejectedInput in;
  in.error_code = e.code;
  in.insurer_number = as_given(body, "insurer_number");
  in.insured_symbol = as_given(body, "symbol");
  in.insured_number = as_given(body, "number");
  in.branch_number = as_given(body, "branch");
  return in;
}

static std::optional<policy::DocumentType> policy_type(documents::DocumentType t) {
  switch (t) {
    case documents::DocumentType::MynaportalQualification:
      return policy::DocumentType::MynaportalQualification;
    case documents::DocumentType::QualificationNotice:
      return policy::DocumentType::QualificationNotice;
    case documents::DocumentType::QualificationCertificate:
      return policy::DocumentType::QualificationCertificate;
    case documents::DocumentType::LegacyInsuranceCard:
      return policy::DocumentType::LegacyInsuranceCard;
    case documents::DocumentType::OtherDocument:  // refused by its finding below
    case documents::DocumentType::Unknown:
      break;
  }
  return std::nullopt;
}

// The policy's names (counter, parent_with_child, card_unreadable, school_escort,
// receipt_system; the deprecated patient and escort mapped).
static std::optional<policy::PresentationContext> parse_context(const std::string& s) {
  return policy::context_from_string(s);
}


// The desk's sentence for input that could not become a check (422 answers carry it too).
static std::string input_error_ja(std::string_view code) {
  struct Row {
    std::string_view prefix, message;
  };
  static constexpr Row kRows[] = {
      {"document.not_proof_of_insurance",
       "この書類は保険資格の証明になりません（限度額適用認定証・受給者証・領収書など）。マイナ保険証"
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
       "この端末で失敗したカード確認が見つかりません。カードで確認し直すか、リーダー障害として申告して"
       "ください。"},
  };
  for (const Row& r : kRows)
    if (code.substr(0, r.prefix.size()) == r.prefix) return std::string(r.message);
  return "入力内容をご確認ください。";
}

static Response unprocessable(const Error& e, std::string_view title) {
  Response r = problem(422, e.code, title, e.message);
  auto j = nlohmann::json::parse(r.body);
  j["message_ja"] = input_error_ja(e.code);
  r.body = j.dump();
  return r;
}

// Query flags: "true"/"1" or "false"/"0"/absent.
static bool flag(const Request& req, const char* key) {
  const std::string v = req.query_param(key);
  return v == "true" || v == "1";
}

// 422 for input that could not become a check, carrying the check id of its audit record; 503
// when even that record could not be made durable.
static Response rejected_response(const Result<std::string>& audited, const Error& e,
                                  std::string_view title) {
  if (!audited)
    return problem(503, audited.error().code, "Audit log unavailable", audited.error().message);
  Response r = unprocessable(e, title);
  auto j = nlohmann::json::parse(r.body);
  j["check_id"] = *audited;
  r.body = j.dump();
  return r;
}

// The visit date of a by-card or by-document check: today, or (when allowed) the one asked for.
static Result<Date> visit_date_of(const std::string& text, bool allow_other_day) {
  const Date today = today_in_japan();
  if (text.empty()) return today;
  auto d = Date::parse_iso(text);
  if (!d) return make_error("visit_date.format", "visit_date is YYYY-MM-DD");
  if (*d != today && !allow_other_day)
    return make_error("visit_date.not_today", "checks by card or document are for today (JST)");
  return d;
}

void add_check_service_routes(Router& router, check::CheckService& service,
                              CheckRoutesOptions options) {
  const std::string terminal_id = options.terminal_id;
  card::CardReader* reader = options.reader;
  const bool allow_visit_date = options.allow_visit_date;
  // The body is the file itself (PDF, PNG or JPEG), as the desk's scanner or phone saved it.
  // Or multipart/form-data as a browser sends it: one or more files plus the context
  // (accept_form_uploads hands each file to this handler as the whole body).
  audit::AuditReader* const checks = options.checks;
  const Handler one_document = [&service, terminal_id, allow_visit_date,
                                checks](const Request& req) {
               const auto context = parse_context(req.query_param("context", "counter"));
               if (!context)
                 return problem(400, "api.bad_context", "Bad query",
                                "context is counter, parent_with_child, card_unreadable, "
                                "school_escort or receipt_system");
               documents::InspectOptions options;
               auto visit = visit_date_of(req.query_param("visit_date"), allow_visit_date);
               if (!visit)
                 return unprocessable(visit.error(), "Bad visit date");
               options.visit_date = *visit;
               const check::Caller caller = caller_of(req, terminal_id);
               const std::string sha256 = Router::sha256_hex(req.body);
               auto reject = [&](const Error& e, const std::string& type) {
                 check::RejectedInput in;
                 in.method = audit::Method::Document;
                 in.document_type = type;
                 in.error_code = e.code;
                 in.document_sha256 = sha256;
                 return rejected_response(service.record_rejected(caller, in), e,
                                          "The document cannot be used");
               };
               const auto* bytes = reinterpret_cast<const std::byte*>(req.body.data());
               auto report = documents::inspect({bytes, req.body.size()}, options);
               if (!report) return reject(report.error(), "");
               // Findings of severity error make the paper unusable: not a proof of insurance
               // (document.not_proof_of_insurance, document.unknown_type), a bad check digit, a
               // notice that disagrees with its slip. Dates are judged by the policy alone.
               for (const auto& f : report->validation) {
                 if (f.severity != documents::Severity::Error) continue;
                 return reject(Error{f.code, f.message_en},
                               std::string(documents::to_string(report->type)));
               }
               const auto type = policy_type(report->type);
               if (!type)
                 return reject(Error{"document.unknown_type", "not a document the desk can accept"},
                               std::string(documents::to_string(report->type)));

               // How the paper was shown: the card with it, a copy (as the desk says, or as
               // the paper's own コピー/写し marks say), why the card could not be read.
               policy::Presentation shown{*context, *type, report->fields.valid_from,
                                          report->fields.valid_until};
               shown.card_shown = flag(req, "card_shown") || *context ==
                                  policy::PresentationContext::CardUnreadable;
               shown.copy = flag(req, "copy") || report->copy_marked;
               const std::string card_check_id = req.query_param("card_check_id");
               if (!card_check_id.empty() && checks) {
                 // card_unreadable refers to a card check that failed on this very terminal.
                 auto earlier = checks->get_check(card_check_id);
                 if (!earlier)
                   return problem(503, earlier.error().code, "Audit log unavailable");
                 const auto& r = *earlier;
                 if (!r || r->method != audit::Method::Card || r->outcome != Outcome::Failed ||
                     r->terminal_id != caller.terminal_id)
                   return unprocessable(Error{"card_check_id.not_a_failed_card_check",
                                              "card_check_id must name a failed card check on "
                                              "this terminal"},
                                        "Bad card check reference");
               }
               if (!card_check_id.empty())
                 shown.card_fault = policy::CardFault::FailedCardCheck;
               else if (flag(req, "reader_fault") ||
                        *context == policy::PresentationContext::CardUnreadable)
                 // The desk choosing card_unreadable without a failed check declares a reader
                 // fault; the audit record says so (card_fault).
                 shown.card_fault = policy::CardFault::DeclaredReaderFault;
               shown.copay = report->fields.copay_ratio;
               // On the notice and the PDF, 有効期限 is the 70+ ratio's; on a 資格確認書 its own.
               if (*type != policy::DocumentType::QualificationCertificate)
                 shown.copay_valid_until = report->fields.valid_until;
               shown.saved_on = report->fields.saved_at;
               const check::DocumentCheck check{.presentation = shown,
                                                .identity = report->identity(),
                                                .birth_date = report->fields.birth_date,
                                                .visit_date = *options.visit_date,
                                                .document_sha256 = sha256,
                                                .card_check_id = card_check_id};
               Response r = decision_response(service.by_document(caller, check), check.visit_date);
               if (r.status == 200) {
                 auto j = nlohmann::json::parse(r.body);
                 j["document"] = documents::to_json(*report);
                 r.body = j.dump();
               }
               return r;
             };
  router.add("POST", "/v1/checks/by-document", Access::Authenticated,
             accept_form_uploads(one_document));

  router.add("POST", "/v1/checks/by-card", Access::Authenticated,
             [&service, terminal_id, reader, allow_visit_date](const Request& req) {
               if (!reader) return problem(503, "card.no_reader", "No card reader is configured");
               const auto body = nlohmann::json::parse(req.body, nullptr, false);
               if (body.is_discarded() || !body.is_object())
                 return problem(400, "api.bad_json", "The body must be a JSON object");
               auto visit = visit_date_of(field(body, "visit_date"), allow_visit_date);
               if (!visit)
                 return unprocessable(visit.error(), "Bad visit date");
               check::CardCheck check{*visit, false};
               if (auto v = body.find("visual_confirmation"); v != body.end() && v->is_boolean())
                 check.visual_confirmation = v->get<bool>();

               std::string pin = field(body, "pin");
               if (!check.visual_confirmation && pin.empty())
                 return problem(400, "card.pin_missing", "Send the PIN, or visual_confirmation");
               auto outcome = service.by_card(caller_of(req, terminal_id), *reader,
                                              card::Pin(std::move(pin)), check);
               return decision_response(outcome, check.visit_date);
             });

  // Asynchronous: the check waits on the gateway and the audit's group commit without holding
  // a thread.
  router.add_async(
      "POST", "/v1/checks/by-number", Access::Authenticated,
      [&service, terminal_id](Request req, Responder respond) {
        const auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
          return respond(problem(400, "api.bad_json", "The body must be a JSON object"));
        const check::Caller caller = caller_of(req, terminal_id);
        auto check = parse_number_check(body, today_in_japan());
        if (!check) {
          // Nothing is sent to the gateway, but the attempt is audited.
          const Error error = check.error();
          return service.record_rejected(caller, rejected_number(body, error),
                                         [respond, error](Result<std::string> id) {
                                           respond(rejected_response(id, error, "Invalid input"));
                                         });
        }
        const Date visit = check->visit_date;
        service.by_number(caller, std::move(*check),
                          [respond, visit](Result<check::CheckOutcome> outcome) {
                            respond(decision_response(outcome, visit));
                          });
      });

  // 一括確認: a receipt system checks tomorrow's appointments in one call. One gateway batch;
  // one audit record per person, sharing the batch id; an invalid item is answered (and
  // audited) on its own without failing the others.
  router.add("POST", "/v1/checks/batch", Access::Authenticated,
             [&service, terminal_id](const Request& req) {
               const auto body = nlohmann::json::parse(req.body, nullptr, false);
               if (body.is_discarded() || !body.is_object() || !body.contains("items") ||
                   !body["items"].is_array())
                 return problem(400, "api.bad_json", "The body must be {\"items\": [...]}");
               const auto& items = body["items"];
               if (items.empty() || items.size() > kMaxBatchItems)
                 return problem(400, "api.batch_size",
                                "A batch has 1.." + std::to_string(kMaxBatchItems) + " items");
               Date visit = today_in_japan();
               if (const std::string v = field(body, "visit_date"); !v.empty()) {
                 auto d = Date::parse_iso(v);
                 if (!d) return problem(400, "visit_date.format", "visit_date is YYYY-MM-DD");
                 visit = *d;
               }
               const check::Caller caller = caller_of(req, terminal_id);
               nlohmann::json results = nlohmann::json::array();
               std::vector<check::NumberCheck> valid;
               std::vector<std::size_t> valid_index;
               for (std::size_t i = 0; i < items.size(); ++i) {
                 nlohmann::json item = items[i].is_object() ? items[i] : nlohmann::json::object();
                 if (!item.contains("visit_date")) item["visit_date"] = visit.iso();
                 nlohmann::json entry{{"index", i}};
                 if (auto ref = field(item, "reference"); !ref.empty()) entry["reference"] = ref;
                 auto check = parse_number_check(item, visit);
                 if (!check) {
                   // Answered on its own: the item's own error, or the audit's if it was not
                   // recorded.
                   auto id = service.record_rejected(caller, rejected_number(item, check.error()));
                   const Error& e = id ? check.error() : id.error();
                   if (id) entry["check_id"] = *id;
                   entry["error"] = {{"code", e.code}, {"message", e.message}};
                 } else {
                   valid.push_back(std::move(*check));
                   valid_index.push_back(i);
                 }
                 results.push_back(std::move(entry));
               }
               std::string batch_id;
               if (!valid.empty()) {
                 const auto outcomes = service.by_number_batch(caller, valid);
                 batch_id = outcomes.batch_id;
                 for (std::size_t k = 0; k < valid.size(); ++k) {
                   auto& entry = results[valid_index[k]];
                   const auto& o = outcomes.checks[k];
                   if (!o) {  // not durable: no decision for this one, the others stand
                     entry["error"] = {{"code", o.error().code}, {"message", o.error().message}};
                     continue;
                   }
                   entry.update(to_json(o->decision));
                   entry["check_id"] = o->check_id;
                   entry["durability"] = audit::to_string(o->durability);
                 }
               }
               return Response::json(
                   200,
                   {{"batch_id", batch_id}, {"visit_date", visit.iso()}, {"results", results}});
             });
}

}  // namespace madoguchi::api
