// Classification (classify.cpp): papers that carry insurance numbers but are not proof of
// insurance are OtherDocument with what they are; a 資格確認書 needs its title; the notice's and
// the Mynaportal PDF's own sentences rule the certificate out; copy marks are reported.
#include "documents_test_support.hpp"

namespace {

using namespace madoguchi::documents::testing;

// The identifiers every one of these papers carries, and the dates most of them carry too.
const std::string kIds =
    "記号 12 番号 345 (枝番) 01\n"
    "保険者番号 06139992\n"
    "発効期日 令和7年8月1日\n"
    "有効期限 令和8年7月31日\n"
    "世帯主氏名 山田 太郎\n";

TEST(DocumentsClassify, PapersThatAreNotProofOfInsurance) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"健康保険 限度額適用認定証", "limit_certificate"},
      {"限度額適用・標準負担額減額認定証", "limit_certificate"},
      {"健康保険高齢受給者証", "elderly_recipient_certificate"},
      {"特定疾病療養受療証", "specific_disease_certificate"},
      {"子ども医療費受給者証", "public_expense_certificate"},
      {"ひとり親家庭等医療証", "public_expense_certificate"},
      {"領収証 兼 診療明細書", "receipt_or_statement"},
      {"診療明細書", "receipt_or_statement"},
  };
  for (const auto& [title, kind] : cases) {
    SCOPED_TRACE(title);
    const json j = text(title + "\n" + kIds);
    EXPECT_EQ(j["document_type"], "other_document");
    EXPECT_EQ(j["other_kind"], kind);
    EXPECT_TRUE(j["other_kind_ja"].is_string());
    EXPECT_TRUE(has(j, "document.not_proof_of_insurance"));
    EXPECT_FALSE(j["valid"]);
  }
  // 公費負担者番号 gives a public-expense certificate away whatever its title.
  const json j = text("医療費助成\n公費負担者番号 88136019\n受給者番号 1234567\n" + kIds);
  EXPECT_EQ(j["other_kind"], "public_expense_certificate");
}

TEST(DocumentsClassify, OtherTitleWinsEvenBesideCertificateWords) {
  // A 限度額適用認定証 that also says 資格確認書 somewhere is still not a certificate.
  const json j = text("限度額適用認定証\n資格確認書番号 1\n" + kIds);
  EXPECT_EQ(j["document_type"], "other_document");
  // ...but one card that is both (「被保険者証兼高齢受給者証」) is the proof of insurance.
  const json k = text("健康保険被保険者証兼高齢受給者証\n" + kIds);
  EXPECT_EQ(k["document_type"], "legacy_insurance_card");
}

TEST(DocumentsClassify, CertificateNeedsItsTitle) {
  // 発効期日 + 有効期限 + 世帯主氏名 without the title: not a 資格確認書.
  const json j = text("健康保険\n" + kIds);
  EXPECT_NE(j["document_type"], "qualification_certificate");
  EXPECT_EQ(text("資格確認書\n" + kIds)["document_type"], "qualification_certificate");
  // A sentence that mentions the certificate is not its title.
  const json k =
      text("マイナ保険証をお持ちでない方には、資格確認書を交付しますのでお問い合わせください。\n" +
           kIds);
  EXPECT_NE(k["document_type"], "qualification_certificate");
}

TEST(DocumentsClassify, NoticeSentencesVetoTheCertificate) {
  // A 70+ notice prints 有効期限 and 発効期日; even with a garbled title its sentences decide.
  for (const char* sentence :
       {"なお、このお知らせのみでは受診できません。", "受診の際にはマイナ保険証があわせて必要です",
        "この画面のみでは受診できません。マイナ保険証とあわせて提示してください。"}) {
    SCOPED_TRACE(sentence);
    const json j = text(std::string("資格確認書\n") + sentence + "\n" + kIds);
    EXPECT_NE(j["document_type"], "qualification_certificate");
  }
  const json j = text("資格情報のお知らせ\nこのお知らせのみでは受診できません。\n" + kIds);
  EXPECT_EQ(j["document_type"], "qualification_notice");
}

TEST(DocumentsClassify, FlyerPageAndBlankForm) {
  // The flyer explains the certificate and prints a blank one.
  json j = text(
      "「資格確認書」とは？\n"
      "マイナンバーカードを取得していない方に自動的に交付されます。\n"
      "資格確認書\n記号 番号 (枝番)\n保険者番号\n有効期限 年 月 日\n発効期日 年 月 日\n");
  EXPECT_EQ(j["document_type"], "other_document");
  EXPECT_EQ(j["other_kind"], "blank_template");
  // The blank form alone: labels, no values.
  j = text("資格確認書\n記号   番号   (枝番)\n保険者番号\n有効期限 年 月 日\n交付者名 印\n");
  EXPECT_EQ(j["other_kind"], "blank_template");
  // A filled certificate with the flyer's note is still a certificate.
  j = text("資格確認書\n※様式は保険者によって異なります\n" + kIds);
  EXPECT_EQ(j["document_type"], "qualification_certificate");
}

TEST(DocumentsClassify, CopyMarksAreReported) {
  for (const char* mark : {"コピー", "写し", "（写）", "COPY"}) {
    SCOPED_TRACE(mark);
    const json j = text(std::string("資格確認書   \n") + mark + "\n" + kIds);
    EXPECT_EQ(j["copy_marked"], true);
    EXPECT_EQ(j["document_type"], "qualification_certificate");
  }
  // The word in a sentence is not a mark; no mark is no claim that the paper is an original.
  const json j =
      text("資格確認書\n保育所等や学校で資格確認書の写しを預け、医療機関に提示できます。\n" + kIds);
  EXPECT_EQ(j["copy_marked"], false);
}

}  // namespace
