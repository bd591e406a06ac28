#include "persona.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace madoguchi::vcard {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  throw std::runtime_error(what + (buf[0] ? std::string(": ") + buf : std::string()));
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

X509Ptr cert_from_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("bad certificate PEM");
  return cert;
}

PkeyPtr key_from_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail("bad private key PEM");
  return key;
}

Bytes to_der(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) fail("i2d_X509");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(bio.get(), cert)) fail("PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
    fail("PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(len));
  OPENSSL_cleanse(data, static_cast<std::size_t>(len));
  return pem;
}

// "YYYY-MM-DD" at hh:mm:ss Japan Standard Time (UTC+9), as a UTC time_t.
std::time_t jst_time(const std::string& ymd, int hh, int mm, int ss) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(ymd.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 ||
      d > 31)
    throw std::runtime_error("date must be YYYY-MM-DD: " + ymd);
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  return timegm(&tm) - 9 * 3600;
}

std::string today_plus_years(int years) {
  std::time_t now = std::time(nullptr) + 9 * 3600;
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900 + years, tm.tm_mon + 1,
                tm.tm_mday);
  return buf;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) fail(std::string("extension ") + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

bool valid_pin(const std::string& pin) {
  if (pin.size() != 4) return false;
  for (char c : pin)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Persona Persona::load(const std::filesystem::path& file) {
  auto j = nlohmann::json::parse(read_text(file));
  Persona p;
  p.label = j.value("label", "");
  p.auth_key_pem = j.at("auth_key_pem").get<std::string>();
  p.auth_cert_pem = j.at("auth_cert_pem").get<std::string>();
  p.ca_cert_pem = j.at("ca_cert_pem").get<std::string>();
  p.auth_pin = j.at("auth_pin").get<std::string>();
  p.auth_tries_left = j.value("auth_tries_left", 3);
  p.sign_pin = j.value("sign_pin", "ABC123");
  p.sign_tries_left = j.value("sign_tries_left", 5);
  if (!valid_pin(p.auth_pin)) throw std::runtime_error("persona: auth_pin must be 4 digits");
  if (p.auth_tries_left < 0 || p.auth_tries_left > 3)
    throw std::runtime_error("persona: auth_tries_left must be 0..3");
  if (p.sign_tries_left < 0 || p.sign_tries_left > 5)
    throw std::runtime_error("persona: sign_tries_left must be 0..5");
  auto cert = cert_from_pem(p.auth_cert_pem);
  auto key = key_from_pem(p.auth_key_pem);
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    throw std::runtime_error("persona: key does not match the certificate");
  if (EVP_PKEY_get_bits(key.get()) != 2048)
    throw std::runtime_error("persona: the JPKI key is RSA-2048");
  cert_from_pem(p.ca_cert_pem);
  return p;
}

void Persona::save(const std::filesystem::path& file) const {
  nlohmann::json j = {{"label", label},
                      {"auth_key_pem", auth_key_pem},
                      {"auth_cert_pem", auth_cert_pem},
                      {"ca_cert_pem", ca_cert_pem},
                      {"auth_pin", auth_pin},
                      {"auth_tries_left", auth_tries_left},
                      {"sign_pin", sign_pin},
                      {"sign_tries_left", sign_tries_left}};
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << j.dump(2) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::permissions(
      tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(tmp, file);
}

Bytes Persona::auth_cert_der() const { return to_der(cert_from_pem(auth_cert_pem).get()); }
Bytes Persona::ca_cert_der() const { return to_der(cert_from_pem(ca_cert_pem).get()); }
PkeyPtr Persona::auth_key() const { return key_from_pem(auth_key_pem); }

Persona issue_persona(const IssueRequest& req) {
  if (req.serial == 0) throw std::runtime_error("serial must be > 0");
  if (!valid_pin(req.pin)) throw std::runtime_error("PIN must be 4 digits");
  auto ca_cert = cert_from_pem(read_text(req.ca_cert_file));
  auto ca_key = key_from_pem(read_text(req.ca_key_file));
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
    throw std::runtime_error("CA key does not match the CA certificate");

  PkeyPtr key(EVP_RSA_gen(2048));
  if (!key) fail("RSA-2048 key generation");

  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);  // v3
  BIGNUM* bn = BN_new();
  BN_set_word(bn, req.serial);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);

  const std::string nb = req.not_before.empty() ? today_plus_years(0) : req.not_before;
  const std::string na = req.not_after.empty() ? today_plus_years(5) : req.not_after;
  const std::time_t t_nb = jst_time(nb, 0, 0, 0);
  const std::time_t t_na = jst_time(na, 23, 59, 59);
  if (t_na <= t_nb) throw std::runtime_error("not-after must be after not-before");
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), t_nb);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), t_na);

  // Like a real JPKI user-authentication certificate: no name, no individual number.
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("JP"),
                             -1, -1, 0);
  const std::string cn = "JPKI User " + std::to_string(req.serial);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth");
  add_ext(cert.get(), ca_cert.get(), NID_subject_key_identifier, "hash");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) <= 0) fail("X509_sign");

  Persona p;
  p.label = req.label.empty() ? std::to_string(req.serial) : req.label;
  p.auth_key_pem = key_to_pem(key.get());
  p.auth_cert_pem = cert_to_pem(cert.get());
  p.ca_cert_pem = cert_to_pem(ca_cert.get());
  p.auth_pin = req.pin;
  p.auth_tries_left = req.tries_left;
  return p;
}

}  // namespace madoguchi::vcard
