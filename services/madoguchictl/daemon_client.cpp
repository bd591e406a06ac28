// A minimal HTTPS/1.1 client on OpenSSL, for one request per connection.
//
// Why not Beast: madoguchictl makes one blocking request per run; a Beast/Asio translation unit
// costs ~50 s and ~1 GB to compile, for an event loop the CLI does not need. OpenSSL does the
// part that must be right (TLS, chain and host verification); what is left is writing one
// request and reading one answer (Content-Length, chunked, or until close), with size caps.
#include "daemon_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace madoguchi::ctl {

namespace {

constexpr std::size_t kMaxHeader = 64 * 1024;
constexpr std::size_t kMaxBody = 64 * 1024 * 1024;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string{};
}

std::string first_of(std::initializer_list<std::string> values) {
  for (const auto& v : values)
    if (!v.empty()) return v;
  return {};
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Result<void> parse_url(const std::string& url, Settings& s) {
  constexpr std::string_view kScheme = "https://";
  if (url.rfind(kScheme, 0) != 0)
    return make_error("ctl.config", "the daemon URL must start with https:// (got '" + url + "')");
  std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  s.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!s.base_path.empty() && s.base_path.back() == '/') s.base_path.pop_back();
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8443
    const auto close = authority.find(']');
    if (close == std::string::npos) return make_error("ctl.config", "bad URL '" + url + "'");
    s.host = authority.substr(1, close - 1);
    s.port = authority.size() > close + 2 && authority[close + 1] == ':'
                 ? authority.substr(close + 2)
                 : "443";
  } else {
    const auto colon = authority.rfind(':');
    s.host = authority.substr(0, colon);
    s.port = colon == std::string::npos ? "443" : authority.substr(colon + 1);
  }
  if (s.host.empty() || s.port.empty() ||
      s.port.find_first_not_of("0123456789") != std::string::npos)
    return make_error("ctl.config", "bad URL '" + url + "'");
  return {};
}

// The config file: {"url", "ca_file", "token_file", "lang"}; unknown keys are errors so that a
// typo never silently means "default".
Result<nlohmann::json> load_config(const std::string& explicit_file) {
  std::string file = explicit_file;
  if (file.empty()) {
    const std::string xdg = env("XDG_CONFIG_HOME"), home = env("HOME");
    const std::string dir = !xdg.empty() ? xdg : home.empty() ? "" : home + "/.config";
    if (dir.empty()) return nlohmann::json::object();
    file = dir + "/madoguchi/ctl.json";
    if (!std::ifstream(file)) return nlohmann::json::object();  // the default file is optional
  }
  std::ifstream in(file);
  if (!in) return make_error("ctl.config", "cannot read the config file " + file);
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (j.is_discarded() || !j.is_object())
    return make_error("ctl.config", file + " is not a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "url" && k != "ca_file" && k != "token_file" && k != "lang")
      return make_error("ctl.config", file + ": unknown key '" + k + "'");
    if (!v.is_string()) return make_error("ctl.config", file + ": '" + k + "' must be a string");
  }
  return j;
}

std::string ssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

// A TCP connection with a connect deadline; reads and writes time out after `io`.
Result<int> tcp_connect(const std::string& host, const std::string& port, std::chrono::seconds io) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return make_error("ctl.connect", "cannot resolve " + host + ": " + gai_strerror(rc));
  std::string last = "no address";
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, 5000);
      int err = 0;
      socklen_t len = sizeof err;
      if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        rc = 0;
      else
        errno = rc == 0 ? ETIMEDOUT : (err ? err : errno), rc = -1;
    }
    if (rc != 0) {
      last = std::strerror(errno);
      ::close(fd);
      fd = -1;
      continue;
    }
    fcntl(fd, F_SETFL, flags);
    timeval tv{static_cast<time_t>(io.count()), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  freeaddrinfo(found);
  if (fd < 0)
    return make_error("ctl.connect", "cannot connect to " + host + ":" + port + ": " + last);
  return fd;
}

struct Connection {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  ~Connection() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
};

bool is_ip(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Result<void> tls_handshake(Connection& c, const Settings& s) {
  c.ctx = SSL_CTX_new(TLS_client_method());
  if (!c.ctx) return make_error("ctl.tls", ssl_errors());
  SSL_CTX_set_min_proto_version(c.ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(c.ctx, SSL_VERIFY_PEER, nullptr);
  const int loaded = s.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(c.ctx)
                         : SSL_CTX_load_verify_locations(c.ctx, s.ca_file.c_str(), nullptr);
  if (loaded != 1) return make_error("ctl.tls", "cannot load the CA file " + s.ca_file);
  c.ssl = SSL_new(c.ctx);
  if (!c.ssl) return make_error("ctl.tls", ssl_errors());
  // The certificate must name the host of the URL: an IP address in its SAN, or a DNS name.
  if (is_ip(s.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c.ssl), s.host.c_str());
  } else {
    SSL_set_tlsext_host_name(c.ssl, s.host.c_str());
    SSL_set1_host(c.ssl, s.host.c_str());
  }
  SSL_set_fd(c.ssl, c.fd);
  if (SSL_connect(c.ssl) != 1) {
    const long verify = SSL_get_verify_result(c.ssl);
    if (verify != X509_V_OK)
      return make_error("ctl.tls", std::string("the daemon's certificate is not trusted: ") +
                                       X509_verify_cert_error_string(verify));
    return make_error("ctl.tls", "TLS handshake failed: " + ssl_errors());
  }
  return {};
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Decodes a chunked body; false while incomplete. Throws std::invalid_argument when malformed.
bool dechunk(std::string_view in, std::string& out) {
  out.clear();
  std::size_t pos = 0;
  for (;;) {
    const auto eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) return false;
    const std::string size_text(in.substr(pos, in.find_first_of(";\r", pos) - pos));
    std::size_t used = 0;
    const unsigned long long size = std::stoull(size_text, &used, 16);
    if (used != size_text.size() || size > kMaxBody) throw std::invalid_argument("chunk size");
    pos = eol + 2;
    if (size == 0) return in.find("\r\n", pos) != std::string_view::npos;  // trailers end
    if (in.size() < pos + size + 2) return false;
    out.append(in.substr(pos, size));
    pos += size + 2;
    if (out.size() > kMaxBody) throw std::invalid_argument("body too large");
  }
}

// Parses what has been read so far; true when the answer is complete (or `eof` ends it).
Result<bool> parse_reply(const std::string& raw, bool eof, HttpReply& reply) {
  const auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (raw.size() > kMaxHeader || eof)
      return make_error("ctl.http", "the daemon's answer has no complete header");
    return false;
  }
  std::istringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12)
    return make_error("ctl.http", "not an HTTP/1.1 answer");
  reply.status = std::atoi(line.c_str() + 9);
  long long length = -1;
  bool chunked = false;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (name == "content-length") length = std::atoll(value.c_str());
    if (name == "transfer-encoding") chunked = lower(value).find("chunked") != std::string::npos;
    if (name == "content-type") reply.content_type = value;
  }
  const std::string_view body = std::string_view(raw).substr(end + 4);
  if (chunked) {
    try {
      if (dechunk(body, reply.body)) return true;
    } catch (const std::exception&) {
      return make_error("ctl.http", "malformed chunked answer");
    }
    if (eof) return make_error("ctl.io", "the connection closed mid-answer");
    return false;
  }
  if (length >= 0) {
    if (static_cast<unsigned long long>(length) > kMaxBody)
      return make_error("ctl.http", "the answer is too large");
    if (body.size() >= static_cast<std::size_t>(length)) {
      reply.body = std::string(body.substr(0, static_cast<std::size_t>(length)));
      return true;
    }
    if (eof) return make_error("ctl.io", "the connection closed mid-answer");
    return false;
  }
  if (eof) {
    reply.body = std::string(body);
    return true;
  }
  return false;
}

}  // namespace

Result<Settings> resolve(const Globals& g, bool need_token) {
  auto config = load_config(first_of({g.daemon.config_file, env("MADOGUCHI_CTL_CONFIG")}));
  if (!config) return config.error();
  auto conf = [&](const char* key) { return config->value(key, std::string{}); };
  Settings s;
  const std::string url =
      first_of({g.daemon.url, env("MADOGUCHI_URL"), conf("url"), "https://127.0.0.1:8443"});
  if (auto r = parse_url(url, s); !r) return r.error();
  s.ca_file = first_of({g.daemon.ca_file, env("MADOGUCHI_CA_FILE"), conf("ca_file")});
  s.lang = first_of({g.lang, env("MADOGUCHI_LANG"), conf("lang"), "ja"});
  if (s.lang != "ja" && s.lang != "en") s.lang = "ja";

  const std::string token_file =
      first_of({g.daemon.token_file, env("MADOGUCHI_TOKEN_FILE"), conf("token_file")});
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return make_error("ctl.token", "cannot read the token file " + token_file);
    std::stringstream ss;
    ss << in.rdbuf();
    s.token = trim(ss.str());
  } else {
    s.token = trim(env("MADOGUCHI_TOKEN"));
  }
  if (need_token && s.token.empty())
    return make_error("ctl.token",
                      "no API token: give --token-file FILE, $MADOGUCHI_TOKEN_FILE or "
                      "$MADOGUCHI_TOKEN (never the token itself on the command line)");
  return s;
}

nlohmann::json HttpReply::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : value) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

Result<HttpReply> DaemonClient::request(std::string_view method, std::string_view target,
                                        std::string_view body, std::string_view content_type,
                                        std::chrono::seconds timeout) const {
  const Settings& s = settings_;
  Connection c;
  auto fd = tcp_connect(s.host, s.port, timeout);
  if (!fd) return fd.error();
  c.fd = *fd;
  if (auto r = tls_handshake(c, s); !r) return r.error();

  const bool v6 = s.host.find(':') != std::string::npos;
  std::string head;
  head.append(method).append(" ").append(s.base_path).append(target).append(" HTTP/1.1\r\n");
  head += "Host: " + (v6 ? "[" + s.host + "]" : s.host) + ":" + s.port + "\r\n";
  head += "User-Agent: madoguchictl/" MADOGUCHI_VERSION "\r\n";
  head += "Accept: application/json\r\n";
  head += "Connection: close\r\n";
  if (!s.token.empty()) head += "Authorization: Bearer " + s.token + "\r\n";
  if (!content_type.empty()) head.append("Content-Type: ").append(content_type).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT")
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  head += "\r\n";

  for (std::string_view part : {std::string_view(head), body}) {
    while (!part.empty()) {
      const int n = SSL_write(c.ssl, part.data(),
                              static_cast<int>(std::min<std::size_t>(part.size(), 1 << 20)));
      if (n <= 0) return make_error("ctl.io", "sending the request failed: " + ssl_errors());
      part.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // The request held the token: do not leave it in freed memory.
  OPENSSL_cleanse(head.data(), head.size());

  std::string raw;
  HttpReply reply;
  char buf[16384];
  for (;;) {
    const int n = SSL_read(c.ssl, buf, sizeof buf);
    bool eof = false;
    if (n > 0) {
      raw.append(buf, static_cast<std::size_t>(n));
      if (raw.size() > kMaxHeader + kMaxBody)
        return make_error("ctl.http", "the answer is too large");
    } else {
      const int err = SSL_get_error(c.ssl, n);
      if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0)) {
        eof = true;
      } else if (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return make_error(
            "ctl.io", "the daemon did not answer within " + std::to_string(timeout.count()) + " s");
      } else {
        eof = true;  // a peer that closes without close_notify: judge by what arrived
      }
    }
    auto done = parse_reply(raw, eof, reply);
    if (!done) return done.error();
    if (*done) return reply;
    if (eof) return make_error("ctl.io", "the connection closed mid-answer");
  }
}

}  // namespace madoguchi::ctl
