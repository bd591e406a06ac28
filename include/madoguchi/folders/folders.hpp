// The served folders (資格確認端末のフォルダ連携, served): receipt systems that talk to a
// terminal only through its folders write req/OQSsiquc01req_<id>.xml (one query) or
// req/OQSmuquc01req_<id>.xml / req/OQSmuquc02req_<id>.xml (一括照会 upload and results) and read
// the answer res/<kind>res_<id>.xml. Madoguchi serves that contract: each request goes through
// check::CheckService (audited, the acceptance rules applied) and is answered in the national
// message shapes, in the request's encoding, written atomically (temp file + rename); the
// request is removed once answered. A request that cannot be read is answered with the error
// shape (SegmentOfResult 9, ErrorCode) and moved to error/. docs/folders.md has the contract.
//
// Transport: a watcher thread (inotify, with a periodic rescan for shares that drop events).
#pragma once

#include <madoguchi/check/check_service.hpp>
#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

namespace madoguchi::folders {

struct ServedFoldersConfig {
  std::filesystem::path root;  // holds req/, res/, error/ (created if missing)
  check::Caller caller;        // the folder's client id, the daemon's terminal id
  // Take the header's QualificationConfirmationDate as the visit date (else: today).
  bool allow_visit_date = false;
  std::chrono::milliseconds rescan{2000};  // listing req/ even without an inotify event
  // A request that does not parse is judged bad (answered with an error, moved to error/) once
  // its bytes stayed unchanged this long: writers that do not rename whole files in may pause.
  std::chrono::milliseconds settle{1000};
  std::size_t max_batch_items = 10000;  // larger uploads are answered with an error
  std::function<Date()> today;          // the clinic's day; default: the clock in Japan
};

struct ServedFoldersStats {
  std::uint64_t answered = 0;  // answer files written (errors included)
  std::uint64_t rejected = 0;  // requests that could not be read, moved to error/
};

class ServedFolders {
 public:
  // `checks` must outlive this object.
  ServedFolders(ServedFoldersConfig config, check::CheckService& checks);
  ~ServedFolders();  // stop()
  ServedFolders(const ServedFolders&) = delete;
  ServedFolders& operator=(const ServedFolders&) = delete;

  // Creates the folders and starts watching; "folders.unavailable" when root cannot be made.
  Result<void> start();
  // Stops taking requests; waits (bounded) for checks in flight and answers them.
  void stop();
  ServedFoldersStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace madoguchi::folders
