// The JPKI protocol and the certificate rule, against the virtual card's chip in-process (every
// APDU recorded), plus the chip's own answers. No PC/SC here: see pcsc_test.cpp for that.
#include "card_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace card_test;
using madoguchi::Date;
using madoguchi::ReasonCode;
namespace card = madoguchi::card;
namespace errc = madoguchi::card::errc;

const Bytes kJpkiAid = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
const Bytes kKenmenHojoAid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
const Bytes kKenmenAid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02};
const Bytes kChallenge = {'n', 'o', 'n', 'c', 'e', 0x00, 0x01, 0x02, 0x03, 0xFF};

Date d(int y, int m, int dd) { return Date::from_ymd(y, m, dd).value(); }

bool is_verify_with_pin(const Bytes& c) { return c.size() > 4 && c[1] == 0x20; }

// Every APDU we ever send: SELECT by name only of the JPKI AP; the 券面事項入力補助AP's and the
// 券面AP's AID prefix (D3 92 10 00 31) appears nowhere, in any position.
void expect_no_forbidden_apdu(const std::vector<Bytes>& commands) {
  const Bytes prefix = {0xD3, 0x92, 0x10, 0x00, 0x31};
  for (const auto& c : commands) {
    ASSERT_GE(c.size(), 4u);
    if (c[0] == 0x00 && c[1] == 0xA4 && c[2] == 0x04) {
      EXPECT_EQ(Bytes(c.begin() + 5, c.end()), kJpkiAid) << hex(c);
    }
    EXPECT_EQ(std::search(c.begin(), c.end(), prefix.begin(), prefix.end()), c.end()) << hex(c);
  }
}

std::size_t chunks(std::size_t len) { return (len + 255) / 256; }

TEST(JpkiSession, ReadsCertificateAndCaInTheFewestApdus) {
  auto persona = make_persona({.serial = 1001});
  const Bytes cert = persona.auth_cert_der(), ca = persona.ca_cert_der();
  RecordingTransport t(persona);
  card::JpkiSession s(t);
  auto id = s.read_identity();
  ASSERT_TRUE(id) << id.error().code;
  EXPECT_EQ(id->certificate_der, cert);
  EXPECT_EQ(id->ca_certificate_der, ca);
  EXPECT_EQ(id->serial, "1001");
  // SELECT AP + (SELECT EF + ceil(len/256) READ BINARY) per file; no separate 4-byte header read.
  EXPECT_EQ(t.commands().size(), 1 + (1 + chunks(cert.size())) + (1 + chunks(ca.size())));
}

TEST(JpkiSession, ExtendedLengthReadsEachFileInOneApdu) {
  auto persona = make_persona({.serial = 1002});
  RecordingTransport t(persona);
  card::JpkiSession s(t, {.extended_length = true});
  auto id = s.read_identity();
  ASSERT_TRUE(id) << id.error().code;
  EXPECT_EQ(id->certificate_der, persona.auth_cert_der());
  EXPECT_EQ(t.commands().size(), 5u);
}

TEST(JpkiSession, TriesLeftSpendsNoTry) {
  RecordingTransport t(make_persona({.tries = 2}));
  card::JpkiSession s(t);
  auto tries = s.tries_left();
  ASSERT_TRUE(tries);
  EXPECT_EQ(tries->remaining, 2);
  EXPECT_EQ(t.applet().persona().auth_tries_left, 2);
  EXPECT_TRUE(std::none_of(t.commands().begin(), t.commands().end(), is_verify_with_pin));
}

TEST(JpkiSession, CorrectPinSignsTheChallengeVerifiably) {
  auto persona = make_persona({.serial = 1003, .pin = "4821"});
  const Bytes cert = persona.auth_cert_der();
  RecordingTransport t(persona);
  card::JpkiSession s(t);
  auto sig = s.prove_possession(card::Pin("4821"), kChallenge);
  ASSERT_TRUE(sig) << sig.error().code << " " << sig.error().message;
  EXPECT_EQ(sig->bytes.size(), 256u);
  EXPECT_TRUE(signature_verifies(cert, kChallenge, sig->bytes));
  Bytes other = kChallenge;
  other[0] ^= 1;
  EXPECT_FALSE(signature_verifies(cert, other, sig->bytes));
  // Tries were checked (VERIFY without data) before the one VERIFY with the PIN.
  const auto& c = t.commands();
  auto first_pin = std::find_if(c.begin(), c.end(), is_verify_with_pin);
  ASSERT_NE(first_pin, c.end());
  EXPECT_EQ(std::count_if(c.begin(), c.end(), is_verify_with_pin), 1);
  EXPECT_NE(std::find(c.begin(), first_pin, Bytes{0x00, 0x20, 0x00, 0x80}), first_pin);
}

TEST(JpkiSession, WrongPinReportsTriesLeftAndDecrements) {
  RecordingTransport t(make_persona({.pin = "1234"}));
  card::JpkiSession s(t);
  auto sig = s.prove_possession(card::Pin("9999"), kChallenge);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, errc::wrong_pin);
  EXPECT_EQ(card::tries_left_after(sig.error()), 2);
  EXPECT_EQ(card::reason_for(sig.error()), ReasonCode::CardWrongPin);
  EXPECT_EQ(s.tries_left()->remaining, 2);
  // The right PIN restores the counter.
  ASSERT_TRUE(s.prove_possession(card::Pin("1234"), kChallenge));
  EXPECT_EQ(s.tries_left()->remaining, 3);
}

TEST(JpkiSession, LastTryGuardNeverSendsThePin) {
  RecordingTransport t(make_persona({.pin = "1234", .tries = 2}));
  card::JpkiSession s(t);
  auto first = s.prove_possession(card::Pin("0000"), kChallenge);
  ASSERT_FALSE(first);
  EXPECT_EQ(card::tries_left_after(first.error()), 1);
  const auto sent_before = t.commands().size();
  // Even the right PIN is not sent now: one try left is the municipality's business.
  auto second = s.prove_possession(card::Pin("1234"), kChallenge);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, errc::pin_last_try);
  EXPECT_EQ(card::reason_for(second.error()), ReasonCode::CardPinLastTry);
  EXPECT_FALSE(card::triggers_document_fallback(second.error()));
  std::vector<Bytes> after(t.commands().begin() + static_cast<std::ptrdiff_t>(sent_before),
                           t.commands().end());
  EXPECT_TRUE(std::none_of(after.begin(), after.end(), is_verify_with_pin));
  EXPECT_EQ(t.applet().persona().auth_tries_left, 1);
}

TEST(JpkiSession, LockedCardIsReportedWithoutVerify) {
  RecordingTransport t(make_persona({.tries = 0}));
  card::JpkiSession s(t);
  auto sig = s.prove_possession(card::Pin("1234"), kChallenge);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, errc::locked);
  EXPECT_EQ(card::reason_for(sig.error()), ReasonCode::CardLocked);
  EXPECT_TRUE(s.tries_left()->locked());
  EXPECT_TRUE(std::none_of(t.commands().begin(), t.commands().end(), is_verify_with_pin));
}

TEST(JpkiSession, MalformedPinSendsNothing) {
  RecordingTransport t(make_persona());
  card::JpkiSession s(t);
  for (const char* bad : {"123", "12345", "12a4", ""}) {
    auto sig = s.prove_possession(card::Pin(bad), kChallenge);
    ASSERT_FALSE(sig);
    EXPECT_EQ(sig.error().code, errc::pin_format);
  }
  EXPECT_TRUE(t.commands().empty());
}

TEST(JpkiSession, CardWithoutJpkiIsNotAMyNumberCard) {
  RecordingTransport t(make_persona(), /*foreign=*/true);
  card::JpkiSession s(t);
  auto id = s.read_identity();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, errc::not_mynumber);
  EXPECT_EQ(card::reason_for(id.error()), ReasonCode::NotMyNumberCard);
  EXPECT_EQ(s.tries_left().error().code, errc::not_mynumber);
}

TEST(JpkiSession, NoApduEverAddressesTheKenmenApplications) {
  auto persona = make_persona({.pin = "1234", .tries = 3});
  RecordingTransport t(persona);
  card::JpkiSession s(t);
  ASSERT_TRUE(s.read_identity());
  ASSERT_TRUE(s.tries_left());
  ASSERT_TRUE(s.prove_possession(card::Pin("1234"), kChallenge));
  EXPECT_FALSE(s.prove_possession(card::Pin("1111"), kChallenge));
  EXPECT_FALSE(s.prove_possession(card::Pin("1111"), kChallenge));
  EXPECT_FALSE(s.prove_possession(card::Pin("1234"), kChallenge));  // last-try guard
  card::JpkiSession ext(t, {.extended_length = true});
  ASSERT_TRUE(ext.read_identity());
  RecordingTransport foreign(persona, true);
  card::JpkiSession f(foreign);
  EXPECT_FALSE(f.read_identity());
  EXPECT_FALSE(f.prove_possession(card::Pin("1234"), kChallenge));
  ASSERT_GT(t.commands().size(), 20u);
  expect_no_forbidden_apdu(t.commands());
  expect_no_forbidden_apdu(foreign.commands());
}

class FailingTransport final : public card::ApduTransport {
 public:
  explicit FailingTransport(std::string code) : code_(std::move(code)) {}
  madoguchi::Result<Bytes> transmit(std::span<const std::uint8_t>) override {
    return madoguchi::make_error(code_, "simulated");
  }

 private:
  std::string code_;
};

TEST(JpkiSession, TransportErrorsKeepTheirCode) {
  FailingTransport removed{std::string(errc::removed)};
  card::JpkiSession s(removed);
  auto id = s.read_identity();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, errc::removed);
  EXPECT_EQ(card::reason_for(id.error()), ReasonCode::CardNotPresent);
  FailingTransport fault{std::string(errc::reader_fault)};
  card::JpkiSession s2(fault);
  auto e = s2.tries_left();
  ASSERT_FALSE(e);
  EXPECT_TRUE(card::triggers_document_fallback(e.error()));
  EXPECT_EQ(card::reason_for(e.error()), ReasonCode::CardReaderFault);
}

TEST(CardErrors, EachCodeMapsToItsReason) {
  auto r = [](std::string_view c) { return card::reason_for({std::string(c), ""}); };
  EXPECT_EQ(r(errc::no_reader), ReasonCode::CardReaderFault);
  EXPECT_EQ(r(errc::reader_fault), ReasonCode::CardReaderFault);
  EXPECT_EQ(r(errc::no_card), ReasonCode::CardNotPresent);
  EXPECT_EQ(r(errc::removed), ReasonCode::CardNotPresent);
  EXPECT_EQ(r(errc::not_mynumber), ReasonCode::NotMyNumberCard);
  EXPECT_EQ(r(errc::locked), ReasonCode::CardLocked);
  EXPECT_EQ(r(errc::wrong_pin), ReasonCode::CardWrongPin);
  EXPECT_EQ(r(errc::pin_last_try), ReasonCode::CardPinLastTry);
  EXPECT_EQ(r(errc::certificate_expired), ReasonCode::CardCertificateExpired);
  EXPECT_EQ(r("gateway.unavailable"), std::nullopt);
  EXPECT_TRUE(card::triggers_document_fallback({std::string(errc::reader_fault), ""}));
  EXPECT_FALSE(card::triggers_document_fallback({std::string(errc::no_card), ""}));
  EXPECT_FALSE(card::triggers_document_fallback({std::string(errc::wrong_pin), ""}));
}

// notAfter 2030-05-31 23:59:59 JST (= 14:59:59Z): the dates the desk reads are JST dates.
TEST(CertificateRule, RenewalAlertGraceAndRefusalAroundNotAfter) {
  auto persona =
      make_persona({.serial = 2001, .not_before = "2025-06-01", .not_after = "2030-05-31"});
  const Bytes der = persona.auth_cert_der();
  auto id = card::describe_certificate(der, {});
  ASSERT_TRUE(id);
  EXPECT_EQ(id->not_after, d(2030, 5, 31));
  EXPECT_EQ(id->not_before, d(2025, 6, 1));

  auto at = [&](Date visit) { return card::evaluate_certificate(der, visit); };
  EXPECT_EQ(at(d(2028, 1, 10))->status, card::CertificateStatus::Valid);
  EXPECT_EQ(at(d(2028, 1, 10))->alert, std::nullopt);
  EXPECT_EQ(at(d(2030, 2, 27))->status, card::CertificateStatus::Valid);
  // 3 months before 5-31 is 2-28 (month ends clamp): the alert starts that day.
  EXPECT_EQ(at(d(2030, 2, 28))->status, card::CertificateStatus::RenewalDue);
  EXPECT_EQ(at(d(2030, 2, 28))->alert, ReasonCode::CardCertificateRenewalDue);
  EXPECT_EQ(at(d(2030, 5, 31))->status, card::CertificateStatus::RenewalDue);
  EXPECT_EQ(at(d(2030, 6, 1))->status, card::CertificateStatus::GracePeriod);
  EXPECT_EQ(at(d(2030, 6, 1))->alert, ReasonCode::CardCertificateGracePeriod);
  EXPECT_EQ(at(d(2030, 8, 31))->status, card::CertificateStatus::GracePeriod);
  auto refused = at(d(2030, 9, 1));  // after the end of the third month (policy's rule)
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::certificate_expired);
  EXPECT_EQ(card::reason_for(refused.error()), ReasonCode::CardCertificateExpired);
  auto early = at(d(2025, 5, 31));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, errc::certificate_not_yet_valid);
  // Not yet valid is not "expired".
  EXPECT_EQ(card::reason_for(early.error()), ReasonCode::CardCertificateNotYetValid);
  EXPECT_EQ(
      card::evaluate_certificate(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}, d(2028, 1, 1)).error().code,
      errc::certificate_invalid);
}

// ---- the chip itself -------------------------------------------------------------------------

Bytes run(madoguchi::vcard::JpkiApplet& a, Bytes apdu) { return a.process(apdu); }
Bytes sw(const Bytes& r) { return Bytes(r.end() - 2, r.end()); }

TEST(VirtualCardChip, AnswersOnlyTheJpkiApplication) {
  madoguchi::vcard::JpkiApplet a(make_persona());
  for (const Bytes& aid : {kKenmenHojoAid, kKenmenAid, Bytes{0xA0, 0x00, 0x00, 0x00, 0x63}}) {
    Bytes sel = {0x00, 0xA4, 0x04, 0x0C, static_cast<std::uint8_t>(aid.size())};
    sel.insert(sel.end(), aid.begin(), aid.end());
    EXPECT_EQ(sw(run(a, sel)), (Bytes{0x6A, 0x82})) << hex(aid);
  }
  // EFs exist only inside the JPKI AP.
  EXPECT_EQ(sw(run(a, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A})), (Bytes{0x6A, 0x82}));
  Bytes sel = {0x00, 0xA4, 0x04, 0x0C, 0x0A};
  sel.insert(sel.end(), kJpkiAid.begin(), kJpkiAid.end());
  EXPECT_EQ(sw(run(a, sel)), (Bytes{0x90, 0x00}));
  EXPECT_EQ(sw(run(a, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x12, 0x34})), (Bytes{0x6A, 0x82}));
  // Token info.
  EXPECT_EQ(sw(run(a, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x06})), (Bytes{0x90, 0x00}));
  auto token = run(a, {0x00, 0xB0, 0x00, 0x00, 0x14});
  EXPECT_EQ(std::string(token.begin(), token.begin() + 15), "JPKIAPICCTOKEN2");
  // The private key is never readable; signing needs the PIN.
  EXPECT_EQ(sw(run(a, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17})), (Bytes{0x90, 0x00}));
  EXPECT_EQ(sw(run(a, {0x00, 0xB0, 0x00, 0x00, 0x00})), (Bytes{0x69, 0x82}));
  Bytes sign = {0x80, 0x2A, 0x00, 0x80, 0x03, 0x01, 0x02, 0x03, 0x00};
  EXPECT_EQ(sw(run(a, sign)), (Bytes{0x69, 0x82}));
  // Unknown instruction / class.
  EXPECT_EQ(sw(run(a, {0x00, 0xCA, 0x00, 0x00, 0x00})), (Bytes{0x6D, 0x00}));
  EXPECT_EQ(sw(run(a, {0xA0, 0xB0, 0x00, 0x00, 0x00})), (Bytes{0x6E, 0x00}));
}

TEST(VirtualCardChip, ReadBinaryHonoursOffsetsAndLe) {
  auto persona = make_persona();
  const Bytes cert = persona.auth_cert_der();
  madoguchi::vcard::JpkiApplet a(persona);
  Bytes sel = {0x00, 0xA4, 0x04, 0x0C, 0x0A};
  sel.insert(sel.end(), kJpkiAid.begin(), kJpkiAid.end());
  run(a, sel);
  run(a, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A});
  auto head = run(a, {0x00, 0xB0, 0x00, 0x00, 0x04});
  ASSERT_EQ(head.size(), 6u);
  EXPECT_EQ(head[0], 0x30);
  EXPECT_EQ(head[1], 0x82);
  EXPECT_EQ(std::size_t((head[2] << 8) | head[3]) + 4, cert.size());
  auto mid = run(a, {0x00, 0xB0, 0x01, 0x00, 0x10});
  EXPECT_EQ(Bytes(mid.begin(), mid.end() - 2), Bytes(cert.begin() + 256, cert.begin() + 272));
  auto all = run(a, {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00});  // extended Le 0000
  EXPECT_EQ(Bytes(all.begin(), all.end() - 2), cert);
  EXPECT_EQ(sw(run(a, {0x00, 0xB0, 0x7F, 0x00, 0x10})), (Bytes{0x6B, 0x00}));
}

TEST(VirtualCardChip, PinTriesAreReportedAndPersisted) {
  int saved_tries = -1;
  madoguchi::vcard::JpkiApplet a(
      make_persona({.pin = "2468"}),
      [&](const madoguchi::vcard::Persona& p) { saved_tries = p.auth_tries_left; });
  Bytes sel = {0x00, 0xA4, 0x04, 0x0C, 0x0A};
  sel.insert(sel.end(), kJpkiAid.begin(), kJpkiAid.end());
  run(a, sel);
  run(a, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18});
  EXPECT_EQ(sw(run(a, {0x00, 0x20, 0x00, 0x80})), (Bytes{0x63, 0xC3}));
  EXPECT_EQ(sw(run(a, {0x00, 0x20, 0x00, 0x80, 0x04, '1', '1', '1', '1'})), (Bytes{0x63, 0xC2}));
  EXPECT_EQ(saved_tries, 2);
  EXPECT_EQ(sw(run(a, {0x00, 0x20, 0x00, 0x80, 0x04, '1', '1', '1', '1'})), (Bytes{0x63, 0xC1}));
  EXPECT_EQ(sw(run(a, {0x00, 0x20, 0x00, 0x80, 0x04, '1', '1', '1', '1'})), (Bytes{0x63, 0xC0}));
  EXPECT_EQ(saved_tries, 0);
  EXPECT_EQ(sw(run(a, {0x00, 0x20, 0x00, 0x80})), (Bytes{0x69, 0x83}));
  EXPECT_EQ(sw(run(a, {0x00, 0x20, 0x00, 0x80, 0x04, '2', '4', '6', '8'})), (Bytes{0x69, 0x83}));
  // The signing PIN EF answers tries left too (OpenSC's PKCS#15 binding asks).
  run(a, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B});
  EXPECT_EQ(sw(run(a, {0x00, 0x20, 0x00, 0x80})), (Bytes{0x63, 0xC5}));
}

TEST(VirtualCardPersona, SavesAndLoadsTriesAndRejectsMismatchedKeys) {
  madoguchi_test::TempDir dir("card-persona");
  auto file = write_persona(dir.path(), {.serial = 3001, .tries = 2});
  auto p = madoguchi::vcard::Persona::load(file);
  EXPECT_EQ(p.auth_tries_left, 2);
  p.auth_tries_left = 1;
  p.save(file);
  EXPECT_EQ(madoguchi::vcard::Persona::load(file).auth_tries_left, 1);
  auto other = make_persona({.serial = 3002});
  p.auth_key_pem = other.auth_key_pem;
  p.save(file);
  EXPECT_THROW(madoguchi::vcard::Persona::load(file), std::runtime_error);
}

}  // namespace
