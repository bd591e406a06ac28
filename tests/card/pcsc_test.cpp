// Through the real stack: pcscd -f (started here, as root) + the vpcd reader driver +
// madoguchi-vcard. Each test names the desk situation and checks its specific result.
#include "card_test_support.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <fstream>
#include <thread>

namespace {

using namespace card_test;
using namespace std::chrono_literals;
using madoguchi::ReasonCode;
namespace card = madoguchi::card;
namespace errc = madoguchi::card::errc;

const Bytes kChallenge = {0x4D, 0x41, 0x44, 0x4F, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

class PcscStack : public ::testing::Test {
 protected:
  void SetUp() override { pcscd_ = std::make_unique<Pcscd>(dir_.path()); }
  void TearDown() override {
    cards_.clear();
    pcscd_.reset();
  }

  VirtualCard& insert(const std::filesystem::path& persona, std::vector<std::string> args = {},
                      bool wait = true) {
    cards_.push_back(std::make_unique<VirtualCard>(persona, dir_.path(), std::move(args)));
    if (wait) {
      EXPECT_TRUE(wait_card_present(true)) << cards_.back()->log();
    }
    return *cards_.back();
  }

  static card::CardReader::Config reader_config() {
    return {.reader_name = kVpcdReader, .operation_timeout = 8000ms, .jpki = {}};
  }

  madoguchi_test::TempDir dir_{"card-pcsc"};
  std::unique_ptr<Pcscd> pcscd_;
  std::vector<std::unique_ptr<VirtualCard>> cards_;
};

bool chain_verifies(const Bytes& cert_der, const std::filesystem::path& ca_pem) {
  const unsigned char* p = cert_der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  bool ok = cert && X509_STORE_load_file(store, ca_pem.c_str()) == 1 &&
            X509_STORE_CTX_init(ctx, store, cert, nullptr) == 1 && X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(cert);
  return ok;
}

int persona_tries(const std::filesystem::path& file) {
  return madoguchi::vcard::Persona::load(file).auth_tries_left;
}

TEST_F(PcscStack, ReadsTheCertificateAndItsCa) {
  auto persona = write_persona(dir_.path(), {.serial = 1001});
  auto& vc = insert(persona);
  card::CardReader reader(reader_config());
  auto id = reader.read_identity();
  ASSERT_TRUE(id) << id.error().code << ": " << id.error().message << "\n" << vc.log();
  EXPECT_EQ(id->serial, "1001");
  EXPECT_EQ(id->certificate_der, madoguchi::vcard::Persona::load(persona).auth_cert_der());
  EXPECT_EQ(id->ca_certificate_der, pem_file_to_der(cert_dir() / "jpki-ca.crt"));
  EXPECT_TRUE(chain_verifies(id->certificate_der, cert_dir() / "jpki-ca.crt"));
  // What crossed the wire: the JPKI AP only, 256-byte chunks after one SELECT per file.
  const auto cmds = vc.commands();
  ASSERT_FALSE(cmds.empty());
  EXPECT_EQ(cmds.front(), "00A4040C0AD392F000260100000001");
  for (const auto& c : cmds) EXPECT_EQ(c.find("D392100031"), std::string::npos) << c;
}

TEST_F(PcscStack, TriesLeftWithoutSpendingOne) {
  auto persona = write_persona(dir_.path(), {.serial = 1002, .tries = 3});
  insert(persona);
  card::CardReader reader(reader_config());
  auto tries = reader.tries_left();
  ASSERT_TRUE(tries) << tries.error().message;
  EXPECT_EQ(tries->remaining, 3);
  EXPECT_EQ(reader.tries_left()->remaining, 3);
  EXPECT_EQ(persona_tries(persona), 3);
}

TEST_F(PcscStack, CorrectPinSignsAChallengeTheCertificateVerifies) {
  auto persona = write_persona(dir_.path(), {.serial = 1004, .pin = "7351"});
  insert(persona);
  card::CardReader reader(reader_config());
  auto id = reader.read_identity();
  ASSERT_TRUE(id);
  auto sig = reader.prove_possession(card::Pin("7351"), kChallenge);
  ASSERT_TRUE(sig) << sig.error().code << ": " << sig.error().message;
  EXPECT_TRUE(signature_verifies(id->certificate_der, kChallenge, sig->bytes));
  EXPECT_EQ(reader.tries_left()->remaining, 3);
}

TEST_F(PcscStack, WrongPinDecrementsAndTheCardRemembers) {
  auto persona = write_persona(dir_.path(), {.serial = 1005, .pin = "1234"});
  auto& vc = insert(persona);
  card::CardReader reader(reader_config());
  auto sig = reader.prove_possession(card::Pin("4321"), kChallenge);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, errc::wrong_pin);
  EXPECT_EQ(card::tries_left_after(sig.error()), 2);
  EXPECT_EQ(card::reason_for(sig.error()), ReasonCode::CardWrongPin);
  EXPECT_EQ(reader.tries_left()->remaining, 2);
  // Pull the card and re-insert it (a new card session): the count stays, like on a chip.
  vc.stop();
  EXPECT_TRUE(wait_card_present(false));
  EXPECT_EQ(persona_tries(persona), 2);
  insert(persona);
  EXPECT_EQ(reader.tries_left()->remaining, 2);
}

TEST_F(PcscStack, LastTryGuardRefusesToSendThePin) {
  auto persona = write_persona(dir_.path(), {.serial = 1001, .pin = "1234", .tries = 1});
  auto& vc = insert(persona);
  card::CardReader reader(reader_config());
  auto sig = reader.prove_possession(card::Pin("1234"), kChallenge);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, errc::pin_last_try);
  EXPECT_EQ(card::reason_for(sig.error()), ReasonCode::CardPinLastTry);
  for (const auto& c : vc.commands()) EXPECT_NE(c.rfind("0020008004", 0), 0u) << c;
  EXPECT_EQ(persona_tries(persona), 1);
}

TEST_F(PcscStack, LockedCard) {
  auto persona = write_persona(dir_.path(), {.serial = 1001, .tries = 0});
  insert(persona);
  card::CardReader reader(reader_config());
  EXPECT_TRUE(reader.tries_left()->locked());
  auto sig = reader.prove_possession(card::Pin("1234"), kChallenge);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, errc::locked);
  EXPECT_EQ(card::reason_for(sig.error()), ReasonCode::CardLocked);
}

TEST_F(PcscStack, CardPulledMidReadThenReinserted) {
  auto persona = write_persona(dir_.path(), {.serial = 1002});
  // Answers 3 APDUs (SELECT AP, SELECT EF, first chunk), then leaves the reader for 1.5 s.
  insert(persona, {"--pull-after-apdus", "3", "--reinsert-after-ms", "1500"});
  card::CardReader reader(reader_config());
  auto id = reader.read_identity();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, errc::removed) << id.error().message;
  EXPECT_EQ(card::reason_for(id.error()), ReasonCode::CardNotPresent);
  EXPECT_FALSE(card::triggers_document_fallback(id.error()));
  ASSERT_TRUE(wait_card_present(true));
  auto again = reader.read_identity();
  ASSERT_TRUE(again) << again.error().code;
  EXPECT_EQ(again->serial, "1002");
}

TEST_F(PcscStack, PcscdRestartedTheSameReaderRecovers) {
  auto persona = write_persona(dir_.path(), {.serial = 1003});
  insert(persona);
  card::CardReader reader(reader_config());
  ASSERT_TRUE(reader.read_identity());
  pcscd_->stop();
  auto down = reader.read_identity();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, errc::reader_fault) << down.error().message;
  EXPECT_TRUE(card::triggers_document_fallback(down.error()));
  pcscd_->start();  // the virtual card reconnects to the new vpcd by itself
  ASSERT_TRUE(wait_card_present(true));
  auto up = reader.read_identity();
  ASSERT_TRUE(up) << up.error().code << ": " << up.error().message;
  EXPECT_EQ(up->serial, "1003");
}

TEST_F(PcscStack, ReaderAbsentAndCardAbsent) {
  card::CardReader missing({.reader_name = "SONY FeliCa Port/PaSoRi 4.0", .jpki = {}});
  auto r = missing.read_identity();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::no_reader);
  EXPECT_EQ(card::reason_for(r.error()), ReasonCode::CardReaderFault);
  EXPECT_TRUE(card::triggers_document_fallback(r.error()));
  EXPECT_EQ(missing.card_present().error().code, errc::no_reader);

  card::CardReader reader(reader_config());
  auto none = reader.read_identity();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, errc::no_card);
  EXPECT_EQ(card::reason_for(none.error()), ReasonCode::CardNotPresent);
  EXPECT_FALSE(*reader.card_present());
}

TEST_F(PcscStack, ForeignCardIsNotAMyNumberCard) {
  auto persona = write_persona(dir_.path(), {.serial = 1001});
  insert(persona, {"--not-mynumber"});
  card::CardReader reader(reader_config());
  auto id = reader.read_identity();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, errc::not_mynumber);
  EXPECT_EQ(card::reason_for(id.error()), ReasonCode::NotMyNumberCard);
}

TEST_F(PcscStack, MuteCardIsAReaderFaultNotAHang) {
  auto persona = write_persona(dir_.path(), {.serial = 1001});
  auto& vc = insert(persona, {"--mute"});
  card::CardReader reader({.reader_name = kVpcdReader, .operation_timeout = 1500ms, .jpki = {}});
  const auto t0 = std::chrono::steady_clock::now();
  auto id = reader.read_identity();
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, errc::reader_fault);
  EXPECT_TRUE(card::triggers_document_fallback(id.error()));
  EXPECT_LT(took, 4s);
  // While the reader is stuck, further requests fail fast instead of queueing.
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(reader.tries_left().error().code, errc::reader_fault);
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 1s);
  // The card is taken out: the stuck exchange ends and the reader works again.
  vc.stop();
  ASSERT_TRUE(wait_card_present(false));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  madoguchi::Result<card::TriesLeft> after = madoguchi::make_error("", "");
  do {
    std::this_thread::sleep_for(200ms);
    after = reader.tries_left();
  } while (!after && after.error().code == errc::reader_fault &&
           std::chrono::steady_clock::now() < deadline);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, errc::no_card);
}

TEST_F(PcscStack, InsertAndRemoveEvents) {
  auto persona = write_persona(dir_.path(), {.serial = 1001});
  card::CardReader reader(reader_config());
  std::optional<madoguchi::Result<card::CardEvent>> inserted;
  std::thread waiter([&] { inserted = reader.wait_for_event(10s); });
  std::this_thread::sleep_for(300ms);
  auto& vc = insert(persona, {}, /*wait=*/false);
  waiter.join();
  ASSERT_TRUE(inserted && *inserted);
  EXPECT_EQ(**inserted, card::CardEvent::Inserted);
  std::optional<madoguchi::Result<card::CardEvent>> removed;
  std::thread waiter2([&] { removed = reader.wait_for_event(10s); });
  std::this_thread::sleep_for(300ms);
  vc.pull();
  waiter2.join();
  ASSERT_TRUE(removed && *removed);
  EXPECT_EQ(**removed, card::CardEvent::Removed);
  EXPECT_EQ(*reader.wait_for_event(300ms), card::CardEvent::Timeout);
}

TEST_F(PcscStack, ConcurrentRequestsNeverInterleaveApdus) {
  auto persona = write_persona(dir_.path(), {.serial = 1001});
  auto& vc = insert(persona, {"--slow-ms", "2"});
  // One read alone: the exact APDU sequence of "read identity".
  {
    card::CardReader one(reader_config());
    ASSERT_TRUE(one.read_identity());
  }
  const auto single = vc.commands();
  ASSERT_GT(single.size(), 4u);
  // Two terminals' worth of readers (two PC/SC contexts) reading at once, three times each.
  card::CardReader a(reader_config()), b(reader_config());
  int ok = 0;
  std::mutex m;
  auto work = [&](card::CardReader& r) {
    for (int i = 0; i < 3; ++i)
      if (r.read_identity()) {
        std::lock_guard l(m);
        ++ok;
      }
  };
  std::thread ta(work, std::ref(a)), tb(work, std::ref(b));
  ta.join();
  tb.join();
  EXPECT_EQ(ok, 6);
  const auto all = vc.commands();
  ASSERT_EQ(all.size(), single.size() * 7);
  for (std::size_t i = 0; i < all.size(); ++i)
    ASSERT_EQ(all[i], single[i % single.size()]) << "APDU " << i << " interleaved";
}

}  // namespace
