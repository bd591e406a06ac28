// Beast HTTPS + HTTP server, after Boost.Beast's "advanced_server_flex" example: one session
// type per stream, a shared read/dispatch/write loop, keep-alive, a body limit and timeouts.
#include <madoguchi/api/server.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "request_target.hpp"

namespace madoguchi::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// False when the target is refused (request_target.cpp, fuzzed): answered 400.
bool to_request(http::request<http::string_body>&& req, const std::string& remote, Request& r) {
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  if (!detail::parse_target(r.target, r.path, r.query)) return false;
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = std::move(req.body());
  r.remote_address = remote;
  return true;
}

http::response<http::string_body> to_beast(const Response& res, unsigned version, bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  out.set(http::field::server, "madoguchid");
  out.set(http::field::content_type, res.content_type);
  out.set(http::field::cache_control, "no-store");  // responses carry personal data
  for (const auto& [k, v] : res.headers) out.set(k, v);
  out.keep_alive(keep_alive);
  out.body() = res.body;
  out.prepare_payload();
  return out;
}

}  // namespace

namespace {

// Whether the peer of a connection has gone (closed, reset) while its request was in flight:
// nothing is read from the socket then, so ask the kernel (a FIN or RST, TLS or not).
bool peer_gone(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

Response busy() {
  Response r = problem(503, "server.busy", "Too many requests in progress",
                       "Retry after the indicated number of seconds.");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

bool is_probe(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

// A bounded lane: at most `cap` jobs waiting or running on `pool`.
struct BoundedPool {
  std::unique_ptr<asio::thread_pool> pool;
  int cap = 0;
  std::atomic<int> queued{0};
  void start(int threads, int queue_limit) {
    pool = std::make_unique<asio::thread_pool>(std::max(1, threads));
    cap = std::max(1, threads) + std::max(0, queue_limit);
  }
  bool admit() {
    if (queued.fetch_add(1) >= cap) {
      queued.fetch_sub(1);
      return false;
    }
    return true;
  }
  void join() {
    if (pool) pool->join();
  }
};

}  // namespace

struct Server::Impl {
  ServerConfig config;
  std::shared_ptr<const Router> router;
  asio::io_context ioc;
  // Plain HTTP (the probes) has an I/O thread of its own: a supervisor's /healthz never waits
  // behind a thousand TLS handshakes and requests on the HTTPS threads.
  asio::io_context probe_ioc;
  std::thread probe_io_thread;
  // The current TLS context; a session keeps the one it was accepted with (SIGHUP reload).
  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;
  std::unique_ptr<tcp::acceptor> https_acceptor, http_acceptor;
  std::vector<std::thread> io_threads;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable idle;

  Impl(ServerConfig c, std::shared_ptr<const Router> r)
      : config(std::move(c)), router(std::move(r)) {}

  BoundedPool workers;  // authenticated blocking handlers (card, batches, reads)
  BoundedPool heavy;    // config.heavy_paths (OCR)
  BoundedPool probes;   // /healthz, /readyz, /metrics
  std::atomic<int> async_in_flight{0};
  // Open connections per listener; shared with the sessions, which may outlive the server
  // while the io_context destroys its handlers.
  std::shared_ptr<std::atomic<int>> https_open = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> http_open = std::make_shared<std::atomic<int>>(0);
  std::atomic<bool> accept_warned{false};
  // An asynchronous answer may come after the server stopped (the gateway client or the audit
  // sink completing, or dropping, what was in flight): once closed, answers are discarded
  // instead of touching a server that is gone.
  struct Gate {
    std::mutex mu;
    bool open = true;
  };
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();

  std::shared_ptr<ssl::context> current_tls() {
    std::lock_guard lock(tls_mu);
    return tls;
  }
  Result<std::shared_ptr<ssl::context>> load_tls() const;

  // A lane on `pool` for one request: a job that waited past the queue deadline, or whose
  // client has gone, is answered 503 without running (the answer to a gone client is dropped).
  std::function<bool(std::function<void()>)> lane(BoundedPool& pool, const Responder& respond,
                                                  int fd) {
    const auto deadline = std::chrono::steady_clock::now() + config.queue_deadline;
    return [&pool, respond, fd, deadline](std::function<void()> job) {
      if (!pool.admit()) return false;
      asio::post(*pool.pool, [&pool, respond, fd, deadline, job = std::move(job)] {
        if (std::chrono::steady_clock::now() > deadline || peer_gone(fd))
          respond(busy());
        else
          job();
        pool.queued.fetch_sub(1);
      });
      return true;
    };
  }

  // Dispatches on the calling I/O thread; the answer continues on the session's executor.
  template <class Executor, class Done>
  void handle(Request req, Executor ex, int fd, Done done) {
    in_flight.fetch_add(1);
    Responder respond([this, gate = gate, ex, done = std::move(done)](Response res) mutable {
      std::lock_guard lock(gate->mu);
      if (!gate->open) return;
      asio::post(ex, [this, res = std::move(res), done = std::move(done)]() mutable {
        done(std::move(res));
        if (in_flight.fetch_sub(1) == 1) {
          std::lock_guard lock(mu);
          idle.notify_all();
        }
      });
    });
    Router::Lanes lanes;
    const bool heavy_route = std::find(config.heavy_paths.begin(), config.heavy_paths.end(),
                                       req.path) != config.heavy_paths.end();
    lanes.blocking = lane(heavy_route ? heavy : workers, respond, fd);
    // The Router runs every public route in this lane: only the probes get their own pool; the
    // page's files and enrolment queue with the other blocking work.
    lanes.probes = is_probe(req.path) ? lane(probes, respond, -1) : lanes.blocking;
    lanes.admit_async = [this] {
      if (async_in_flight.fetch_add(1) >= config.async_in_flight_limit) {
        async_in_flight.fetch_sub(1);
        return false;
      }
      return true;
    };
    lanes.release_async = [this] { async_in_flight.fetch_sub(1); };
    router->dispatch(std::move(req), std::move(respond), lanes);
  }
  void accept(tcp::acceptor& acceptor, bool tls);
  void accept_later(tcp::acceptor& acceptor, bool tls, std::chrono::milliseconds wait);
};

namespace {

// Plain HTTP listens on loopback only, and even there it serves the probes and the metrics
// alone: personal data and credentials travel over TLS.
bool plain_http_allowed(const std::string& path) { return is_probe(path); }

template <class Derived>
class Session {
 public:
  Session(Server::Impl& server, std::string remote, std::shared_ptr<std::atomic<int>> open)
      : server_(server), remote_(std::move(remote)), open_(std::move(open)) {
    open_->fetch_add(1);
  }
  ~Session() { open_->fetch_sub(1); }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(server_.config.body_limit_bytes);
    beast::get_lowest_layer(derived().stream()).expires_after(server_.config.idle_timeout);
    http::async_read(derived().stream(), buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, derived().shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof) return derived().do_close();
    if (ec == http::error::body_limit) {
      return write(problem(413, "http.body_too_large", "Request body too large"), 11, false);
    }
    if (ec) return;  // timeouts, resets, TLS errors: nothing to answer
    auto req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive() && !server_.stopping.load();
    beast::get_lowest_layer(derived().stream()).expires_never();
    Request request;
    if (!to_request(std::move(req), remote_, request))
      return write(problem(400, "http.bad_target", "Bad request target",
                           "The path or query has an invalid escape, a NUL, an encoded '/' in a "
                           "segment, or is not UTF-8."),
                   version, keep_alive);
    if (!Derived::kTls && !plain_http_allowed(request.path))
      return write(problem(403, "http.tls_required", "HTTPS required",
                           "Plain HTTP serves /healthz, /readyz and /metrics only."),
                   version, keep_alive);
    const int fd =
        static_cast<int>(beast::get_lowest_layer(derived().stream()).socket().native_handle());
    server_.handle(std::move(request), derived().stream().get_executor(), fd,
                   [self = derived().shared_from_this(), version, keep_alive, fd](Response res) {
                     // A client that has gone gets nothing: no encryption, no write, no wait.
                     if (peer_gone(fd)) return;
                     self->write(res, version, keep_alive);
                   });
  }

  void write(const Response& res, unsigned version, bool keep_alive) {
    response_ =
        std::make_shared<http::response<http::string_body>>(to_beast(res, version, keep_alive));
    beast::get_lowest_layer(derived().stream()).expires_after(server_.config.idle_timeout);
    http::async_write(
        derived().stream(), *response_,
        [self = derived().shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
          if (ec) return;
          if (!keep_alive) return self->do_close();
          self->do_read();
        });
  }

  Server::Impl& server_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::shared_ptr<std::atomic<int>> open_;
};

class PlainSession : public Session<PlainSession>,
                     public std::enable_shared_from_this<PlainSession> {
 public:
  static constexpr bool kTls = false;
  PlainSession(Server::Impl& s, tcp::socket&& socket, std::string remote)
      : Session(s, std::move(remote), s.http_open), stream_(std::move(socket)) {}
  beast::tcp_stream& stream() { return stream_; }
  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&PlainSession::do_read, shared_from_this()));
  }
  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

 private:
  friend class Session<PlainSession>;
  beast::tcp_stream stream_;
};

class TlsSession : public Session<TlsSession>, public std::enable_shared_from_this<TlsSession> {
 public:
  static constexpr bool kTls = true;
  TlsSession(Server::Impl& s, tcp::socket&& socket, std::shared_ptr<ssl::context> ctx,
             std::string remote)
      : Session(s, std::move(remote), s.https_open),
        tls_(std::move(ctx)),
        stream_(std::move(socket), *tls_) {}
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(10));
      self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (!ec) self->do_read();
      });
    });
  }
  void do_close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

 private:
  friend class Session<TlsSession>;
  std::shared_ptr<ssl::context> tls_;  // the context at accept time, kept across a reload
  beast::ssl_stream<beast::tcp_stream> stream_;
};

bool is_loopback(const std::string& address) {
  beast::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

}  // namespace

void Server::Impl::accept(tcp::acceptor& acceptor, bool use_tls) {
  if (stopping) return;
  // At the cap, accept nothing: the kernel's backlog holds newcomers until a connection closes.
  const int cap = use_tls ? config.max_connections : config.max_plain_connections;
  if ((use_tls ? https_open : http_open)->load() >= cap) {
    if (!accept_warned.exchange(true))
      spdlog::warn("connection cap ({}) reached: accepting again once connections close", cap);
    return accept_later(acceptor, use_tls, std::chrono::milliseconds(10));
  }
  acceptor.async_accept(
      asio::make_strand(use_tls ? ioc : probe_ioc),
      [this, &acceptor, use_tls](beast::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == asio::error::operation_aborted || stopping) return;
          // Out of descriptors or memory: accepting again at once would spin and flood the log.
          if (ec == asio::error::no_descriptors || ec.value() == ENFILE ||
              ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
            if (!accept_warned.exchange(true))
              spdlog::warn("accept failed: {}; backing off", ec.message());
            return accept_later(acceptor, use_tls, std::chrono::milliseconds(50));
          }
          spdlog::warn("accept failed: {}", ec.message());
        } else {
          accept_warned = false;
          beast::error_code ep_ec;
          const auto ep = socket.remote_endpoint(ep_ec);
          std::string remote = ep_ec ? std::string("?") : ep.address().to_string();
          if (use_tls)
            std::make_shared<TlsSession>(*this, std::move(socket), current_tls(), std::move(remote))
                ->run();
          else
            std::make_shared<PlainSession>(*this, std::move(socket), std::move(remote))->run();
        }
        accept(acceptor, use_tls);
      });
}

void Server::Impl::accept_later(tcp::acceptor& acceptor, bool use_tls,
                                std::chrono::milliseconds wait) {
  auto timer = std::make_shared<asio::steady_timer>(acceptor.get_executor(), wait);
  timer->async_wait([this, &acceptor, use_tls, timer](beast::error_code ec) {
    if (!ec) accept(acceptor, use_tls);
  });
}

Result<std::shared_ptr<ssl::context>> Server::Impl::load_tls() const {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  try {
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    ctx->use_certificate_chain_file(config.tls_cert_file);
    ctx->use_private_key_file(config.tls_key_file, ssl::context::pem);
  } catch (const std::exception& e) {
    return make_error("server.tls", std::string("cannot load TLS certificate or key: ") + e.what());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return make_error("server.tls", "the TLS key does not belong to the certificate");
  if (auto policy = apply_tls_policy(ctx->native_handle()); !policy) return policy.error();
  return ctx;
}

Server::Server(ServerConfig config, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(router))) {}

Server::~Server() { stop(std::chrono::milliseconds(0)); }

Result<void> Server::start() {
  Impl& s = *impl_;
  auto tls = s.load_tls();
  if (!tls) return tls.error();
  s.tls = std::move(*tls);
  if (s.config.http_enabled && !is_loopback(s.config.http_address))
    return make_error("server.plain_http_not_loopback",
                      "plain HTTP may only listen on a loopback address; use HTTPS");

  auto open = [&](const std::string& address, unsigned short port,
                  asio::io_context& ctx) -> Result<std::unique_ptr<tcp::acceptor>> {
    try {
      tcp::endpoint ep{asio::ip::make_address(address), port};
      auto a = std::make_unique<tcp::acceptor>(asio::make_strand(ctx));
      a->open(ep.protocol());
      a->set_option(asio::socket_base::reuse_address(true));
      a->bind(ep);
      a->listen(asio::socket_base::max_listen_connections);
      return a;
    } catch (const std::exception& e) {
      return make_error("server.bind", "cannot listen on " + address + ":" + std::to_string(port) +
                                           ": " + e.what());
    }
  };
  auto https = open(s.config.https_address, s.config.https_port, s.ioc);
  if (!https) return https.error();
  s.https_acceptor = std::move(*https);
  if (s.config.http_enabled) {
    auto http = open(s.config.http_address, s.config.http_port, s.probe_ioc);
    if (!http) return http.error();
    s.http_acceptor = std::move(*http);
  }
  // The connection caps bound the descriptors, not the default soft limit (often 1,024).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    const rlim_t want =
        static_cast<rlim_t>(s.config.max_connections + s.config.max_plain_connections) + 512;
    files.rlim_cur = std::min(files.rlim_max, std::max(files.rlim_cur, want));
    setrlimit(RLIMIT_NOFILE, &files);
  }
  s.workers.start(s.config.worker_threads, s.config.blocking_queue_limit);
  s.heavy.start(s.config.heavy_concurrency, s.config.heavy_queue_limit);
  s.probes.start(1, s.config.probe_queue_limit);
  s.accept(*s.https_acceptor, true);
  if (s.http_acceptor) s.accept(*s.http_acceptor, false);
  for (int i = 0; i < std::max(1, s.config.io_threads); ++i)
    s.io_threads.emplace_back([&s] { s.ioc.run(); });
  if (s.http_acceptor) s.probe_io_thread = std::thread([&s] { s.probe_ioc.run(); });
  return {};
}

void Server::stop(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  asio::post(s.ioc, [&s] {
    beast::error_code ec;
    if (s.https_acceptor) s.https_acceptor->close(ec);
  });
  asio::post(s.probe_ioc, [&s] {
    beast::error_code ec;
    if (s.http_acceptor) s.http_acceptor->close(ec);
  });
  {
    std::unique_lock lock(s.mu);
    s.idle.wait_for(lock, grace, [&s] { return s.in_flight.load() == 0; });
  }
  s.workers.join();
  s.heavy.join();
  s.probes.join();
  s.ioc.stop();
  s.probe_ioc.stop();
  for (auto& t : s.io_threads)
    if (t.joinable()) t.join();
  if (s.probe_io_thread.joinable()) s.probe_io_thread.join();
  std::lock_guard lock(s.gate->mu);
  s.gate->open = false;
}

Result<void> Server::reload_tls() {
  auto tls = impl_->load_tls();
  if (!tls) return tls.error();
  std::lock_guard lock(impl_->tls_mu);
  impl_->tls = std::move(*tls);
  return {};
}

unsigned short Server::https_port() const {
  return impl_->https_acceptor ? impl_->https_acceptor->local_endpoint().port() : 0;
}

unsigned short Server::http_port() const {
  return impl_->http_acceptor ? impl_->http_acceptor->local_endpoint().port() : 0;
}

}  // namespace madoguchi::api
