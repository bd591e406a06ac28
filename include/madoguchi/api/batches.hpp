// Durable batches over HTTP (docs/api.md, "Batches") and the Idempotency-Key facility every
// recording POST uses.
#pragma once

#include <madoguchi/api/router.hpp>
#include <madoguchi/audit/batches.hpp>

#include <cstddef>
#include <functional>
#include <string>

namespace madoguchi::api {

// POST /v1/batches (JSON {"visit_date","items":[...]} or text/csv with a header row) → 202 with
// the batch id and Location; GET /v1/batches/{id}?cursor=&limit= (progress and a page of results,
// JSON or CSV by Accept, ?bom=1 for Excel); DELETE /v1/batches/{id} cancels the entries not yet
// sent. Access::Batch; a caller sees only the batches its client created.
struct BatchRoutesOptions {
  std::string terminal_id;         // the daemon's terminal, for API clients without their own
  std::size_t max_items = 100000;  // entries per batch
  std::function<void()> created;   // a batch was stored (wakes this daemon's worker)
  audit::IdempotencyStore* idempotency = nullptr;  // Idempotency-Key on POST (nullptr: ignored)
};
void add_batch_routes(Router& router, audit::BatchStore& store, BatchRoutesOptions options);

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) around a POST handler that
// records: the first answer (any status below 500) to a key is kept per client for the store's
// TTL; a retry with the same key and the same request (method, path, body) gets that answer back
// (header Idempotent-Replayed: true) and the handler does not run again — no second audit
// record. The same key with another request: 422 idempotency.mismatch; while the first is still
// being answered: 409 idempotency.in_progress; a key longer than 255 characters or not printable
// ASCII: 400 idempotency.bad_key; the store down: 503 idempotency.unavailable. Without the header
// the handler runs as before. `store` nullptr: the header is ignored.
Handler idempotent(audit::IdempotencyStore* store, Handler handler);
// The same for an asynchronous handler; the store is consulted on its own threads, never on the
// calling I/O thread.
AsyncHandler idempotent_async(audit::IdempotencyStore* store, AsyncHandler handler);

}  // namespace madoguchi::api
