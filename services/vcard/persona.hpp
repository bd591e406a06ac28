// A persona: whose MyNumber card the virtual card is (key, certificates, PIN, tries left).
//
// Stored as JSON so tests can "insert" different patients; the file is also the card's memory:
// PIN tries are written back to it, so they survive a reconnect or a restart, like on a chip.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace madoguchi::vcard {

using Bytes = std::vector<std::uint8_t>;

struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

struct Persona {
  std::string label;          // for humans and logs, e.g. "1001 valid 本人 3割"
  std::string auth_key_pem;   // EF 0017: user-authentication private key (RSA-2048)
  std::string auth_cert_pem;  // EF 000A: user-authentication certificate
  std::string ca_cert_pem;    // EF 000B: the CA certificate that issued it
  std::string auth_pin;       // EF 0018: 4 digits
  int auth_tries_left = 3;    // of 3
  std::string sign_pin;       // EF 001B: 6-16 characters (never used by Madoguchi)
  int sign_tries_left = 5;    // of 5

  // Parses and checks the file: key and certificate must belong together.
  static Persona load(const std::filesystem::path& file);
  // Writes atomically (temp file + rename) so a kill never leaves half a card.
  void save(const std::filesystem::path& file) const;

  Bytes auth_cert_der() const;
  Bytes ca_cert_der() const;
  PkeyPtr auth_key() const;
};

// What `madoguchi-vcard issue` needs: the simulated JPKI CA and the new card's validity.
struct IssueRequest {
  std::filesystem::path ca_cert_file;
  std::filesystem::path ca_key_file;
  std::uint64_t serial = 0;  // the gateway simulator maps serial -> person
  std::string not_before;    // YYYY-MM-DD (00:00:00 JST)
  std::string not_after;     // YYYY-MM-DD (23:59:59 JST)
  std::string pin = "1234";
  int tries_left = 3;
  std::string label;
};

// Generates a fresh RSA-2048 key and a user-authentication certificate signed by the CA
// (OpenSSL C API). Throws std::runtime_error on failure.
Persona issue_persona(const IssueRequest& req);

}  // namespace madoguchi::vcard
