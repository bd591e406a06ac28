// Desk terminals, one-time enrolment codes and sessions in PostgreSQL (libpqxx 6.4).
#include <madoguchi/api/desk.hpp>

#define PQXX_HAVE_OPTIONAL 1
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <pqxx/pqxx>

#include <cctype>
#include <map>
#include <mutex>

namespace madoguchi::api {

namespace {

// No I, O, 0, 1: a receptionist types the code from a printout.
constexpr std::string_view kCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
constexpr std::size_t kCodeLength = 10;  // 50 bits
static_assert(256 % kCodeAlphabet.size() == 0, "a byte maps onto the alphabet without bias");

constexpr const char* kIsoUtc = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string iso(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + kIsoUtc + ")";
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
    throw std::runtime_error("no random bytes");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string new_code() {
  std::string code;
  while (code.size() < kCodeLength) {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("no random bytes");
    for (unsigned char c : b)
      if (code.size() < kCodeLength) code += kCodeAlphabet[c % kCodeAlphabet.size()];
  }
  return code;
}

// What the desk typed: case, spaces and dashes do not matter.
std::string normalise_code(const std::string& typed) {
  std::string out;
  for (char c : typed)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string display_code(const std::string& code) {
  return code.substr(0, kCodeLength / 2) + "-" + code.substr(kCodeLength / 2);
}

Error unavailable(const std::exception& e) {
  spdlog::warn("desk: terminal store: {}", e.what());
  return make_error("desk.unavailable", "the terminal database is unavailable");
}

}  // namespace

struct TerminalStore::Impl {
  std::string conninfo;
  std::chrono::minutes idle;
  std::mutex m;
  std::vector<std::unique_ptr<pqxx::connection>> idle_connections;
  // Sessions confirmed by the database in the last kRecheck: the router asks on every request
  // (on an I/O thread), the database is asked at most every kRecheck per session. A revocation
  // therefore takes effect within kRecheck.
  static constexpr std::chrono::seconds kRecheck{5};  // as the API keys' (docs/security.md)
  struct Known {
    std::string terminal_id;
    std::chrono::steady_clock::time_point checked;
  };
  std::map<std::string, Known> known;  // by session hash

  // Runs `fn` in a transaction on a pooled connection; a broken connection is dropped.
  template <class F>
  auto with_tx(F&& fn) -> decltype(fn(std::declval<pqxx::work&>())) {
    std::unique_ptr<pqxx::connection> c;
    {
      std::lock_guard l(m);
      if (!idle_connections.empty()) {
        c = std::move(idle_connections.back());
        idle_connections.pop_back();
      }
    }
    try {
      if (!c || !c->is_open()) c = std::make_unique<pqxx::connection>(conninfo);
      pqxx::work tx(*c);
      auto r = fn(tx);
      tx.commit();
      std::lock_guard l(m);
      if (idle_connections.size() < 4) idle_connections.push_back(std::move(c));
      return r;
    } catch (const pqxx::broken_connection& e) {
      return unavailable(e);
    } catch (const pqxx::sql_error& e) {
      return unavailable(e);
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }
};

TerminalStore::TerminalStore(std::string conninfo, std::chrono::minutes idle_expiry)
    : impl_(std::make_unique<Impl>()) {
  impl_->conninfo = std::move(conninfo);
  impl_->idle = idle_expiry;
}

TerminalStore::~TerminalStore() = default;

bool TerminalStore::valid_terminal_id(const std::string& id) {
  if (id.empty() || id.size() > 63) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

std::string TerminalStore::csrf_token(const std::string& secret) {
  return Router::sha256_hex("madoguchi-desk-csrf:" + secret);
}

Result<EnrolmentCode> TerminalStore::enrol(const std::string& terminal_id,
                                           std::chrono::hours valid_for) {
  if (!valid_terminal_id(terminal_id))
    return make_error("terminal.bad_id",
                      "a terminal id is 1-63 lower-case letters, digits, '.', '_' or '-'");
  const std::string code = new_code();
  return impl_->with_tx([&](pqxx::work& tx) -> Result<EnrolmentCode> {
    tx.exec_params(
        "INSERT INTO desk_terminals (terminal_id) VALUES ($1) "
        "ON CONFLICT (terminal_id) DO UPDATE SET revoked_at = NULL",
        terminal_id);
    const auto row = tx.exec_params1(
        "INSERT INTO desk_enrolment_codes (code_sha256, terminal_id, expires_at) "
        "VALUES ($1, $2, now() + $3 * interval '1 hour') RETURNING " +
            iso("expires_at"),
        Router::sha256_hex(code), terminal_id, static_cast<long>(valid_for.count()));
    return EnrolmentCode{display_code(code), row[0].as<std::string>()};
  });
}

Result<std::vector<TerminalInfo>> TerminalStore::list() {
  const long idle = impl_->idle.count();
  return impl_->with_tx([&](pqxx::work& tx) -> Result<std::vector<TerminalInfo>> {
    const auto rows = tx.exec_params(
        "SELECT t.terminal_id, " + iso("t.enrolled_at") + ", coalesce(" + iso("t.revoked_at") +
            ", ''), count(s.session_sha256) FILTER (WHERE t.revoked_at IS NULL AND "
            "s.last_seen_at > now() - $1 * interval '1 minute'), coalesce(" +
            iso("max(s.last_seen_at)") +
            ", '') FROM desk_terminals t LEFT JOIN desk_sessions s USING (terminal_id) "
            "GROUP BY t.terminal_id ORDER BY t.terminal_id",
        idle);
    std::vector<TerminalInfo> out;
    for (const auto& r : rows)
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                     r[3].as<int>(), r[4].as<std::string>()});
    return out;
  });
}

Result<void> TerminalStore::revoke(const std::string& terminal_id) {
  return impl_->with_tx([&](pqxx::work& tx) -> Result<void> {
    const auto found = tx.exec_params(
        "UPDATE desk_terminals SET revoked_at = coalesce(revoked_at, now()) "
        "WHERE terminal_id = $1",
        terminal_id);
    if (found.affected_rows() == 0)
      return make_error("terminal.not_found", "no terminal \"" + terminal_id + "\"");
    tx.exec_params("DELETE FROM desk_sessions WHERE terminal_id = $1", terminal_id);
    tx.exec_params("DELETE FROM desk_enrolment_codes WHERE terminal_id = $1 AND used_at IS NULL",
                   terminal_id);
    return {};
  });
}

Result<std::pair<std::string, DeskSession>> TerminalStore::redeem(const std::string& typed) {
  const std::string code = normalise_code(typed);
  if (code.size() != kCodeLength)
    return make_error("desk.code_invalid", "the enrolment code is not valid");
  const std::string secret = random_hex(32);
  const long idle = impl_->idle.count();
  return impl_->with_tx([&](pqxx::work& tx) -> Result<std::pair<std::string, DeskSession>> {
    const auto used = tx.exec_params(
        "UPDATE desk_enrolment_codes c SET used_at = now() FROM desk_terminals t "
        "WHERE c.code_sha256 = $1 AND c.used_at IS NULL AND c.expires_at > now() "
        "AND t.terminal_id = c.terminal_id AND t.revoked_at IS NULL RETURNING c.terminal_id",
        Router::sha256_hex(code));
    if (used.empty()) return make_error("desk.code_invalid", "the enrolment code is not valid");
    const std::string terminal = used[0][0].as<std::string>();
    // Housekeeping: sessions idle past expiry are of no use to anyone.
    tx.exec_params(
        "DELETE FROM desk_sessions WHERE last_seen_at < now() - $1 * interval '1 minute'", idle);
    tx.exec_params("INSERT INTO desk_sessions (session_sha256, terminal_id) VALUES ($1, $2)",
                   Router::sha256_hex(secret), terminal);
    return std::pair{secret, DeskSession{terminal, csrf_token(secret)}};
  });
}

Result<DeskSession> TerminalStore::session(const std::string& secret) {
  if (secret.size() != 64) return make_error("desk.session_invalid", "not signed in");
  const std::string hash = Router::sha256_hex(secret);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard l(impl_->m);
    if (auto it = impl_->known.find(hash);
        it != impl_->known.end() && now - it->second.checked < Impl::kRecheck)
      return DeskSession{it->second.terminal_id, csrf_token(secret)};
  }
  const long idle = impl_->idle.count();
  auto found = impl_->with_tx([&](pqxx::work& tx) -> Result<DeskSession> {
    const auto rows = tx.exec_params(
        "SELECT s.terminal_id, s.last_seen_at < now() - interval '30 seconds' "
        "FROM desk_sessions s JOIN desk_terminals t USING (terminal_id) "
        "WHERE s.session_sha256 = $1 AND t.revoked_at IS NULL "
        "AND s.last_seen_at > now() - $2 * interval '1 minute'",
        hash, idle);
    if (rows.empty()) return make_error("desk.session_invalid", "not signed in, or expired");
    // Refreshed at most every 30 s: a page's polling does not write a row per request.
    if (rows[0][1].as<bool>())
      tx.exec_params("UPDATE desk_sessions SET last_seen_at = now() WHERE session_sha256 = $1",
                     hash);
    return DeskSession{rows[0][0].as<std::string>(), csrf_token(secret)};
  });
  std::lock_guard l(impl_->m);
  if (found) {
    if (impl_->known.size() > 10000) impl_->known.clear();  // bounded; refilled on demand
    impl_->known[hash] = {found->terminal_id, now};
  } else if (found.error().code != "desk.unavailable") {
    impl_->known.erase(hash);
  }
  return found;
}

Result<void> TerminalStore::end_session(const std::string& secret) {
  const std::string hash = Router::sha256_hex(secret);
  {
    std::lock_guard l(impl_->m);
    impl_->known.erase(hash);
  }
  return impl_->with_tx([&](pqxx::work& tx) -> Result<void> {
    tx.exec_params("DELETE FROM desk_sessions WHERE session_sha256 = $1", hash);
    return {};
  });
}

}  // namespace madoguchi::api
