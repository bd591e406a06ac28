// Shared by the card tests and bench_card: dev certificates, personas, an in-process card with
// an APDU recorder, and the real PC/SC stack (pcscd -f with the vpcd driver + madoguchi-vcard).
#pragma once

#include <madoguchi/card/card.hpp>
#include <madoguchi_test/process.hpp>

#include "applet.hpp"
#include "persona.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace card_test {

using madoguchi::card::Bytes;

// deploy/dev-certs.sh run once per test process into a temp dir (jpki-ca.{crt,key} among them).
const std::filesystem::path& cert_dir();

struct PersonaSpec {
  std::uint64_t serial = 1001;
  std::string pin = "1234";
  int tries = 3;
  std::string not_before{};  // YYYY-MM-DD; default today
  std::string not_after{};   // default today + 5 years
};
madoguchi::vcard::Persona make_persona(const PersonaSpec& spec = {});
// Written to `dir`/persona-<serial>.json; returns the path.
std::filesystem::path write_persona(const std::filesystem::path& dir, const PersonaSpec& spec = {});

// The in-process chip behind a transport that records every command APDU.
class RecordingTransport final : public madoguchi::card::ApduTransport {
 public:
  explicit RecordingTransport(madoguchi::vcard::Persona persona, bool foreign = false);
  madoguchi::Result<Bytes> transmit(std::span<const std::uint8_t> command) override;
  const std::vector<Bytes>& commands() const { return commands_; }
  std::size_t bytes_sent() const;
  std::size_t bytes_received() const { return received_; }
  madoguchi::vcard::JpkiApplet& applet() { return applet_; }

 private:
  madoguchi::vcard::JpkiApplet applet_;
  std::vector<Bytes> commands_;
  std::size_t received_ = 0;
};

// Verifies an RSA PKCS#1 v1.5 SHA-256 signature with the certificate's public key (OpenSSL).
bool signature_verifies(const Bytes& cert_der, const Bytes& challenge, const Bytes& signature);
Bytes pem_file_to_der(const std::filesystem::path& pem);
std::string hex(const Bytes& b);

inline constexpr const char* kVpcdReader = "Virtual PCD";

// pcscd in the foreground (as root), started and stopped by the test, with a reader
// configuration of its own (vpcd on vpcd_port()). Only inside tests/support/private-pcscd.sh's
// namespace (ctest runs the card tests through it): the machine's pcscd is never touched.
class Pcscd {
 public:
  explicit Pcscd(std::filesystem::path log_dir);
  ~Pcscd();
  void start();
  void stop(int sig = 15);  // SIGTERM; fault tests kill it (SIGKILL)
  bool running() const { return proc_ != nullptr; }
  std::string log() const;

 private:
  std::filesystem::path log_dir_;
  std::unique_ptr<madoguchi_test::ChildProcess> proc_;
  int starts_ = 0;
};

// The vpcd port of this test process (chosen free once; kept across pcscd restarts).
unsigned short vpcd_port();

// madoguchi-vcard run --persona FILE --port vpcd_port() ... connected to vpcd.
class VirtualCard {
 public:
  VirtualCard(std::filesystem::path persona, std::filesystem::path dir,
              std::vector<std::string> extra_args = {});
  ~VirtualCard();
  void pull();    // SIGUSR1
  void insert();  // SIGUSR2
  void stop();
  std::filesystem::path apdu_log() const { return apdu_log_; }
  // Command APDUs seen by the card, as hex (PIN bytes starred by the card itself).
  std::vector<std::string> commands() const;
  std::string log() const;

 private:
  std::filesystem::path apdu_log_;
  std::unique_ptr<madoguchi_test::ChildProcess> proc_;
};

std::filesystem::path vcard_binary();
// Polls the reader until a card is present / absent.
bool wait_card_present(bool present, std::chrono::milliseconds timeout = std::chrono::seconds(8));

}  // namespace card_test
