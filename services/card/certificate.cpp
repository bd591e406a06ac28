// Certificate dates (the MHLW validity rule itself is policy's); error mapping; the PIN holder.
#include <madoguchi/card/card.hpp>
#include <madoguchi/policy/card_certificate.hpp>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

namespace madoguchi::card {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != der.data() + der.size()) cert.reset();  // trailing bytes: not one certificate
  return cert;
}

// Certificate times are UTC; the desk's calendar is Japan Standard Time (UTC+9). A JPKI
// certificate ends at 23:59:59 JST, i.e. 14:59:59Z: the JST date is the one printed for people.
Result<Date> jst_date(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1)
    return make_error(std::string(errc::certificate_invalid), "unreadable certificate time");
  std::time_t utc = timegm(&tm) + 9 * 3600;
  std::tm jst{};
  gmtime_r(&utc, &jst);
  return Date::from_ymd(jst.tm_year + 1900, jst.tm_mon + 1, jst.tm_mday);
}

std::string_view code_of(const Error& e) { return e.code; }

}  // namespace

namespace {
// A short string lives in its small-string buffer: moving copies it and leaves the source's
// bytes behind, so wipe the whole capacity, not just the size.
void wipe(std::string& s) {
  s.resize(s.capacity());
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}
}  // namespace

Pin::Pin(std::string digits) : digits_(digits) { wipe(digits); }
Pin::~Pin() { wipe(digits_); }
Pin::Pin(Pin&& other) noexcept : digits_(other.digits_) { wipe(other.digits_); }
bool Pin::well_formed() const {
  if (digits_.size() != 4) return false;
  for (char c : digits_)
    if (c < '0' || c > '9') return false;
  return true;
}
std::span<const std::uint8_t> Pin::bytes() const {
  return {reinterpret_cast<const std::uint8_t*>(digits_.data()), digits_.size()};
}

Result<CardIdentity> describe_certificate(Bytes der, Bytes ca_der) {
  auto cert = parse(der);
  if (!cert)
    return make_error(std::string(errc::certificate_invalid), "EF 000A is not a certificate");
  if (!ca_der.empty() && !parse(ca_der))
    return make_error(std::string(errc::certificate_invalid), "EF 000B is not a certificate");
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  char* dec = bn ? BN_bn2dec(bn) : nullptr;
  std::string serial = dec ? dec : "";
  OPENSSL_free(dec);
  BN_free(bn);
  if (serial.empty())
    return make_error(std::string(errc::certificate_invalid), "unreadable serial number");
  auto nb = jst_date(X509_get0_notBefore(cert.get()));
  if (!nb) return nb.error();
  auto na = jst_date(X509_get0_notAfter(cert.get()));
  if (!na) return na.error();
  return CardIdentity{std::move(der), std::move(ca_der), std::move(serial), *nb, *na};
}

Result<CertificateCheck> evaluate_certificate(std::span<const std::uint8_t> der,
                                              const Date& visit_date) {
  auto id = describe_certificate(Bytes(der.begin(), der.end()), {});
  if (!id) return id.error();
  // The rule itself (MHLW) lives in policy; the card reports the dates.
  const auto v = policy::judge_card_certificate(id->not_before, id->not_after, visit_date);
  switch (v.state) {
    case policy::CardCertificateState::NotYetValid:
      return make_error(std::string(errc::certificate_not_yet_valid),
                        "certificate valid from " + id->not_before.iso());
    case policy::CardCertificateState::Expired:
      return make_error(std::string(errc::certificate_expired),
                        "certificate expired on " + id->not_after.iso() + "; usable until " +
                            v.usable_until.iso());
    case policy::CardCertificateState::GracePeriod:
      return CertificateCheck{CertificateStatus::GracePeriod, id->not_after, v.reason};
    case policy::CardCertificateState::RenewalDue:
      return CertificateCheck{CertificateStatus::RenewalDue, id->not_after, v.reason};
    case policy::CardCertificateState::Valid:
      break;
  }
  return CertificateCheck{CertificateStatus::Valid, id->not_after, std::nullopt};
}

std::optional<ReasonCode> reason_for(const Error& e) {
  const auto c = code_of(e);
  if (c == errc::no_reader || c == errc::reader_fault) return ReasonCode::CardReaderFault;
  if (c == errc::no_card || c == errc::removed) return ReasonCode::CardNotPresent;
  if (c == errc::not_mynumber || c == errc::certificate_invalid) return ReasonCode::NotMyNumberCard;
  if (c == errc::locked) return ReasonCode::CardLocked;
  if (c == errc::wrong_pin || c == errc::pin_format) return ReasonCode::CardWrongPin;
  if (c == errc::pin_last_try) return ReasonCode::CardPinLastTry;
  if (c == errc::certificate_expired) return ReasonCode::CardCertificateExpired;
  if (c == errc::certificate_not_yet_valid) return ReasonCode::CardCertificateNotYetValid;
  return std::nullopt;
}

bool triggers_document_fallback(const Error& e) {
  return code_of(e) == errc::reader_fault || code_of(e) == errc::no_reader;
}

std::optional<int> tries_left_after(const Error& e) {
  if (code_of(e) != errc::wrong_pin) return std::nullopt;
  const auto open = e.message.rfind('(');
  if (open == std::string::npos || open + 1 >= e.message.size()) return std::nullopt;
  const char d = e.message[open + 1];
  if (d < '0' || d > '9') return std::nullopt;
  return d - '0';
}

}  // namespace madoguchi::card
