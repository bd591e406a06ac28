// GatewayPort: how the check service asks the online-check gateway (オンライン資格確認) whether a
// person is insured today. Adapters: GatewayClient (HTTPS, mutual TLS) and FolderTransport
// (the req/res folder exchange with a 資格確認端末).
//
// Error codes (Error::code), stable:
//   gateway.unavailable  no connection (refused, reset, TLS failure of the peer, circuit open)
//   gateway.timeout      no answer within the deadline
//   gateway.protocol     the answer is not a well-formed XmlMsg of the expected kind
//   gateway.rejected     the gateway answered with an error (SegmentOfResult 9 /
//                        ProcessingResultStatus 2): bad signature, expired challenge, bad query
//   gateway.tls          TLS refused either way: the gateway's certificate is not from our
//                        pinned CA or not for the host name, or the gateway refused our client
//                        certificate; also certificate, key or CA files that cannot be loaded
//   gateway.unsupported  the transport cannot do this (e.g. challenges on the folder exchange)
// A person who is not insured is NOT an error: it is a Confirmation whose validity says so.
#pragma once

#include <madoguchi/domain/qualification.hpp>
#include <madoguchi/domain/result.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace madoguchi::gateway {

// Confirm by number: 保険者番号 + 記号・番号・枝番 (+ 生年月日).
struct NumberQuery {
  InsuranceIdentity identity;
  std::optional<Date> birth_date;
  bool include_limit_certificate = false;  // 限度額適用認定証 info (needs the patient's consent)
};

// Confirm by card: what the card reader produced for a challenge from challenge().
struct CardQuery {
  std::string certificate_der;  // JPKI user-authentication certificate (利用者証明用電子証明書)
  std::string challenge;  // raw bytes, as challenge() returned them
  std::string signature;  // RSA PKCS#1 v1.5 SHA-256 over the raw challenge; empty if visual
  bool visual_confirmation = false;  // 目視確認: the desk looked at the card's face instead
};

struct Confirmation {
  QualificationValidity validity = QualificationValidity::NotFound;
  // Every ResultOfQualificationConfirmation; the first is the one to use (several only when
  // validity is SeveralMatch). Empty when NotFound.
  std::vector<Qualification> qualifications;
  bool visually_confirmed = false;  // by card without signature: flag it in the decision
  std::string reference_number;     // the gateway's ReferenceNumber, for the audit trail
  // batch() only: this one query was answered with an error (its BulkConfirmUnit's
  // ProcessingResultStatus 2): code "gateway.rejected", message with the gateway's code. The
  // validity means nothing then. The other queries of the batch are unaffected.
  std::optional<Error> unit_error;
};

class GatewayPort {
 public:
  virtual ~GatewayPort() = default;

  // A fresh single-use nonce (32 bytes, valid 60 s) for the card to sign.
  virtual Result<std::string> challenge() = 0;
  virtual Result<Confirmation> confirm_by_number(const NumberQuery& query) = 0;
  // The same, asynchronous: returns at once; `done` is called exactly once, from any thread
  // (the adapter's own), by the deadline at the latest. The by-number check path uses this.
  virtual void confirm_by_number(const NumberQuery& query, Completion<Confirmation> done) = 0;
  virtual Result<Confirmation> confirm_by_card(const CardQuery& query) = 0;
  // Upload (OQSmuquc01) then download (OQSmuquc02) until complete; one Confirmation per query,
  // in the queries' order (the gateway's units are matched to them by their echoed search info).
  virtual Result<std::vector<Confirmation>> batch(std::span<const NumberQuery> queries) = 0;
};

}  // namespace madoguchi::gateway
