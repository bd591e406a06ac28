// Test helper for the SIGKILL test: writes audit records from N threads forever and appends
// each acknowledged check id to a file (one write(2) per line, after write() returned).
// Usage: audit_writer CONNINFO SPOOL_DIR ACK_FILE THREADS
#include <madoguchi/audit/postgres.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  using namespace madoguchi::audit;
  if (argc != 5) {
    std::fprintf(stderr, "usage: audit_writer CONNINFO SPOOL_DIR ACK_FILE THREADS\n");
    return 2;
  }
  PostgresAuditConfig cfg;
  cfg.conninfo = argv[1];
  cfg.spool_dir = argv[2];
  auto sink = PostgresAudit::open(cfg);
  if (!sink) {
    std::fprintf(stderr, "%s\n", sink.error().message.c_str());
    return 1;
  }
  int fd = ::open(argv[3], O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return 1;
  std::vector<std::thread> threads;
  for (int t = 0; t < std::stoi(argv[4]); ++t)
    threads.emplace_back([&, t] {
      for (;;) {
        AuditRecord r;
        r.check_id = new_check_id();
        r.time = now();
        r.terminal_id = "writer-" + std::to_string(t);
        r.client_id = "test";
        r.method = Method::Card;
        r.outcome = madoguchi::Outcome::Accepted;
        r.reasons = {"qualification_confirmed"};
        auto res = (*sink)->write(r);
        if (!res) {
          std::fprintf(stderr, "write failed: %s\n", res.error().message.c_str());
          continue;
        }
        const std::string line = r.check_id + "\n";
        if (::write(fd, line.data(), line.size()) < 0) std::perror("write");
      }
    });
  for (auto& t : threads) t.join();
}
