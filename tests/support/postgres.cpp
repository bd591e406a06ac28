#include <madoguchi_test/postgres.hpp>
#include <madoguchi_test/process.hpp>

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace madoguchi_test {

namespace {
const std::string kPgBin = "/usr/lib/postgresql/15/bin";

// Single-quoted for /bin/sh, with embedded quotes escaped.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
std::string quote(const std::filesystem::path& p) { return quote(p.string()); }

// The server refuses to run as root: run its tools as the postgres user when we are root.
std::string as_postgres(const std::string& cmd) {
  if (::geteuid() == 0) return "runuser -u postgres -- " + cmd;
  return cmd;
}
}  // namespace

TempPostgres::TempPostgres() {
  // In $MADOGUCHI_TEST_RUN_DIR when the run has one (deploy/test.sh: a directory the postgres
  // user can reach, cleaned with the run), else under /tmp, not the build tree: a clone under a
  // private home directory (mode 700) would not be reachable.
  const char* run = std::getenv("MADOGUCHI_TEST_RUN_DIR");
  std::string tmpl = std::string(run && *run ? run : "/tmp") + "/madoguchi-pg-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("TempPostgres: mkdtemp failed");
  root_ = tmpl;
  data_ = root_ / "data";
  sock_ = root_ / "sock";
  const std::string owner = ::geteuid() == 0 ? "-o postgres -g postgres " : "";
  const std::string chown =
      ::geteuid() == 0 ? "chown postgres:postgres " + quote(root_) + " && " : "";
  auto r = run_command(chown + "chmod 755 " + quote(root_) + " && install -d " + owner + "-m 700 " +
                       quote(data_) + " " + quote(sock_));
  if (r.exit_code != 0) throw std::runtime_error("TempPostgres: mkdir failed: " + r.output);
  r = run_command(as_postgres(kPgBin + "/initdb -D " + quote(data_) +
                              " -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync"));
  if (r.exit_code != 0) throw std::runtime_error("TempPostgres: initdb failed: " + r.output);
  port_ = free_port();
  start();
}

void TempPostgres::start() {
  auto r = run_command(as_postgres(kPgBin + "/pg_ctl -D " + quote(data_) + " -l " +
                                   quote(root_ / "server.log") + " -w -t 60 -o \"-p " +
                                   std::to_string(port_) + " -k " + sock_.string() +
                                   " -c listen_addresses=127.0.0.1\" start"));
  if (r.exit_code != 0)
    throw std::runtime_error("TempPostgres: start failed: " + r.output +
                             run_command("cat " + quote(root_ / "server.log")).output);
}

void TempPostgres::stop_immediate() {
  run_command(as_postgres(kPgBin + "/pg_ctl -D " + quote(data_) + " -m immediate -w stop"));
}

TempPostgres::~TempPostgres() {
  run_command(as_postgres(kPgBin + "/pg_ctl -D " + quote(data_) + " -m fast -w stop"));
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

std::string TempPostgres::conninfo() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) +
         " user=postgres dbname=postgres connect_timeout=2";
}

std::string TempPostgres::psql(const std::string& sql) const {
  auto r = run_command("psql -X -q -At -h 127.0.0.1 -p " + std::to_string(port_) +
                       " -U postgres -d postgres -v ON_ERROR_STOP=1 -c " + quote(sql));
  if (r.exit_code != 0) throw std::runtime_error("psql failed: " + r.output);
  while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
  return r.output;
}

}  // namespace madoguchi_test
