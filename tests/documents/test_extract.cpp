// Extraction (extract.cpp, fields.cpp, lines.cpp) on plain text: labels with spaces, full-width
// digits, era dates, placeholders, values wrapped or on the next line, OCR confusions, and the
// fields printed without a label or under labels of other insurers' layouts.
#include "documents_test_support.hpp"

namespace {

using namespace madoguchi::documents::testing;

TEST(DocumentsText, SpacedLabelsFullWidthDigitsEraDatesAndPlaceholders) {
  const json j = text(
      "医療保険の資格情報\n"
      "保存日時：令和８年１月１０日 9:00時点\n"
      "保 険 者 名   さくら健康保険組合\n"
      "保 険 者 番 号   ０６１３９９９２\n"
      "記 号   １２\n"
      "番 号   ３４５\n"
      "枝 番   ０１\n"
      "氏 名   山田 花子\n"
      "本人・家族の別   家族\n"
      "一 部 負 担 金 割 合   —\n"
      "有 効 期 限   —\n");
  EXPECT_EQ(j["document_type"], "mynaportal_qualification");
  EXPECT_EQ(j["fields"]["insurer_number"], "06139992");
  EXPECT_EQ(j["fields"]["symbol"], "12");
  EXPECT_EQ(j["fields"]["number"], "345");
  EXPECT_EQ(j["fields"]["branch"], "01");
  EXPECT_EQ(j["fields"]["relationship"], "dependent");
  EXPECT_EQ(j["fields"]["saved_at"], "2026-01-10");
  EXPECT_FALSE(j["fields"].contains("copay_ratio"));  // "—": not shown
  EXPECT_FALSE(j["fields"].contains("valid_until"));
  EXPECT_EQ(j["sources"]["copay_ratio"], "—");
  EXPECT_TRUE(j["valid"]) << j.dump(1);
}

TEST(DocumentsText, CertificateDates) {
  const json j = text(
      "資格確認書\n"
      "有効期限 令和８年７月３１日  発効期日 令和元年5月1日\n"
      "記号 千代田１ 番号 ２０１ (枝番) ００\n"
      "生年月日 昭和30年2月1日 負担割合 ３割\n"
      "保険者番号 138156\n");
  EXPECT_EQ(j["document_type"], "qualification_certificate");
  EXPECT_EQ(j["fields"]["valid_until"], "2026-07-31");
  EXPECT_EQ(j["fields"]["valid_from"], "2019-05-01");
  EXPECT_EQ(j["fields"]["symbol"], "千代田1");
  EXPECT_EQ(j["fields"]["copay_ratio"], 30);
  EXPECT_TRUE(j["valid"]) << j.dump(1);
}

TEST(DocumentsText, InvalidValuesAreReportedNotReturned) {
  const json j = text(
      "資格確認書\n"
      "有効期限 令和8年2月30日\n"
      "記号 1 番号 2 (枝番) 1\n"
      "保険者番号 138157\n"
      "負担割合 5割\n");
  EXPECT_FALSE(j["fields"].contains("insurer_number"));
  EXPECT_EQ(j["sources"]["insurer_number"], "138157");
  EXPECT_TRUE(has(j, "insurer_number.check_digit"));
  EXPECT_TRUE(has(j, "branch.format"));
  EXPECT_TRUE(has(j, "valid_until.invalid"));
  EXPECT_TRUE(has(j, "copay_ratio.invalid"));
  EXPECT_FALSE(j["valid"]);
}

TEST(DocumentsText, OcrConfusionsAreMappedInFieldParsers) {
  const json j = text(
      "資格確認書\n"
      "有効期限 2O26年9月3O昌\n"
      "記号 1O 番号 2 (枝番) O1\n"
      "負担割合 2害\n"
      "保険者番号 33120O15\n");
  EXPECT_EQ(j["fields"]["valid_until"], "2026-09-30");
  EXPECT_EQ(j["fields"]["insurer_number"], "33120015");
  EXPECT_EQ(j["fields"]["symbol"], "10");
  EXPECT_EQ(j["fields"]["branch"], "01");
  EXPECT_EQ(j["fields"]["copay_ratio"], 20);
}

TEST(DocumentsText, IndividualNumberIsDroppedAndFlagged) {
  for (const char* number : {"123456789018", "1234 5678 9018", "１２３４５６７８９０１８"}) {
    SCOPED_TRACE(number);
    const json j =
        text(std::string("資格情報のお知らせ\n保険者番号 33120015\n記号 1 番号 2 (枝番) 00\n") +
             "個人番号 " + number + "\n備考 " + number + "\n");
    EXPECT_TRUE(has(j, "individual_number.dropped"));
    EXPECT_FALSE(madoguchi::contains_individual_number(j.dump()));
    EXPECT_EQ(j.dump().find("9018"), std::string::npos);
    EXPECT_EQ(j["fields"]["number"], "2");
  }
}

TEST(DocumentsText, ValueOnTheNextLineAndWrappedValues) {
  const json j = text(
      "医療保険の資格情報\n"
      "保険者番号\n"
      "33120015\n"
      "住所\n"
      "東京都千代田区\n");
  EXPECT_EQ(j["fields"]["insurer_number"], "33120015");
  EXPECT_EQ(j["fields"]["address"], "東京都千代田区");
}

TEST(DocumentsText, NoticeAndSlipThatDisagreeAreFlagged) {
  const json j = text(
      "資格情報のお知らせ\n保険者番号 33120015\n記号 1 番号 200 (枝番) 00\n"
      "下部を切り取ってご利用いただけます\n"
      "資格情報のお知らせ 令和7年12月1日発行\n記号 1 番号 201 (枝番) 00\n");
  EXPECT_EQ(j["slip_only"], false);
  EXPECT_EQ(j["fields"]["number"], "200");
  EXPECT_EQ(j["fields"]["issued_on"], "2025-12-01");
  EXPECT_TRUE(has(j, "number.conflict"));
}

TEST(DocumentsText, LegacyCardIsReadNotJudged) {
  // Every legacy card expired on 2025-12-01: that is the policy's rule, not a flaw of the card.
  const json j = text("健康保険被保険者証\n記号 1 番号 2\n保険者番号 33120015\n", "2026-04-01");
  EXPECT_EQ(j["document_type"], "legacy_insurance_card");
  EXPECT_TRUE(j["valid"]) << j.dump(1);
}

// ---- fields that independent layouts print differently (item 2) ---------------------------

TEST(DocumentsExtract, NoticeHeaderWithoutLabelsSixDigitKokuho) {
  const json j = text(
      "資格情報のお知らせ            東京都千代田区国民健康保険\n"
      "                              138156\n"
      "山田 太郎 様\n"
      "あなたの加入する健康保険の資格情報を下記のとおりお知らせします。なお、このお知らせのみでは受"
      "診できません。\n"
      "記号 千代田1   番号 201 (枝番) 00\n"
      "氏名 山田 太郎\n");
  EXPECT_EQ(j["document_type"], "qualification_notice");
  EXPECT_EQ(j["fields"]["insurer_number"], "138156");
  EXPECT_EQ(j["fields"]["insurer_name"], "東京都千代田区国民健康保険");
  EXPECT_FALSE(has(j, "insurer_number.missing"));
}

TEST(DocumentsExtract, NoticeHeaderNameOnTheTitleLineNumberInBrackets) {
  const json j = text(
      "資格情報のお知らせ   全国健康保険協会 東京支部   (01130012)\n"
      "記号 12345678 番号 12 (枝番) 01\n");
  EXPECT_EQ(j["fields"]["insurer_number"], "01130012");
  EXPECT_EQ(j["fields"]["insurer_name"], "全国健康保険協会 東京支部");
}

TEST(DocumentsExtract, HeaderValuesNeedTheirShapeNotJustTheirPlace) {
  // A date, a number whose check digit fails and a plain word are not the insurer.
  const json j = text(
      "資格情報のお知らせ   20250715   138157   お客様各位\n"
      "記号 1 番号 2 (枝番) 00\n");
  EXPECT_FALSE(j["fields"].contains("insurer_number"));
  EXPECT_FALSE(j["fields"].contains("insurer_name"));
  EXPECT_TRUE(has(j, "insurer_number.missing"));
  // ...and below the first labelled row nothing is read without a label.
  const json k = text(
      "資格情報のお知らせ\n"
      "記号 1 番号 2 (枝番) 00\n"
      "138156   千代田区国民健康保険\n");
  EXPECT_FALSE(k["fields"].contains("insurer_number"));
}

TEST(DocumentsExtract, IssuerOfTheNoticeAndItsSlip) {
  // 交付者 / 発行者 as labels, or the issuer's line known by its seal.
  for (const char* issuer_line : {"交付者 千代田区長", "発行者名：千代田区長", "千代田区長　印"}) {
    SCOPED_TRACE(issuer_line);
    const json j = text(std::string("資格情報のお知らせ\n保険者番号 138156\n"
                                    "記号 1 番号 2 (枝番) 00\n") +
                        issuer_line + "\n");
    EXPECT_EQ(j["fields"]["issuer_name"], "千代田区長");
  }
}

TEST(DocumentsExtract, KoukiNumberAndNameInOneCell) {
  const char* one_line =
      "後期高齢者医療被保険者 資格確認書\n"
      "被保険者番号 12345678\n"
      "有効期限 令和8年7月31日\n"
      "保険者番号並びに保険者の名称及び印   39131016   東京都後期高齢者医療広域連合　印\n";
  json j = text(one_line);
  EXPECT_EQ(j["fields"]["insurer_number"], "39131016");
  EXPECT_EQ(j["fields"]["insurer_name"], "東京都後期高齢者医療広域連合");
  EXPECT_EQ(j["fields"]["number"], "12345678");
  // The label wrapped over two lines of its cell, each with its half of the value.
  j = text(
      "後期高齢者医療被保険者 資格確認書\n"
      "被保険者番号 12345678\n"
      "有効期限 令和8年7月31日\n"
      "保険者番号並びに     39131016\n"
      "保険者の名称及び印   東京都後期高齢者医療広域連合 印\n");
  EXPECT_EQ(j["fields"]["insurer_number"], "39131016");
  EXPECT_EQ(j["fields"]["insurer_name"], "東京都後期高齢者医療広域連合");
}

TEST(DocumentsExtract, InsurerNameInTheInsurerNumberCell) {
  const json j = text(
      "後期高齢者医療 資格確認書\n被保険者番号 12345678\n有効期限 令和8年7月31日\n"
      "保険者番号 39131016 東京都後期高齢者医療広域連合 印\n");
  EXPECT_EQ(j["fields"]["insurer_number"], "39131016");
  EXPECT_EQ(j["fields"]["insurer_name"], "東京都後期高齢者医療広域連合");
  // A number with a wrong check digit is still an error, name or not.
  const json k = text("資格確認書\n保険者番号 39131015 東京都後期高齢者医療広域連合\n");
  EXPECT_FALSE(k["fields"].contains("insurer_number"));
  EXPECT_TRUE(has(k, "insurer_number.check_digit"));
}

TEST(DocumentsExtract, IssueDateBeforeTheWordOnLegacyCards) {
  json j = text("健康保険被保険者証   令和3年4月1日交付\n記号 1 番号 2\n保険者番号 33120015\n");
  EXPECT_EQ(j["fields"]["issued_on"], "2021-04-01");
  j = text("健康保険被保険者証   交付 令和3年4月1日\n記号 1 番号 2\n保険者番号 33120015\n");
  EXPECT_EQ(j["fields"]["issued_on"], "2021-04-01");
}

TEST(DocumentsExtract, KanjiRatioMeijiBirthAndValidityPeriod) {
  const json j = text(
      "資格確認書\n"
      "有効期間 令和7年8月1日～令和8年7月31日\n"
      "記号 1 番号 2 枝番 03\n"
      "生年月日 明治44年3月14日\n"
      "一部負担金の割合 一割\n"
      "保険者番号 39131016\n");
  EXPECT_EQ(j["fields"]["valid_from"], "2025-08-01");
  EXPECT_EQ(j["fields"]["valid_until"], "2026-07-31");
  EXPECT_EQ(j["fields"]["birth_date"], "1911-03-14");
  EXPECT_EQ(j["fields"]["copay_ratio"], 10);
  EXPECT_EQ(j["fields"]["branch"], "03");
  EXPECT_EQ(text("資格確認書\n負担割合 ニ割\n")["fields"]["copay_ratio"], 20);  // OCR: katakana ニ
}

TEST(DocumentsExtract, OtherNumbersAreNotTheInsuredsNumber) {
  // 受給者番号 / 公費負担者番号 / 患者番号 end the value before them and are never 番号.
  const json j = text("資格確認書\n受給者番号 7654321  記号 1 番号 2 (枝番) 00\n患者番号 000123\n");
  EXPECT_EQ(j["fields"]["number"], "2");
}

}  // namespace
