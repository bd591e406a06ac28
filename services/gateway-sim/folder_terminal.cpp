#include "folder_terminal.hpp"

#include <zip.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace madoguchi::sim {
namespace fs = std::filesystem;
namespace gw = madoguchi::gateway;
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

void write_atomically(const fs::path& target, const std::string& bytes) {
  fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary);
    out << bytes;
  }
  fs::rename(tmp, target);
}

// Large batch results come as a .zip of OQSmuquc02res files, each with the counts of its own
// units, as real terminals deliver them.
constexpr std::size_t kUnitsPerFile = 2500;

void write_zip(const fs::path& target, const gw::Response& response) {
  const auto& all = std::get<gw::BatchResults>(response.body).units;
  std::vector<std::string> files;
  for (std::size_t from = 0; from < all.size(); from += kUnitsPerFile) {
    gw::Response part = response;
    gw::BatchResults chunk;
    chunk.units.assign(all.begin() + static_cast<long>(from),
                       all.begin() + static_cast<long>(std::min(all.size(), from + kUnitsPerFile)));
    long errors = 0;
    for (const auto& u : chunk.units)
      if (u.status == gw::ProcessingResultStatus::Error) ++errors;
    part.header.number_of_processing_result = static_cast<long>(chunk.units.size());
    part.header.number_of_normal_processing = static_cast<long>(chunk.units.size()) - errors;
    part.header.number_of_error = errors;
    part.body = std::move(chunk);
    files.push_back(gw::write(part));
  }
  fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  int err = 0;
  zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error("cannot create " + tmp.string());
  std::string stem = target.stem().string();
  for (std::size_t i = 0; i < files.size(); ++i) {
    zip_source_t* src = zip_source_buffer(z, files[i].data(), files[i].size(), 0);
    std::string name = stem + "_" + std::to_string(i + 1) + ".xml";
    if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
      if (src) zip_source_free(src);
      zip_discard(z);
      throw std::runtime_error("cannot add to " + tmp.string());
    }
  }
  if (zip_close(z) != 0) {
    zip_discard(z);
    throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, target);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void answer(SimGateway& gateway, const fs::path& root, const fs::path& req, int latency_ms) {
  std::string name = req.filename().string();
  auto at = name.find("req_");
  if (name.starts_with(".") || at == std::string::npos || !name.ends_with(".xml")) return;
  std::string bytes = read_file(req);
  if (bytes.empty()) return;  // not complete yet; writers rename whole files in
  if (latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
  // The file name says the kind (a one-item batch looks like a single query otherwise).
  const std::string kind = name.substr(0, at);
  auto parsed = kind == "OQSmuquc01"   ? gw::parse_request(bytes, gw::MessageKind::BatchUpload)
                : kind == "OQSmuquc02" ? gw::parse_request(bytes, gw::MessageKind::BatchDownload)
                                       : gw::parse_request(bytes);
  gw::Response response =
      parsed ? gateway.handle(*parsed)
             : gateway.error("EOQS1001", parsed.error().message, gw::CharacterCode::ShiftJis);
  std::string res_name = kind + "res_" + name.substr(at + 4);
  auto* results = std::get_if<gw::BatchResults>(&response.body);
  if (results && results->units.size() > kUnitsPerFile) {
    write_zip(root / "res" / (res_name.substr(0, res_name.size() - 4) + ".zip"), response);
  } else {
    write_atomically(root / "res" / res_name, gw::write(response));
  }
  std::error_code ec;
  fs::remove(req, ec);
}

std::string n_text(unsigned n) {  // zero-padded: names sort in the order they were made
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06u", n);
  return buf;
}

void face(SimGateway& gateway, const fs::path& root, const fs::path& trigger, unsigned& n) {
  std::string serial = trigger.filename().string();
  if (serial.starts_with(".")) return;
  std::error_code ec;
  fs::remove(trigger, ec);
  auto response = gateway.face_result(serial);
  // OQSsiquc01res_face_<code>_<yyyyMMddHHmmss>.xml, as the face-authentication reader names it.
  std::string name =
      "OQSsiquc01res_face_" + n_text(++n) + "_" + response.header.process_execution_time + ".xml";
  write_atomically(root / "face" / name, gw::write(response));
}

void scan(SimGateway& gateway, const fs::path& root, int latency_ms, unsigned& n) {
  std::vector<fs::path> reqs, reads;
  for (const auto& e : fs::directory_iterator(root / "req")) reqs.push_back(e.path());
  for (const auto& e : fs::directory_iterator(root / "reader")) reads.push_back(e.path());
  std::sort(reqs.begin(), reqs.end());
  for (const auto& p : reqs) answer(gateway, root, p, latency_ms);
  for (const auto& p : reads) face(gateway, root, p, n);
}

}  // namespace

int run_folder(SimGateway& gateway, const fs::path& root, int latency_ms) {
  for (const char* d : {"req", "res", "face", "reader"}) fs::create_directories(root / d);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    std::cerr << "inotify_init1 failed\n";
    return 1;
  }
  inotify_add_watch(fd, (root / "req").c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  inotify_add_watch(fd, (root / "reader").c_str(), IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE);
  std::cout << "madoguchi-gateway-sim ready folder " << root.string()
            << " people=" << gateway.population().people().size() << std::endl;
  unsigned n = 0;
  scan(gateway, root, latency_ms, n);  // whatever was waiting before we started
  char buf[8192];
  while (!g_stop) {
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, 200);
    if (rc > 0) {
      while (::read(fd, buf, sizeof buf) > 0) {
      }
      // Events only wake us; the directory listing is the truth (no event is lost that way).
      scan(gateway, root, latency_ms, n);
    }
  }
  ::close(fd);
  return 0;
}

}  // namespace madoguchi::sim
