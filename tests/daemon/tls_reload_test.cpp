// The daemon's certificate and key reload on SIGHUP (issue 13): `openssl s_client` sees the
// new certificate on a new connection, while a keep-alive connection made before the reload
// keeps working with the old one; a broken pair on disk keeps the previous one in service.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

using namespace madoguchi_test;

namespace {

// The SHA-256 fingerprint of the certificate the daemon presents to a new connection.
std::string served_fingerprint(unsigned short port) {
  auto r = run_command("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                       " </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256");
  return r.output;
}

std::string file_fingerprint(const std::filesystem::path& cert) {
  return run_command("openssl x509 -noout -fingerprint -sha256 -in " + cert.string()).output;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// One keep-alive HTTPS connection, held across the reload (plain OpenSSL, blocking).
class KeepAlive {
 public:
  explicit KeepAlive(unsigned short port) : ctx_(SSL_CTX_new(TLS_client_method())) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("connect failed");
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake failed");
  }
  ~KeepAlive() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  // The fingerprint of the certificate this connection was made with, as openssl prints it.
  std::string fingerprint() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert, EVP_sha256(), md, &len);
    X509_free(cert);
    std::string out = "sha256 Fingerprint=";
    char hex[4];
    for (unsigned i = 0; i < len; ++i) {
      std::snprintf(hex, sizeof hex, i + 1 < len ? "%02X:" : "%02X", md[i]);
      out += hex;
    }
    return out + "\n";
  }
  // GET /healthz on this connection; the status line of the answer.
  std::string healthz() {
    const std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (SSL_write(ssl_, req.data(), static_cast<int>(req.size())) <= 0) return "write failed";
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return "read failed";
      got.append(buf, static_cast<std::size_t>(n));
    }
    // The body is small ({"status":"ok"}): read it so the next answer starts clean.
    const auto len_at = got.find("Content-Length: ");
    const std::size_t body_len =
        len_at == std::string::npos ? 0 : std::stoul(got.substr(len_at + 16));
    while (got.size() < got.find("\r\n\r\n") + 4 + body_len) {
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return "read failed";
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got.substr(0, got.find("\r\n"));
  }

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

// Replaces `to` by `from` in one rename, as a deployment should (the daemon never reads half).
void install(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::copy_file(from, to.string() + ".new",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to.string() + ".new", to);
}

}  // namespace

TEST(TlsReload, SighupServesTheNewCertificateAndKeepsLiveConnections) {
  TempPostgres pg;
  TempDir dir("tls-reload");
  Daemon d(pg, dir);
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  // The daemon serves the fixture's certificates (this test process's own copy).
  const auto certs = Daemon::dev_certs();
  const std::string old_print = file_fingerprint(certs / "madoguchid.crt");
  ASSERT_NE(old_print.find("Fingerprint="), std::string::npos) << old_print;
  ASSERT_EQ(served_fingerprint(d.https_port()), old_print);

  KeepAlive earlier(d.https_port());
  ASSERT_EQ(earlier.healthz(), "HTTP/1.1 200 OK");
  ASSERT_EQ(earlier.fingerprint(), old_print);

  // A new certificate and key (EC P-256, self-signed: only its identity matters here).
  const auto fresh = dir.path() / "fresh";
  std::filesystem::create_directories(fresh);
  auto made = run_command(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
      "/CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
      (fresh / "new.key").string() + " -out " + (fresh / "new.crt").string() + " 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string new_print = file_fingerprint(fresh / "new.crt");
  ASSERT_NE(new_print, old_print);
  install(fresh / "new.key", certs / "madoguchid.key");
  install(fresh / "new.crt", certs / "madoguchid.crt");

  d.process().signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] { return d.log().find("SIGHUP: TLS certificate and key reloaded") != std::string::npos; },
      std::chrono::seconds(10)))
      << d.log();
  EXPECT_TRUE(d.process().running());
  EXPECT_EQ(served_fingerprint(d.https_port()), new_print);
  // The connection from before the reload is still served, with its old certificate.
  EXPECT_EQ(earlier.healthz(), "HTTP/1.1 200 OK");
  EXPECT_EQ(earlier.fingerprint(), old_print);

  // A certificate without its key: the reload fails, is logged, and the last good pair stays.
  {
    std::ofstream broken(fresh / "broken.key");
    broken << "not a key\n";
  }
  install(fresh / "broken.key", certs / "madoguchid.key");
  d.process().signal(SIGHUP);
  ASSERT_TRUE(
      wait_until([&] { return d.log().find("SIGHUP: TLS reload failed") != std::string::npos; },
                 std::chrono::seconds(10)))
      << d.log();
  EXPECT_TRUE(d.process().running());
  EXPECT_EQ(served_fingerprint(d.https_port()), new_print);
  EXPECT_EQ(count(d.log(), "TLS certificate and key reloaded"), 1);
  EXPECT_EQ(earlier.healthz(), "HTTP/1.1 200 OK");
}
