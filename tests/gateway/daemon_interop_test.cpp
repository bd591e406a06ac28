// What real answers carry reaches the desk: the daemon against the simulator, by number, for the
// medical-aid holder (QualificationValidity 6, card class A1, 公費 with a 医療券) and the 国保
// holder asked with a blank-padded 6-digit insurer number and full-width 記号・番号 (通称名,
// 限度額 bracket, consents, 処方箋 form); the same details are in the audit record.
#include "daemon_fixture.hpp"

#include <gtest/gtest.h>

using namespace madoguchi_test;
using nlohmann::json;

namespace {

TEST(GatewayInterop, AnswerDetailsReachTheApiAndTheAudit) {
  TempPostgres pg;
  TempDir dir("interop");
  GatewaySim sim(dir);
  Daemon d(pg, dir, {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim.port())});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();

  // Fixed holder 1007 (docs/gateway.md): 医療扶助, valid but not registered.
  auto aid = d.post("/v1/checks/by-number", {{"insurer_number", "12136016"},
                                             {"number", "7001"},
                                             {"branch", "00"},
                                             {"visit_date", "2026-11-25"}});
  ASSERT_EQ(aid.status, 200) << aid.body << d.log();
  auto a = json::parse(aid.body);
  const auto& aq = a["qualification"];
  EXPECT_EQ(aq["validity"], "valid_unregistered") << aid.body;
  EXPECT_EQ(aq["card_classification"], "A1");
  ASSERT_EQ(aq["public_expenses"].size(), 1u) << aid.body;
  EXPECT_EQ(aq["public_expenses"][0]["payer_number"], "12136016");
  EXPECT_EQ(aq["public_expenses"][0]["medical_ticket"]["designated_institution"], "窓口クリニック");
  EXPECT_EQ(aq["public_expenses"][0]["medical_ticket"]["valid_until"], "2025-11-30");

  // Fixed holder 1008, asked as a receipt system may send it.
  auto lee = d.post("/v1/checks/by-number", {{"insurer_number", "  138156"},
                                             {"symbol", "医国１２３"},
                                             {"number", "０１２３‐００１"},
                                             {"branch", "00"},
                                             {"visit_date", "2026-11-25"}});
  ASSERT_EQ(lee.status, 200) << lee.body << d.log();
  auto l = json::parse(lee.body);
  EXPECT_EQ(l["outcome"], "accepted") << lee.body;
  const auto& lq = l["qualification"];
  EXPECT_EQ(lq["validity"], "valid");
  EXPECT_EQ(lq["insurer_number"], "138156");
  EXPECT_EQ(lq["symbol"], "医国123");  // normalised for comparing and showing
  EXPECT_EQ(lq["number"], "0123-001");
  EXPECT_EQ(lq["name_of_other"], "李　敏");
  EXPECT_EQ(lq["name_of_other_kana"], "イ　ミン");
  EXPECT_EQ(lq["sex2"], "2");
  EXPECT_EQ(lq["limit_certificate"]["bracket"], "A03");
  EXPECT_EQ(lq["limit_certificate"]["long_term_since"], "2025-09-01");
  EXPECT_EQ(lq["consents"]["pharmacists"]["agreed"], true);
  EXPECT_EQ(lq["consents"]["diagnosis"]["agreed"], false);
  EXPECT_EQ(lq["consents"]["operations"]["time"], "20251020093000");
  EXPECT_EQ(lq["prescription_issue"], "1");

  // The audit record keeps validity 6 and the details.
  const std::string id = a["check_id"];
  EXPECT_EQ(pg.psql("SELECT qualification_validity, answer_details->>'card_classification' FROM "
                    "audit_checks WHERE check_id = '" +
                    id + "'"),
            "6|A1");
  EXPECT_EQ(pg.psql("SELECT answer_details->'limit_certificate'->>'bracket' FROM audit_checks "
                    "WHERE check_id = '" +
                    l["check_id"].get<std::string>() + "'"),
            "A03");
}

}  // namespace
