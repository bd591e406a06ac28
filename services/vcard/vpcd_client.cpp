#include "vpcd_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <thread>

namespace madoguchi::vcard {
namespace {

using Clock = std::chrono::steady_clock;

int connect_to(const std::string& host, unsigned short port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

bool recv_all(int fd, std::uint8_t* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, buf + got, n - got, 0);
    if (r == 0) return false;
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<std::size_t>(r);
  }
  return true;
}

bool send_message(int fd, std::span<const std::uint8_t> payload) {
  Bytes msg;
  msg.reserve(payload.size() + 2);
  msg.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  msg.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  msg.insert(msg.end(), payload.begin(), payload.end());
  std::size_t sent = 0;
  while (sent < msg.size()) {
    ssize_t r = ::send(fd, msg.data() + sent, msg.size() - sent, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<std::size_t>(r);
  }
  return true;
}

std::string hex(std::span<const std::uint8_t> b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto x : b) {
    s.push_back(d[x >> 4]);
    s.push_back(d[x & 15]);
  }
  return s;
}

// The log shows what crossed the wire except PIN digits (VERIFY with data).
std::string loggable_command(std::span<const std::uint8_t> apdu) {
  if (apdu.size() > 5 && apdu[1] == 0x20) {
    std::string s = hex(apdu.first(5));
    s.append((apdu.size() - 5) * 2, '*');
    return s;
  }
  return hex(apdu);
}

void sleep_interruptible(std::chrono::milliseconds d, Controls& c) {
  const auto until = Clock::now() + d;
  while (!c.stop && Clock::now() < until)
    std::this_thread::sleep_for(
        std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(10)));
}

}  // namespace

int run_vpcd_client(JpkiApplet& applet, const ClientOptions& opt, Controls& controls) {
  std::ofstream log;
  if (!opt.apdu_log.empty()) log.open(opt.apdu_log, std::ios::app);
  bool pulled = false;
  bool pull_fault_armed = opt.faults.pull_after_apdus >= 0;
  Clock::time_point reinsert_at = Clock::time_point::max();
  bool said_waiting = false;

  while (!controls.stop) {
    if (pulled) {
      if (controls.insert || Clock::now() >= reinsert_at) {
        controls.insert = 0;
        pulled = false;
        std::fprintf(stderr, "madoguchi-vcard: card inserted\n");
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
    }
    controls.insert = 0;
    int fd = connect_to(opt.host, opt.port);
    if (fd < 0) {
      if (!said_waiting) {
        std::fprintf(stderr, "madoguchi-vcard: waiting for vpcd on %s:%u\n", opt.host.c_str(),
                     opt.port);
        said_waiting = true;
      }
      sleep_interruptible(std::chrono::milliseconds(100), controls);
      continue;
    }
    said_waiting = false;
    std::fprintf(stderr, "madoguchi-vcard: connected to vpcd %s:%u (%s)\n", opt.host.c_str(),
                 opt.port, applet.persona().label.c_str());
    applet.reset();
    int apdus = 0;
    while (!controls.stop) {
      if (controls.pull) {
        controls.pull = 0;
        pulled = true;
        reinsert_at = Clock::time_point::max();
        std::fprintf(stderr, "madoguchi-vcard: card pulled (signal)\n");
        break;
      }
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, 50);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) continue;
      std::uint8_t len_buf[2];
      if (!recv_all(fd, len_buf, 2)) {
        std::fprintf(stderr, "madoguchi-vcard: vpcd closed the connection\n");
        break;
      }
      // vpcd writes without TCP_NODELAY: acknowledge at once so its next message is not held
      // back by Nagle + delayed ACK (~40 ms per APDU otherwise).
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      const std::size_t len = (std::size_t{len_buf[0]} << 8) | len_buf[1];
      Bytes msg(len);
      if (len > 0 && !recv_all(fd, msg.data(), len)) break;
      if (len == 1) {
        bool gone = false;
        switch (msg[0]) {
          case 0x00:  // power off
          case 0x01:  // power on
          case 0x02:  // reset
            applet.reset();
            break;
          case 0x04: {  // get ATR
            auto atr = applet.atr();
            gone = !send_message(fd, atr);
            break;
          }
          default:
            break;
        }
        if (gone) break;
        continue;
      }
      ++apdus;
      if (log.is_open()) log << "C " << loggable_command(msg) << std::endl;
      if (pull_fault_armed && apdus > opt.faults.pull_after_apdus) {
        pull_fault_armed = false;
        pulled = true;
        reinsert_at = opt.faults.reinsert_after.count() >= 0
                          ? Clock::now() + opt.faults.reinsert_after
                          : Clock::time_point::max();
        std::fprintf(stderr, "madoguchi-vcard: card pulled mid-transfer after %d APDUs\n",
                     apdus - 1);
        break;
      }
      if (opt.faults.mute) continue;  // the reader waits for an answer that never comes
      if (opt.faults.slow.count() > 0) sleep_interruptible(opt.faults.slow, controls);
      Bytes resp = applet.process(msg);
      OPENSSL_cleanse(msg.data(), msg.size());  // may hold a PIN
      if (log.is_open()) log << "R " << hex(resp) << std::endl;
      if (!send_message(fd, resp)) break;
    }
    ::close(fd);
    if (!pulled) sleep_interruptible(std::chrono::milliseconds(50), controls);
  }
  return 0;
}

}  // namespace madoguchi::vcard
