// API keys in PostgreSQL (libpqxx 6.4): create, list, revoke, rotate; the daemon's lookup.
#include <madoguchi/api/keys.hpp>

#define PQXX_HAVE_OPTIONAL 1
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <pqxx/pqxx>

#include <map>
#include <mutex>

namespace madoguchi::api {

namespace {

constexpr const char* kIsoUtc = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string iso(const std::string& column) {
  return "coalesce(to_char(" + column + " AT TIME ZONE 'UTC', " + kIsoUtc + "), '')";
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

Error unavailable(const std::exception& e) {
  // The text may quote a value: only its first line, at warning level, never to a client.
  std::string what = e.what();
  what = what.substr(0, what.find('\n'));
  spdlog::warn("keys: key store: {}", what);
  return make_error("key.unavailable", "the key database is unavailable");
}

const std::string kColumns = "key_id, client_id, role, coalesce(terminal_id, ''), " +
                             iso("created_at") + ", " + iso("expires_at") + ", " +
                             iso("revoked_at") + ", " + iso("last_used_at") +
                             ", coalesce(rotated_from, '')";

ApiKeyInfo to_info(const pqxx::row& r) {
  ApiKeyInfo k;
  k.key_id = r[0].as<std::string>();
  k.client_id = r[1].as<std::string>();
  k.role = role_from_string(r[2].as<std::string>()).value_or(Role::ReceiptSystem);
  k.terminal_id = r[3].as<std::string>();
  k.created_at = r[4].as<std::string>();
  k.expires_at = r[5].as<std::string>();
  k.revoked_at = r[6].as<std::string>();
  k.last_used_at = r[7].as<std::string>();
  k.rotated_from = r[8].as<std::string>();
  return k;
}

}  // namespace

struct KeyStore::Impl {
  std::string conninfo;
  std::mutex m;
  std::vector<std::unique_ptr<pqxx::connection>> idle_connections;
  struct Known {
    ApiClient client;
    std::string key_id;
    std::chrono::steady_clock::time_point checked;
  };
  std::map<std::string, Known> known;  // active keys by token hash, confirmed within kRecheck

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
    } catch (const std::exception& e) {
      return unavailable(e);
    }
  }
};

KeyStore::KeyStore(std::string conninfo) : impl_(std::make_unique<Impl>()) {
  impl_->conninfo = std::move(conninfo);
}

KeyStore::~KeyStore() = default;

bool KeyStore::valid_client_id(const std::string& id) {
  if (id.empty() || id.size() > 63) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

namespace {
Result<void> check_new_key(const std::string& client_id, Role role,
                           const std::string& terminal_id) {
  if (!KeyStore::valid_client_id(client_id))
    return make_error("key.bad_client",
                      "a client id is 1-63 lower-case letters, digits, '.', '_' or '-'");
  if (role == Role::Desk && !KeyStore::valid_client_id(terminal_id))
    return make_error("key.bad_terminal", "a desk key needs --terminal (a terminal id)");
  if (role != Role::Desk && !terminal_id.empty())
    return make_error("key.bad_terminal", "only desk keys act for a terminal");
  return {};
}

// Inserts a new key; the token is "mdg_" + 64 hex digits (256 bits).
NewApiKey insert_key(pqxx::work& tx, const std::string& client_id, Role role,
                     const std::string& terminal_id, std::optional<std::chrono::hours> valid_for,
                     const std::string& rotated_from) {
  NewApiKey k;
  k.token = "mdg_" + random_hex(32);
  const std::string key_id = "k-" + random_hex(6);
  const auto row = tx.exec_params1(
      "INSERT INTO api_keys (key_id, client_id, role, terminal_id, token_sha256, expires_at, "
      "rotated_from) VALUES ($1, $2, $3, nullif($4, ''), $5, "
      "CASE WHEN $6::bigint < 0 THEN NULL ELSE now() + $6::bigint * interval '1 hour' END, "
      "nullif($7, '')) RETURNING " +
          kColumns,
      key_id, client_id, std::string(to_string(role)), terminal_id, Router::sha256_hex(k.token),
      static_cast<long long>(valid_for ? valid_for->count() : -1), rotated_from);
  k.key = to_info(row);
  return k;
}
}  // namespace

Result<NewApiKey> KeyStore::create(const std::string& client_id, Role role,
                                   const std::string& terminal_id,
                                   std::optional<std::chrono::hours> valid_for) {
  if (auto ok = check_new_key(client_id, role, terminal_id); !ok) return ok.error();
  return impl_->with_tx([&](pqxx::work& tx) -> Result<NewApiKey> {
    return insert_key(tx, client_id, role, terminal_id, valid_for, "");
  });
}

Result<std::vector<ApiKeyInfo>> KeyStore::list() {
  return impl_->with_tx([&](pqxx::work& tx) -> Result<std::vector<ApiKeyInfo>> {
    std::vector<ApiKeyInfo> out;
    for (const auto& r :
         tx.exec("SELECT " + kColumns + " FROM api_keys ORDER BY client_id, created_at"))
      out.push_back(to_info(r));
    return out;
  });
}

Result<void> KeyStore::revoke(const std::string& key_id) {
  return impl_->with_tx([&](pqxx::work& tx) -> Result<void> {
    const auto r = tx.exec_params(
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = $1", key_id);
    if (r.affected_rows() == 0) return make_error("key.not_found", "no key \"" + key_id + "\"");
    return {};
  });
}

Result<NewApiKey> KeyStore::rotate(const std::string& key_id, std::chrono::minutes grace) {
  return impl_->with_tx([&](pqxx::work& tx) -> Result<NewApiKey> {
    const auto old = tx.exec_params(
        "UPDATE api_keys SET revoked_at = least(coalesce(revoked_at, 'infinity'), now() + $2 * "
        "interval '1 minute') WHERE key_id = $1 AND (revoked_at IS NULL OR revoked_at > now()) "
        "RETURNING client_id, role, coalesce(terminal_id, ''), "
        "CASE WHEN expires_at IS NULL THEN -1 ELSE "
        "ceil(extract(epoch FROM expires_at - created_at) / 3600)::bigint END",
        key_id, static_cast<long long>(grace.count()));
    if (old.empty()) return make_error("key.not_found", "no active key \"" + key_id + "\"");
    const auto& r = old[0];
    const long long hours = r[3].as<long long>();
    std::optional<std::chrono::hours> valid_for;
    if (hours >= 0) valid_for = std::chrono::hours(std::max(1LL, hours));
    return insert_key(tx, r[0].as<std::string>(),
                      role_from_string(r[1].as<std::string>()).value_or(Role::ReceiptSystem),
                      r[2].as<std::string>(), valid_for, key_id);
  });
}

Result<std::optional<ApiClient>> KeyStore::lookup(const std::string& hash) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard l(impl_->m);
    auto it = impl_->known.find(hash);
    if (it != impl_->known.end()) {
      if (now - it->second.checked < kRecheck) return std::optional<ApiClient>(it->second.client);
      impl_->known.erase(it);
    }
  }
  auto found = impl_->with_tx([&](pqxx::work& tx) -> Result<std::optional<Impl::Known>> {
    const auto rows = tx.exec_params(
        "SELECT key_id, client_id, role, coalesce(terminal_id, ''), "
        "last_used_at IS NULL OR last_used_at < now() - interval '1 minute' FROM api_keys "
        "WHERE token_sha256 = $1 AND (revoked_at IS NULL OR revoked_at > now()) "
        "AND (expires_at IS NULL OR expires_at > now())",
        hash);
    if (rows.empty()) return std::optional<Impl::Known>();
    const auto& r = rows[0];
    Impl::Known k;
    k.key_id = r[0].as<std::string>();
    k.client.id = r[1].as<std::string>();
    k.client.token_sha256_hex = hash;
    const auto role = role_from_string(r[2].as<std::string>());
    if (!role) return std::optional<Impl::Known>();
    k.client.roles = static_cast<unsigned>(*role);
    k.client.terminal_id = r[3].as<std::string>();
    // The last use, at most once a minute per key: one UPDATE per key and minute, not per call.
    if (r[4].as<bool>())
      tx.exec_params("UPDATE api_keys SET last_used_at = now() WHERE key_id = $1", k.key_id);
    return std::optional<Impl::Known>(std::move(k));
  });
  if (!found) return found.error();
  if (!*found) return std::optional<ApiClient>();
  (*found)->checked = now;
  std::lock_guard l(impl_->m);
  if (impl_->known.size() > 10000) impl_->known.clear();  // bounded: only valid keys get here
  auto& k = impl_->known[hash] = std::move(**found);
  return std::optional<ApiClient>(k.client);
}

void enable_api_keys(Router& router, KeyStore& keys) {
  router.set_key_lookup([&keys](const std::string& hash) { return keys.lookup(hash); });
}

}  // namespace madoguchi::api
