// The MyNumber card at the desk (マイナ保険証): read the JPKI user-authentication certificate,
// prove the patient holds the card (PIN + signature over the gateway's challenge), and judge the
// certificate's validity for the visit date. PC/SC details stay behind CardReader.
//
// Never does this module select the 券面事項入力補助AP or the 券面AP: the 12-digit individual
// number is not read, ever (tests/card proves it APDU by APDU).
#pragma once

#include <madoguchi/domain/date.hpp>
#include <madoguchi/domain/decision.hpp>
#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace madoguchi::card {

using Bytes = std::vector<std::uint8_t>;

// Stable error codes (Error::code). Each is its own desk situation.
namespace errc {
inline constexpr std::string_view no_reader = "card.no_reader";        // configured reader absent
inline constexpr std::string_view no_card = "card.no_card";            // reader empty
inline constexpr std::string_view removed = "card.removed";            // card pulled during a read
inline constexpr std::string_view not_mynumber = "card.not_mynumber";  // no JPKI AP on the card
inline constexpr std::string_view locked = "card.locked";              // auth PIN blocked
inline constexpr std::string_view wrong_pin = "card.wrong_pin";        // message: "(N tries left)"
inline constexpr std::string_view pin_last_try = "card.pin_last_try";  // 1 try left: not sent
inline constexpr std::string_view pin_format = "card.pin_format";      // not 4 digits: not sent
inline constexpr std::string_view reader_fault = "card.reader_fault";  // -> document fallback
inline constexpr std::string_view certificate_expired = "card.certificate_expired";
inline constexpr std::string_view certificate_not_yet_valid = "card.certificate_not_yet_valid";
inline constexpr std::string_view certificate_invalid = "card.certificate_invalid";
}  // namespace errc

// The domain's reason for a card error (CardReaderFault, CardLocked, ...); nullopt for codes
// that are not card errors.
std::optional<ReasonCode> reason_for(const Error& e);
// True when the desk should switch to the document path (カード読取不可 → 資格情報/お知らせ):
// the reader is faulty or absent, so the card cannot be read through no fault of the patient.
bool triggers_document_fallback(const Error& e);
// For card.wrong_pin: the tries the card reported after the wrong attempt.
std::optional<int> tries_left_after(const Error& e);

// The 4-digit auth PIN (利用者証明用電子証明書 暗証番号). Zeroed (OPENSSL_cleanse) when destroyed;
// never printable, never copied.
class Pin {
 public:
  explicit Pin(std::string digits);
  ~Pin();
  Pin(Pin&& other) noexcept;
  Pin& operator=(Pin&&) = delete;
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  bool well_formed() const;  // exactly 4 ASCII digits
  std::span<const std::uint8_t> bytes() const;

 private:
  std::string digits_;
};

// What the card says about the person: the certificate the gateway maps to the insured person.
struct CardIdentity {
  Bytes certificate_der;     // EF 000A, the JPKI user-authentication certificate
  Bytes ca_certificate_der;  // EF 000B, its issuing CA
  std::string serial;        // certificate serial number, decimal
  Date not_before;           // validity, as dates in Japan Standard Time
  Date not_after;
};

struct TriesLeft {
  int remaining = 0;  // of 3
  bool locked() const { return remaining <= 0; }
  bool last_try() const { return remaining == 1; }  // Madoguchi will not send a PIN
};

struct Signature {
  Bytes bytes;  // RSA-2048 PKCS#1 v1.5 over DigestInfo(SHA-256(challenge)), 256 bytes
};

// Certificate validity (MHLW), the rule being policy::judge_card_certificate: renewal alert from
// 3 months before notAfter; still usable to the end of the month 3 months after notAfter's month;
// refused beyond; not yet valid is its own error.
enum class CertificateStatus { Valid, RenewalDue, GracePeriod };
struct CertificateCheck {
  CertificateStatus status = CertificateStatus::Valid;
  Date not_after;
  std::optional<ReasonCode> alert;  // CardCertificateRenewalDue / CardCertificateGracePeriod
};
// Dates from the certificate (OpenSSL), compared with the visit date (never the clock).
// Errors: card.certificate_expired (after the grace month's end),
// card.certificate_not_yet_valid, card.certificate_invalid (not a certificate).
Result<CertificateCheck> evaluate_certificate(std::span<const std::uint8_t> der,
                                              const Date& visit_date);
// The certificate's validity dates (JST) and decimal serial, or card.certificate_invalid.
Result<CardIdentity> describe_certificate(Bytes der, Bytes ca_der);

// One command/response exchange with a card. The PC/SC reader implements it; tests record it.
class ApduTransport {
 public:
  virtual ~ApduTransport() = default;
  // Response data followed by SW1 SW2, or a card.* error (removed, reader_fault, ...).
  virtual Result<Bytes> transmit(std::span<const std::uint8_t> command) = 0;
};

// The JPKI AP protocol over any transport (no PC/SC here).
class JpkiSession {
 public:
  struct Options {
    // Read with extended-length READ BINARY (one APDU per file) instead of 256-byte chunks.
    // Off by default: not every reader/card pair carries extended APDUs.
    bool extended_length = false;
  };
  explicit JpkiSession(ApduTransport& transport) : JpkiSession(transport, Options{}) {}
  JpkiSession(ApduTransport& transport, Options options);

  Result<CardIdentity> read_identity();
  // VERIFY without data: spends no try.
  Result<TriesLeft> tries_left();
  // Checks tries first; refuses (card.pin_last_try) when only one is left; VERIFY; signs
  // DigestInfo(SHA-256(challenge)). The PIN is zeroed on return.
  Result<Signature> prove_possession(Pin pin, std::span<const std::uint8_t> challenge);

 private:
  Result<Bytes> send(Bytes command);
  Result<void> select_ap();
  Result<void> select_ef(std::uint16_t fid);
  Result<Bytes> read_file(std::uint16_t fid);
  Result<TriesLeft> query_tries();

  ApduTransport& transport_;
  Options options_;
};

// Card insert/remove as the reader reports them (SCardGetStatusChange).
enum class CardEvent { Inserted, Removed, ReaderGone, Timeout };

// What the desk's page shows about its reader (カードを置いてください / 読み取り中 /
// カードが取り外されました / リーダー未接続). `Removed` holds from a card leaving the reader until
// the next card arrives; `Reading` while an exchange with the card runs.
enum class ReaderState { NoReader, Empty, CardPresent, Reading, Removed };
std::string_view to_string(ReaderState s);  // "no_reader" | "empty" | "card_present" | ...
struct ReaderStatus {
  ReaderState state = ReaderState::NoReader;
  std::uint64_t version = 0;  // grows by one with every change of `state`
};

// The terminal's reader, bound by name (e.g. "Virtual PCD 00 00", or "SONY FeliCa ..."); every
// call connects, takes a PC/SC transaction (so two requests never interleave APDUs on one card),
// runs the JPKI exchange, and releases. Re-establishes the PC/SC context when pcscd restarted.
// Thread-safe; calls are serialised on one worker so a mute card cannot block callers longer
// than `operation_timeout` (they get card.reader_fault).
class CardReader {
 public:
  struct Config {
    std::string reader_name{};  // exact PC/SC name, or a prefix of it
    std::chrono::milliseconds operation_timeout{8000};
    JpkiSession::Options jpki{};
  };
  explicit CardReader(Config config);
  ~CardReader();
  CardReader(const CardReader&) = delete;
  CardReader& operator=(const CardReader&) = delete;

  Result<CardIdentity> read_identity();
  Result<TriesLeft> tries_left();
  Result<Signature> prove_possession(Pin pin, std::span<const std::uint8_t> challenge);
  // Blocks until the card is inserted/removed or the reader disappears, or `timeout` passes.
  Result<CardEvent> wait_for_event(std::chrono::milliseconds timeout);
  // Whether a card is in the reader now (card.no_reader when the reader is absent).
  Result<bool> card_present();

  // The reader's state, watched by a monitor thread (its own PC/SC context, started on first
  // use) so that it never waits behind a card exchange.
  ReaderStatus status();
  // Blocks until the status version differs from `since` or `timeout` passes; returns the
  // status then (a long poll for the desk's page).
  ReaderStatus wait_status(std::uint64_t since, std::chrono::milliseconds timeout);

  // Reader names pcscd knows now (card.reader_fault when pcscd is not running).
  static Result<std::vector<std::string>> list_readers();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace madoguchi::card
