// The batch worker with fake ports: what it asks the gateway, what it hands the store to commit
// (one audit record per entry, the batch's id on each), and what a lost claim means.
#include <madoguchi/batch/worker.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace madoguchi;

namespace {

gateway::Confirmation insured(const InsuranceIdentity& who) {
  Qualification q;
  q.validity = QualificationValidity::Valid;
  q.identity = who;
  return {QualificationValidity::Valid, {q}, false, "ref", std::nullopt};
}

class FakeGateway : public gateway::GatewayPort {
 public:
  std::vector<std::size_t> batch_sizes;
  bool down = false;
  Result<std::string> challenge() override { return make_error("gateway.unsupported", "-"); }
  Result<gateway::Confirmation> confirm_by_number(const gateway::NumberQuery&) override {
    return make_error("gateway.unsupported", "batches only");
  }
  void confirm_by_number(const gateway::NumberQuery& q,
                         Completion<gateway::Confirmation> done) override {
    done(confirm_by_number(q));
  }
  Result<gateway::Confirmation> confirm_by_card(const gateway::CardQuery&) override {
    return make_error("gateway.unsupported", "-");
  }
  Result<std::vector<gateway::Confirmation>> batch(
      std::span<const gateway::NumberQuery> queries) override {
    batch_sizes.push_back(queries.size());
    if (down) return make_error("gateway.unavailable", "down");
    std::vector<gateway::Confirmation> out;
    for (const auto& q : queries) out.push_back(insured(q.identity));
    return out;
  }
};

// Never written to: the worker's records go to the store, not the sink.
class NoAudit : public audit::AuditSink {
 public:
  int writes = 0;
  Result<audit::Durability> write(const audit::AuditRecord&) override {
    ++writes;
    return make_error("audit.unavailable", "not this way");
  }
  void write(audit::AuditRecord r, Completion<audit::Durability> done) override { done(write(r)); }
};

class FakeStore : public audit::BatchStore {
 public:
  std::vector<audit::BatchClaim> claims;  // handed out in order
  std::vector<std::vector<audit::FinishedEntry>> finished;
  int keep = -1;  // entries the claim still holds at finish (-1: all)
  Result<void> create(const audit::NewBatch&) override { return {}; }
  Result<std::optional<audit::BatchInfo>> info(const std::string&, const std::string&) override {
    return std::optional<audit::BatchInfo>{};
  }
  Result<audit::BatchResultPage> results(const std::string&, const std::string&, int) override {
    return audit::BatchResultPage{};
  }
  Result<bool> cancel(const std::string&) override { return false; }
  Result<std::optional<audit::BatchClaim>> claim(int limit, std::chrono::milliseconds) override {
    if (claims.empty()) return std::optional<audit::BatchClaim>{};
    auto c = claims.front();
    claims.erase(claims.begin());
    if (static_cast<int>(c.entries.size()) > limit) c.entries.resize(limit);
    return std::optional<audit::BatchClaim>(std::move(c));
  }
  Result<int> finish(const audit::BatchClaim&,
                     const std::vector<audit::FinishedEntry>& done) override {
    finished.push_back(done);
    return keep < 0 ? static_cast<int>(done.size()) : keep;
  }
};

audit::BatchClaim claim_of(std::vector<audit::BatchItem> items) {
  audit::BatchClaim c{"b-1", "rececon-1", "desk-9", "2026-11-26", "token-1", {}};
  int seq = 0;
  for (auto& i : items) c.entries.push_back({seq++, std::move(i), 1});
  return c;
}

audit::BatchItem item(std::string number, std::string reference) {
  return {std::move(reference), "06139992", "1001", std::move(number), "00", "", "", ""};
}

const Date kToday = *Date::from_ymd(2026, 11, 25);

batch::WorkerOptions options(int chunk = 500) {
  batch::WorkerOptions o;
  o.chunk = chunk;
  o.today = [] { return kToday; };
  return o;
}

}  // namespace

TEST(BatchWorker, OneGatewayBatchPerChunkAndOneRecordPerEntryForTheStore) {
  FakeGateway gw;
  NoAudit sink;
  check::CheckService service(gw, sink);
  FakeStore store;
  auto bad = item("1", "r-bad");
  bad.insurer_number = "138157";  // check digit wrong: refused when run
  auto individual = item("", "r-indiv");
  individual.insurer_number = individual.insured_symbol = individual.branch_number = "";
  individual.error_code = "number.individual_number";  // refused at intake, nothing kept
  store.claims.push_back(claim_of({item("1001", "r-0"), bad, item("1002", "r-2"), individual}));
  batch::Worker worker(service, store, options());

  auto n = worker.run_once();
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 4);
  EXPECT_EQ(gw.batch_sizes, std::vector<std::size_t>{2});  // the valid ones, in one request
  EXPECT_EQ(sink.writes, 0);
  ASSERT_EQ(store.finished.size(), 1u);
  const auto& f = store.finished[0];
  ASSERT_EQ(f.size(), 4u);
  for (const auto& e : f) {
    ASSERT_TRUE(e.record) << e.seq;
    EXPECT_EQ(e.record->batch_id, "b-1");
    EXPECT_EQ(e.record->client_id, "rececon-1");
    EXPECT_EQ(e.record->terminal_id, "desk-9");
  }
  EXPECT_EQ(f[0].outcome, "accepted");
  EXPECT_EQ(f[0].record->visit_date, "2026-11-26");  // the batch's visit date
  EXPECT_EQ(nlohmann::json::parse(f[0].result_json)["reference"], "r-0");
  EXPECT_EQ(nlohmann::json::parse(f[0].result_json)["check_id"], f[0].record->check_id);
  EXPECT_EQ(f[1].outcome, "error");
  EXPECT_EQ(nlohmann::json::parse(f[1].result_json)["error"]["code"], "insurer_number.check_digit");
  EXPECT_EQ(f[1].record->reasons, std::vector<std::string>{"insurer_number.check_digit"});
  EXPECT_EQ(f[3].outcome, "error");
  EXPECT_EQ(f[3].record->insured_number, "");
  EXPECT_EQ(f[3].record->reasons, std::vector<std::string>{"number.individual_number"});
  // Every record is its own.
  std::set<std::string> ids;
  for (const auto& e : f) ids.insert(e.record->check_id);
  EXPECT_EQ(ids.size(), 4u);

  EXPECT_EQ(*worker.run_once(), 0);  // no more work
}

TEST(BatchWorker, GatewayDownStillFinishesEachEntryOnceAsFailed) {
  FakeGateway gw;
  gw.down = true;
  NoAudit sink;
  check::CheckService service(gw, sink);
  FakeStore store;
  store.claims.push_back(claim_of({item("1001", "a"), item("1002", "b")}));
  batch::Worker worker(service, store, options());
  ASSERT_EQ(*worker.run_once(), 2);
  for (const auto& e : store.finished.at(0)) {
    EXPECT_EQ(e.outcome, "failed");
    EXPECT_EQ(e.record->gateway_error_code, "gateway.unavailable");
  }
}

TEST(BatchWorker, ChunkSizeBoundsTheClaimAndALostClaimIsReported) {
  FakeGateway gw;
  NoAudit sink;
  check::CheckService service(gw, sink);
  FakeStore store;
  std::vector<audit::BatchItem> items;
  for (int i = 0; i < 7; ++i) items.push_back(item("1001", "r" + std::to_string(i)));
  store.claims.push_back(claim_of(items));
  store.keep = 3;  // another worker re-claimed the rest meanwhile
  batch::Worker worker(service, store, options(5));
  EXPECT_EQ(*worker.run_once(), 3);
  EXPECT_EQ(gw.batch_sizes, std::vector<std::size_t>{5});
}
