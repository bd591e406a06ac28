#include "card_test_support.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace card_test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Kept in the build tree across test processes (dev-certs.sh keeps existing files; a lock file
// keeps parallel test processes from generating them twice).
const fs::path& cert_dir() {
  static const fs::path dir = madoguchi_test::binary_dir() / "test-var" / "card-certs";
  static std::once_flag once;
  std::call_once(once, [] {
    fs::create_directories(dir);
    auto r = madoguchi_test::run_command(
        "flock " + (dir / ".lock").string() + " " +
        (madoguchi_test::source_dir() / "deploy/dev-certs.sh").string() + " " + dir.string());
    if (r.exit_code != 0) throw std::runtime_error("dev-certs.sh failed: " + r.output);
  });
  return dir;
}

madoguchi::vcard::Persona make_persona(const PersonaSpec& spec) {
  madoguchi::vcard::IssueRequest req;
  req.ca_cert_file = cert_dir() / "jpki-ca.crt";
  req.ca_key_file = cert_dir() / "jpki-ca.key";
  req.serial = spec.serial;
  req.pin = spec.pin;
  req.tries_left = spec.tries;
  req.not_before = spec.not_before;
  req.not_after = spec.not_after;
  return madoguchi::vcard::issue_persona(req);
}

fs::path write_persona(const fs::path& dir, const PersonaSpec& spec) {
  auto p = make_persona(spec);
  auto file = dir / ("persona-" + std::to_string(spec.serial) + ".json");
  p.save(file);
  return file;
}

RecordingTransport::RecordingTransport(madoguchi::vcard::Persona persona, bool foreign)
    : applet_(std::move(persona), {}, foreign) {}

madoguchi::Result<Bytes> RecordingTransport::transmit(std::span<const std::uint8_t> command) {
  commands_.emplace_back(command.begin(), command.end());
  auto r = applet_.process(command);
  received_ += r.size();
  return r;
}

std::size_t RecordingTransport::bytes_sent() const {
  std::size_t n = 0;
  for (const auto& c : commands_) n += c.size();
  return n;
}

bool signature_verifies(const Bytes& cert_der, const Bytes& challenge, const Bytes& signature) {
  const unsigned char* p = cert_der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  if (!cert) return false;
  EVP_PKEY* key = X509_get_pubkey(cert);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok = key && md && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(md, signature.data(), signature.size(), challenge.data(),
                                   challenge.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  X509_free(cert);
  return ok;
}

Bytes pem_file_to_der(const fs::path& pem) {
  std::ifstream in(pem);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return {};
  int len = i2d_X509(cert, nullptr);
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* q = out.data();
  i2d_X509(cert, &q);
  X509_free(cert);
  return out;
}

std::string hex(const Bytes& b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (auto x : b) {
    s.push_back(d[x >> 4]);
    s.push_back(d[x & 15]);
  }
  return s;
}

// ---- pcscd ---------------------------------------------------------------------------------

namespace {

std::vector<pid_t> running_pcscd() {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream comm(e.path() / "comm");
    std::string c;
    std::getline(comm, c);
    if (c != "pcscd") continue;
    std::ifstream stat(e.path() / "stat");
    std::string pid, paren, state;
    stat >> pid >> paren >> state;
    if (state == "Z") continue;  // a zombie holds no socket
    out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

// The test binary runs under tests/support/private-pcscd.sh (ctest does that): its own mount
// and PID namespace, so /run/pcscd and /proc are this test's alone and no other pcscd is seen.
void require_private_namespace() {
  const char* v = std::getenv("MADOGUCHI_TEST_PRIVATE_PCSCD");
  if (!v || std::string(v) != "1")
    throw std::runtime_error(
        "card tests start their own pcscd and must not touch the machine's: run them through "
        "ctest, or as tests/support/private-pcscd.sh <test binary>");
}

// vpcd listens on its port and the next one (two slots); both must be free.
unsigned short pick_vpcd_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const unsigned short p = madoguchi_test::free_port();
    if (p < 65535 && madoguchi_test::port_is_free(p) &&
        madoguchi_test::port_is_free(static_cast<unsigned short>(p + 1)))
      return p;
  }
  throw std::runtime_error("no free pair of ports for vpcd");
}

}  // namespace

unsigned short vpcd_port() {
  static const unsigned short port = pick_vpcd_port();
  return port;
}

Pcscd::Pcscd(fs::path log_dir) : log_dir_(std::move(log_dir)) { start(); }
Pcscd::~Pcscd() { stop(); }

void Pcscd::start() {
  if (proc_) return;
  require_private_namespace();
  // A pcscd this test stopped or killed a moment ago may still be exiting.
  if (!madoguchi_test::wait_until([] { return running_pcscd().empty(); }, 20s))
    throw std::runtime_error("a pcscd of this test is still running");
  const auto conf = log_dir_ / "reader.conf";
  {
    std::ofstream out(conf, std::ios::trunc);
    const auto port = std::to_string(vpcd_port());
    out << "FRIENDLYNAME \"" << kVpcdReader << "\"\n"
        << "DEVICENAME   /dev/null:" << port << "\n"
        << "LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n"
        << "CHANNELID    " << port << "\n";
  }
  ++starts_;
  proc_ = std::make_unique<madoguchi_test::ChildProcess>(
      std::vector<std::string>{"pcscd", "-f", "-a", "-c", conf.string()},
      std::vector<std::string>{}, log_dir_ / ("pcscd-" + std::to_string(starts_) + ".log"));
  const bool up = madoguchi_test::wait_until(
      [] {
        auto readers = madoguchi::card::CardReader::list_readers();
        if (readers)
          for (const auto& r : *readers)
            if (r.rfind(kVpcdReader, 0) == 0) return true;
        return false;
      },
      10s);
  if (!up) throw std::runtime_error("pcscd did not show the vpcd reader:\n" + log());
}

void Pcscd::stop(int sig) {
  if (!proc_) return;
  proc_->stop(sig, 10s);
  proc_.reset();
}

std::string Pcscd::log() const {
  std::ifstream in(log_dir_ / ("pcscd-" + std::to_string(starts_) + ".log"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- the virtual card ----------------------------------------------------------------------

fs::path vcard_binary() { return madoguchi_test::binary_dir() / "services/vcard/madoguchi-vcard"; }

VirtualCard::VirtualCard(fs::path persona, fs::path dir, std::vector<std::string> extra_args) {
  static std::atomic<int> n{0};
  const int id = n++;
  apdu_log_ = dir / ("apdu-" + std::to_string(id) + ".log");
  std::vector<std::string> argv = {vcard_binary().string(), "run",
                                   "--persona",             persona.string(),
                                   "--apdu-log",            apdu_log_.string(),
                                   "--port",                std::to_string(vpcd_port())};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<madoguchi_test::ChildProcess>(
      argv, std::vector<std::string>{}, dir / ("vcard-" + std::to_string(id) + ".log"));
}

VirtualCard::~VirtualCard() { stop(); }
void VirtualCard::pull() { proc_->signal(SIGUSR1); }
void VirtualCard::insert() { proc_->signal(SIGUSR2); }
void VirtualCard::stop() {
  if (proc_) proc_->stop(SIGTERM, 5s);
}
std::string VirtualCard::log() const { return proc_ ? proc_->log() : std::string(); }

std::vector<std::string> VirtualCard::commands() const {
  std::vector<std::string> out;
  std::ifstream in(apdu_log_);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("C ", 0) == 0) out.push_back(line.substr(2));
  return out;
}

bool wait_card_present(bool present, std::chrono::milliseconds timeout) {
  madoguchi::card::CardReader reader({kVpcdReader});
  return madoguchi_test::wait_until(
      [&] {
        auto p = reader.card_present();
        return p && *p == present;
      },
      timeout);
}

}  // namespace card_test
