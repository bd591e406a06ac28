// The baseline of tests/bench/run.sh: a bare Beast HTTPS keep-alive server answering "hello"
// to every request, with the daemon's TLS settings (same options, certificate and key). What
// the daemon's figures are divided by: the cost of TLS and HTTP alone on this machine.
//   bench_hello --port N --cert FILE --key FILE [--threads 1]
#include <madoguchi/api/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

asio::awaitable<void> session(ssl::stream<beast::tcp_stream> stream) {
  try {
    co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, asio::use_awaitable);
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::content_type, "application/json");
      res.body() = R"({"hello":"world"})";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::use_awaitable);
      if (!req.keep_alive()) break;
    }
  } catch (const std::exception&) {
    // The client went away: nothing to do.
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, ssl::context& tls) {
  for (;;) {
    auto socket = co_await acceptor.async_accept(asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(
        acceptor.get_executor(),
        session(ssl::stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), tls)),
        asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  std::string cert, key;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--port"))
      port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--cert"))
      cert = argv[i + 1];
    else if (!std::strcmp(argv[i], "--key"))
      key = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threads"))
      threads = std::max(1, std::atoi(argv[i + 1]));
  }
  if (cert.empty() || key.empty()) {
    std::fprintf(stderr, "usage: bench_hello --port N --cert FILE --key FILE [--threads N]\n");
    return 2;
  }
  asio::io_context ioc;
  // The daemon's server settings (services/api/server.cpp).
  ssl::context tls{ssl::context::tls_server};
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  tls.use_certificate_chain_file(cert);
  tls.use_private_key_file(key, ssl::context::pem);
  if (!madoguchi::api::apply_tls_policy(tls.native_handle())) return 1;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ioc.stop(); });
  asio::co_spawn(ioc, listen(acceptor, tls), asio::detached);
  std::printf("bench_hello listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  std::vector<std::thread> extra;
  for (int i = 1; i < threads; ++i) extra.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : extra) t.join();
  return 0;
}
