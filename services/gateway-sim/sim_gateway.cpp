#include "sim_gateway.hpp"

#include <madoguchi/domain/text.hpp>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <ctime>
#include <memory>

namespace madoguchi::sim {
namespace gw = madoguchi::gateway;
namespace {

std::string now_compact() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

// The certificate's serial number as a decimal string, "" when unreadable.
std::string serial_of(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  if (!bn) return "";
  char* dec = BN_bn2dec(bn);
  std::string out = dec ? dec : "";
  OPENSSL_free(dec);
  BN_free(bn);
  return out;
}

gw::QualificationRecord record_of(const Person& p, unsigned long long reference) {
  gw::QualificationRecord r;
  r.insured_card_classification = p.card_classification;
  r.insurer_number = p.insurer_number.size() == 6 ? "  " + p.insurer_number : p.insurer_number;
  r.insured_card_symbol = p.symbol;
  r.insured_identification_number = p.number;
  r.insured_branch_number = p.branch;
  r.personal_family_classification = p.relationship;
  r.insured_name = p.insured_name;
  r.name = p.name;
  r.name_kana = p.name_kana;
  r.sex = p.sex;
  r.birthdate = p.birth_date;
  r.address = p.address;
  r.post_number = p.post_number;
  r.qualification_date = p.qualification_date;
  r.disqualification_date = p.disqualification_date;
  r.insured_certificate_issuance_date = p.card_valid_date;
  r.insured_card_valid_date = p.card_valid_date;
  r.insured_card_expiration_date = p.card_expiration_date;
  r.insured_partial_contribution_ratio = p.copay;
  r.preschool_classification = p.preschool;
  r.reason_of_loss = p.reason_of_loss;
  r.insurer_name = p.insurer_name;
  if (!p.elderly_end.empty())
    r.elderly = gw::ElderlyRecipientCertificateInfo{p.elderly_start, p.elderly_start, p.elderly_end,
                                                    p.elderly_ratio};
  r.name_of_other = p.name_of_other;
  r.name_of_other_kana = p.name_of_other_kana;
  r.sex2 = p.sex2;
  if (!p.limit_flag.empty() || !p.limit_classification.empty())
    r.limit = gw::LimitApplicationCertificateInfo{
        p.limit_classification, p.limit_flag, p.limit_date,
        p.limit_start,          p.limit_end,  p.limit_long_term};
  if (!p.public_payer.empty()) {
    gw::PublicExpenseResult e{p.public_payer, p.public_recipient, p.public_start, p.public_end, {}};
    if (!p.ticket_type.empty())
      e.medical_ticket =
          gw::MedicalTicketInfo{p.ticket_type, p.ticket_start, p.ticket_end, p.ticket_institution};
    r.public_expenses.push_back(std::move(e));
  }
  auto consent = [&](const std::string& flag) {
    return flag.empty() ? gw::Consent{} : gw::Consent{flag, p.consent_time};
  };
  r.specific_health_checkups = consent(p.consent_checkups);
  r.pharmacists = consent(p.consent_pharmacists);
  r.diagnosis = consent(p.consent_diagnosis);
  r.operations = consent(p.consent_operations);
  r.prescription_issue_select = p.prescription_issue;
  char buf[32];
  std::snprintf(buf, sizeof buf, "SIM%012llu", reference);
  r.reference_number = buf;
  return r;
}

}  // namespace

SimGateway::SimGateway(Population population, std::string jpki_ca_file,
                       std::chrono::milliseconds batch_delay,
                       std::chrono::seconds challenge_lifetime)
    : population_(std::move(population)),
      jpki_ca_file_(std::move(jpki_ca_file)),
      batch_delay_(batch_delay),
      challenge_lifetime_(challenge_lifetime) {}

gw::Response SimGateway::base(const gw::Request& request) const {
  gw::Response r;
  r.header = request.header;
  r.header.process_execution_time = now_compact();
  r.header.segment_of_result = gw::SegmentOfResult::Normal;
  r.status = gw::ProcessingResultStatus::Ok;
  return r;
}

gw::Response SimGateway::error(const std::string& code, const std::string& message,
                               gw::CharacterCode encoding) const {
  gw::Response r;
  r.header.process_execution_time = now_compact();
  r.header.segment_of_result = gw::SegmentOfResult::Abnormal;
  r.header.error_code = code;
  r.header.error_message = message;
  r.header.character_code = encoding;
  r.status = gw::ProcessingResultStatus::Error;
  r.result_code = code;
  r.result_message = message;
  return r;
}

gw::QualificationAnswer SimGateway::answer_for_person(const Person* p) {
  gw::QualificationAnswer a;
  if (!p || p->validity == 4) {
    a.validity = QualificationValidity::NotFound;
    return a;
  }
  a.validity = static_cast<QualificationValidity>(p->validity);
  std::lock_guard lock(mutex_);
  a.results.push_back(record_of(*p, next_reference_++));
  if (p->validity == 5) {
    // Several match: a second record on file under the same card, from another insurer period.
    auto twin = record_of(*p, next_reference_++);
    twin.insured_branch_number = p->branch == "00" ? "01" : "00";
    a.results.push_back(twin);
  }
  return a;
}

gw::QualificationAnswer SimGateway::answer_for(const gw::SearchInfo& s) {
  auto found = population_.find(s.insurer_number, s.insured_card_symbol,
                                s.insured_identification_number, s.insured_branch_number);
  std::vector<const Person*> matches;
  for (const auto* p : found)
    if (s.birthdate.empty() || p->birth_date == s.birthdate) matches.push_back(p);
  gw::QualificationAnswer a;
  if (matches.size() > 1) {
    a.validity = QualificationValidity::SeveralMatch;
    std::lock_guard lock(mutex_);
    for (const auto* p : matches) a.results.push_back(record_of(*p, next_reference_++));
  } else {
    a = answer_for_person(matches.empty() ? nullptr : matches.front());
  }
  a.search_info = s;
  return a;
}

gw::Response SimGateway::card(const gw::Request& request) {
  const auto& auth = std::get<gw::CardAuthentication>(request.body);
  auto fail = [&](const std::string& code, const std::string& message) {
    auto r = error(code, message, request.header.character_code);
    r.header.arbitrary_file_identifier = request.header.arbitrary_file_identifier;
    r.header.medical_institution_code = request.header.medical_institution_code;
    return r;
  };
  if (jpki_ca_file_.empty()) return fail("EOQS2000", "card confirmation is not configured");
  const auto* der = reinterpret_cast<const unsigned char*>(auth.certificate_der.data());
  X509Ptr cert(d2i_X509(nullptr, &der, static_cast<long>(auth.certificate_der.size())));
  if (!cert) return fail("EOQS2001", "certificate unreadable");

  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_load_file(store.get(), jpki_ca_file_.c_str()) != 1)
    return fail("EOQS2000", "JPKI CA unavailable");
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  if (X509_verify_cert(ctx.get()) != 1)
    return fail("EOQS2002", std::string("certificate not issued by the JPKI CA: ") +
                                X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));

  bool visual = auth.signature.empty();
  if (visual && !auth.visual_confirmation)
    return fail("EOQS2005", "no signature and no visual confirmation");
  if (!visual) {
    {
      std::lock_guard lock(mutex_);
      auto it = challenges_.find(auth.challenge);
      if (it == challenges_.end()) return fail("EOQS2003", "challenge unknown or already used");
      bool expired = it->second < std::chrono::steady_clock::now();
      challenges_.erase(it);  // single use, even when it failed
      if (expired) return fail("EOQS2003", "challenge expired");
    }
    MdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    if (!md || !key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA ||
        EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(auth.signature.data()),
                         auth.signature.size(),
                         reinterpret_cast<const unsigned char*>(auth.challenge.data()),
                         auth.challenge.size()) != 1)
      return fail("EOQS2004", "signature does not verify");
  }
  auto r = base(request);
  auto answer = answer_for_person(population_.by_card_serial(serial_of(cert.get())));
  answer.card_verification =
      visual ? gw::CardVerification::Visual : gw::CardVerification::Signature;
  r.body = std::move(answer);
  return r;
}

gw::Response SimGateway::handle(const gw::Request& request) {
  return std::visit(
      [&](const auto& b) -> gw::Response {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, gw::SearchInfo>) {
          auto r = base(request);
          r.body = answer_for(b);
          return r;
        } else if constexpr (std::is_same_v<B, gw::CardAuthentication>) {
          return card(request);
        } else if constexpr (std::is_same_v<B, gw::BatchUpload>) {
          // OQSmuquc01res: time, institution, file id, encoding; no status in the body.
          gw::Response r;
          r.header.process_execution_time = now_compact();
          r.header.medical_institution_code = request.header.medical_institution_code;
          r.header.arbitrary_file_identifier = request.header.arbitrary_file_identifier;
          r.header.character_code = request.header.character_code;
          char buf[32];
          std::lock_guard lock(mutex_);
          std::snprintf(buf, sizeof buf, "RCP%013llu", next_reception_++);
          batches_[buf] = Batch{b.items, std::chrono::steady_clock::now() + batch_delay_};
          r.body = gw::BatchAccepted{buf, r.header.process_execution_time};
          return r;
        } else if constexpr (std::is_same_v<B, gw::BatchDownload>) {
          std::vector<gw::SearchInfo> items;
          {
            std::lock_guard lock(mutex_);
            auto it = batches_.find(b.reception_number);
            if (it == batches_.end()) {
              auto r = error("EOQS3001", "unknown reception number", request.header.character_code);
              r.header.arbitrary_file_identifier = request.header.arbitrary_file_identifier;
              return r;
            }
            if (std::chrono::steady_clock::now() < it->second.ready_at) {
              auto r = base(request);
              r.header.reception_number = b.reception_number;
              r.header.segment_of_result = gw::SegmentOfResult::InProgress;
              r.body = gw::BatchResults{};
              return r;
            }
            items = std::move(it->second.items);
            batches_.erase(it);
          }
          // OQSmuquc02res: the counts in the header, units directly under the body, each with
          // its echoed search info; real gateways do not keep the upload's order, nor do we.
          auto r = base(request);
          r.header.reception_number = b.reception_number;
          gw::BatchResults results;
          results.units.reserve(items.size());
          long errors = 0;
          for (const auto& s : items) {
            gw::BulkConfirmUnit u;
            u.search_info = s;
            // Echoed as this terminal keeps it: 国保 numbers without their padding blanks.
            auto& echoed = u.search_info.insurer_number;
            echoed.erase(0, echoed.find_first_not_of(' '));
            if (s.insured_identification_number.empty()) {
              u.status = gw::ProcessingResultStatus::Error;
              u.result_code = "EOQS4001";
              u.result_message = "InsuredIdentificationNumber is missing";
              ++errors;
            } else {
              auto a = answer_for(s);
              u.validity = a.validity;
              if (!a.results.empty()) {
                u.result = std::move(a.results.front());
                u.reference_number = u.result->reference_number;
              }
            }
            results.units.push_back(std::move(u));
          }
          {
            std::lock_guard lock(mutex_);
            std::shuffle(results.units.begin(), results.units.end(), shuffle_);
          }
          r.header.number_of_processing_result = static_cast<long>(results.units.size());
          r.header.number_of_normal_processing = static_cast<long>(results.units.size()) - errors;
          r.header.number_of_error = errors;
          r.body = std::move(results);
          return r;
        } else {
          std::string nonce(32, '\0');
          RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), 32);
          auto now = std::chrono::steady_clock::now();
          {
            std::lock_guard lock(mutex_);
            std::erase_if(challenges_, [&](const auto& kv) { return kv.second < now; });
            challenges_[nonce] = now + challenge_lifetime_;
          }
          auto r = base(request);
          r.body = gw::ChallengeIssued{nonce, static_cast<int>(challenge_lifetime_.count())};
          return r;
        }
      },
      request.body);
}

gw::Response SimGateway::face_result(const std::string& card_serial) {
  gw::Request request;
  request.header.reference_classification = gw::ReferenceClassification::Card;
  request.header.character_code = gw::CharacterCode::ShiftJis;
  auto r = base(request);
  auto answer = answer_for_person(population_.by_card_serial(card_serial));
  answer.card_verification = gw::CardVerification::Signature;  // the terminal's own face auth
  r.body = std::move(answer);
  return r;
}

}  // namespace madoguchi::sim
