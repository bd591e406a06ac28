// Idempotency-Key around recording POSTs (include/madoguchi/api/batches.hpp).
#include <madoguchi/api/batches.hpp>

#include <spdlog/spdlog.h>

#include <memory>

namespace madoguchi::api {

namespace {

bool valid_key(const std::string& key) {
  if (key.empty() || key.size() > 255) return false;
  for (unsigned char c : key)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string fingerprint(const Request& req) {
  return req.method + " " + req.path + " " + Router::sha256_hex(req.body);
}

Response replay(const audit::StoredAnswer& a) {
  Response r;
  r.status = a.status;
  r.content_type = a.content_type;
  r.body = a.body;
  r.headers = a.headers;
  r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

audit::StoredAnswer stored(const Response& r) {
  return {r.status, r.content_type, r.headers, r.body};
}

// The answer when the key cannot run the handler; nullopt when it may (Kind::New).
std::optional<Response> refusal(const Result<audit::IdempotencyState>& state) {
  using Kind = audit::IdempotencyState::Kind;
  if (!state) {
    spdlog::error("idempotency keys: {}", state.error().message);
    auto r = problem(503, "idempotency.unavailable", "Idempotency keys cannot be checked now");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  switch (state->kind) {
    case Kind::New:
      return std::nullopt;
    case Kind::Replay:
      return replay(state->answer);
    case Kind::Mismatch:
      return problem(422, "idempotency.mismatch",
                     "This Idempotency-Key was used for a different request");
    case Kind::InProgress: {
      auto r = problem(409, "idempotency.in_progress",
                       "The first request with this Idempotency-Key is still being answered");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  return std::nullopt;
}

// Keeps an answer worth keeping; a 5xx (nothing durable, e.g. audit.unavailable) frees the key
// so that the retry runs.
void settle(audit::IdempotencyStore& store, const std::string& client, const std::string& key,
            const Response& r) {
  auto done = r.status < 500 ? store.complete(client, key, stored(r)) : store.release(client, key);
  if (!done) spdlog::error("idempotency keys: {}", done.error().message);
}

}  // namespace

Handler idempotent(audit::IdempotencyStore* store, Handler handler) {
  if (!store) return handler;
  return [store, handler = std::move(handler)](const Request& req) -> Response {
    const std::string key = req.header("idempotency-key");
    if (key.empty()) return handler(req);
    if (!valid_key(key))
      return problem(400, "idempotency.bad_key",
                     "Idempotency-Key is 1..255 printable ASCII characters");
    if (auto r = refusal(store->begin(req.client_id, key, fingerprint(req)))) return *r;
    Response answer;
    try {
      answer = handler(req);
    } catch (...) {
      (void)store->release(req.client_id, key);
      throw;
    }
    settle(*store, req.client_id, key, answer);
    return answer;
  };
}

AsyncHandler idempotent_async(audit::IdempotencyStore* store, AsyncHandler handler) {
  if (!store) return handler;
  auto shared = std::make_shared<AsyncHandler>(std::move(handler));
  return [store, shared](Request req, Responder respond) {
    const std::string key = req.header("idempotency-key");
    if (key.empty()) return (*shared)(std::move(req), std::move(respond));
    if (!valid_key(key))
      return respond(problem(400, "idempotency.bad_key",
                             "Idempotency-Key is 1..255 printable ASCII characters"));
    store->run_async([store, shared, key, req = std::move(req), respond]() mutable {
      if (auto r = refusal(store->begin(req.client_id, key, fingerprint(req))))
        return respond(std::move(*r));
      const std::string client = req.client_id;
      // The answer is kept (on the store's thread) before it is sent, so a retry that follows
      // the answer finds it.
      Responder keep([store, client, key, respond](Response r) {
        store->run_async([store, client, key, respond, r = std::move(r)]() mutable {
          settle(*store, client, key, r);
          respond(std::move(r));
        });
      });
      try {
        (*shared)(std::move(req), keep);
      } catch (const std::exception& e) {
        spdlog::error("idempotent handler failed: {}", e.what());
        keep(problem(500, "server.internal", "Internal error"));
      }
    });
  };
}

}  // namespace madoguchi::api
