// The document fallback through the whole daemon: the desk uploads what the patient brought,
// Madoguchi reads it, applies the flyer's rules for the context, and confirms online by number.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

std::string corpus(const std::string& name) {
  return (binary_dir() / "tests/documents/corpus" / name).string();
}

HttpAnswer upload(const Daemon& d, const std::string& file, const std::string& query) {
  return d.get(
      "/v1/checks/by-document?" + query,
      std::string("-X POST -H 'Content-Type: application/pdf' -H 'Authorization: Bearer ") +
          kToken + "' --data-binary @" + file);
}

class DocumentCheck : public ::testing::Test {
 protected:
  // The corpus is dated: these tests choose the visit date, which a real desk cannot.
  void start(std::vector<std::string> env = {}, bool allow_visit_date = true) {
    if (allow_visit_date) env.push_back("MADOGUCHI_API_ALLOW_VISIT_DATE=true");
    daemon_ = std::make_unique<Daemon>(pg_, dir_, std::move(env));
    ASSERT_TRUE(daemon_->wait_ready(std::chrono::seconds(20))) << daemon_->log();
  }
  json decide(const std::string& file, const std::string& query) {
    auto a = upload(*daemon_, corpus(file), query);
    EXPECT_EQ(a.status, 200) << a.body << daemon_->log();
    return a.status == 200 ? json::parse(a.body) : json::object();
  }

  TempPostgres pg_;
  TempDir dir_{"doc-check"};
  std::unique_ptr<Daemon> daemon_;
};

}  // namespace

TEST_F(DocumentCheck, MynaportalPdfAloneIsRefusedWithoutAskingTheGateway) {
  start();
  auto j = decide("myna_00_kumiai_table.pdf", "context=patient&visit_date=2026-05-01");
  EXPECT_EQ(j["outcome"], "refused");
  EXPECT_EQ(j["reasons"][0]["code"], "document_requires_card");
  EXPECT_EQ(j["document"]["document_type"], "mynaportal_qualification");
  auto rec =
      json::parse(daemon_->get_authorized("/v1/checks/" + j["check_id"].get<std::string>()).body);
  EXPECT_EQ(rec["method"], "document");
  EXPECT_EQ(rec["presentation_context"], "counter");  // the deprecated "patient", mapped
  EXPECT_EQ(rec["document_sha256"].get<std::string>().size(), 64u);
  EXPECT_FALSE(rec.contains("gateway"));  // nothing was sent
}

TEST_F(DocumentCheck, ExpiredCertificateIsRefusedWithItsExpiry) {
  start();
  auto j = decide("cert_expired.pdf", "context=patient&visit_date=2026-01-20");
  EXPECT_EQ(j["outcome"], "refused");
  EXPECT_EQ(j["reasons"][0]["code"], "certificate_expired");
  EXPECT_EQ(j["document"]["fields"]["valid_until"], "2025-12-01");
}

TEST_F(DocumentCheck, NoticeWithUnreadableCardIsConfirmedOnlineByItsNumbers) {
  TempDir sim_dir("doc-sim");
  GatewaySim sim(sim_dir);
  start({"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port())});
  auto j = decide("notice_01_kyokai.pdf", "context=card_unreadable&visit_date=2026-05-01");
  // The corpus person is not in the simulator's population: the online answer overrides.
  EXPECT_EQ(j["outcome"], "refused");
  EXPECT_EQ(j["reasons"][0]["code"], "qualification_not_found");
  auto rec =
      json::parse(daemon_->get_authorized("/v1/checks/" + j["check_id"].get<std::string>()).body);
  EXPECT_EQ(rec["gateway"]["qualification_validity"], 4);
  EXPECT_EQ(rec["identity"]["insurer_number"], j["document"]["fields"]["insurer_number"]);
}

TEST_F(DocumentCheck, GatewayDownMarksTheAcceptanceUnconfirmed) {
  start({"MADOGUCHI_GATEWAY_PORT=" + std::to_string(free_port())});
  auto j = decide("notice_01_kyokai.pdf", "context=card_unreadable&visit_date=2026-05-01");
  EXPECT_EQ(j["outcome"], "accepted_unconfirmed");
  EXPECT_EQ(j["reasons"].back()["code"], "unconfirmed_pending_recheck");
}

TEST_F(DocumentCheck, UnreadableUploadIsA422WithItsCodeAndIsAudited) {
  start();
  auto a = upload(*daemon_, corpus("bad_encrypted.pdf"), "context=patient");
  ASSERT_EQ(a.status, 422) << a.body;
  auto j = json::parse(a.body);
  EXPECT_EQ(j["code"], "document.encrypted");
  auto rec =
      json::parse(daemon_->get_authorized("/v1/checks/" + j["check_id"].get<std::string>()).body);
  EXPECT_EQ(rec["outcome"], "failed");
  EXPECT_EQ(rec["reasons"][0], "document.encrypted");
  EXPECT_EQ(upload(*daemon_, corpus("myna_00_kumiai_table.pdf"), "context=nobody").status, 400);
}

TEST_F(DocumentCheck, TheDeskCannotPickAnotherDaysRules) {
  start({}, /*allow_visit_date=*/false);
  // The transitional measure for legacy cards ended on 2026-03-31: asking for that day's rules
  // on another day is refused, not judged.
  auto a =
      upload(*daemon_, corpus("legacy_card_kyokai.pdf"), "context=patient&visit_date=2026-03-31");
  ASSERT_EQ(a.status, 422) << a.body;
  EXPECT_EQ(json::parse(a.body)["code"], "visit_date.not_today");
}
