// bench_card: "read identity" over the real stack (pcscd -f + vpcd + madoguchi-vcard).
// Prints APDU count and bytes on the wire for Madoguchi's reader against OpenSC reading the same
// certificates (counted by the virtual card's APDU log), and the time per card read.
//   bench_card [--reads N] [--smoke]      (needs root; run through tests/support/private-pcscd.sh)
#include "card_test_support.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {

using namespace card_test;
using Clock = std::chrono::steady_clock;

struct Wire {
  std::size_t apdus = 0, sent = 0, received = 0;
};

// Counts the virtual card's log lines from `from_line` on.
Wire count(const std::filesystem::path& log, std::size_t from_line, std::size_t* lines_out) {
  Wire w;
  std::ifstream in(log);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    if (n++ < from_line) continue;
    if (line.size() < 2) continue;
    if (line[0] == 'C') {
      ++w.apdus;
      w.sent += (line.size() - 2) / 2;
    } else if (line[0] == 'R') {
      w.received += (line.size() - 2) / 2;
    }
  }
  if (lines_out) *lines_out = n;
  return w;
}

std::size_t lines(const std::filesystem::path& log) {
  std::size_t n = 0;
  count(log, 0, &n);
  return n;
}

void row(const char* what, const Wire& w, const Wire& base) {
  std::printf("  %-44s %5zu APDUs %6zu B out %6zu B in   x%.2f APDUs vs Madoguchi\n", what, w.apdus,
              w.sent, w.received,
              base.apdus ? static_cast<double>(w.apdus) / static_cast<double>(base.apdus) : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  int reads = 50;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke")) reads = 3;
    if (!std::strcmp(argv[i], "--reads") && i + 1 < argc) reads = std::atoi(argv[++i]);
  }
  try {
    madoguchi_test::TempDir dir("bench-card");
    Pcscd pcscd(dir.path());
    auto persona = write_persona(dir.path(), {.serial = 1001});
    VirtualCard vc(persona, dir.path());
    if (!wait_card_present(true)) throw std::runtime_error("card not present:\n" + vc.log());
    const auto log = vc.apdu_log();
    const Bytes cert = madoguchi::vcard::Persona::load(persona).auth_cert_der();
    const Bytes ca = madoguchi::vcard::Persona::load(persona).ca_cert_der();
    std::printf("bench_card: user-auth certificate %zu B, CA certificate %zu B\n", cert.size(),
                ca.size());

    madoguchi::card::CardReader chunked({.reader_name = kVpcdReader, .jpki = {}});
    madoguchi::card::CardReader extended(
        {.reader_name = kVpcdReader, .jpki = {.extended_length = true}});

    std::size_t mark = lines(log);
    if (!chunked.read_identity()) throw std::runtime_error("read_identity failed");
    const Wire ours = count(log, mark, &mark);
    if (!extended.read_identity()) throw std::runtime_error("extended read_identity failed");
    const Wire ours_ext = count(log, mark, &mark);

    auto opensc = [&](const std::string& args) {
      auto r = madoguchi_test::run_command("timeout 60 pkcs15-tool " + args + " -o " +
                                           (dir.path() / "o.pem").string());
      if (r.exit_code != 0) throw std::runtime_error("pkcs15-tool failed: " + r.output);
    };
    opensc("--read-certificate 01");
    const Wire theirs_cert = count(log, mark, &mark);
    opensc("--read-certificate 03");
    const Wire theirs_ca = count(log, mark, &mark);
    const Wire theirs{theirs_cert.apdus + theirs_ca.apdus, theirs_cert.sent + theirs_ca.sent,
                      theirs_cert.received + theirs_ca.received};

    std::printf("read identity (certificate + CA certificate), bytes incl. SW:\n");
    row("Madoguchi, 256-byte chunks (default)", ours, ours);
    row("Madoguchi, extended Le", ours_ext, ours);
    row("OpenSC pkcs15-tool 01 + 03 (incl. probing)", theirs, ours);
    row("OpenSC pkcs15-tool 01 only", theirs_cert, ours);

    // Time per read through pcscd: connect + transaction + all APDUs + disconnect.
    auto time_reads = [&](madoguchi::card::CardReader& r) {
      const auto t0 = Clock::now();
      for (int i = 0; i < reads; ++i)
        if (!r.read_identity()) throw std::runtime_error("read failed");
      return std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / reads;
    };
    const double ms_chunked = time_reads(chunked);
    const double ms_extended = time_reads(extended);
    const int opensc_reads = std::max(1, reads / 10);
    const auto t0 = Clock::now();
    for (int i = 0; i < opensc_reads; ++i) opensc("--read-certificate 01");
    const double ms_opensc =
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / opensc_reads;
    std::printf("time per card read through pcscd (%d reads):\n", reads);
    std::printf("  Madoguchi chunked   %8.2f ms\n", ms_chunked);
    std::printf("  Madoguchi extended  %8.2f ms  (x%.2f of chunked)\n", ms_extended,
                ms_extended / ms_chunked);
    std::printf("  OpenSC 01 only      %8.2f ms  (x%.2f of Madoguchi; includes process start)\n",
                ms_opensc, ms_opensc / ms_chunked);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_card: %s\n", e.what());
    return 1;
  }
}
