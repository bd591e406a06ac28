// Benchmark of the document fallback, with its baseline measured in the same run:
//  - PDF inspect in-process (poppler text + classify + extract + validate), documents/s,
//    against spawning `pdftotext -layout FILE -` per document and reading its output
//    (what a script around poppler-utils would do); the ratio's target is >= 3x;
//  - seconds per scanned page through OCR.
//   bench_documents [--corpus DIR] [--rounds N] [--scans K]
#include <madoguchi/documents/documents.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
namespace docs = madoguchi::documents;

std::vector<std::byte> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::byte> v(s.size());
  std::memcpy(v.data(), s.data(), s.size());
  return v;
}

// pdftotext as a child process, its stdout read through a pipe. Returns bytes read or -1.
long pdftotext(const std::string& file) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const char* argv[] = {"pdftotext", "-layout", file.c_str(), "-", nullptr};
  pid_t pid;
  const int rc = posix_spawnp(&pid, "pdftotext", &fa, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return -1;
  }
  long total = 0;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) total += n;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? total : -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus = MADOGUCHI_DOCUMENTS_CORPUS;
  int rounds = 5, scans = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--corpus"))
      corpus = argv[i + 1];
    else if (!std::strcmp(argv[i], "--rounds"))
      rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--scans"))
      scans = std::atoi(argv[i + 1]);
  }
  std::ifstream in(corpus + "/manifest.json");
  if (!in) {
    std::fprintf(stderr, "no corpus at %s (build target documents_corpus)\n", corpus.c_str());
    return 2;
  }
  const nlohmann::json m = nlohmann::json::parse(in);
  std::vector<std::string> files;
  std::vector<std::vector<std::byte>> pdfs;
  for (const auto& d : m["documents"]) {
    files.push_back(corpus + "/" + d["file"].get<std::string>());
    pdfs.push_back(slurp(files.back()));
  }
  docs::InspectOptions o;
  o.visit_date = madoguchi::Date::from_ymd(2026, 1, 20).value();

  // Warm-up: poppler's font and CMap caches, page allocators.
  for (const auto& p : pdfs) (void)docs::inspect(p, o);
  int failures = 0;
  auto t0 = Clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& p : pdfs) failures += !docs::inspect(p, o);
  const double inproc_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double inproc = rounds * pdfs.size() / inproc_s;

  t0 = Clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& f : files) failures += pdftotext(f) < 0;
  const double spawn_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double spawned = rounds * files.size() / spawn_s;
  const double ratio = inproc / spawned;

  std::printf("PDF inspect in-process : %8.1f documents/s (%.2f ms each, %zu PDFs x %d rounds)\n",
              inproc, 1000.0 / inproc, pdfs.size(), rounds);
  std::printf("pdftotext per document : %8.1f documents/s (%.2f ms each, process start included)\n",
              spawned, 1000.0 / spawned);
  std::printf("ratio                  : %8.2fx (target >= 3x: %s)\n", ratio,
              ratio >= 3.0 ? "met" : "NOT met");

  if (scans > 0) {
    const auto& list = m["scans"];
    const int n = std::min<int>(scans, static_cast<int>(list.size()));
    (void)docs::inspect_file(corpus + "/" + list[0]["file"].get<std::string>(), o);  // load jpn
    t0 = Clock::now();
    for (int i = 0; i < n; ++i)
      failures += !docs::inspect_file(corpus + "/" + list[i]["file"].get<std::string>(), o);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count() / n;
    std::printf("OCR of a scanned page  : %8.2f s/page (%d pages at 200 dpi, one thread)\n", s, n);
  }
  if (failures) std::fprintf(stderr, "%d documents failed\n", failures);
  return failures ? 1 : 0;
}
