#include <madoguchi/gateway/folder.hpp>

#include "protocol.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace madoguchi::gateway {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// An inotify watch on one directory, closed on scope exit. Events only wake the waiter: the
// directory itself is checked after every wake-up, so nothing is lost to a race.
class DirWatch {
 public:
  explicit DirWatch(const fs::path& dir) : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ >= 0) inotify_add_watch(fd_, dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  }
  ~DirWatch() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;
  // Waits for an event, at most until `until` (and at most 250 ms: a safety net).
  void wait(Clock::time_point until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    int ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 250));
    if (fd_ < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) > 0) {
      char buf[4096];
      while (::read(fd_, buf, sizeof buf) > 0) {
      }
    }
  }

 private:
  int fd_;
};

std::optional<std::string> read_if_exists(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<void> write_atomically(const fs::path& target, const std::string& bytes) {
  fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.flush();
    if (!out) return make_error("gateway.unavailable", "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);  // atomic: the terminal never sees half a file
  if (ec) return make_error("gateway.unavailable", "cannot rename into " + target.string());
  return {};
}

}  // namespace

FolderTransport::FolderTransport(FolderTransportConfig config) : config_(std::move(config)) {
  for (const char* d : {"req", "res", "face"}) {
    std::error_code ec;
    fs::create_directories(config_.root / d, ec);
  }
}

std::string FolderTransport::next_id() {
  std::lock_guard lock(mutex_);
  std::string today = detail::today_compact();
  if (today != day_) {
    day_ = today;
    // Start from the time of day so that a restarted process does not reuse an id.
    std::string now = detail::now_compact_datetime();
    seq_ = static_cast<unsigned>(std::stoul(now.substr(8, 6))) * 10;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%07u", ++seq_ % 10000000);
  return today + buf;
}

Result<Response> FolderTransport::exchange(const std::string& kind, Request request,
                                           std::chrono::milliseconds deadline) {
  auto until = Clock::now() + deadline;
  std::string id = next_id();
  request.header.arbitrary_file_identifier = id;
  fs::path req = config_.root / "req" / (kind + "req_" + id + ".xml");
  fs::path res = config_.root / "res" / (kind + "res_" + id + ".xml");
  DirWatch watch(config_.root / "res");  // before writing: the answer may come at once
  if (auto ok = write_atomically(req, write(request)); !ok) return ok.error();
  std::error_code ec;
  while (true) {
    if (auto bytes = read_if_exists(res)) {
      fs::remove(res, ec);
      fs::remove(req, ec);  // terminals that leave it
      return parse_response(*bytes);
    }
    if (Clock::now() >= until) {
      fs::remove(req, ec);  // withdraw it: a late answer would be for nobody
      return make_error("gateway.timeout", "no answer file from the terminal in time");
    }
    watch.wait(until);
  }
}

Result<std::string> FolderTransport::challenge() {
  return make_error("gateway.unsupported", "the folder exchange has no challenges");
}

Result<Confirmation> FolderTransport::confirm_by_number(const NumberQuery& query) {
  auto header =
      detail::request_header(config_.medical_institution_code,
                             ReferenceClassification::InsuranceCardInfo, config_.encoding, "");
  auto res = exchange("OQSsiquc01", detail::number_request(query, header), config_.deadline);
  if (!res) return res.error();
  return detail::confirmation_from(*res);
}

Result<Confirmation> FolderTransport::confirm_by_card(const CardQuery& query) {
  auto header = detail::request_header(config_.medical_institution_code,
                                       ReferenceClassification::Card, config_.encoding, "");
  auto res = exchange("OQSsiquc01", detail::card_request(query, header), config_.deadline);
  if (!res) return res.error();
  return detail::confirmation_from(*res);
}

Result<std::vector<Confirmation>> FolderTransport::batch(std::span<const NumberQuery> queries) {
  const auto header =
      detail::request_header(config_.medical_institution_code,
                             ReferenceClassification::InsuranceCardInfo, config_.encoding, "");
  return detail::run_batch(
      queries, Clock::now() + config_.batch_deadline, [&] { return header; },
      [&](const Request& r, std::chrono::milliseconds timeout) {
        const bool upload = std::holds_alternative<BatchUpload>(r.body);
        return exchange(upload ? "OQSmuquc01" : "OQSmuquc02", r, timeout);
      });
}

Result<Confirmation> FolderTransport::next_face_result(std::chrono::milliseconds wait) {
  auto until = Clock::now() + wait;
  fs::path dir = config_.root / "face";
  DirWatch watch(dir);
  while (true) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      auto name = e.path().filename().string();
      if (!name.starts_with(".") && name.ends_with(".xml")) found.push_back(e.path());
    }
    if (!found.empty()) {
      // Names carry the time (yyyyMMddHHmmss) then a counter: the smallest is the oldest.
      auto oldest = *std::min_element(found.begin(), found.end());
      std::lock_guard lock(mutex_);  // two threads must not both take one result
      auto bytes = read_if_exists(oldest);
      fs::remove(oldest, ec);
      if (bytes && !ec) {
        auto res = parse_response(*bytes);
        if (!res) return res.error();
        return detail::confirmation_from(*res);
      }
      continue;
    }
    if (Clock::now() >= until) return make_error("gateway.timeout", "no card read in time");
    watch.wait(until);
  }
}

}  // namespace madoguchi::gateway
