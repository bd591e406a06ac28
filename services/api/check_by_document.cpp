// POST /v1/checks/by-document: a paper or PDF the patient shows (資格確認書, 資格情報のお知らせ,
// マイナポータルの資格情報画面, a legacy card), read by OCR and confirmed online by its numbers.
#include "check_endpoints.hpp"

#include <madoguchi/api/batches.hpp>
#include <madoguchi/api/check_answers.hpp>
#include <madoguchi/api/multipart.hpp>
#include <madoguchi/check/check_service.hpp>
#include <madoguchi/documents/documents.hpp>

namespace madoguchi::api {

namespace {

std::optional<policy::DocumentType> policy_type(documents::DocumentType t) {
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

// Query flags: "true"/"1" or "false"/"0"/absent.
bool flag(const Request& req, const char* key) {
  const std::string v = req.query_param(key);
  return v == "true" || v == "1";
}

}  // namespace

void add_check_by_document(Router& router, check::CheckService& service,
                           const CheckRoutesOptions& options) {
  // The body is the file itself (PDF, PNG or JPEG), as the desk's scanner or phone saved it.
  // Or multipart/form-data as a browser sends it: one or more files plus the context
  // (accept_form_uploads hands each file to this handler as the whole body).
  const Handler one_document = [&service, terminal_id = options.terminal_id,
                                allow_visit_date = options.allow_visit_date,
                                checks = options.checks](const Request& req) {
    // The policy's names (counter, parent_with_child, card_unreadable, school_escort,
    // receipt_system; the deprecated patient and escort mapped).
    const auto context = policy::context_from_string(req.query_param("context", "counter"));
    if (!context)
      return problem(400, "api.bad_context", "Bad query",
                     "context is counter, parent_with_child, card_unreadable, "
                     "school_escort or receipt_system");
    documents::InspectOptions inspect_options;
    auto visit = visit_date_at_desk(req.query_param("visit_date"), allow_visit_date);
    if (!visit) return unprocessable(visit.error(), "Bad visit date");
    inspect_options.visit_date = *visit;
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
    auto report = documents::inspect({bytes, req.body.size()}, inspect_options);
    if (!report) return reject(report.error(), "");
    // Findings of severity error make the paper unusable: not a proof of insurance
    // (document.not_proof_of_insurance, document.unknown_type), a bad check digit, a
    // notice that disagrees with its slip. Dates are judged by the policy alone.
    for (const auto& f : report->validation) {
      if (f.severity != documents::Severity::Error) continue;
      return reject(Error{f.code, f.message_en}, std::string(documents::to_string(report->type)));
    }
    const auto type = policy_type(report->type);
    if (!type)
      return reject(Error{"document.unknown_type", "not a document the desk can accept"},
                    std::string(documents::to_string(report->type)));

    // How the paper was shown: the card with it, a copy (as the desk says, or as
    // the paper's own コピー/写し marks say), why the card could not be read.
    policy::Presentation shown{*context, *type, report->fields.valid_from,
                               report->fields.valid_until};
    shown.card_shown =
        flag(req, "card_shown") || *context == policy::PresentationContext::CardUnreadable;
    shown.copy = flag(req, "copy") || report->copy_marked;
    const std::string card_check_id = req.query_param("card_check_id");
    if (!card_check_id.empty() && checks) {
      // card_unreadable refers to a card check that failed on this very terminal.
      auto earlier = checks->get_check(card_check_id);
      if (!earlier) return problem(503, earlier.error().code, "Audit log unavailable");
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
    else if (flag(req, "reader_fault") || *context == policy::PresentationContext::CardUnreadable)
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
                                     .visit_date = *inspect_options.visit_date,
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
  router.add("POST", "/v1/checks/by-document", Access::CheckAtTerminal,
             idempotent(options.idempotency, accept_form_uploads(one_document)));
}

}  // namespace madoguchi::api
