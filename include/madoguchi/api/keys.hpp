// API keys (APIキー) in PostgreSQL (db/migrations/0006): each has a role and, for a desk key, the
// counter it acts for. The token is shown once at creation; only its SHA-256 is stored.
#pragma once

#include <madoguchi/api/router.hpp>
#include <madoguchi/domain/result.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace madoguchi::api {

struct ApiKeyInfo {
  std::string key_id;     // "k-1a2b3c4d5e6f": names the key in list/revoke/rotate, not secret
  std::string client_id;  // recorded in audit records of its checks
  Role role = Role::ReceiptSystem;
  std::string terminal_id;   // desk keys: the counter; else ""
  std::string created_at;    // ISO 8601 UTC
  std::string expires_at;    // "" : no expiry
  std::string revoked_at;    // "" : active
  std::string last_used_at;  // "" : never (refreshed at most once a minute)
  std::string rotated_from;  // the key this one replaced, ""
};

struct NewApiKey {
  ApiKeyInfo key;
  std::string token;  // "mdg_…": shown once, never stored
};

// Thread-safe (a small connection pool). Errors: "key.bad_client", "key.bad_role",
// "key.bad_terminal", "key.not_found", "key.unavailable".
class KeyStore {
 public:
  // A lookup answered from memory is at most this old: a revocation takes effect within it.
  static constexpr std::chrono::seconds kRecheck{5};

  explicit KeyStore(std::string conninfo);
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // `terminal_id` is required for role desk and refused for the others; `valid_for` empty: no
  // expiry.
  Result<NewApiKey> create(const std::string& client_id, Role role, const std::string& terminal_id,
                           std::optional<std::chrono::hours> valid_for);
  Result<std::vector<ApiKeyInfo>> list();
  Result<void> revoke(const std::string& key_id);
  // A new key for the same client, role and terminal; the old one stops working after `grace`
  // (0: at once), so a receipt system can switch without a gap.
  Result<NewApiKey> rotate(const std::string& key_id, std::chrono::minutes grace);

  // The daemon: the client of an active key by its token's SHA-256 (nullopt: unknown, expired or
  // revoked). Answers from memory for kRecheck; records the last use at most once a minute.
  Result<std::optional<ApiClient>> lookup(const std::string& token_sha256_hex);

  // Client ids: lower-case letters, digits, '.', '_', '-'; up to 63.
  static bool valid_client_id(const std::string& id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The Router's key lookup: tokens that are not configured clients are looked up in `keys`.
void enable_api_keys(Router& router, KeyStore& keys);

}  // namespace madoguchi::api
