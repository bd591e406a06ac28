// The check service with fake ports: what reaches the audit log, and what the desk is told.
#include <madoguchi/check/check_service.hpp>

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>

using namespace madoguchi;

namespace {

InsuranceIdentity identity(const char* insurer, const char* number) {
  return {*InsurerNumber::parse(insurer), std::nullopt, *InsuredNumber::parse(number),
          std::nullopt};
}

gateway::Confirmation insured(const InsuranceIdentity& who) {
  Qualification q;
  q.validity = QualificationValidity::Valid;
  q.identity = who;
  return {QualificationValidity::Valid, {q}, false, "ref", std::nullopt};
}

class FakeGateway : public gateway::GatewayPort {
 public:
  std::optional<InsuranceIdentity> answer_about;  // who the answers are about
  bool down = false;
  Result<std::string> challenge() override { return make_error("gateway.unsupported", "-"); }
  Result<gateway::Confirmation> confirm_by_number(const gateway::NumberQuery& q) override {
    if (down) return make_error("gateway.unavailable", "down");
    return insured(answer_about ? *answer_about : q.identity);
  }
  // Completes on a thread of its own, as the HTTPS client does on its I/O thread.
  void confirm_by_number(const gateway::NumberQuery& q,
                         Completion<gateway::Confirmation> done) override {
    std::thread([this, q, done = std::move(done)] { done(confirm_by_number(q)); }).detach();
  }
  Result<gateway::Confirmation> confirm_by_card(const gateway::CardQuery&) override {
    return make_error("gateway.unsupported", "-");
  }
  Result<std::vector<gateway::Confirmation>> batch(
      std::span<const gateway::NumberQuery> queries) override {
    if (down) return make_error("gateway.unavailable", "down");
    std::vector<gateway::Confirmation> out;
    for (const auto& q : queries) out.push_back(insured(q.identity));
    return out;
  }
};

class FakeAudit : public audit::AuditSink {
 public:
  std::mutex mu;
  std::vector<audit::AuditRecord> records;
  std::string fail_for_number;  // a record for this 番号 is "not durable"
  Result<audit::Durability> write(const audit::AuditRecord& r) override {
    if (!fail_for_number.empty() && r.insured_number == fail_for_number)
      return make_error("audit.unavailable", "disk full");
    std::lock_guard lock(mu);
    records.push_back(r);
    return audit::Durability::Database;
  }
  void write(audit::AuditRecord r, Completion<audit::Durability> done) override { done(write(r)); }
};

const check::Caller kDesk{"desk-1", "client-1"};
const Date kToday = *Date::from_ymd(2026, 11, 25);

}  // namespace

TEST(CheckService, AnswerAboutSomeoneElseIsNeverAnAcceptance) {
  FakeGateway gw;
  FakeAudit audit;
  check::CheckService service(gw, audit);
  gw.answer_about = identity("06139992", "9999");  // the gateway mixes up people
  auto r = service.by_number(kDesk, {identity("06139992", "1001"), std::nullopt, kToday, ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->decision.outcome, Outcome::Failed);
  EXPECT_EQ(r->decision.reasons.front(), ReasonCode::GatewayAnswerMismatch);
  ASSERT_EQ(audit.records.size(), 1u);
  EXPECT_EQ(audit.records[0].gateway_error_code, "gateway.mismatch");
  EXPECT_FALSE(audit.records[0].qualification_validity);
}

TEST(CheckService, NoDurableRecordNoAnswer) {
  FakeGateway gw;
  FakeAudit audit;
  audit.fail_for_number = "1001";
  check::CheckService service(gw, audit);
  auto r = service.by_number(kDesk, {identity("06139992", "1001"), std::nullopt, kToday, ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "audit.unavailable");
}

TEST(CheckService, BatchAnswersEachItemOnItsOwn) {
  FakeGateway gw;
  FakeAudit audit;
  audit.fail_for_number = "7";
  check::CheckService service(gw, audit);
  std::vector<check::NumberCheck> checks;
  for (int i = 0; i < 40; ++i)
    checks.push_back({identity("06139992", std::to_string(i).c_str()), std::nullopt, kToday, ""});
  auto out = service.by_number_batch(kDesk, checks);
  ASSERT_EQ(out.checks.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    if (i == 7) {
      ASSERT_FALSE(out.checks[i]);
      EXPECT_EQ(out.checks[i].error().code, "audit.unavailable");
    } else {
      ASSERT_TRUE(out.checks[i]) << i;
      EXPECT_EQ(out.checks[i]->decision.outcome, Outcome::Accepted);
    }
  }
  EXPECT_EQ(audit.records.size(), 39u);
  for (const auto& r : audit.records) EXPECT_EQ(r.batch_id, out.batch_id);
}

TEST(CheckService, BatchWithTheGatewayDownFailsEveryItemAndAuditsEach) {
  FakeGateway gw;
  gw.down = true;
  FakeAudit audit;
  check::CheckService service(gw, audit);
  std::vector<check::NumberCheck> checks(3, {identity("06139992", "1"), std::nullopt, kToday, ""});
  auto out = service.by_number_batch(kDesk, checks);
  for (const auto& c : out.checks) {
    ASSERT_TRUE(c);
    EXPECT_EQ(c->decision.reasons.front(), ReasonCode::GatewayUnavailable);
  }
  EXPECT_EQ(audit.records.size(), 3u);
  EXPECT_EQ(audit.records[0].gateway_error_code, "gateway.unavailable");
}

TEST(CheckService, RefusedDocumentIsNotLookedUp) {
  FakeGateway gw;
  FakeAudit audit;
  check::CheckService service(gw, audit);
  check::DocumentCheck doc{
      {policy::PresentationContext::Patient, policy::DocumentType::MynaportalQualification,
       std::nullopt, std::nullopt},
      identity("06139992", "1001"),
      std::nullopt,
      kToday,
      std::string(64, 'a')};
  gw.down = true;  // would show as gateway_error_code if it had been asked
  auto r = service.by_document(kDesk, doc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->decision.outcome, Outcome::Refused);
  EXPECT_EQ(r->decision.reasons.front(), ReasonCode::DocumentRequiresCard);
  EXPECT_TRUE(audit.records[0].gateway_error_code.empty());
  EXPECT_EQ(audit.records[0].document_type, "mynaportal_qualification");
  EXPECT_EQ(audit.records[0].presentation_context, "counter");  // "patient" is the old name
}

TEST(CheckService, AsynchronousByNumberCompletesOnceAfterTheRecordIsDurable) {
  FakeGateway gw;
  FakeAudit audit;
  check::CheckService service(gw, audit);
  std::promise<Result<check::CheckOutcome>> answered;
  auto future = answered.get_future();
  service.by_number(kDesk, {identity("06139992", "1001"), std::nullopt, kToday, ""},
                    [&](Result<check::CheckOutcome> r) { answered.set_value(std::move(r)); });
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto r = future.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->decision.outcome, Outcome::Accepted);
  std::lock_guard lock(audit.mu);
  ASSERT_EQ(audit.records.size(), 1u);
  EXPECT_EQ(audit.records[0].check_id, r->check_id);
  EXPECT_EQ(audit.records[0].terminal_id, "desk-1");
}

TEST(CheckService, AsynchronousByNumberWithoutDurableRecordIsAnError) {
  FakeGateway gw;
  FakeAudit audit;
  audit.fail_for_number = "1001";
  check::CheckService service(gw, audit);
  std::promise<Result<check::CheckOutcome>> answered;
  auto future = answered.get_future();
  service.by_number(kDesk, {identity("06139992", "1001"), std::nullopt, kToday, ""},
                    [&](Result<check::CheckOutcome> r) { answered.set_value(std::move(r)); });
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto r = future.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "audit.unavailable");
}
