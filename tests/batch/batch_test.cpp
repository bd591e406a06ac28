// Durable batches end to end: two daemons on one PostgreSQL share a batch through the gateway
// simulator over mutual TLS; one is SIGKILLed mid-batch and the other finishes it; every entry is
// audited exactly once. Progress is visible while it runs; results page as JSON and CSV.
// Idempotency-Key: a retry gets the first answer and writes no second record.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

// Fixed card holder 1001 of the simulator's population (docs/gateway.md): insured.
json insured(int i) {
  return {{"insurer_number", "06139992"},
          {"symbol", "1001"},
          {"number", "1001"},
          {"branch", "00"},
          {"reference", "appt-" + std::to_string(i)}};
}

// Small chunks and a short lease, so a killed daemon's chunk is claimed again within seconds.
std::vector<std::string> env(const GatewaySim& sim, int chunk, int lease_seconds) {
  return {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port()),
          "MADOGUCHI_BATCHES_CHUNK=" + std::to_string(chunk),
          "MADOGUCHI_BATCHES_LEASE_SECONDS=" + std::to_string(lease_seconds),
          "MADOGUCHI_BATCHES_POLL_MS=100"};
}

HttpAnswer post_file(const Daemon& d, const std::string& path, const std::string& file,
                     const std::string& type, const std::string& extra = "") {
  // --max-time: the last one counts; storing 100,000 entries takes seconds.
  return d.get(path, "--max-time 120 -X POST -H 'Content-Type: " + type +
                         "' -H 'Authorization: Bearer " + std::string(kToken) + "' " + extra +
                         " --data-binary @" + file);
}

json status(const Daemon& d, const std::string& id, const std::string& query = "") {
  auto a = d.get_authorized("/v1/batches/" + id + query);
  if (a.status != 200) throw std::runtime_error("GET batch: " + std::to_string(a.status) + a.body);
  return json::parse(a.body);
}

// Waits for `done(progress)` by polling; false on timeout.
template <class Pred>
bool wait_for(const Daemon& d, const std::string& id, std::chrono::seconds timeout, Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done(status(d, id, "?limit=1"))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST(Batches, TwoDaemonsShareABatchAndOneIsKilledMidBatch) {
  TempPostgres pg;
  TempDir dir_a("batch-a"), dir_b("batch-b"), sim_dir("batch-sim");
  GatewaySim sim(sim_dir);
  Daemon a(pg, dir_a, env(sim, 40, 3));
  ASSERT_TRUE(a.wait_ready(std::chrono::seconds(20))) << a.log();
  Daemon b(pg, dir_b, env(sim, 40, 3));
  ASSERT_TRUE(b.wait_ready(std::chrono::seconds(20))) << b.log();

  constexpr int kTotal = 4000;
  json items = json::array();
  for (int i = 0; i < kTotal; ++i) items.push_back(insured(i));
  items[5] = {{"insurer_number", "138157"}, {"number", "1"}, {"reference", "appt-5"}};
  items[6] = {{"insurer_number", "06139992"}, {"number", "123456789012"}, {"reference", "appt-6"}};
  auto created = a.post("/v1/batches", {{"visit_date", "2026-11-26"}, {"items", items}});
  ASSERT_EQ(created.status, 202) << created.body << a.log();
  const std::string id = json::parse(created.body)["batch_id"];
  EXPECT_EQ(json::parse(created.body)["location"], "/v1/batches/" + id);
  EXPECT_EQ(json::parse(created.body)["refused_at_intake"], 2);
  // The 12-digit individual number never entered the database.
  EXPECT_EQ(
      pg.psql("SELECT count(*) FROM batch_entries WHERE insured_number LIKE '%123456789012%'"),
      "0");

  // Progress is visible while it runs — from the other daemon too.
  int seen_done = 0;
  ASSERT_TRUE(wait_for(b, id, std::chrono::seconds(60), [&](const json& s) {
    seen_done = s["progress"]["done"];
    return seen_done > 0;
  })) << a.log();
  auto mid = status(b, id, "?limit=1");
  ASSERT_LT(mid["progress"]["done"].get<int>(), kTotal) << "finished before the kill";
  EXPECT_EQ(mid["progress"]["total"], kTotal);
  EXPECT_EQ(mid["state"], "running");

  a.process().signal(SIGKILL);
  ASSERT_TRUE(wait_for(b, id, std::chrono::seconds(120), [](const json& s) {
    return s["state"] == "done";
  })) << b.log();
  auto end = status(b, id, "?limit=1000");
  EXPECT_EQ(end["progress"]["done"], kTotal);
  EXPECT_EQ(end["progress"]["by_outcome"]["accepted"], kTotal - 2);
  EXPECT_EQ(end["progress"]["by_outcome"]["error"], 2);
  EXPECT_EQ(end["results"][0]["reference"], "appt-0");
  EXPECT_EQ(end["results"][0]["outcome"], "accepted");
  EXPECT_EQ(end["results"][5]["error"]["code"], "insurer_number.check_digit");
  EXPECT_EQ(end["results"][6]["error"]["code"], "number.individual_number");
  EXPECT_EQ(end["results"].size(), 1000u);
  EXPECT_EQ(end["next_cursor"], "1000");

  // Exactly once: one audit record per entry, the entry's own, none for the killed daemon's
  // abandoned chunk.
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE batch_id = '" + id + "'"),
            std::to_string(kTotal));
  EXPECT_EQ(pg.psql("SELECT count(DISTINCT a.check_id) FROM batch_entries e JOIN audit_checks a "
                    "ON a.check_id = e.check_id WHERE e.batch_id = '" +
                    id + "' AND a.batch_id = '" + id + "'"),
            std::to_string(kTotal));
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE batch_id = '" + id +
                    "' AND insured_number LIKE '%123456789012%'"),
            "0");
  std::cout << "entries claimed more than once (the killed daemon's chunk): "
            << pg.psql("SELECT count(*) FROM batch_entries WHERE batch_id = '" + id +
                       "' AND attempts > 1")
            << "\n";

  // A caller sees only its own batches.
  auto other = b.get("/v1/batches/" + id, "-H 'Authorization: Bearer not-a-token'");
  EXPECT_EQ(other.status, 401);
  EXPECT_EQ(b.get_authorized("/v1/batches/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_EQ(b.get_authorized("/v1/batches/not-a-uuid").status, 404);
}

TEST(Batches, CsvInAndOutCancelAndIdempotencyKey) {
  TempPostgres pg;
  TempDir dir("batch-csv"), sim_dir("batch-csv-sim");
  GatewaySim sim(sim_dir);
  // A long poll: the batch waits until the test pokes it by creating it (the worker is woken).
  Daemon d(pg, dir, env(sim, 500, 30));
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();

  const std::string csv = (dir.path() / "in.csv").string();
  {
    std::ofstream out(csv);
    out << "\xEF\xBB\xBFreference,insurer_number,symbol,number,branch,birth_date\r\n";
    for (int i = 0; i < 30; ++i) out << "\"r," << i << "\",06139992,1001,1001,00,\r\n";
  }
  auto created = post_file(d, "/v1/batches?visit_date=2026-11-26", csv, "text/csv",
                           "-H 'Idempotency-Key: csv-batch-1'");
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string id = json::parse(created.body)["batch_id"];
  // The retry with the same key: the first answer, no second batch.
  auto again = post_file(d, "/v1/batches?visit_date=2026-11-26", csv, "text/csv",
                         "-H 'Idempotency-Key: csv-batch-1'");
  ASSERT_EQ(again.status, 202);
  EXPECT_EQ(json::parse(again.body)["batch_id"], id);
  EXPECT_EQ(pg.psql("SELECT count(*) FROM batches"), "1");

  ASSERT_TRUE(wait_for(d, id, std::chrono::seconds(60), [](const json& s) {
    return s["state"] == "done";
  })) << d.log();
  auto out = d.get("/v1/batches/" + id + "?bom=1", std::string("-H 'Accept: text/csv' -H "
                                                               "'Authorization: Bearer ") +
                                                       kToken + "'");
  ASSERT_EQ(out.status, 200);
  ASSERT_EQ(out.body.substr(0, 3), "\xEF\xBB\xBF");
  std::istringstream lines(out.body.substr(3));
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  EXPECT_EQ(header,
            "index,reference,state,check_id,outcome,reason_codes,message_ja,next_step_ja,"
            "error_code\r");
  EXPECT_EQ(first.rfind("0,\"r,0\",done,", 0), 0u) << first;
  EXPECT_NE(first.find(",accepted,"), std::string::npos) << first;
  int rows = 0;
  for (std::string l; std::getline(lines, l);) ++rows;
  EXPECT_EQ(rows, 29);

  // Same key, another body: refused, nothing created.
  const std::string other = (dir.path() / "other.csv").string();
  {
    std::ofstream o(other);
    o << "insurer_number,number\n06139992,1001\n";
  }
  auto mismatch =
      post_file(d, "/v1/batches", other, "text/csv", "-H 'Idempotency-Key: csv-batch-1'");
  EXPECT_EQ(mismatch.status, 422);
  EXPECT_EQ(json::parse(mismatch.body)["code"], "idempotency.mismatch");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM batches"), "1");

  // A bad CSV column is named.
  {
    std::ofstream o(other);
    o << "insurer,number\n06139992,1001\n";
  }
  auto bad = post_file(d, "/v1/batches", other, "text/csv");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["code"], "batch.bad_csv");

  // DELETE of a finished batch changes nothing; of an unknown one is 404.
  auto del = d.get("/v1/batches/" + id,
                   std::string("-X DELETE -H 'Authorization: Bearer ") + kToken + "'");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(json::parse(del.body)["state"], "done");
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE batch_id = '" + id + "'"), "30");
}

TEST(Batches, CancelStopsEntriesNotYetSent) {
  TempPostgres pg;
  TempDir dir("batch-cancel"), sim_dir("batch-cancel-sim");
  GatewaySim sim(sim_dir);
  Daemon d(pg, dir, env(sim, 20, 30));
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  json items = json::array();
  for (int i = 0; i < 3000; ++i) items.push_back(insured(i));
  auto created = d.post("/v1/batches", {{"visit_date", "2026-11-26"}, {"items", items}});
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string id = json::parse(created.body)["batch_id"];
  ASSERT_TRUE(wait_for(d, id, std::chrono::seconds(30),
                       [](const json& s) { return s["progress"]["done"] > 0; }));
  auto del = d.get("/v1/batches/" + id,
                   std::string("-X DELETE -H 'Authorization: Bearer ") + kToken + "'");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(json::parse(del.body)["state"], "cancelled");
  // The chunk being sent finishes; nothing more is claimed.
  ASSERT_TRUE(wait_for(d, id, std::chrono::seconds(30),
                       [](const json& s) { return s["progress"]["pending"] == 0; }));
  auto s = status(d, id);
  const int done = s["progress"]["done"], cancelled = s["progress"]["cancelled"];
  EXPECT_GT(cancelled, 0);
  EXPECT_EQ(done + cancelled, 3000);
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE batch_id = '" + id + "'"),
            std::to_string(done));
}

TEST(Idempotency, ByNumberRetryReturnsTheFirstAnswerWithOneAuditRecord) {
  TempPostgres pg;
  TempDir dir("idem"), sim_dir("idem-sim");
  GatewaySim sim(sim_dir);
  Daemon d(pg, dir, env(sim, 500, 30));
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  const std::string body = (dir.path() / "check.json").string();
  {
    std::ofstream o(body);
    json c = insured(0);
    c["visit_date"] = "2026-11-25";
    o << c.dump();
  }
  auto first = post_file(d, "/v1/checks/by-number", body, "application/json",
                         "-H 'Idempotency-Key: k-1' -i");
  auto second = post_file(d, "/v1/checks/by-number", body, "application/json",
                          "-H 'Idempotency-Key: k-1' -i");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(second.status, 200) << second.body;
  const auto payload = [](const std::string& s) { return s.substr(s.find("\r\n\r\n") + 4); };
  EXPECT_EQ(payload(first.body), payload(second.body));
  std::string head = second.body.substr(0, second.body.find("\r\n\r\n"));
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(head.find("idempotent-replayed: true"), std::string::npos) << second.body;
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), "1");
  // Without a key, a second check is a second check.
  auto third = post_file(d, "/v1/checks/by-number", body, "application/json");
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), "2");
}

// The size of a day's appointments at a large hospital group. CI runs 10,000 entries; set
// MADOGUCHI_BATCH_ENTRIES=100000 for the full figure (docs/scaling.md).
TEST(Batches, LargeBatchCompletesThroughTheSimulatorAndItsCsvHasEveryRow) {
  const char* env_size = std::getenv("MADOGUCHI_BATCH_ENTRIES");
  const int total = env_size ? std::atoi(env_size) : 10000;
  ASSERT_GT(total, 0);
  TempPostgres pg;
  TempDir dir("batch-large"), sim_dir("batch-large-sim");
  GatewaySim sim(sim_dir);
  Daemon d(pg, dir, {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port())});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  const std::string body = (dir.path() / "large.csv").string();
  {
    std::ofstream out(body);
    out << "reference,insurer_number,symbol,number,branch\n";
    for (int i = 0; i < total; ++i) out << "appt-" << i << ",06139992,1001,1001,00\n";
  }
  const auto started = std::chrono::steady_clock::now();
  auto created = post_file(d, "/v1/batches?visit_date=2026-11-26", body, "text/csv");
  ASSERT_EQ(created.status, 202) << created.body;
  const auto stored = std::chrono::steady_clock::now();
  const std::string id = json::parse(created.body)["batch_id"];
  int last_done = -1, progress_changes = 0;
  ASSERT_TRUE(wait_for(d, id, std::chrono::seconds(280), [&](const json& s) {
    const int done = s["progress"]["done"];
    if (done != last_done) ++progress_changes;
    last_done = done;
    return s["state"] == "done";
  })) << d.log();
  const auto finished = std::chrono::steady_clock::now();
  const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::cout << total << "-entry batch: stored in " << secs(started, stored) << " s, done in "
            << secs(started, finished) << " s (" << total / secs(started, finished)
            << " entries/s), progress seen " << progress_changes << " times\n";
  // The baseline in the same run: the same entries through the in-request batch
  // (POST /v1/checks/batch, 5,000 a request, one after another).
  const auto base_started = std::chrono::steady_clock::now();
  for (int from = 0; from < total; from += 5000) {
    json items = json::array();
    for (int i = from; i < std::min(total, from + 5000); ++i) items.push_back(insured(i));
    const std::string part = (dir.path() / "baseline.json").string();
    std::ofstream(part) << json{{"visit_date", "2026-11-26"}, {"items", items}}.dump();
    auto a = post_file(d, "/v1/checks/batch", part, "application/json");
    ASSERT_EQ(a.status, 200) << a.body.substr(0, 300);
  }
  const double base = secs(base_started, std::chrono::steady_clock::now());
  std::cout << "baseline, the same entries in requests of 5,000 to /v1/checks/batch: " << base
            << " s; durable/in-request time ratio " << secs(started, finished) / base << "\n";
  EXPECT_GT(progress_changes, 1);  // visible while running, not only at the end
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks WHERE batch_id = '" + id + "'"),
            std::to_string(total));
  EXPECT_EQ(pg.psql("SELECT count(*) FROM audit_checks"), std::to_string(2 * total));

  // Every row comes back as CSV, page by page, with the right columns.
  int rows = 0;
  std::string cursor;
  for (;;) {
    auto page =
        d.get("/v1/batches/" + id + "?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor),
              std::string("-i -H 'Accept: text/csv' -H 'Authorization: Bearer ") + kToken + "'");
    ASSERT_EQ(page.status, 200);
    const auto split = page.body.find("\r\n\r\n");
    const std::string head = page.body.substr(0, split), csv = page.body.substr(split + 4);
    std::istringstream lines(csv);
    std::string line;
    if (cursor.empty()) {
      std::getline(lines, line);
      ASSERT_EQ(line,
                "index,reference,state,check_id,outcome,reason_codes,message_ja,"
                "next_step_ja,error_code\r");
    }
    while (std::getline(lines, line)) {
      if (rows == 0) {
        EXPECT_EQ(line.rfind("0,appt-0,done,", 0), 0u) << line;
      }
      EXPECT_NE(line.find(",accepted,"), std::string::npos) << line;
      ++rows;
    }
    const auto link = head.find("cursor=");
    if (link == std::string::npos) break;
    cursor = head.substr(link + 7, head.find('&', link) - link - 7);
  }
  EXPECT_EQ(rows, total);
}
