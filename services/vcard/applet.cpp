#include "applet.hpp"

#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstring>

namespace madoguchi::vcard {
namespace {

constexpr std::uint8_t kJpkiAid[] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
constexpr int kAuthMaxTries = 3;
constexpr int kSignMaxTries = 5;
// EF 0006 token information: "JPKIAPICCTOKEN2" padded with spaces to 20 bytes.
constexpr char kTokenInfo[] = "JPKIAPICCTOKEN2     ";

Bytes sw(std::uint8_t sw1, std::uint8_t sw2) { return Bytes{sw1, sw2}; }
Bytes ok() { return sw(0x90, 0x00); }

}  // namespace

bool parse_command(std::span<const std::uint8_t> a, Command& c) {
  if (a.size() < 4) return false;
  c = Command{};
  c.cla = a[0];
  c.ins = a[1];
  c.p1 = a[2];
  c.p2 = a[3];
  const std::size_t n = a.size();
  if (n == 4) return true;  // case 1
  if (n == 5) {             // case 2 short
    c.has_le = true;
    c.le = a[4] == 0 ? 256 : a[4];
    return true;
  }
  if (a[4] != 0) {  // short Lc
    const std::size_t lc = a[4];
    if (n == 5 + lc) {
      c.data = a.subspan(5, lc);
      return true;
    }
    if (n == 6 + lc) {
      c.data = a.subspan(5, lc);
      c.has_le = true;
      c.le = a[5 + lc] == 0 ? 256 : a[5 + lc];
      return true;
    }
    return false;
  }
  // Extended: 00 then two bytes.
  c.extended = true;
  if (n == 7) {  // case 2E
    c.has_le = true;
    const std::size_t le = (std::size_t{a[5]} << 8) | a[6];
    c.le = le == 0 ? 65536 : le;
    return true;
  }
  if (n < 7) return false;
  const std::size_t lc = (std::size_t{a[5]} << 8) | a[6];
  if (lc == 0) return false;
  if (n == 7 + lc) {
    c.data = a.subspan(7, lc);
    return true;
  }
  if (n == 9 + lc) {
    c.data = a.subspan(7, lc);
    c.has_le = true;
    const std::size_t le = (std::size_t{a[7 + lc]} << 8) | a[8 + lc];
    c.le = le == 0 ? 65536 : le;
    return true;
  }
  return false;
}

JpkiApplet::JpkiApplet(Persona persona, std::function<void(const Persona&)> on_changed,
                       bool foreign)
    : persona_(std::move(persona)), on_changed_(std::move(on_changed)), foreign_(foreign) {
  auth_cert_ = persona_.auth_cert_der();
  ca_cert_ = persona_.ca_cert_der();
  key_ = persona_.auth_key();
}

std::span<const std::uint8_t> JpkiApplet::atr() const {
  if (foreign_) return kForeignAtr;
  return kJpkiAtr;
}

void JpkiApplet::reset() {
  ap_selected_ = false;
  ef_ = Ef::None;
  auth_verified_ = false;
  sign_verified_ = false;
}

void JpkiApplet::persist() {
  if (on_changed_) on_changed_(persona_);
}

Bytes JpkiApplet::process(std::span<const std::uint8_t> apdu) {
  Command c;
  if (!parse_command(apdu, c)) return sw(0x67, 0x00);  // wrong length
  if (c.cla != 0x00 && c.cla != 0x80) return sw(0x6E, 0x00);
  switch (c.ins) {
    case 0xA4:
      if (c.cla != 0x00) return sw(0x6E, 0x00);
      return select(c.p1, c.data);
    case 0xB0: {
      if (c.cla != 0x00) return sw(0x6E, 0x00);
      if (c.p1 & 0x80) return sw(0x6A, 0x81);  // short-EF addressing: not supported here
      if (!c.data.empty()) return sw(0x67, 0x00);
      return read_binary((std::size_t{c.p1} << 8) | c.p2, c.has_le ? c.le : 256);
    }
    case 0x20:
      if (c.cla != 0x00) return sw(0x6E, 0x00);
      if (c.p1 != 0x00 || c.p2 != 0x80) return sw(0x6A, 0x86);
      return verify(c.data, !c.data.empty());
    case 0x2A:
      if (c.cla != 0x80) return sw(0x6E, 0x00);
      if (c.p1 != 0x00 || c.p2 != 0x80) return sw(0x6A, 0x86);
      return sign(c.data);
    default:
      return sw(0x6D, 0x00);
  }
}

Bytes JpkiApplet::select(std::uint8_t p1, std::span<const std::uint8_t> data) {
  if (p1 == 0x04) {  // by DF name (AID)
    if (!foreign_ && data.size() == sizeof kJpkiAid &&
        std::equal(data.begin(), data.end(), std::begin(kJpkiAid))) {
      ap_selected_ = true;
      ef_ = Ef::None;
      return ok();
    }
    // Any other application, including 券面事項入力補助AP and 券面AP: this card has none.
    // The current selection stays (ISO 7816-4: a failed SELECT changes nothing).
    return sw(0x6A, 0x82);
  }
  if (p1 == 0x02) {  // EF under the current DF
    if (!ap_selected_ || data.size() != 2) return sw(0x6A, 0x82);
    const auto fid = static_cast<std::uint16_t>((data[0] << 8) | data[1]);
    switch (static_cast<Ef>(fid)) {
      case Ef::TokenInfo:
      case Ef::AuthCert:
      case Ef::AuthCaCert:
      case Ef::AuthKey:
      case Ef::AuthPin:
      case Ef::SignPin:
        ef_ = static_cast<Ef>(fid);
        return ok();
      default:
        // The signing certificate/key (0001, 0002, 001A) are not personalised on this card.
        return sw(0x6A, 0x82);
    }
  }
  return sw(0x6A, 0x86);
}

Bytes JpkiApplet::read_binary(std::size_t offset, std::size_t le) {
  const Bytes* file = nullptr;
  Bytes token;
  switch (ef_) {
    case Ef::AuthCert:
      file = &auth_cert_;
      break;
    case Ef::AuthCaCert:
      file = &ca_cert_;
      break;
    case Ef::TokenInfo:
      token.assign(kTokenInfo, kTokenInfo + std::strlen(kTokenInfo));
      file = &token;
      break;
    case Ef::None:
      return sw(0x69, 0x86);  // no current EF
    default:
      return sw(0x69, 0x82);  // key and PIN EFs are never readable
  }
  if (offset > file->size()) return sw(0x6B, 0x00);
  const std::size_t n = std::min(le, file->size() - offset);
  Bytes out(file->begin() + static_cast<std::ptrdiff_t>(offset),
            file->begin() + static_cast<std::ptrdiff_t>(offset + n));
  out.push_back(0x90);
  out.push_back(0x00);
  return out;
}

Bytes JpkiApplet::verify(std::span<const std::uint8_t> data, bool has_data) {
  int* tries = nullptr;
  const std::string* pin = nullptr;
  bool* verified = nullptr;
  int max_tries = 0;
  if (ef_ == Ef::AuthPin) {
    tries = &persona_.auth_tries_left;
    pin = &persona_.auth_pin;
    verified = &auth_verified_;
    max_tries = kAuthMaxTries;
  } else if (ef_ == Ef::SignPin) {
    tries = &persona_.sign_tries_left;
    pin = &persona_.sign_pin;
    verified = &sign_verified_;
    max_tries = kSignMaxTries;
  } else {
    return sw(0x69, 0x86);  // no PIN EF selected
  }
  if (*tries <= 0) return sw(0x69, 0x83);  // blocked
  if (!has_data) return sw(0x63, static_cast<std::uint8_t>(0xC0 | *tries));
  const bool match =
      data.size() == pin->size() && CRYPTO_memcmp(data.data(), pin->data(), data.size()) == 0;
  if (match) {
    *verified = true;
    if (*tries != max_tries) {
      *tries = max_tries;
      persist();
    }
    return ok();
  }
  *verified = false;
  --*tries;
  persist();
  return sw(0x63, static_cast<std::uint8_t>(0xC0 | *tries));
}

Bytes JpkiApplet::sign(std::span<const std::uint8_t> data) {
  if (ef_ != Ef::AuthKey) return sw(0x69, 0x86);
  if (!auth_verified_) return sw(0x69, 0x82);  // security status not satisfied
  if (data.empty() || data.size() > 256 - 11) return sw(0x67, 0x00);
  // PKCS#1 v1.5 type 1 padding over what the host sent (a DigestInfo), like the chip does.
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key_.get(), nullptr);
  Bytes out(256);
  std::size_t len = out.size();
  const bool good = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
                    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
                    EVP_PKEY_sign(ctx, out.data(), &len, data.data(), data.size()) > 0;
  EVP_PKEY_CTX_free(ctx);
  if (!good) return sw(0x6F, 0x00);
  out.resize(len);
  out.push_back(0x90);
  out.push_back(0x00);
  return out;
}

}  // namespace madoguchi::vcard
