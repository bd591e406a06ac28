// madoguchictl keys: API keys (APIキー) and their roles, in the daemon's database.
//
//   madoguchictl keys create CLIENT --role R [--terminal T] [--valid-days N]   prints the token
//   once madoguchictl keys list madoguchictl keys revoke KEY_ID madoguchictl keys rotate KEY_ID
//   [--grace-minutes M]    a new token; the old one ends after M
//
// The database is the daemon's: $MADOGUCHI_DATABASE_CONNINFO (or --conninfo without a password).
// A revocation reaches a running daemon within 5 seconds (its key cache).
#include "commands.hpp"

#include <madoguchi/api/keys.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace madoguchi::ctl {

namespace {

struct KeysOptions {
  std::string conninfo;
  std::string client;
  std::string role;
  std::string terminal;
  std::string key_id;
  int valid_days = 0;  // 0: no expiry
  int grace_minutes = 0;
};

int fail(const Error& e) {
  std::fprintf(stderr, "madoguchictl keys: %s: %s\n", e.code.c_str(), e.message.c_str());
  if (e.code == "key.unavailable") return kUnavailable;
  if (e.code == "key.bad_client" || e.code == "key.bad_role" || e.code == "key.bad_terminal")
    return kUsage;
  return kRefused;
}

nlohmann::json or_null(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

nlohmann::json to_json(const api::ApiKeyInfo& k) {
  return {{"key_id", k.key_id},
          {"client_id", k.client_id},
          {"role", std::string(api::to_string(k.role))},
          {"terminal_id", or_null(k.terminal_id)},
          {"created_at", k.created_at},
          {"expires_at", or_null(k.expires_at)},
          {"revoked_at", or_null(k.revoked_at)},
          {"last_used_at", or_null(k.last_used_at)},
          {"rotated_from", or_null(k.rotated_from)}};
}

void print_new(const api::NewApiKey& k, const Globals& g) {
  if (g.json) {
    nlohmann::json j = to_json(k.key);
    j["token"] = k.token;
    std::printf("%s\n", j.dump().c_str());
  } else if (g.lang == "en") {
    std::printf(
        "Key %s for %s (role %s%s%s)%s%s\nToken (shown only now; store it in the client's "
        "secret store):\n%s\n",
        k.key.key_id.c_str(), k.key.client_id.c_str(),
        std::string(api::to_string(k.key.role)).c_str(),
        k.key.terminal_id.empty() ? "" : ", terminal ", k.key.terminal_id.c_str(),
        k.key.expires_at.empty() ? "" : ", valid until ", k.key.expires_at.c_str(),
        k.token.c_str());
  } else {
    std::printf(
        "キー %s (クライアント %s・役割 %s%s%s)%s%s\nトークン (表示は今回のみ。安全に保管):\n%s\n",
        k.key.key_id.c_str(), k.key.client_id.c_str(),
        std::string(api::to_string(k.key.role)).c_str(), k.key.terminal_id.empty() ? "" : "・端末 ",
        k.key.terminal_id.c_str(), k.key.expires_at.empty() ? "" : "・有効期限 ",
        k.key.expires_at.c_str(), k.token.c_str());
  }
}

}  // namespace

void add_keys_command(CLI::App& app, Globals& g) {
  auto o = std::make_shared<KeysOptions>();
  CLI::App* keys = app.add_subcommand("keys", "API keys and their roles");
  keys->require_subcommand(1);

  CLI::App* create = add_conninfo_option(
      keys->add_subcommand("create", "create a key; its token is printed once"), o->conninfo);
  create->add_option("CLIENT", o->client, "client id, e.g. rececon-1 (lower case)")->required();
  create->add_option("--role", o->role, "desk | receipt_system | auditor | admin")
      ->required()
      ->check(CLI::IsMember({"desk", "receipt_system", "auditor", "admin"}));
  create->add_option("--terminal", o->terminal, "the counter a desk key acts for");
  create->add_option("--valid-days", o->valid_days, "days until the key expires (default: never)")
      ->check(CLI::Range(1, 3650));
  create->callback([o, &g] {
    api::KeyStore store(o->conninfo);
    std::optional<std::chrono::hours> valid;
    if (o->valid_days > 0) valid = std::chrono::hours(24 * o->valid_days);
    auto k = store.create(o->client, *api::role_from_string(o->role), o->terminal, valid);
    if (!k) {
      g.exit_code = fail(k.error());
      return;
    }
    print_new(*k, g);
    g.exit_code = kOk;
  });

  CLI::App* list = add_conninfo_option(
      keys->add_subcommand("list", "list keys (never their tokens)"), o->conninfo);
  list->callback([o, &g] {
    api::KeyStore store(o->conninfo);
    auto all = store.list();
    if (!all) {
      g.exit_code = fail(all.error());
      return;
    }
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& k : *all) out.push_back(to_json(k));
      std::printf("%s\n", out.dump().c_str());
    } else {
      const bool en = g.lang == "en";
      std::printf("%-16s %-20s %-15s %-12s %-21s %-21s %s\n", en ? "KEY" : "キー",
                  en ? "CLIENT" : "クライアント", en ? "ROLE" : "役割", en ? "TERMINAL" : "端末",
                  en ? "EXPIRES" : "有効期限", en ? "LAST USED" : "最終使用",
                  en ? "STATE" : "状態");
      for (const auto& k : *all)
        std::printf("%-16s %-20s %-15s %-12s %-21s %-21s %s\n", k.key_id.c_str(),
                    k.client_id.c_str(), std::string(api::to_string(k.role)).c_str(),
                    k.terminal_id.empty() ? "-" : k.terminal_id.c_str(),
                    k.expires_at.empty() ? "-" : k.expires_at.c_str(),
                    k.last_used_at.empty() ? "-" : k.last_used_at.c_str(),
                    !k.revoked_at.empty() ? (en ? "revoked" : "失効") : (en ? "active" : "有効"));
    }
    g.exit_code = kOk;
  });

  CLI::App* revoke =
      add_conninfo_option(keys->add_subcommand("revoke", "stop a key at once"), o->conninfo);
  revoke->add_option("KEY_ID", o->key_id, "the key's id (keys list)")->required();
  revoke->callback([o, &g] {
    api::KeyStore store(o->conninfo);
    auto r = store.revoke(o->key_id);
    if (!r) {
      g.exit_code = fail(r.error());
      return;
    }
    if (g.json)
      std::printf("%s\n", nlohmann::json{{"key_id", o->key_id}, {"revoked", true}}.dump().c_str());
    else
      std::printf(g.lang == "en" ? "Key %s revoked.\n" : "キー %s を失効させました。\n",
                  o->key_id.c_str());
    g.exit_code = kOk;
  });

  CLI::App* rotate = add_conninfo_option(
      keys->add_subcommand("rotate", "a new token for the same client; the old one ends"),
      o->conninfo);
  rotate->add_option("KEY_ID", o->key_id, "the key's id (keys list)")->required();
  rotate->add_option("--grace-minutes", o->grace_minutes, "minutes the old token keeps working")
      ->check(CLI::Range(0, 10080));
  rotate->callback([o, &g] {
    api::KeyStore store(o->conninfo);
    auto k = store.rotate(o->key_id, std::chrono::minutes(o->grace_minutes));
    if (!k) {
      g.exit_code = fail(k.error());
      return;
    }
    print_new(*k, g);
    g.exit_code = kOk;
  });
}

}  // namespace madoguchi::ctl
