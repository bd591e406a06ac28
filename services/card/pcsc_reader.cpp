// CardReader over pcsc-lite: one reader bound by name, a transaction per request, recovery when
// pcscd restarts, and a worker thread so a mute card costs the caller a timeout, not a hang.
#include <madoguchi/card/card.hpp>

#include <spdlog/spdlog.h>
#include <winscard.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace madoguchi::card {
namespace {

using Clock = std::chrono::steady_clock;

Error err(std::string_view code, std::string message) {
  return make_error(std::string(code), std::move(message));
}

std::string pcsc_text(LONG rv) { return pcsc_stringify_error(rv); }

bool service_gone(LONG rv) {
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED ||
         rv == SCARD_E_INVALID_HANDLE || rv == SCARD_F_COMM_ERROR;
}

// The configured reader among those pcscd lists: exact name first, else a prefix match
// ("Virtual PCD" binds "Virtual PCD 00 00").
Result<std::string> find_reader(SCARDCONTEXT ctx, const std::string& wanted, bool& service_lost) {
  DWORD len = 0;
  LONG rv = SCardListReaders(ctx, nullptr, nullptr, &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE)
    return err(errc::no_reader, "no card reader is connected");
  if (rv != SCARD_S_SUCCESS) {
    service_lost = service_gone(rv);
    return err(errc::reader_fault, "listing readers: " + pcsc_text(rv));
  }
  std::string buf(len, '\0');
  rv = SCardListReaders(ctx, nullptr, buf.data(), &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE)
    return err(errc::no_reader, "no card reader is connected");
  if (rv != SCARD_S_SUCCESS) {
    service_lost = service_gone(rv);
    return err(errc::reader_fault, "listing readers: " + pcsc_text(rv));
  }
  std::vector<std::string> names;
  for (const char* p = buf.c_str(); *p; p += std::strlen(p) + 1) names.emplace_back(p);
  for (const auto& n : names)
    if (n == wanted) return Result<std::string>(boost::system::in_place_value, n);
  for (const auto& n : names)
    if (!wanted.empty() && n.rfind(wanted, 0) == 0)
      return Result<std::string>(boost::system::in_place_value, n);
  return err(errc::no_reader, "reader \"" + wanted + "\" is not connected");
}

// A context of its own for the caller's thread (events, presence): never blocked by the worker.
class TempContext {
 public:
  TempContext() { rv_ = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx_); }
  ~TempContext() {
    if (rv_ == SCARD_S_SUCCESS) SCardReleaseContext(ctx_);
  }
  TempContext(const TempContext&) = delete;
  TempContext& operator=(const TempContext&) = delete;
  bool ok() const { return rv_ == SCARD_S_SUCCESS; }
  LONG rv() const { return rv_; }
  SCARDCONTEXT get() const { return ctx_; }

 private:
  SCARDCONTEXT ctx_ = 0;
  LONG rv_ = SCARD_E_NO_SERVICE;
};

class PcscTransport final : public ApduTransport {
 public:
  PcscTransport(SCARDCONTEXT ctx, SCARDHANDLE h, DWORD protocol, std::string reader)
      : ctx_(ctx), h_(h), protocol_(protocol), reader_(std::move(reader)) {}

  Result<Bytes> transmit(std::span<const std::uint8_t> command) override {
    ++sent_;
    auto r = raw(command);
    if (!r) return r;
    // T=0 reports the answer length separately: fetch it (61 xx) or resend with Le (6C xx).
    Bytes data;
    for (int i = 0; i < 32 && r->size() >= 2; ++i) {
      const std::uint8_t sw1 = (*r)[r->size() - 2], sw2 = (*r)[r->size() - 1];
      if (sw1 == 0x6C && command.size() >= 5) {
        Bytes again(command.begin(), command.end());
        again.back() = sw2;
        r = raw(again);
      } else if (sw1 == 0x61) {
        data.insert(data.end(), r->begin(), r->end() - 2);
        const std::uint8_t get_response[] = {0x00, 0xC0, 0x00, 0x00, sw2};
        r = raw(get_response);
      } else {
        break;
      }
      if (!r) return r;
    }
    if (!data.empty()) r->insert(r->begin(), data.begin(), data.end());
    return r;
  }

  int sent() const { return sent_; }
  bool service_lost() const { return service_lost_; }

 private:
  Result<Bytes> raw(std::span<const std::uint8_t> command) {
    const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    Bytes resp(MAX_BUFFER_SIZE_EXTENDED);
    DWORD len = static_cast<DWORD>(resp.size());
    const LONG rv = SCardTransmit(h_, pci, command.data(), static_cast<DWORD>(command.size()),
                                  nullptr, resp.data(), &len);
    // vpcd reports a vanished card as an empty answer; a real reader as an error code.
    if (rv == SCARD_S_SUCCESS && len >= 2) {
      resp.resize(len);
      return resp;
    }
    if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD)
      return err(errc::removed, "card removed during the exchange");
    if (service_gone(rv)) {
      service_lost_ = true;
      return err(errc::reader_fault, "PC/SC service lost: " + pcsc_text(rv));
    }
    // A failed exchange is either a pulled card or a faulty reader/chip: the reader's state
    // tells (pcscd polls the slot, so give it a moment to notice).
    for (int i = 0; i < 12; ++i) {
      SCARD_READERSTATE st{};
      st.szReader = reader_.c_str();
      st.dwCurrentState = SCARD_STATE_UNAWARE;
      if (SCardGetStatusChange(ctx_, 0, &st, 1) == SCARD_S_SUCCESS &&
          (st.dwEventState & SCARD_STATE_EMPTY))
        return err(errc::removed, "card removed during the exchange");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return err(errc::reader_fault,
               "exchange with the card failed: " +
                   (rv == SCARD_S_SUCCESS ? std::string("short answer") : pcsc_text(rv)));
  }

  SCARDCONTEXT ctx_;
  SCARDHANDLE h_;
  DWORD protocol_;
  std::string reader_;
  int sent_ = 0;
  bool service_lost_ = false;
};

}  // namespace

struct CardReader::Impl {
  Config cfg;
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  bool finished = false;
  std::atomic<bool> stuck{false};
  std::thread worker;

  // Worker thread only.
  SCARDCONTEXT ctx = 0;
  bool has_ctx = false;

  // The reader's state for the desk, kept by the monitor thread and by call() (Reading).
  std::mutex sm;
  std::condition_variable scv;
  std::optional<bool> present;  // nullopt: no reader (or no pcscd)
  bool observed = false;        // the monitor has looked at least once
  bool removed = false;         // a card left the reader and none came since
  int busy = 0;                 // exchanges running on the worker
  ReaderStatus current;
  bool monitor_started = false;
  bool monitor_stop = false;
  std::thread monitor;

  ReaderState derive() const {
    if (!present) return ReaderState::NoReader;
    if (busy > 0) return ReaderState::Reading;
    if (*present) return ReaderState::CardPresent;
    return removed ? ReaderState::Removed : ReaderState::Empty;
  }
  void publish_locked() {
    const ReaderState s = derive();
    if (s == current.state && current.version != 0) return;
    current.state = s;
    ++current.version;
    scv.notify_all();
  }
  void set_presence(std::optional<bool> p) {
    std::lock_guard l(sm);
    if (present.value_or(false) && p && !*p) removed = true;
    if (p.value_or(false) || !p) removed = false;
    present = p;
    observed = true;
    publish_locked();
    scv.notify_all();
  }
  void add_busy(int delta) {
    std::lock_guard l(sm);
    busy += delta;
    if (observed) publish_locked();
  }
  // Sleeps up to `d` unless the monitor is asked to stop; false when it is.
  bool monitor_pause(std::chrono::milliseconds d) {
    std::unique_lock l(sm);
    return !scv.wait_for(l, d, [&] { return monitor_stop; });
  }
  void watch() {
    for (;;) {
      {
        std::lock_guard l(sm);
        if (monitor_stop) return;
      }
      TempContext c;
      bool lost = false;
      auto name = c.ok() ? find_reader(c.get(), cfg.reader_name, lost)
                         : Result<std::string>(err(errc::reader_fault, "no PC/SC service"));
      if (!name) {
        set_presence(std::nullopt);
        if (!monitor_pause(std::chrono::milliseconds(500))) return;
        continue;
      }
      SCARD_READERSTATE st{};
      st.szReader = name->c_str();
      st.dwCurrentState = SCARD_STATE_UNAWARE;
      for (;;) {
        {
          std::lock_guard l(sm);
          if (monitor_stop) return;
        }
        // Bounded, so that a stop request is seen within a fraction of a second.
        const LONG rv = SCardGetStatusChange(c.get(), 300, &st, 1);
        if (rv == SCARD_E_TIMEOUT) continue;
        if (rv != SCARD_S_SUCCESS ||
            (st.dwEventState &
             (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE | SCARD_STATE_IGNORE))) {
          set_presence(std::nullopt);
          break;
        }
        set_presence((st.dwEventState & SCARD_STATE_PRESENT) != 0);
        st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
      }
      if (!monitor_pause(std::chrono::milliseconds(200))) return;
    }
  }
  void start_monitor(const std::shared_ptr<Impl>& self) {
    std::unique_lock l(sm);
    if (!monitor_started) {
      monitor_started = true;
      monitor = std::thread([self] { self->watch(); });
    }
    // The first look takes a few milliseconds; answer after it rather than "no reader".
    scv.wait_for(l, std::chrono::seconds(2), [&] { return observed; });
  }

  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock l(m);
        cv.wait(l, [&] { return stopping || !jobs.empty(); });
        if (stopping && jobs.empty()) break;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
      stuck = false;
    }
    drop_context();
    std::lock_guard l(m);
    finished = true;
    cv.notify_all();
  }

  void drop_context() {
    if (has_ctx) SCardReleaseContext(ctx);
    has_ctx = false;
  }

  // Runs `fn` on the worker; gives up after the operation timeout (the card or reader does not
  // answer) and reports a reader fault, which sends the desk to the document path.
  template <class T>
  Result<T> call(std::function<Result<T>()> fn) {
    if (stuck) return err(errc::reader_fault, "the reader has not answered a previous request");
    struct State {
      std::mutex m;
      std::condition_variable cv;
      std::optional<Result<T>> result;
      std::atomic<bool> abandoned{false};
    };
    auto st = std::make_shared<State>();
    {
      std::lock_guard l(m);
      jobs.push_back([this, st, fn = std::move(fn)] {
        if (st->abandoned) return;
        add_busy(+1);
        auto r = fn();
        add_busy(-1);
        std::lock_guard l2(st->m);
        st->result.emplace(std::move(r));
        st->cv.notify_all();
      });
    }
    cv.notify_all();
    std::unique_lock l(st->m);
    if (!st->cv.wait_for(l, cfg.operation_timeout, [&] { return st->result.has_value(); })) {
      st->abandoned = true;
      stuck = true;
      spdlog::warn("card: reader \"{}\" did not answer within {} ms", cfg.reader_name,
                   cfg.operation_timeout.count());
      return err(errc::reader_fault, "the reader or card did not answer in time");
    }
    return std::move(*st->result);
  }

  template <class T>
  Result<T> with_session(const std::function<Result<T>(JpkiSession&)>& fn,
                         DWORD disposition = SCARD_LEAVE_CARD) {
    for (int attempt = 0;; ++attempt) {
      bool service_lost = false;
      bool retryable = false;
      auto r = once<T>(fn, disposition, service_lost, retryable);
      if (service_lost) {
        drop_context();  // pcscd restarted or stopped: a new context next time
        if (retryable && attempt == 0) continue;
      }
      return r;
    }
  }

  template <class T>
  Result<T> once(const std::function<Result<T>(JpkiSession&)>& fn, DWORD disposition,
                 bool& service_lost, bool& retryable) {
    if (!has_ctx) {
      const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
      if (rv != SCARD_S_SUCCESS)
        return err(errc::reader_fault, "PC/SC service unavailable: " + pcsc_text(rv));
      has_ctx = true;
    }
    retryable = true;  // nothing sent to the card yet
    auto name = find_reader(ctx, cfg.reader_name, service_lost);
    if (!name) return name.error();

    SCARDHANDLE h = 0;
    DWORD protocol = 0;
    LONG rv = SCardConnect(ctx, name->c_str(), SCARD_SHARE_SHARED,
                           SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &protocol);
    if (rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_REMOVED_CARD)
      return err(errc::no_card, "no card in the reader");
    if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_READER_UNAVAILABLE)
      return err(errc::no_reader, "reader went away: " + pcsc_text(rv));
    if (rv != SCARD_S_SUCCESS) {
      service_lost = service_gone(rv);
      return err(errc::reader_fault, "connecting to the card: " + pcsc_text(rv));
    }
    rv = SCardBeginTransaction(h);
    if (rv == SCARD_W_RESET_CARD) {
      SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
                     &protocol);
      rv = SCardBeginTransaction(h);
    }
    if (rv != SCARD_S_SUCCESS) {
      SCardDisconnect(h, SCARD_LEAVE_CARD);
      if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD)
        return err(errc::no_card, "card removed");
      service_lost = service_gone(rv);
      return err(errc::reader_fault, "transaction on the card: " + pcsc_text(rv));
    }
    PcscTransport transport(ctx, h, protocol, *name);
    JpkiSession session(transport, cfg.jpki);
    Result<T> r = fn(session);
    SCardEndTransaction(h, SCARD_LEAVE_CARD);
    SCardDisconnect(h, disposition);
    if (transport.service_lost()) service_lost = true;
    retryable = transport.sent() == 0;
    if (!r) spdlog::info("card: {} ({})", r.error().code, r.error().message);
    return r;
  }
};

CardReader::CardReader(Config config) : impl_(std::make_shared<Impl>()) {
  impl_->cfg = std::move(config);
  impl_->worker = std::thread([self = impl_] { self->loop(); });
}

CardReader::~CardReader() {
  {
    std::lock_guard l(impl_->sm);
    impl_->monitor_stop = true;
  }
  impl_->scv.notify_all();
  if (impl_->monitor.joinable()) impl_->monitor.join();
  {
    std::lock_guard l(impl_->m);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  std::unique_lock l(impl_->m);
  const bool done = impl_->cv.wait_for(l, std::chrono::seconds(2), [&] { return impl_->finished; });
  l.unlock();
  // A worker stuck on a mute card is left behind; it owns the Impl and ends when pcscd lets go.
  if (done)
    impl_->worker.join();
  else
    impl_->worker.detach();
}

Result<CardIdentity> CardReader::read_identity() {
  auto* impl = impl_.get();
  return impl->call<CardIdentity>([impl] {
    return impl->with_session<CardIdentity>([](JpkiSession& s) { return s.read_identity(); });
  });
}

Result<TriesLeft> CardReader::tries_left() {
  auto* impl = impl_.get();
  return impl->call<TriesLeft>([impl] {
    return impl->with_session<TriesLeft>([](JpkiSession& s) { return s.tries_left(); });
  });
}

Result<Signature> CardReader::prove_possession(Pin pin, std::span<const std::uint8_t> challenge) {
  auto* impl = impl_.get();
  auto shared_pin = std::make_shared<Pin>(std::move(pin));
  auto data = std::make_shared<Bytes>(challenge.begin(), challenge.end());
  return impl->call<Signature>([impl, shared_pin, data] {
    // Reset afterwards: the card's "PIN verified" state must not outlive this request.
    return impl->with_session<Signature>(
        [&](JpkiSession& s) { return s.prove_possession(std::move(*shared_pin), *data); },
        SCARD_RESET_CARD);
  });
}

Result<bool> CardReader::card_present() {
  TempContext c;
  if (!c.ok()) return err(errc::reader_fault, "PC/SC service unavailable: " + pcsc_text(c.rv()));
  bool lost = false;
  auto name = find_reader(c.get(), impl_->cfg.reader_name, lost);
  if (!name) return name.error();
  SCARD_READERSTATE st{};
  st.szReader = name->c_str();
  st.dwCurrentState = SCARD_STATE_UNAWARE;
  const LONG rv = SCardGetStatusChange(c.get(), 0, &st, 1);
  if (rv != SCARD_S_SUCCESS) return err(errc::reader_fault, "reader state: " + pcsc_text(rv));
  return (st.dwEventState & SCARD_STATE_PRESENT) != 0;
}

Result<CardEvent> CardReader::wait_for_event(std::chrono::milliseconds timeout) {
  TempContext c;
  if (!c.ok()) return err(errc::reader_fault, "PC/SC service unavailable: " + pcsc_text(c.rv()));
  bool lost = false;
  auto name = find_reader(c.get(), impl_->cfg.reader_name, lost);
  if (!name) return name.error();
  SCARD_READERSTATE st{};
  st.szReader = name->c_str();
  st.dwCurrentState = SCARD_STATE_UNAWARE;
  LONG rv = SCardGetStatusChange(c.get(), 0, &st, 1);
  if (rv != SCARD_S_SUCCESS) return err(errc::reader_fault, "reader state: " + pcsc_text(rv));
  const bool was_present = st.dwEventState & SCARD_STATE_PRESENT;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return CardEvent::Timeout;
    rv = SCardGetStatusChange(c.get(), static_cast<DWORD>(left.count()), &st, 1);
    if (rv == SCARD_E_TIMEOUT) return CardEvent::Timeout;
    if (rv == SCARD_E_UNKNOWN_READER) return CardEvent::ReaderGone;
    if (rv != SCARD_S_SUCCESS) return err(errc::reader_fault, "reader state: " + pcsc_text(rv));
    if (st.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE | SCARD_STATE_IGNORE))
      return CardEvent::ReaderGone;
    const bool present = st.dwEventState & SCARD_STATE_PRESENT;
    if (present != was_present) return present ? CardEvent::Inserted : CardEvent::Removed;
    // Same presence but a new event count: pulled and re-inserted between two looks.
    if ((st.dwEventState >> 16) != (st.dwCurrentState >> 16) && present) return CardEvent::Inserted;
  }
}

std::string_view to_string(ReaderState s) {
  switch (s) {
    case ReaderState::NoReader:
      return "no_reader";
    case ReaderState::Empty:
      return "empty";
    case ReaderState::CardPresent:
      return "card_present";
    case ReaderState::Reading:
      return "reading";
    case ReaderState::Removed:
      return "removed";
  }
  return "no_reader";
}

ReaderStatus CardReader::status() {
  impl_->start_monitor(impl_);
  std::lock_guard l(impl_->sm);
  return impl_->current;
}

ReaderStatus CardReader::wait_status(std::uint64_t since, std::chrono::milliseconds timeout) {
  impl_->start_monitor(impl_);
  std::unique_lock l(impl_->sm);
  impl_->scv.wait_for(l, timeout,
                      [&] { return impl_->current.version != since || impl_->monitor_stop; });
  return impl_->current;
}

Result<std::vector<std::string>> CardReader::list_readers() {
  TempContext c;
  if (!c.ok()) return err(errc::reader_fault, "PC/SC service unavailable: " + pcsc_text(c.rv()));
  DWORD len = 0;
  LONG rv = SCardListReaders(c.get(), nullptr, nullptr, &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
  if (rv != SCARD_S_SUCCESS) return err(errc::reader_fault, "listing readers: " + pcsc_text(rv));
  std::string buf(len, '\0');
  rv = SCardListReaders(c.get(), nullptr, buf.data(), &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
  if (rv != SCARD_S_SUCCESS) return err(errc::reader_fault, "listing readers: " + pcsc_text(rv));
  std::vector<std::string> names;
  for (const char* p = buf.c_str(); *p; p += std::strlen(p) + 1) names.emplace_back(p);
  return names;
}

}  // namespace madoguchi::card
