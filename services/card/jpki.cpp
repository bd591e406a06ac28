// The JPKI AP protocol (公的個人認証 AP) over any APDU transport.
#include <madoguchi/card/card.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace madoguchi::card {
namespace {

constexpr std::uint8_t kJpkiAid[] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
constexpr std::uint16_t kEfAuthCert = 0x000A;
constexpr std::uint16_t kEfAuthCaCert = 0x000B;
constexpr std::uint16_t kEfAuthKey = 0x0017;
constexpr std::uint16_t kEfAuthPin = 0x0018;
constexpr int kAuthMaxTries = 3;
constexpr std::size_t kMaxCertificate = 8192;  // a JPKI certificate is ~1-2 KB

// DER prefix of DigestInfo { AlgorithmIdentifier sha256, OCTET STRING (32) } (RFC 8017 §9.2).
constexpr std::uint8_t kSha256DigestInfoPrefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                    0x01, 0x05, 0x00, 0x04, 0x20};

struct Sw {
  std::uint8_t sw1 = 0, sw2 = 0;
  bool ok() const { return sw1 == 0x90 && sw2 == 0x00; }
  std::string text() const {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02X %02X", sw1, sw2);
    return buf;
  }
};

Sw status_of(const Bytes& r) { return Sw{r[r.size() - 2], r[r.size() - 1]}; }

Error chip_fault(const std::string& what, Sw sw) {
  return make_error(std::string(errc::reader_fault), what + ": card answered " + sw.text());
}

// Only SELECT by DF name of the JPKI AP may leave this module: the 券面事項入力補助AP
// (D3 92 10 00 31 00 01 01 04 08) and the 券面AP hold the individual number and personal data.
bool allowed(std::span<const std::uint8_t> c) {
  if (c.size() >= 4 && c[0] == 0x00 && c[1] == 0xA4 && c[2] == 0x04) {
    return c.size() == 5 + sizeof kJpkiAid && c[4] == sizeof kJpkiAid &&
           std::equal(c.begin() + 5, c.end(), std::begin(kJpkiAid));
  }
  return true;
}

// Total DER length from the first bytes of a TLV (30 82 LL LL ...), or 0 when not DER.
std::size_t der_total_length(const Bytes& head) {
  if (head.size() < 2 || head[0] != 0x30) return 0;
  const std::uint8_t l = head[1];
  if (l < 0x80) return 2 + l;
  const std::size_t n = l & 0x7F;
  if (n == 0 || n > 3 || head.size() < 2 + n) return 0;
  std::size_t len = 0;
  for (std::size_t i = 0; i < n; ++i) len = (len << 8) | head[2 + i];
  return 2 + n + len;
}

}  // namespace

JpkiSession::JpkiSession(ApduTransport& transport, Options options)
    : transport_(transport), options_(options) {}

Result<Bytes> JpkiSession::send(Bytes command) {
  if (!allowed(command)) {
    OPENSSL_cleanse(command.data(), command.size());
    return make_error(std::string(errc::reader_fault), "refused: SELECT of a non-JPKI application");
  }
  auto r = transport_.transmit(command);
  OPENSSL_cleanse(command.data(), command.size());  // a VERIFY carries the PIN
  if (!r) return r.error();
  if (r->size() < 2)
    return make_error(std::string(errc::reader_fault), "card answered fewer than 2 bytes");
  return r;
}

Result<void> JpkiSession::select_ap() {
  Bytes c = {0x00, 0xA4, 0x04, 0x0C, sizeof kJpkiAid};
  c.insert(c.end(), std::begin(kJpkiAid), std::end(kJpkiAid));
  auto r = send(std::move(c));
  if (!r) return r.error();
  const Sw sw = status_of(*r);
  if (!sw.ok())
    return make_error(std::string(errc::not_mynumber),
                      "no JPKI application on the card (" + sw.text() + ")");
  return {};
}

Result<void> JpkiSession::select_ef(std::uint16_t fid) {
  auto r = send({0x00, 0xA4, 0x02, 0x0C, 0x02, static_cast<std::uint8_t>(fid >> 8),
                 static_cast<std::uint8_t>(fid & 0xFF)});
  if (!r) return r.error();
  const Sw sw = status_of(*r);
  if (sw.sw1 == 0x6A && (sw.sw2 == 0x82 || sw.sw2 == 0x86))
    return make_error(std::string(errc::not_mynumber), "JPKI file missing (" + sw.text() + ")");
  if (!sw.ok()) return chip_fault("SELECT EF", sw);
  return {};
}

Result<Bytes> JpkiSession::read_file(std::uint16_t fid) {
  if (auto s = select_ef(fid); !s) return s.error();
  Bytes file;
  std::size_t total = 0;  // known after the first answer
  for (int apdus = 0; apdus < 64; ++apdus) {
    const std::size_t offset = file.size();
    if (offset > 0x7FFF) return make_error(std::string(errc::reader_fault), "file too large");
    Bytes c = {0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
               static_cast<std::uint8_t>(offset & 0xFF)};
    const std::size_t want = total == 0 ? 0 : total - offset;
    if (options_.extended_length) {
      // Case 2E: 00 Le1 Le2; 0000 means "as much as you have" (up to 65536).
      c.insert(c.end(), {0x00, static_cast<std::uint8_t>(want >> 8),
                         static_cast<std::uint8_t>(want & 0xFF)});
    } else {
      // First chunk: a full 256 bytes (the DER header comes with it); then exactly the rest.
      const std::size_t le = want == 0 ? 256 : std::min<std::size_t>(want, 256);
      c.push_back(static_cast<std::uint8_t>(le == 256 ? 0 : le));
    }
    auto r = send(std::move(c));
    if (!r) return r.error();
    const Sw sw = status_of(*r);
    if (!sw.ok() && !(sw.sw1 == 0x62 && sw.sw2 == 0x82)) return chip_fault("READ BINARY", sw);
    if (r->size() == 2) return make_error(std::string(errc::reader_fault), "empty READ BINARY");
    file.insert(file.end(), r->begin(), r->end() - 2);
    if (total == 0) {
      total = der_total_length(file);
      if (total == 0 || total > kMaxCertificate)
        return make_error(std::string(errc::not_mynumber), "JPKI file is not a DER certificate");
    }
    if (file.size() >= total) {
      file.resize(total);  // the EF may be padded beyond the certificate
      return file;
    }
  }
  return make_error(std::string(errc::reader_fault), "READ BINARY did not finish");
}

Result<CardIdentity> JpkiSession::read_identity() {
  if (auto s = select_ap(); !s) return s.error();
  auto cert = read_file(kEfAuthCert);
  if (!cert) return cert.error();
  auto ca = read_file(kEfAuthCaCert);
  if (!ca) return ca.error();
  return describe_certificate(std::move(*cert), std::move(*ca));
}

Result<TriesLeft> JpkiSession::query_tries() {
  if (auto s = select_ef(kEfAuthPin); !s) return s.error();
  auto r = send({0x00, 0x20, 0x00, 0x80});  // VERIFY without data: spends no try
  if (!r) return r.error();
  const Sw sw = status_of(*r);
  if (sw.sw1 == 0x63 && (sw.sw2 & 0xF0) == 0xC0) return TriesLeft{sw.sw2 & 0x0F};
  if (sw.sw1 == 0x69 && (sw.sw2 == 0x83 || sw.sw2 == 0x84)) return TriesLeft{0};
  if (sw.ok()) return TriesLeft{kAuthMaxTries};  // already verified in this card session
  return chip_fault("VERIFY (tries left)", sw);
}

Result<TriesLeft> JpkiSession::tries_left() {
  if (auto s = select_ap(); !s) return s.error();
  return query_tries();
}

Result<Signature> JpkiSession::prove_possession(Pin pin, std::span<const std::uint8_t> challenge) {
  if (!pin.well_formed())
    return make_error(std::string(errc::pin_format), "the PIN must be 4 digits; nothing sent");
  if (auto s = select_ap(); !s) return s.error();
  auto tries = query_tries();
  if (!tries) return tries.error();
  if (tries->locked())
    return make_error(std::string(errc::locked), "the authentication PIN is blocked");
  if (tries->last_try())
    return make_error(std::string(errc::pin_last_try),
                      "one try left: PIN not sent (municipality or visual confirmation)");

  Bytes verify = {0x00, 0x20, 0x00, 0x80, static_cast<std::uint8_t>(pin.bytes().size())};
  verify.insert(verify.end(), pin.bytes().begin(), pin.bytes().end());
  auto r = send(std::move(verify));  // send() zeroes the command buffer
  if (!r) return r.error();
  const Sw sw = status_of(*r);
  if (sw.sw1 == 0x63 && (sw.sw2 & 0xF0) == 0xC0) {
    const int left = sw.sw2 & 0x0F;
    if (left == 0)
      return make_error(std::string(errc::locked), "wrong PIN; the PIN is now blocked");
    return make_error(std::string(errc::wrong_pin),
                      "wrong PIN (" + std::to_string(left) + " tries left)");
  }
  if (sw.sw1 == 0x69 && (sw.sw2 == 0x83 || sw.sw2 == 0x84))
    return make_error(std::string(errc::locked), "the authentication PIN is blocked");
  if (!sw.ok()) return chip_fault("VERIFY", sw);

  if (auto s = select_ef(kEfAuthKey); !s) return s.error();
  Bytes digest_info(std::begin(kSha256DigestInfoPrefix), std::end(kSha256DigestInfoPrefix));
  digest_info.resize(digest_info.size() + 32);
  unsigned int md_len = 0;
  if (EVP_Digest(challenge.data(), challenge.size(),
                 digest_info.data() + sizeof kSha256DigestInfoPrefix, &md_len, EVP_sha256(),
                 nullptr) != 1 ||
      md_len != 32)
    return make_error(std::string(errc::reader_fault), "SHA-256 failed");
  Bytes sign = {0x80, 0x2A, 0x00, 0x80, static_cast<std::uint8_t>(digest_info.size())};
  sign.insert(sign.end(), digest_info.begin(), digest_info.end());
  sign.push_back(0x00);  // Le: 256
  auto s = send(std::move(sign));
  if (!s) return s.error();
  const Sw ssw = status_of(*s);
  if (ssw.sw1 == 0x69 && ssw.sw2 == 0x82)
    return chip_fault("COMPUTE DIGITAL SIGNATURE (security status)", ssw);
  if (!ssw.ok()) return chip_fault("COMPUTE DIGITAL SIGNATURE", ssw);
  if (s->size() != 256 + 2)
    return make_error(std::string(errc::reader_fault), "signature is not 256 bytes");
  return Signature{Bytes(s->begin(), s->end() - 2)};
}

}  // namespace madoguchi::card
