#include <madoguchi/gateway/folder.hpp>

#include "protocol.hpp"

#include <spdlog/spdlog.h>
#include <zip.h>

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
// directory itself is checked after every wake-up, so nothing is lost to a race. A directory
// that is missing (a share that went away) is watched again once it is back; meanwhile the
// waiter polls.
class DirWatch {
 public:
  explicit DirWatch(fs::path dir)
      : dir_(std::move(dir)), fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    arm();
  }
  ~DirWatch() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;
  // Waits for an event, at most until `until` (and at most 250 ms: a safety net).
  void wait(Clock::time_point until) {
    if (wd_ < 0) arm();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    int ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 250));
    if (fd_ < 0 || wd_ < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) > 0) {
      alignas(inotify_event) char buf[4096];
      ssize_t n;
      while ((n = ::read(fd_, buf, sizeof buf)) > 0) {
        for (char* at = buf; at < buf + n;) {
          auto* e = reinterpret_cast<inotify_event*>(at);
          if (e->mask & IN_IGNORED) wd_ = -1;  // the directory went away
          at += sizeof(inotify_event) + e->len;
        }
      }
    }
  }

 private:
  void arm() {
    if (fd_ >= 0)
      wd_ = inotify_add_watch(fd_, dir_.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF);
  }
  fs::path dir_;
  int fd_;
  int wd_ = -1;
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

constexpr std::size_t kMaxZipEntry = 64u << 20;
constexpr std::size_t kMaxZipTotal = 512u << 20;

// The XML files of a .zip, in name order.
Result<std::vector<std::string>> unzip(const std::string& bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!src) return make_error("gateway.protocol", "cannot read the zip");
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (!z) {
    zip_source_free(src);
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return make_error("gateway.protocol", "not a zip archive: " + why);
  }
  zip_error_fini(&error);
  std::vector<std::pair<std::string, std::string>> files;
  std::size_t total = 0;
  auto fail = [&](const std::string& why) {
    zip_discard(z);
    return make_error("gateway.protocol", why);
  };
  const zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !st.name) continue;
    std::string name = st.name;
    if (!name.ends_with(".xml") && !name.ends_with(".XML")) continue;
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > kMaxZipEntry || total + st.size > kMaxZipTotal)
      return fail("zip entry " + name + " too large");
    std::string data(static_cast<std::size_t>(st.size), '\0');
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    if (!f) return fail("cannot open zip entry " + name);
    zip_int64_t got = zip_fread(f, data.data(), data.size());
    zip_fclose(f);
    if (got < 0 || static_cast<std::size_t>(got) != data.size())
      return fail("zip entry " + name + " is truncated");
    total += data.size();
    files.emplace_back(std::move(name), std::move(data));
  }
  zip_discard(z);
  if (files.empty()) return make_error("gateway.protocol", "zip holds no XML file");
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (auto& f : files) out.push_back(std::move(f.second));
  return out;
}

// Batch results split over several files: one answer with every unit. Each file was checked
// against its own header's counts; the merged header carries the sums.
Result<Response> parse_zip(const std::string& bytes) {
  auto files = unzip(bytes);
  if (!files) return files.error();
  std::optional<Response> merged;
  for (const auto& f : *files) {
    auto part = parse_response(f);
    if (!part) return part.error();
    auto* units = std::get_if<BatchResults>(&part->body);
    if (!units) return make_error("gateway.protocol", "zip holds a file that is not batch results");
    if (!merged) {
      merged = std::move(*part);
      continue;
    }
    if (part->header.reception_number != merged->header.reception_number)
      return make_error("gateway.protocol", "zip holds results of another ReceptionNumber");
    auto& all = std::get<BatchResults>(merged->body).units;
    all.insert(all.end(), std::make_move_iterator(units->units.begin()),
               std::make_move_iterator(units->units.end()));
  }
  auto& h = merged->header;
  const auto& all = std::get<BatchResults>(merged->body).units;
  long errors = 0;
  for (const auto& u : all)
    if (u.status == ProcessingResultStatus::Error) ++errors;
  h.number_of_processing_result = static_cast<long>(all.size());
  h.number_of_normal_processing = static_cast<long>(all.size()) - errors;
  h.number_of_error = errors;
  return *merged;
}

// Reads a file until it parses, or until two reads give the same bytes (then it is finished
// and bad), or the deadline passes. nullopt: the file is gone.
std::optional<Result<Response>> read_settled(const fs::path& file, bool zipped,
                                             std::chrono::milliseconds settle,
                                             Clock::time_point until) {
  std::optional<std::string> previous;
  while (true) {
    auto bytes = read_if_exists(file);
    if (!bytes) return std::nullopt;
    auto parsed = zipped ? parse_zip(*bytes) : parse_response(*bytes);
    if (parsed || (previous && *previous == *bytes) || Clock::now() >= until) return parsed;
    previous = std::move(bytes);
    std::this_thread::sleep_for(settle);
  }
}

// yyyyMMddHHmmss from OQSsiquc01res_face_<code>_<yyyyMMddHHmmss>.xml; "" when the name has none
// (such files sort first: they are old-style names, taken in name order).
std::string face_time(const std::string& name) {
  auto end = name.size() - 4;  // ".xml"
  auto at = name.rfind('_', end);
  if (at == std::string::npos || end - at - 1 != 14) return "";
  std::string t = name.substr(at + 1, 14);
  return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }) ? t : "";
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

void FolderTransport::reject(const fs::path& file, const std::string& why) {
  std::error_code ec;
  fs::path dir = config_.root / "error";
  fs::create_directories(dir, ec);
  fs::rename(file, dir / file.filename(), ec);
  if (ec) fs::remove(file, ec);  // not movable (another device): it must not be read again
  ++rejected_;
  // File names hold no personal data; the contents are not logged.
  spdlog::warn("gateway folder: {} is not a readable answer ({}); moved to {}",
               file.filename().string(), why, dir.string());
}

Result<Response> FolderTransport::exchange(const std::string& kind, Request request,
                                           std::chrono::milliseconds deadline) {
  auto until = Clock::now() + deadline;
  std::string id = next_id();
  request.header.arbitrary_file_identifier = id;
  fs::path req = config_.root / "req" / (kind + "req_" + id + ".xml");
  fs::path res = config_.root / "res" / (kind + "res_" + id + ".xml");
  fs::path res_zip = config_.root / "res" / (kind + "res_" + id + ".zip");
  DirWatch watch(config_.root / "res");  // before writing: the answer may come at once
  if (auto ok = write_atomically(req, write(request)); !ok) return ok.error();
  std::error_code ec;
  while (true) {
    for (const auto& [file, zipped] : {std::pair{res, false}, std::pair{res_zip, true}}) {
      auto answer = read_settled(file, zipped, config_.settle, until);
      if (!answer) continue;
      if (!*answer)
        reject(file, answer->error().message);
      else
        fs::remove(file, ec);
      fs::remove(req, ec);  // terminals that leave it
      return std::move(*answer);
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

std::optional<int> FolderTransport::last_face_reference_classification() const {
  std::lock_guard lock(face_mutex_);
  return last_face_classification_;
}

Result<Confirmation> FolderTransport::next_face_result(std::chrono::milliseconds wait) {
  auto until = Clock::now() + wait;
  fs::path dir = config_.root / "face";
  DirWatch watch(dir);
  std::lock_guard lock(face_mutex_);
  while (true) {
    std::vector<std::pair<std::string, fs::path>> found;  // (time in the name, file)
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {  // a vanished share: nothing
      auto name = e.path().filename().string();
      if (name.starts_with("OQSsiquc01res_face_") && name.ends_with(".xml"))
        found.emplace_back(face_time(name), e.path());
    }
    std::sort(found.begin(), found.end());
    for (const auto& [time, file] : found) {
      auto answer = read_settled(file, false, config_.settle, until);
      if (!answer) continue;  // taken away meanwhile
      if (!*answer) {
        reject(file, answer->error().message);
        continue;
      }
      fs::remove(file, ec);  // only now that it was parsed
      if (auto c = (*answer)->header.reference_classification)
        last_face_classification_ = static_cast<int>(*c);
      return detail::confirmation_from(**answer);
    }
    if (Clock::now() >= until) return make_error("gateway.timeout", "no card read in time");
    watch.wait(until);
  }
}

}  // namespace madoguchi::gateway
