// Independent client cross-check: OpenSC (its own jpki driver and PKCS#15 emulation, matched by
// our ATR) must work against madoguchi-vcard exactly as against a real JPKI card.
#include "card_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace card_test;
using madoguchi_test::run_command;

constexpr const char* kPkcs11Module = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

class OpenScCrossCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    pcscd_ = std::make_unique<Pcscd>(dir_.path());
    persona_ = write_persona(dir_.path(), {.serial = 1001, .pin = "5920"});
    card_ = std::make_unique<VirtualCard>(persona_, dir_.path());
    ASSERT_TRUE(wait_card_present(true)) << card_->log();
  }
  void TearDown() override {
    card_.reset();
    pcscd_.reset();
  }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  madoguchi_test::TempDir dir_{"card-opensc"};
  std::unique_ptr<Pcscd> pcscd_;
  std::filesystem::path persona_;
  std::unique_ptr<VirtualCard> card_;
};

TEST_F(OpenScCrossCheck, ListsTheJpkiCertificates) {
  auto r = run_command("timeout 60 pkcs15-tool --list-certificates");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("X.509 Certificate [User Authentication Certificate]"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("Path           : 000a"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Encoded serial : 02 02 03E9"), std::string::npos)  // 1001
      << r.output;
  EXPECT_NE(r.output.find("User Authentication Certificate CA"), std::string::npos);
}

TEST_F(OpenScCrossCheck, ReadsCertificate01AsWeDo) {
  auto r = run_command("timeout 60 pkcs15-tool --read-certificate 01 -o " + path("c.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Bytes theirs = pem_file_to_der(path("c.pem"));
  EXPECT_EQ(theirs, madoguchi::vcard::Persona::load(persona_).auth_cert_der());
  madoguchi::card::CardReader reader({.reader_name = kVpcdReader, .jpki = {}});
  auto ours = reader.read_identity();
  ASSERT_TRUE(ours) << ours.error().message;
  EXPECT_EQ(ours->certificate_der, theirs);
}

TEST_F(OpenScCrossCheck, ListsPinsWithTriesLeft) {
  auto r = run_command("timeout 60 pkcs15-tool --list-pins");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto auth = r.output.find("PIN [User Authentication PIN]");
  ASSERT_NE(auth, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Tries left     : 3", auth), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("PIN [Digital Signature PIN]"), std::string::npos) << r.output;
  // After one wrong PIN through our reader, OpenSC sees the same count.
  madoguchi::card::CardReader reader({.reader_name = kVpcdReader, .jpki = {}});
  const Bytes challenge = {1, 2, 3};
  ASSERT_FALSE(reader.prove_possession(madoguchi::card::Pin("0000"), challenge));
  auto again = run_command("timeout 60 pkcs15-tool --list-pins");
  EXPECT_NE(again.output.find("Tries left     : 2", again.output.find("User Authentication")),
            std::string::npos)
      << again.output;
}

TEST_F(OpenScCrossCheck, Pkcs11SignatureVerifiesWithOpenssl) {
  { std::ofstream(path("data")) << "madoguchi challenge 0123456789"; }
  auto sign = run_command(std::string("timeout 60 pkcs11-tool --module ") + kPkcs11Module +
                          " --sign -m SHA256-RSA-PKCS --id 01 --pin 5920 -i " + path("data") +
                          " -o " + path("sig"));
  ASSERT_EQ(sign.exit_code, 0) << sign.output;
  ASSERT_EQ(
      run_command("timeout 60 pkcs15-tool --read-certificate 01 -o " + path("c.pem")).exit_code, 0);
  ASSERT_EQ(
      run_command("openssl x509 -in " + path("c.pem") + " -pubkey -noout -out " + path("pub.pem"))
          .exit_code,
      0);
  auto verify = run_command("openssl dgst -sha256 -verify " + path("pub.pem") + " -signature " +
                            path("sig") + " " + path("data"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("Verified OK"), std::string::npos) << verify.output;
  // A wrong PIN through OpenSC is refused by the card.
  auto wrong = run_command(std::string("timeout 60 pkcs11-tool --module ") + kPkcs11Module +
                           " --sign -m SHA256-RSA-PKCS --id 01 --pin 1111 -i " + path("data") +
                           " -o " + path("sig2"));
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
}

}  // namespace
