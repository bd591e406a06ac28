// FolderTransport: GatewayPort on the folder exchange with a 資格確認端末 (DESIGN §6).
// Writes req/<kind>req_<yyyyMMdd><seq>.xml atomically (temp file + rename), waits with inotify
// for res/<kind>res_<same id>.xml (or, for batch results, res/<kind>res_<same id>.zip holding
// XML files) until the deadline, reads it and removes both. Card reads that the terminal's
// face-authentication reader makes on its own appear in face/ as
// OQSsiquc01res_face_<code>_<yyyyMMddHHmmss>.xml and are taken with next_face_result().
//
// Files are never removed before they were parsed. A file that does not parse is read again
// (it may still be being written) until it parses or two reads give the same bytes; then it is
// bad: moved to error/, logged, counted (rejected_files()). The folders may vanish and come back
// (a network share): until then requests fail as "gateway.unavailable" and face reads wait.
// Thread-safe.
#pragma once

#include <madoguchi/gateway/messages.hpp>
#include <madoguchi/gateway/port.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

namespace madoguchi::gateway {

struct FolderTransportConfig {
  std::filesystem::path root;  // holds req/, res/, face/ (created if missing)
  std::string medical_institution_code = "1312345678";
  std::chrono::milliseconds deadline{10000};  // the terminal is slower than HTTPS
  std::chrono::milliseconds batch_deadline{120000};
  CharacterCode encoding = CharacterCode::ShiftJis;  // what real terminals are set to
  std::chrono::milliseconds settle{100};  // between two reads of a file that does not parse yet
};

class FolderTransport final : public GatewayPort {
 public:
  explicit FolderTransport(FolderTransportConfig config);

  // The terminal makes its own challenges: "gateway.unsupported".
  Result<std::string> challenge() override;
  Result<Confirmation> confirm_by_number(const NumberQuery& query) override;
  // Blocks the caller until the terminal answers: the folder exchange has no event loop.
  void confirm_by_number(const NumberQuery& query, Completion<Confirmation> done) override {
    done(confirm_by_number(query));
  }
  // Forwards the card request as XmlMsg; terminals that do not know the extension reject it.
  Result<Confirmation> confirm_by_card(const CardQuery& query) override;
  Result<std::vector<Confirmation>> batch(std::span<const NumberQuery> queries) override;

  // The oldest card-read result in face/ by the time in its name (removed once parsed), waiting
  // up to `wait` for one; "gateway.timeout" when none came. Bad files are moved aside and
  // skipped. Only OQSsiquc01res_face_*.xml is taken; other files are left alone.
  Result<Confirmation> next_face_result(std::chrono::milliseconds wait);
  // The ReferenceClassification of the last face result taken (1 card; other readers write
  // other values, e.g. 7/8, kept as they came), for the desk to show.
  std::optional<int> last_face_reference_classification() const;

  // Answer and face files moved to error/ because they could not be read: a metric.
  std::uint64_t rejected_files() const { return rejected_.load(); }

  // One exchange: `kind` is e.g. "OQSsiquc01"; returns the parsed answer.
  Result<Response> exchange(const std::string& kind, Request request,
                            std::chrono::milliseconds deadline);

 private:
  std::string next_id();
  void reject(const std::filesystem::path& file, const std::string& why);
  FolderTransportConfig config_;
  std::mutex mutex_;
  mutable std::mutex face_mutex_;                // two threads must not both take one face result
  std::optional<int> last_face_classification_;  // under face_mutex_
  std::atomic<std::uint64_t> rejected_{0};
  std::string day_;
  unsigned seq_ = 0;
};

}  // namespace madoguchi::gateway
