#include "https_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/x509.h>

#include <iostream>
#include <random>

namespace madoguchi::sim {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace gw = madoguchi::gateway;
using tcp = asio::ip::tcp;
using Stream = ssl::stream<beast::tcp_stream>;

namespace {

struct Server {
  SimGateway& gateway;
  const HttpsOptions& options;
  ssl::context tls{ssl::context::tls_server};
  std::mt19937_64 rng;
  std::uniform_real_distribution<double> uniform{0.0, 1.0};

  Server(SimGateway& g, const HttpsOptions& o) : gateway(g), options(o), rng(o.seed) {
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls.use_certificate_chain_file(o.cert_file);
    tls.use_private_key_file(o.key_file, ssl::context::pem);
    tls.load_verify_file(o.ca_file);
    // Mutual TLS: no client certificate from the dev CA, no connection.
    tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    // Clients resume their TLS sessions instead of a full handshake per connection; with client
    // certificates verified, OpenSSL resumes only sessions of a named context.
    static const unsigned char kContext[] = "madoguchi-gateway-sim";
    SSL_CTX_set_session_id_context(tls.native_handle(), kContext, sizeof kContext - 1);
  }

  static std::string peer_common_name(Stream& stream) {
    X509* cert = SSL_get1_peer_certificate(stream.native_handle());
    if (!cert) return "";
    char buf[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
    X509_free(cert);
    return buf;
  }

  http::response<http::string_body> xml(http::status status, const gw::Response& r,
                                        unsigned version, bool keep_alive) {
    http::response<http::string_body> res{status, version};
    res.set(http::field::server, "madoguchi-gateway-sim");
    res.set(http::field::content_type, r.header.character_code == gw::CharacterCode::ShiftJis
                                           ? "application/xml; charset=Shift_JIS"
                                           : "application/xml; charset=UTF-8");
    res.body() = gw::write(r);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
  }

  http::response<http::string_body> handle(const http::request<http::string_body>& req,
                                           const std::string& institution) {
    bool keep = req.keep_alive();
    auto v = req.version();
    if (req.method() == http::verb::get && req.target() == "/healthz") {
      http::response<http::string_body> res{http::status::ok, v};
      res.set(http::field::content_type, "text/plain");
      res.body() = "ok\n";
      res.keep_alive(keep);
      res.prepare_payload();
      return res;
    }
    if (options.fault == HttpsOptions::Fault::Http500) {
      http::response<http::string_body> res{http::status::internal_server_error, v};
      res.set(http::field::content_type, "text/plain");
      res.body() = "simulated internal error\n";
      res.keep_alive(keep);
      res.prepare_payload();
      return res;
    }
    if (options.failure_rate > 0 && uniform(rng) < options.failure_rate)
      return xml(http::status::service_unavailable,
                 gateway.error("EOQS9001", "simulated gateway failure"), v, keep);
    if (req.method() != http::verb::post)
      return xml(http::status::method_not_allowed, gateway.error("EOQS1000", "use POST"), v, keep);
    auto parsed = gw::parse_request(req.body());
    if (!parsed)
      return xml(http::status::bad_request, gateway.error("EOQS1001", parsed.error().message), v,
                 keep);
    std::string_view target = req.target();
    std::size_t expected = target == "/oqs/siquc01"     ? 0
                           : target == "/oqs/card"      ? 1
                           : target == "/oqs/muquc01"   ? 2
                           : target == "/oqs/muquc02"   ? 3
                           : target == "/oqs/challenge" ? 4
                                                        : 99;
    if (expected == 99)
      return xml(http::status::not_found, gateway.error("EOQS1000", "no such endpoint"), v, keep);
    if (parsed->body.index() != expected)
      return xml(http::status::bad_request,
                 gateway.error("EOQS1001", "message kind does not fit the endpoint"), v, keep);
    const auto& code = parsed->header.medical_institution_code;
    if (!code.empty() && code != institution)
      return xml(http::status::forbidden,
                 gateway.error("EOQS1002",
                               "MedicalInstitutionCode differs from the client "
                               "certificate's",
                               parsed->header.character_code),
                 v, keep);
    auto res = xml(http::status::ok, gateway.handle(*parsed), v, keep);
    if (options.fault == HttpsOptions::Fault::MalformedXml) {
      res.body().resize(res.body().size() / 2);  // a well-formed start, then nothing
      res.prepare_payload();
    }
    return res;
  }

  asio::awaitable<void> session(Stream stream) {
    try {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
      co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
      std::string institution = peer_common_name(stream);
      beast::flat_buffer buffer;
      for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(512u * 1024 * 1024);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
        co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
        auto req = parser.release();
        if (options.latency_ms > 0) {
          asio::steady_timer t(co_await asio::this_coro::executor);
          t.expires_after(std::chrono::milliseconds(options.latency_ms));
          co_await t.async_wait(asio::use_awaitable);
        }
        if (options.fault == HttpsOptions::Fault::Reset && req.target() != "/healthz") {
          beast::get_lowest_layer(stream).socket().close();
          co_return;
        }
        auto res = handle(req, institution);
        bool keep = res.keep_alive();
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
        co_await http::async_write(stream, res, asio::use_awaitable);
        if (!keep) break;
      }
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::use_awaitable);
    } catch (const std::exception&) {
      // Peer went away, handshake refused (no or bad client certificate), timeout: drop it.
    }
  }

  asio::awaitable<void> listen(tcp::acceptor& acceptor) {
    for (;;) {
      auto socket = co_await acceptor.async_accept(asio::use_awaitable);
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(acceptor.get_executor(),
                     session(Stream(beast::tcp_stream(std::move(socket)), tls)), asio::detached);
    }
  }
};

}  // namespace

int run_https(SimGateway& gateway, const HttpsOptions& options) {
  asio::io_context ioc;
  Server server(gateway, options);
  tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
  tcp::acceptor acceptor(ioc);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ioc.stop(); });
  asio::co_spawn(ioc, server.listen(acceptor), [](std::exception_ptr) {});
  std::cout << "madoguchi-gateway-sim ready https://" << options.address << ":"
            << acceptor.local_endpoint().port()
            << " people=" << gateway.population().people().size() << std::endl;
  ioc.run();
  return 0;
}

}  // namespace madoguchi::sim
