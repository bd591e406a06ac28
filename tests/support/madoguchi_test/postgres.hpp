// Test support: a throwaway PostgreSQL 15 cluster, run as the postgres user (the server refuses
// root), on a free loopback port, stopped and removed when the object dies.
#pragma once

#include <filesystem>
#include <string>

namespace madoguchi_test {

class TempPostgres {
 public:
  TempPostgres();  // initdb + start; throws std::runtime_error with the server log on failure
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  // libpq connection string (TCP, 127.0.0.1) to database "postgres" as user "postgres".
  std::string conninfo() const;
  unsigned short port() const { return port_; }
  const std::filesystem::path& data_dir() const { return data_; }

  // For fault tests: `pg_ctl stop -m immediate` (a crash, as far as clients can tell) and start.
  void stop_immediate();
  void start();
  // Runs SQL through psql and returns its unaligned, tuples-only output.
  std::string psql(const std::string& sql) const;

 private:
  std::filesystem::path root_, data_, sock_;
  unsigned short port_ = 0;
};

}  // namespace madoguchi_test
