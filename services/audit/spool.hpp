// Internal: the durable spool, an append-only file of framed records.
//
// Frame: "MDGA" | payload length (u32 LE) | CRC32 of the payload (u32 LE) | payload (JSON).
// A frame is acknowledged only after fdatasync. A torn tail (crash mid-append) or a corrupted
// region fails its checksum: on open the spool is rewritten without the bad bytes (which are
// kept in audit.spool.corrupt for forensics) and the intact frames on both sides survive.
#pragma once

#include <madoguchi/domain/result.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace madoguchi::audit::detail {

std::uint32_t crc32(const void* data, std::size_t size);
std::string encode_frame(const std::string& payload);

// The spool's fdatasync, replaceable so that tests can make it fail (a full or failing disk).
using SyncFn = int (*)(int fd);
extern SyncFn spool_fdatasync;

inline constexpr std::uint32_t kMaxPayload = 1u << 20;
inline constexpr std::size_t kFrameHeader = 12;

struct ParsedFrames {
  std::vector<std::string> payloads;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> frames;   // [begin, end) file offsets
  std::vector<std::pair<std::uint64_t, std::uint64_t>> corrupt;  // [begin, end) file offsets
  std::uint64_t end = 0;  // offset up to which the bytes were fully parsed
};
// Parses frames from `data` (which starts at file offset `base`). `at_eof` tells whether the
// data runs to the end of the file: only then is an incomplete frame a torn tail.
ParsedFrames parse_frames(const char* data, std::size_t size, std::uint64_t base, bool at_eof,
                          std::size_t max_records);

struct SpoolRecovery {
  std::uint64_t records = 0;          // intact records found on open
  std::uint64_t corrupt_regions = 0;  // torn tail or corrupted stretches dropped
  std::uint64_t corrupt_bytes = 0;
};

class Spool {
 public:
  static constexpr const char* kFileName = "audit.spool";
  static constexpr const char* kCorruptFileName = "audit.spool.corrupt";

  static Result<std::unique_ptr<Spool>> open(const std::filesystem::path& dir);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  const SpoolRecovery& recovery() const { return recovery_; }
  const std::filesystem::path& path() const { return path_; }

  // Appends the frames with one write and one fdatasync; durable when it returns ok. When the
  // write or the fdatasync fails, the unacknowledged bytes are cut off again, so that no later
  // frame follows them and a reader never sees a record whose append reported failure; if even
  // that fails, the spool refuses every further append (error "audit.spool") until reopened,
  // whose recovery then judges the file by its checksums.
  Result<void> append(const std::vector<std::string>& payloads);
  bool broken() const;

  struct Chunk {
    std::vector<std::string> payloads;
    std::uint64_t end = 0;  // offset after the last frame returned
    std::uint64_t corrupt_regions = 0;
  };
  // Up to `max_records` complete frames from `offset`.
  Result<Chunk> read(std::uint64_t offset, std::size_t max_records) const;
  // Empties the file when nothing was appended after `end` (everything replayed).
  bool truncate_if_end(std::uint64_t end);

  std::uint64_t depth() const { return depth_.load(); }  // records not yet replayed
  void mark_replayed(std::uint64_t n);
  std::uint64_t size() const;

 private:
  Spool(std::filesystem::path dir, int fd, std::uint64_t size, SpoolRecovery rec);
  std::filesystem::path dir_, path_;
  int fd_ = -1;
  int lock_fd_ = -1;       // flock on <dir>/audit.spool.lock: one process per spool
  mutable std::mutex mu_;  // serialises appends against truncation; guards size_
  std::uint64_t size_ = 0;
  bool broken_ = false;  // an append could not be undone: appends refused (guarded by mu_)
  std::atomic<std::uint64_t> depth_{0};
  SpoolRecovery recovery_;
};

}  // namespace madoguchi::audit::detail
