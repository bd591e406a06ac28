#include "spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace madoguchi::audit::detail {

namespace {

constexpr char kMagic[4] = {'M', 'D', 'G', 'A'};
constexpr std::size_t kWindow = 4u << 20;  // > kMaxPayload: a whole frame fits in a window

std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// A complete, checksummed frame at p (of `avail` bytes)? Returns its total size or 0.
std::size_t valid_frame_at(const char* p, std::size_t avail) {
  if (avail < kFrameHeader || std::memcmp(p, kMagic, 4) != 0) return 0;
  std::uint32_t len = get_u32(p + 4);
  if (len > kMaxPayload || kFrameHeader + len > avail) return 0;
  if (crc32(p + kFrameHeader, len) != get_u32(p + 8)) return 0;
  return kFrameHeader + len;
}

Error io_error(const std::string& what) {
  return make_error("audit.spool", what + ": " + std::strerror(errno));
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool pread_all(int fd, char* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

void fsync_dir(const std::filesystem::path& dir) {
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);
    ::close(d);
  }
}

}  // namespace

SyncFn spool_fdatasync = ::fdatasync;

std::uint32_t crc32(const void* data, std::size_t size) {
  static const auto table = make_crc_table();
  std::uint32_t c = 0xffffffffu;
  auto p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::string encode_frame(const std::string& payload) {
  std::string out(kMagic, 4);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, crc32(payload.data(), payload.size()));
  out += payload;
  return out;
}

ParsedFrames parse_frames(const char* data, std::size_t size, std::uint64_t base, bool at_eof,
                          std::size_t max_records) {
  ParsedFrames out;
  std::size_t pos = 0;
  while (pos < size && out.payloads.size() < max_records) {
    const std::size_t avail = size - pos;
    if (std::size_t n = valid_frame_at(data + pos, avail)) {
      out.payloads.emplace_back(data + pos + kFrameHeader, n - kFrameHeader);
      out.frames.emplace_back(base + pos, base + pos + n);
      pos += n;
      continue;
    }
    // Not a valid frame here. If it may simply be incomplete (not at EOF yet), stop: the
    // caller reads again from here with more data.
    if (!at_eof && (avail < kFrameHeader || (std::memcmp(data + pos, kMagic, 4) == 0 &&
                                             get_u32(data + pos + 4) <= kMaxPayload &&
                                             kFrameHeader + get_u32(data + pos + 4) > avail)))
      break;
    // Corrupt (or a torn tail): skip to the next position that holds a valid frame.
    // Before EOF, a position is only known not to start a frame when a whole maximal frame
    // would fit after it; stop there and let the caller read on (regions are merged).
    std::size_t next = pos + 1;
    bool undecided = false;
    while (next < size && valid_frame_at(data + next, size - next) == 0) {
      if (!at_eof && size - next < kFrameHeader + kMaxPayload) {
        undecided = true;
        break;
      }
      ++next;
    }
    out.corrupt.emplace_back(base + pos, base + next);
    pos = next;
    if (undecided) break;
  }
  out.end = base + pos;
  return out;
}

Spool::Spool(std::filesystem::path dir, int fd, std::uint64_t size, SpoolRecovery rec)
    : dir_(std::move(dir)), path_(dir_ / kFileName), fd_(fd), size_(size), recovery_(rec) {
  depth_ = rec.records;
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<Spool>> Spool::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error("audit.spool", "cannot create spool dir " + dir.string());
  // Two processes on one spool would truncate each other's acknowledged records: refuse.
  const auto lock_path = dir / "audit.spool.lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return io_error("cannot open " + lock_path.string());
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return make_error("audit.spool_in_use", "another process uses the spool in " + dir.string());
  }
  struct LockGuard {
    int fd;
    ~LockGuard() {
      if (fd >= 0) ::close(fd);
    }
  } lock_guard{lock_fd};
  const auto path = dir / kFileName;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open " + path.string());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto e = io_error("cannot stat " + path.string());
    ::close(fd);
    return e;
  }
  fsync_dir(dir);

  // Recovery: scan everything; when any stretch fails its checksum, rewrite the file with the
  // intact frames only and keep the bad bytes aside.
  SpoolRecovery rec;
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> frames, corrupt;
  std::string buf;
  for (std::uint64_t off = 0; off < file_size;) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(kWindow, file_size - off));
    buf.resize(n);
    if (!pread_all(fd, buf.data(), n, off)) {
      auto e = io_error("cannot read " + path.string());
      ::close(fd);
      return e;
    }
    auto parsed = parse_frames(buf.data(), n, off, off + n == file_size, SIZE_MAX);
    frames.insert(frames.end(), parsed.frames.begin(), parsed.frames.end());
    for (auto region : parsed.corrupt) {
      if (!corrupt.empty() && corrupt.back().second == region.first)
        corrupt.back().second = region.second;  // one stretch split across windows
      else
        corrupt.push_back(region);
    }
    if (parsed.end == off) break;  // cannot happen with kWindow > frame size; be safe
    off = parsed.end;
  }
  rec.records = frames.size();
  rec.corrupt_regions = corrupt.size();
  for (auto [b, e] : corrupt) rec.corrupt_bytes += e - b;

  std::uint64_t size = file_size;
  if (!corrupt.empty()) {
    const auto tmp = dir / (std::string(kFileName) + ".tmp");
    const auto bad = dir / kCorruptFileName;
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int quarantine = ::open(bad.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    bool ok = out >= 0 && quarantine >= 0;
    size = 0;
    auto copy = [&](int to, std::uint64_t b, std::uint64_t e) {
      buf.resize(static_cast<std::size_t>(e - b));
      return pread_all(fd, buf.data(), buf.size(), b) && write_all(to, buf.data(), buf.size());
    };
    for (auto [b, e] : frames) {
      if (!ok) break;
      ok = copy(out, b, e);
      size += e - b;
    }
    for (auto [b, e] : corrupt) {
      if (!ok) break;
      ok = copy(quarantine, b, e);
    }
    ok = ok && ::fdatasync(out) == 0 && ::fdatasync(quarantine) == 0;
    if (out >= 0) ::close(out);
    if (quarantine >= 0) ::close(quarantine);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
      auto e = io_error("cannot rewrite " + path.string());
      ::close(fd);
      return e;
    }
    fsync_dir(dir);
    ::close(fd);
    fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("cannot reopen " + path.string());
  }
  auto spool = std::unique_ptr<Spool>(new Spool(dir, fd, size, rec));
  spool->lock_fd_ = std::exchange(lock_guard.fd, -1);
  return spool;
}

Result<void> Spool::append(const std::vector<std::string>& payloads) {
  std::string bytes;
  for (const auto& p : payloads) {
    if (p.size() > kMaxPayload) return make_error("audit.spool", "record too large for spool");
    bytes += encode_frame(p);
  }
  std::lock_guard lock(mu_);
  if (broken_)
    return make_error("audit.spool", "the spool is unusable after a failed append; restart");
  // What an append that failed left in the file must go before anything follows it: with
  // O_APPEND the next frames would land after those bytes while size_ (what readers trust)
  // did not count them, and a reader would take the unacknowledged frames for records and cut
  // the acknowledged ones short. After a failed fdatasync the page cache may no longer hold
  // what the disk has: cut, sync again, and give up on the file if that fails too.
  const auto undo = [this] {
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 || spool_fdatasync(fd_) != 0)
      broken_ = true;
  };
  if (!write_all(fd_, bytes.data(), bytes.size())) {
    auto e = io_error("cannot append to " + path_.string());
    undo();
    return e;
  }
  if (spool_fdatasync(fd_) != 0) {
    auto e = io_error("cannot fdatasync " + path_.string());
    undo();
    return e;
  }
  size_ += bytes.size();
  depth_ += payloads.size();
  return {};
}

Result<Spool::Chunk> Spool::read(std::uint64_t offset, std::size_t max_records) const {
  const std::uint64_t end = size();
  Chunk chunk;
  chunk.end = offset;
  if (offset >= end) return chunk;
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kWindow, end - offset));
  std::string buf(n, '\0');
  if (!pread_all(fd_, buf.data(), n, offset)) return io_error("cannot read " + path_.string());
  auto parsed = parse_frames(buf.data(), n, offset, offset + n == end, max_records);
  chunk.payloads = std::move(parsed.payloads);
  chunk.end = parsed.end;
  chunk.corrupt_regions = parsed.corrupt.size();
  return chunk;
}

bool Spool::truncate_if_end(std::uint64_t end) {
  std::lock_guard lock(mu_);
  if (size_ != end) return false;
  if (size_ == 0) return true;
  if (::ftruncate(fd_, 0) != 0) return false;
  ::fdatasync(fd_);
  size_ = 0;
  depth_ = 0;
  return true;
}

void Spool::mark_replayed(std::uint64_t n) {
  std::uint64_t cur = depth_.load();
  while (!depth_.compare_exchange_weak(cur, cur >= n ? cur - n : 0)) {
  }
}

bool Spool::broken() const {
  std::lock_guard lock(mu_);
  return broken_;
}

std::uint64_t Spool::size() const {
  std::lock_guard lock(mu_);
  return size_;
}

}  // namespace madoguchi::audit::detail
