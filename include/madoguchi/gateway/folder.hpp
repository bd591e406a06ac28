// FolderTransport: GatewayPort on the folder exchange with a 資格確認端末 (DESIGN §6).
// Writes req/<kind>req_<yyyyMMdd><seq>.xml atomically (temp file + rename), waits with inotify
// for res/<kind>res_<same id>.xml until the deadline, reads it and removes both. Card reads
// that the terminal's face-authentication reader makes on its own appear in face/ and are
// picked up with next_face_result(). Thread-safe.
#pragma once

#include <madoguchi/gateway/messages.hpp>
#include <madoguchi/gateway/port.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

namespace madoguchi::gateway {

struct FolderTransportConfig {
  std::filesystem::path root;  // holds req/, res/, face/ (created if missing)
  std::string medical_institution_code = "1312345678";
  std::chrono::milliseconds deadline{10000};  // the terminal is slower than HTTPS
  std::chrono::milliseconds batch_deadline{120000};
  CharacterCode encoding = CharacterCode::ShiftJis;  // what real terminals are set to
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

  // The oldest card-read result in face/ (removed once read), waiting up to `wait` for one;
  // "gateway.timeout" when none came.
  Result<Confirmation> next_face_result(std::chrono::milliseconds wait);

  // One exchange: `kind` is e.g. "OQSsiquc01"; returns the parsed answer.
  Result<Response> exchange(const std::string& kind, Request request,
                            std::chrono::milliseconds deadline);

 private:
  std::string next_id();
  FolderTransportConfig config_;
  std::mutex mutex_;
  std::string day_;
  unsigned seq_ = 0;
};

}  // namespace madoguchi::gateway
