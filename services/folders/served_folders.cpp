#include <madoguchi/folders/folders.hpp>

#include "answers.hpp"

#include <madoguchi/check/inputs.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace madoguchi::folders {
namespace fs = std::filesystem;
namespace gw = madoguchi::gateway;
using Clock = std::chrono::steady_clock;
using detail::RequestName;

namespace {

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool write_atomically(const fs::path& target, const std::string& bytes) {
  // Same convention as the terminal's: a dot file beside it, renamed over it when complete.
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

Result<gw::Request> parse(const RequestName& name, const std::string& bytes) {
  return gw::parse_request(bytes, name.kind);
}

// What completions (on the gateway's or the audit's threads) hand back to the watcher thread,
// which alone touches the files. Shared so that a late completion never meets a dead object.
struct Mailbox {
  Mailbox() : event_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Mailbox() {
    if (event_fd >= 0) ::close(event_fd);
  }
  void post(RequestName name, gw::Response answer) {
    {
      std::lock_guard lock(mu);
      done.emplace_back(std::move(name), std::move(answer));
    }
    wake();
  }
  void wake() const {
    const std::uint64_t one = 1;
    if (event_fd >= 0) (void)!::write(event_fd, &one, sizeof one);
  }
  std::vector<std::pair<RequestName, gw::Response>> take() {
    std::lock_guard lock(mu);
    return std::exchange(done, {});
  }
  std::mutex mu;
  std::vector<std::pair<RequestName, gw::Response>> done;
  int event_fd;
};

}  // namespace

struct ServedFolders::Impl {
  Impl(ServedFoldersConfig c, check::CheckService& s)
      : config(std::move(c)), checks(s), mailbox(std::make_shared<Mailbox>()) {
    if (!config.today)
      config.today = [] { return Date::in_japan(std::chrono::system_clock::now()); };
    // Reception numbers from the time of start: a restarted daemon does not reuse one.
    next_reception = static_cast<unsigned long long>(std::time(nullptr) % 1000000000) * 1000;
  }

  fs::path req() const { return config.root / "req"; }
  fs::path res() const { return config.root / "res"; }

  // --- the watcher thread -------------------------------------------------------------------
  void watch() {
    int in_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wd = -1;
    const auto arm = [&] {
      if (in_fd >= 0 && wd < 0)
        wd = inotify_add_watch(in_fd, req().c_str(),
                               IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF);
    };
    arm();
    std::optional<Clock::time_point> stop_until;
    while (true) {
      deliver();
      if (stopping.load()) {
        if (!stop_until) stop_until = Clock::now() + std::chrono::seconds(15);
        if (in_flight.empty() || Clock::now() >= *stop_until) break;
      } else {
        scan();
        expire_batches();
      }
      arm();  // a share that went away and came back
      pollfd fds[2] = {{mailbox->event_fd, POLLIN, 0}, {in_fd, POLLIN, 0}};
      const int n_fds = in_fd >= 0 && wd >= 0 ? 2 : 1;
      // A file still being written is looked at again soon.
      const auto wait =
          stopping ? std::chrono::milliseconds(100)
          : pending.empty()
              ? config.rescan
              : std::min(config.rescan, config.settle / 4 + std::chrono::milliseconds(1));
      if (::poll(fds, static_cast<nfds_t>(n_fds), static_cast<int>(wait.count())) > 0) {
        std::uint64_t count;
        while (::read(mailbox->event_fd, &count, sizeof count) > 0) {
        }
        alignas(inotify_event) char buf[4096];
        ssize_t n;
        while (n_fds == 2 && (n = ::read(in_fd, buf, sizeof buf)) > 0) {
          for (char* at = buf; at < buf + n;) {
            auto* e = reinterpret_cast<inotify_event*>(at);
            if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
              if (wd >= 0) inotify_rm_watch(in_fd, wd);
              wd = -1;
            }
            at += sizeof(inotify_event) + e->len;
          }
        }
      }
    }
    if (in_fd >= 0) ::close(in_fd);
    if (!in_flight.empty())
      spdlog::warn("served folders: stopped with {} checks unanswered", in_flight.size());
  }

  // Events only wake the watcher: the listing of req/ is the truth, so nothing is lost.
  void scan() {
    std::vector<std::pair<std::string, fs::path>> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(req(), ec)) {
      std::string name = e.path().filename().string();
      if (!in_flight.contains(name) && detail::request_name(name))
        found.emplace_back(name, e.path());
    }
    std::sort(found.begin(), found.end());  // names carry the writer's sequence
    std::set<std::string> listed;
    for (const auto& f : found) listed.insert(f.first);
    std::erase_if(pending, [&](const auto& p) { return !listed.contains(p.first); });  // gone
    for (const auto& [name, path] : found) {
      if (stopping) return;
      take(*detail::request_name(name), name, path);
    }
  }

  // A request is taken once it parses. One that does not parse may still be being written
  // (receipt systems that do not rename whole files in): it is judged bad only after its bytes
  // stayed the same for `settle`. An empty file is never judged: its writer has not begun.
  void take(const RequestName& name, const std::string& file, const fs::path& path) {
    auto bytes = read_file(path);
    if (!bytes || bytes->empty()) return;
    auto parsed = parse(name, *bytes);
    if (parsed) {
      pending.erase(file);
      return serve(name, *parsed, detail::declared_encoding(*bytes));
    }
    const auto now = Clock::now();
    auto it = pending.find(file);
    if (it == pending.end() || it->second.bytes != *bytes) {
      pending[file] = Pending{std::move(*bytes), now};
      return;
    }
    if (now - it->second.since < config.settle) return;
    pending.erase(it);
    bad(name, path, *bytes, parsed.error());
  }

  void bad(const RequestName& name, const fs::path& path, const std::string& bytes,
           const Error& why) {
    // The header as far as it reads, so that the answer names the request's file id.
    gw::MessageHeader header;
    if (auto loose = gw::parse_request(bytes)) header = loose->header;
    header.arbitrary_file_identifier =
        header.arbitrary_file_identifier.empty() ? name.id : header.arbitrary_file_identifier;
    const auto answer = detail::error_answer(header, detail::declared_encoding(bytes),
                                             detail::kUnreadable, why.code + ": " + why.message);
    write_answer(name, answer);
    std::error_code ec;
    const fs::path dir = config.root / "error";
    fs::create_directories(dir, ec);
    fs::rename(path, dir / path.filename(), ec);
    if (ec) fs::remove(path, ec);  // it must not be read again
    ++rejected;
    // File names carry no personal data; the contents are not logged.
    spdlog::warn("served folders: {} is not a readable request ({}); answered {}, moved to error/",
                 path.filename().string(), why.code, detail::kUnreadable);
  }

  void serve(const RequestName& name, const gw::Request& request, gw::CharacterCode code) {
    switch (name.kind) {
      case gw::MessageKind::Single:
        return single(name, request, code);
      case gw::MessageKind::BatchUpload:
        upload(name, request, code);
        return;
      case gw::MessageKind::BatchDownload:
        download(name, request, code);
        return;
      default:
        return;
    }
  }

  void single(const RequestName& name, const gw::Request& request, gw::CharacterCode code) {
    const auto* info = std::get_if<gw::SearchInfo>(&request.body);
    if (!info) {
      // The card extension needs the card on this daemon's reader, not a file.
      finish(name, detail::error_answer(request.header, code, detail::kCardNotServed,
                                        "folders.card_not_served: only search infos are served"));
      return;
    }
    in_flight.insert(name.prefix + "req_" + name.id + ".xml");
    const auto fields = detail::fields_of(*info, request.header, config.allow_visit_date);
    auto check = check::to_number_check(fields, config.today());
    std::weak_ptr<Mailbox> box = mailbox;
    if (!check) {
      // Refused input is audited too ("who tried to look up what"); the 個人番号 is not kept.
      const Error why = check.error();
      const char* national = detail::code_for_invalid(fields);
      checks.record_rejected(
          config.caller, check::rejected_number(fields, why),
          [box, name, request, code, why, national](Result<std::string> recorded) {
            auto answer = recorded
                              ? detail::error_answer(request.header, code, national,
                                                     why.code + ": " + why.message)
                              : detail::error_answer(request.header, code, detail::kNotRecorded,
                                                     recorded.error().code + ": not recorded");
            if (auto b = box.lock()) b->post(name, std::move(answer));
          });
      return;
    }
    checks.by_number(config.caller, std::move(*check),
                     [box, name, request, code](Result<check::CheckOutcome> outcome) {
                       auto answer = detail::single_answer(request, outcome, code);
                       if (auto b = box.lock()) b->post(name, std::move(answer));
                     });
  }

  void upload(const RequestName& name, const gw::Request& request, gw::CharacterCode code) {
    const auto& items = std::get<gw::BatchUpload>(request.body).items;
    if (items.size() > config.max_batch_items) {
      finish(name, detail::error_answer(request.header, code, detail::kBatchTooLarge,
                                        "folders.batch_too_large: at most " +
                                            std::to_string(config.max_batch_items) + " items"));
      return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "MDG%013llu", ++next_reception % 10000000000000ULL);
    const std::string reception = buf;
    Job job{reception, request.header, items};
    {
      std::lock_guard lock(batch_mu);
      batches[reception] = Batch{request.header.qualification_confirmation_date, std::nullopt, {}};
      jobs.push_back(std::move(job));
    }
    batch_cv.notify_one();
    finish(name, detail::batch_accepted(request.header, code, reception));
    spdlog::info("served folders: batch {} accepted ({} items)", reception, items.size());
  }

  void download(const RequestName& name, const gw::Request& request, gw::CharacterCode code) {
    const std::string reception = std::get<gw::BatchDownload>(request.body).reception_number;
    std::optional<Batch> batch;
    {
      std::lock_guard lock(batch_mu);
      auto it = batches.find(reception);
      if (it != batches.end()) {
        if (it->second.units) {
          batch = std::move(it->second);
          batches.erase(it);  // delivered once, as the terminal does
        } else {
          batch = Batch{it->second.confirmation_date, std::nullopt, {}};
        }
      }
    }
    if (!batch) {
      finish(name, detail::error_answer(request.header, code, detail::kUnknownReception,
                                        "folders.unknown_reception: unknown ReceptionNumber"));
      return;
    }
    finish(name, detail::batch_results(request.header, code, reception, batch->confirmation_date,
                                       std::move(batch->units)));
  }

  // Answered at once (no check in flight): written now, the request removed.
  // Not writable now: kept and tried again on the next wake, the request held meanwhile (taken
  // again, it would be checked and audited twice).
  void finish(const RequestName& name, gw::Response answer) {
    if (write_answer(name, answer)) {
      remove_request(name);
      return;
    }
    in_flight.insert(name.prefix + "req_" + name.id + ".xml");
    unwritten.emplace_back(name, std::move(answer));
  }

  bool write_answer(const RequestName& name, const gw::Response& answer) {
    std::error_code ec;
    fs::create_directories(res(), ec);
    if (!write_atomically(res() / name.answer_name(), gw::write(answer))) {
      spdlog::warn("served folders: cannot write {}; trying again", name.answer_name());
      return false;
    }
    ++answered;
    return true;
  }

  void remove_request(const RequestName& name) {
    std::error_code ec;
    fs::remove(req() / (name.prefix + "req_" + name.id + ".xml"), ec);  // as the terminal does
  }

  // Answers of checks that completed meanwhile (and answers that could not be written before).
  void deliver() {
    auto done = mailbox->take();
    for (auto& d : unwritten) done.push_back(std::move(d));
    unwritten.clear();
    for (auto& [name, answer] : done) {
      if (!write_answer(name, answer)) {
        unwritten.emplace_back(std::move(name), std::move(answer));
        continue;
      }
      remove_request(name);
      in_flight.erase(name.prefix + "req_" + name.id + ".xml");
    }
  }

  // Results nobody fetched within a day are dropped.
  void expire_batches() {
    std::lock_guard lock(batch_mu);
    const auto now = Clock::now();
    std::erase_if(batches, [&](const auto& b) {
      return b.second.units && now - b.second.finished > std::chrono::hours(24);
    });
  }

  // --- the batch thread -----------------------------------------------------------------------
  struct Job {
    std::string reception;
    gw::MessageHeader header;
    std::vector<gw::SearchInfo> items;
  };
  struct Batch {
    std::string confirmation_date;
    std::optional<std::vector<gw::BulkConfirmUnit>> units;  // nullopt while running
    Clock::time_point finished;
  };

  void run_batches() {
    while (true) {
      Job job;
      {
        std::unique_lock lock(batch_mu);
        batch_cv.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (stopping) return;  // jobs not begun are dropped: their reception is unknown later
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      auto units = run(job);
      std::lock_guard lock(batch_mu);
      batches[job.reception] =
          Batch{job.header.qualification_confirmation_date, std::move(units), Clock::now()};
    }
  }

  std::vector<gw::BulkConfirmUnit> run(const Job& job) {
    std::vector<gw::BulkConfirmUnit> units(job.items.size());
    std::vector<check::NumberCheck> valid;
    std::vector<std::size_t> where;  // valid[k] is item where[k]
    const Date today = config.today();
    for (std::size_t i = 0; i < job.items.size(); ++i) {
      const auto fields = detail::fields_of(job.items[i], job.header, config.allow_visit_date);
      auto check = check::to_number_check(fields, today);
      if (check) {
        valid.push_back(std::move(*check));
        where.push_back(i);
        continue;
      }
      auto recorded =
          checks.record_rejected(config.caller, check::rejected_number(fields, check.error()));
      units[i] = recorded ? detail::unit_error(job.items[i], detail::code_for_invalid(fields),
                                               check.error().code + ": " + check.error().message)
                          : detail::unit_error(job.items[i], detail::kNotRecorded,
                                               recorded.error().code + ": not recorded");
    }
    if (!valid.empty()) {
      auto outcome = checks.by_number_batch(config.caller, valid);
      for (std::size_t k = 0; k < where.size(); ++k)
        units[where[k]] = detail::unit_of(job.items[where[k]], outcome.checks[k]);
    }
    spdlog::info("served folders: batch {} done ({} items, {} refused before the gateway)",
                 job.reception, job.items.size(), job.items.size() - valid.size());
    return units;
  }

  ServedFoldersConfig config;
  check::CheckService& checks;
  std::shared_ptr<Mailbox> mailbox;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> answered{0}, rejected{0};
  // Watcher thread only:
  std::set<std::string> in_flight;  // request files whose check has not completed
  std::vector<std::pair<RequestName, gw::Response>> unwritten;
  struct Pending {
    std::string bytes;
    Clock::time_point since;  // unchanged since
  };
  std::map<std::string, Pending> pending;  // request files that do not parse (yet)
  unsigned long long next_reception = 0;
  // Shared with the batch thread:
  std::mutex batch_mu;
  std::condition_variable batch_cv;
  std::deque<Job> jobs;
  std::map<std::string, Batch> batches;

  std::thread watcher, batcher;
};

ServedFolders::ServedFolders(ServedFoldersConfig config, check::CheckService& checks)
    : impl_(std::make_unique<Impl>(std::move(config), checks)) {}

ServedFolders::~ServedFolders() { stop(); }

Result<void> ServedFolders::start() {
  if (impl_->watcher.joinable()) return {};
  for (const char* d : {"req", "res", "error"}) {
    std::error_code ec;
    fs::create_directories(impl_->config.root / d, ec);
    if (ec)
      return make_error("folders.unavailable",
                        "cannot create " + (impl_->config.root / d).string() + ": " + ec.message());
  }
  impl_->watcher = std::thread([this] { impl_->watch(); });
  impl_->batcher = std::thread([this] { impl_->run_batches(); });
  spdlog::info("served folders: watching {}", (impl_->config.root / "req").string());
  return {};
}

void ServedFolders::stop() {
  if (!impl_->watcher.joinable()) return;
  {
    std::lock_guard lock(impl_->batch_mu);
    impl_->stopping = true;
  }
  impl_->batch_cv.notify_all();
  impl_->mailbox->wake();
  impl_->watcher.join();
  impl_->batcher.join();
}

ServedFoldersStats ServedFolders::stats() const {
  return {impl_->answered.load(), impl_->rejected.load()};
}

}  // namespace madoguchi::folders
