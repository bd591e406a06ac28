// GatewayClient: the one file of the gateway library that includes Beast and Asio.
//
// Every request runs as a coroutine on one private I/O thread, which also owns the keep-alive
// pool (so the pool needs no lock); asynchronous callers are completed on that thread, blocking
// callers wait on a future no longer than the deadline. The circuit breaker is under a mutex.
#include <madoguchi/gateway/client.hpp>

#include "protocol.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace madoguchi::gateway {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Conn {
  Conn(asio::io_context& ioc, ssl::context& ctx) : stream(ioc, ctx) {}
  ssl::stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

// What one exchange came to: an HTTP answer, or a transport error with our code.
struct Outcome {
  std::string error_code;  // "" when an HTTP answer arrived
  std::string error_message;
  unsigned status = 0;
  std::string body;
};

std::string common_name_of(const std::string& cert_file) {
  FILE* f = std::fopen(cert_file.c_str(), "r");
  if (!f) return "";
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return "";
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  X509_free(cert);
  return buf;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct GatewayClient::Impl {
  GatewayClientConfig config;
  std::string institution;
  ssl::context tls{ssl::context::tls_client};
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread io_thread;
  std::deque<std::unique_ptr<Conn>> idle;  // touched only on the I/O thread
  // The last TLS session the gateway gave us: new connections resume it (an abbreviated
  // handshake, no certificate exchange or RSA signature). I/O thread only.
  SSL_SESSION* tls_session = nullptr;

  std::mutex breaker_mutex;
  BreakerState breaker = BreakerState::Closed;
  int consecutive_failures = 0;
  Clock::time_point open_until{};
  bool probe_in_flight = false;

  std::mutex rng_mutex;
  std::mt19937_64 rng{std::random_device{}()};

  explicit Impl(const GatewayClientConfig& c) : config(c) {}
  ~Impl() {
    work.reset();
    ioc.stop();
    if (io_thread.joinable()) io_thread.join();
    if (tls_session) SSL_SESSION_free(tls_session);
  }

  double jitter() {
    std::lock_guard lock(rng_mutex);
    return std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  }

  // ---- circuit breaker
  // Whether this call may go out; false: answer "gateway.unavailable" at once.
  bool admit(bool& is_probe) {
    std::lock_guard lock(breaker_mutex);
    is_probe = false;
    if (breaker == BreakerState::Closed) return true;
    if (breaker == BreakerState::Open && Clock::now() >= open_until)
      breaker = BreakerState::HalfOpen;
    if (breaker == BreakerState::HalfOpen && !probe_in_flight) {
      probe_in_flight = is_probe = true;
      return true;
    }
    return false;
  }
  void record(bool transport_failure, bool is_probe) {
    std::lock_guard lock(breaker_mutex);
    if (is_probe) probe_in_flight = false;
    if (!transport_failure) {
      consecutive_failures = 0;
      breaker = BreakerState::Closed;
      return;
    }
    ++consecutive_failures;
    if (is_probe || consecutive_failures >= config.breaker_failures) {
      breaker = BreakerState::Open;
      open_until = Clock::now() + config.breaker_cooldown;
    }
  }

  // ---- one exchange, with retries, on the I/O thread
  asio::awaitable<Outcome> exchange(http::verb verb, std::string target, std::string body,
                                    Clock::time_point deadline) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, config.host);
    req.set(http::field::user_agent, "madoguchi");
    if (verb == http::verb::post)
      req.set(http::field::content_type, "application/xml; charset=UTF-8");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();

    Outcome last{"gateway.unavailable", "no attempt made", 0, {}};
    for (int attempt = 0; attempt <= config.retries; ++attempt) {
      if (Clock::now() >= deadline) co_return Outcome{"gateway.timeout", "deadline passed", 0, {}};
      if (attempt > 0) {
        // Jittered exponential back-off, never past the deadline.
        auto wait = std::chrono::duration_cast<Clock::duration>(config.retry_backoff *
                                                                (1 << (attempt - 1)) * jitter());
        asio::steady_timer timer(ioc);
        timer.expires_at(std::min(Clock::now() + wait, deadline));
        co_await timer.async_wait(asio::use_awaitable);
        if (Clock::now() >= deadline)
          co_return Outcome{
              "gateway.timeout", "deadline passed while retrying: " + last.error_message, 0, {}};
      }
      bool retryable = false;
      Outcome o = co_await attempt_once(req, deadline, retryable);
      if (o.error_code.empty() || !retryable) co_return o;
      last = std::move(o);
    }
    co_return last;
  }

  asio::awaitable<Outcome> attempt_once(http::request<http::string_body>& req,
                                        Clock::time_point deadline, bool& retryable) {
    boost::system::error_code ec;
    std::unique_ptr<Conn> conn;
    bool reused = false;
    if (!idle.empty()) {
      conn = std::move(idle.front());
      idle.pop_front();
      reused = true;
    } else {
      conn = std::make_unique<Conn>(ioc, tls);
      auto& lowest = beast::get_lowest_layer(conn->stream);
      lowest.expires_at(deadline);
      tcp::resolver resolver(ioc);
      auto endpoints = co_await resolver.async_resolve(
          config.host, std::to_string(config.port), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return Outcome{"gateway.unavailable", "resolve: " + ec.message(), 0, {}};
      co_await lowest.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == beast::error::timeout)
        co_return Outcome{"gateway.timeout", "connect timed out", 0, {}};
      if (ec) {
        retryable = true;  // nothing was sent
        co_return Outcome{"gateway.unavailable", "connect: " + ec.message(), 0, {}};
      }
      lowest.socket().set_option(tcp::no_delay(true));
      if (!is_ip_address(config.host))
        SSL_set_tlsext_host_name(conn->stream.native_handle(), config.host.c_str());
      conn->stream.set_verify_callback(ssl::host_name_verification(config.host));
      if (tls_session) SSL_set_session(conn->stream.native_handle(), tls_session);
      co_await conn->stream.async_handshake(ssl::stream_base::client,
                                            asio::redirect_error(asio::use_awaitable, ec));
      if (ec == beast::error::timeout)
        co_return Outcome{"gateway.timeout", "TLS handshake timed out", 0, {}};
      if (ec) {
        if (ec.category() == asio::error::get_ssl_category())
          co_return Outcome{"gateway.tls", "TLS handshake refused: " + ec.message(), 0, {}};
        retryable = true;  // reset before anything of ours was sent
        co_return Outcome{"gateway.unavailable", "TLS handshake: " + ec.message(), 0, {}};
      }
    }
    auto& lowest = beast::get_lowest_layer(conn->stream);
    lowest.expires_at(deadline);
    co_await http::async_write(conn->stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == beast::error::timeout)
        co_return Outcome{"gateway.timeout", "write timed out", 0, {}};
      retryable = reused;  // a pooled connection the server had already closed
      co_return Outcome{"gateway.unavailable", "write: " + ec.message(), 0, {}};
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(32u * 1024 * 1024);  // a batch of 5,000 answers is ~9 MB
    co_await http::async_read(conn->stream, conn->buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == beast::error::timeout)
        co_return Outcome{"gateway.timeout", "no answer in time", 0, {}};
      // A pooled connection closed by the server before it read our request: nothing happened.
      retryable = reused && !parser.got_some();
      if (ec.category() == asio::error::get_ssl_category() && !reused)
        co_return Outcome{"gateway.tls", "TLS refused by the gateway: " + ec.message(), 0, {}};
      co_return Outcome{"gateway.unavailable", "read: " + ec.message(), 0, {}};
    }
    auto res = parser.release();
    Outcome o{"", "", res.result_int(), std::move(res.body())};
    if (!reused) remember_session(conn->stream.native_handle());
    if (res.keep_alive() && idle.size() < config.max_idle_connections) {
      lowest.expires_never();
      idle.push_back(std::move(conn));
    }
    co_return o;
  }

  // After a first exchange on a new connection (TLS 1.3 sends its session tickets after the
  // handshake): keep that session for the next new connections.
  void remember_session(SSL* ssl) {
    if (SSL_session_reused(ssl)) return;
    SSL_SESSION* s = SSL_get1_session(ssl);
    if (!s) return;
    if (!SSL_SESSION_is_resumable(s)) {
      SSL_SESSION_free(s);
      return;
    }
    if (tls_session) SSL_SESSION_free(tls_session);
    tls_session = s;
  }

  static bool is_transport_failure(const Outcome& o) {
    return o.error_code == "gateway.unavailable" || o.error_code == "gateway.timeout" ||
           o.error_code == "gateway.tls" || o.status == 503;
  }

  // Starts one exchange, honouring the breaker; `done` runs on the I/O thread (or at once when
  // the breaker refuses). The coroutine's own timers end it by the deadline.
  void call_async(http::verb verb, std::string target, std::string body,
                  std::chrono::milliseconds timeout, std::function<void(Outcome)> done) {
    bool probe = false;
    if (!admit(probe))
      return done(
          Outcome{"gateway.unavailable", "circuit breaker open: gateway recently failing", 0, {}});
    const auto deadline = Clock::now() + timeout;
    asio::co_spawn(ioc, exchange(verb, std::move(target), std::move(body), deadline),
                   [this, probe, done = std::move(done)](std::exception_ptr e, Outcome o) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         o = Outcome{"gateway.unavailable", ex.what(), 0, {}};
                       }
                     }
                     record(is_transport_failure(o), probe);
                     // A completion must not throw; if one does, it must not end the I/O thread.
                     try {
                       done(std::move(o));
                     } catch (...) {
                     }
                   });
  }

  // Runs one exchange from a caller's thread, waiting no longer than the deadline.
  Outcome call(http::verb verb, const std::string& target, std::string body,
               std::chrono::milliseconds timeout) {
    auto answer = std::make_shared<std::promise<Outcome>>();
    auto future = answer->get_future();
    const auto deadline = Clock::now() + timeout;
    call_async(verb, target, std::move(body), timeout,
               [answer](Outcome o) { answer->set_value(std::move(o)); });
    // The grace covers scheduling only.
    if (future.wait_until(deadline + std::chrono::milliseconds(200)) != std::future_status::ready)
      return Outcome{"gateway.timeout", "no answer within the deadline", 0, {}};
    return future.get();
  }

  static Result<Response> to_response(Outcome o) {
    if (!o.error_code.empty()) return make_error(o.error_code, o.error_message);
    if (o.status == 503) return make_error("gateway.unavailable", "gateway answered 503");
    auto parsed = parse_response(o.body);
    if (!parsed) {
      if (o.status != 200)
        return make_error("gateway.rejected", "gateway answered HTTP " + std::to_string(o.status));
      return parsed.error();
    }
    if (o.status != 200 && parsed->status == ProcessingResultStatus::Ok)
      return make_error("gateway.protocol",
                        "HTTP " + std::to_string(o.status) + " with a normal answer");
    return parsed;
  }

  Result<Response> post(const std::string& target, const Request& request,
                        std::chrono::milliseconds timeout) {
    return to_response(call(http::verb::post, target, write(request), timeout));
  }

  MessageHeader header(ReferenceClassification c) {
    static std::atomic<unsigned long long> seq{0};
    return detail::request_header(institution, c, CharacterCode::Utf8,
                                  detail::today_compact() + std::to_string(++seq));
  }
};

Result<std::unique_ptr<GatewayClient>> GatewayClient::create(const GatewayClientConfig& config) {
  auto impl = std::make_unique<Impl>(config);
  try {
    impl->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1);
    // Pinned: only this CA, not the system's store.
    impl->tls.load_verify_file(config.ca_file);
    impl->tls.set_verify_mode(ssl::verify_peer);
    if (!config.cert_file.empty()) {
      impl->tls.use_certificate_chain_file(config.cert_file);
      impl->tls.use_private_key_file(config.key_file, ssl::context::pem);
    }
  } catch (const std::exception& e) {
    return make_error("gateway.tls", std::string("cannot load TLS files: ") + e.what());
  }
  impl->institution = !config.medical_institution_code.empty() ? config.medical_institution_code
                                                               : common_name_of(config.cert_file);
  impl->io_thread = std::thread([raw = impl.get()] { raw->ioc.run(); });
  return std::unique_ptr<GatewayClient>(new GatewayClient(std::move(impl)));
}

GatewayClient::GatewayClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GatewayClient::~GatewayClient() = default;

BreakerState GatewayClient::breaker_state() const {
  std::lock_guard lock(impl_->breaker_mutex);
  if (impl_->breaker == BreakerState::Open && Clock::now() >= impl_->open_until)
    return BreakerState::HalfOpen;
  return impl_->breaker;
}

Result<std::chrono::nanoseconds> GatewayClient::ping() {
  auto start = Clock::now();
  Outcome o = impl_->call(http::verb::get, "/healthz", "", impl_->config.deadline);
  if (!o.error_code.empty()) return make_error(o.error_code, o.error_message);
  if (o.status != 200)
    return make_error("gateway.unavailable", "healthz answered " + std::to_string(o.status));
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
}

Result<std::string> GatewayClient::challenge() {
  Request r{impl_->header(ReferenceClassification::Card), ChallengeRequest{}};
  auto res = impl_->post("/oqs/challenge", r, impl_->config.deadline);
  if (!res) return res.error();
  if (auto ok = detail::check_status(*res); !ok) return ok.error();
  const auto* c = std::get_if<ChallengeIssued>(&res->body);
  if (!c || c->challenge.empty()) return make_error("gateway.protocol", "expected a challenge");
  return Result<std::string>(boost::system::in_place_value, c->challenge);
}

Result<Confirmation> GatewayClient::confirm_by_number(const NumberQuery& query) {
  auto r = detail::number_request(query, impl_->header(ReferenceClassification::InsuranceCardInfo));
  auto res = impl_->post("/oqs/siquc01", r, impl_->config.deadline);
  if (!res) return res.error();
  return detail::confirmation_from(*res);
}

void GatewayClient::confirm_by_number(const NumberQuery& query, Completion<Confirmation> done) {
  std::string body;
  try {
    body = write(
        detail::number_request(query, impl_->header(ReferenceClassification::InsuranceCardInfo)));
  } catch (const std::exception& e) {
    return done(make_error("gateway.protocol", std::string("cannot write the query: ") + e.what()));
  }
  impl_->call_async(http::verb::post, "/oqs/siquc01", std::move(body), impl_->config.deadline,
                    [done = std::move(done)](Outcome o) {
                      Result<Confirmation> c = make_error("gateway.protocol", "no answer");
                      try {
                        auto res = Impl::to_response(std::move(o));
                        c = res ? detail::confirmation_from(*res)
                                : Result<Confirmation>(res.error());
                      } catch (const std::exception& e) {
                        c = make_error("gateway.protocol", e.what());
                      }
                      done(std::move(c));
                    });
}

Result<Confirmation> GatewayClient::confirm_by_card(const CardQuery& query) {
  auto r = detail::card_request(query, impl_->header(ReferenceClassification::Card));
  auto res = impl_->post("/oqs/card", r, impl_->config.deadline);
  if (!res) return res.error();
  return detail::confirmation_from(*res);
}

Result<std::vector<Confirmation>> GatewayClient::batch(std::span<const NumberQuery> queries) {
  // Upload and download go to their own endpoints; the message kind tells which.
  return detail::run_batch(
      queries, Clock::now() + impl_->config.batch_deadline,
      [&] { return impl_->header(ReferenceClassification::InsuranceCardInfo); },
      [&](const Request& r, std::chrono::milliseconds timeout) {
        const bool upload = std::holds_alternative<BatchUpload>(r.body);
        return impl_->post(upload ? "/oqs/muquc01" : "/oqs/muquc02", r, timeout);
      });
}

}  // namespace madoguchi::gateway
