// The gateway adapters against the real simulator process: mutual TLS, card signatures made
// with OpenSSL here, the folder exchange, a dead gateway and the circuit breaker, 10,000-item
// batches.
#include <madoguchi/gateway/client.hpp>
#include <madoguchi/gateway/folder.hpp>

#include <madoguchi_test/process.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <future>
#include <thread>

namespace gw = madoguchi::gateway;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using madoguchi::QualificationValidity;
using madoguchi_test::ChildProcess;

namespace {

const std::string kSim = MADOGUCHI_GATEWAY_SIM;

gw::NumberQuery query(const std::string& insurer, const std::string& symbol,
                      const std::string& number, const std::string& branch,
                      const std::string& birth) {
  madoguchi::InsuranceIdentity id{madoguchi::InsurerNumber::parse(insurer).value(), std::nullopt,
                                  madoguchi::InsuredNumber::parse(number).value(), std::nullopt};
  if (!symbol.empty()) id.symbol = madoguchi::InsuredSymbol::parse(symbol).value();
  if (!branch.empty()) id.branch = madoguchi::BranchNumber::parse(branch).value();
  gw::NumberQuery q{id, std::nullopt, false};
  if (!birth.empty()) q.birth_date = madoguchi::Date::parse_compact(birth).value();
  return q;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// RSA PKCS#1 v1.5 over SHA-256, as the card's user-authentication key signs.
std::string sign(const fs::path& key_pem, const std::string& data) {
  FILE* f = std::fopen(key_pem.c_str(), "r");
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(len);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  return sig;
}

class Gateway : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new madoguchi_test::TempDir("gateway");
    // Certificates are kept between test processes (dev-certs.sh keeps existing files): RSA
    // key generation would otherwise dominate each test's time.
    certs_ = madoguchi_test::binary_dir() / "test-var" / "gateway-certs";
    auto r = madoguchi_test::run_command(
        "bash " + (madoguchi_test::source_dir() / "deploy/dev-certs.sh").string() + " " +
        certs_.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Cards of the simulated JPKI CA with serials 1001 and 1006, and one from a CA nobody
    // trusts.
    std::string make =
        "cd " + certs_.string() + " && { test -s rogue.der ||" +
        " { openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key" +
        " -out rogue.crt -days 3650 -subj '/CN=1312345678' -set_serial 1001" +
        " 2>/dev/null && openssl x509 -in rogue.crt -outform DER -out rogue.der; }; }";
    for (const char* serial : {"1001", "1006"}) {
      std::string card = std::string("card") + serial;
      make += " && { test -s " + card + ".der || { openssl req -newkey rsa:2048 -nodes -keyout " +
              card + ".key -out " + card + ".csr -subj '/C=JP/CN=card " + serial +
              "' 2>/dev/null && openssl x509 -req -in " + card +
              ".csr -CA jpki-ca.crt -CAkey jpki-ca.key -set_serial " + serial +
              " -days 3650 -sha256 -outform DER -out " + card + ".der 2>/dev/null; }; }";
    }
    r = madoguchi_test::run_command(make);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    port_ = madoguchi_test::free_port();
    population_ = dir_->path() / "population.json";
    sim_ = start_https(port_, {"--size", "10000", "--dump-population", population_.string()});
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete dir_;
  }

  static ChildProcess* start_https(unsigned short port, std::vector<std::string> extra = {},
                                   const std::string& address = "127.0.0.1") {
    std::vector<std::string> argv = {kSim,
                                     "--port",
                                     std::to_string(port),
                                     "--cert",
                                     (certs_ / "gateway.crt").string(),
                                     "--key",
                                     (certs_ / "gateway.key").string(),
                                     "--ca",
                                     (certs_ / "ca.crt").string(),
                                     "--jpki-ca",
                                     (certs_ / "jpki-ca.crt").string(),
                                     "--batch-delay-ms",
                                     "100",
                                     "--challenge-seconds",
                                     "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto* p = new ChildProcess(argv, {}, dir_->path() / ("sim-" + std::to_string(port) + ".log"));
    if (address == "127.0.0.1") {
      EXPECT_TRUE(madoguchi_test::wait_for_port(port, 15s)) << p->log();
    } else {
      EXPECT_TRUE(madoguchi_test::wait_until(
          [&] { return p->log().find("ready") != std::string::npos; }, 15s))
          << p->log();
    }
    return p;
  }

  static gw::GatewayClientConfig config(unsigned short port) {
    gw::GatewayClientConfig c;
    c.host = "localhost";
    c.port = port;
    c.ca_file = (certs_ / "ca.crt").string();
    c.cert_file = (certs_ / "client.crt").string();
    c.key_file = (certs_ / "client.key").string();
    return c;
  }

  static std::unique_ptr<gw::GatewayClient> client(gw::GatewayClientConfig c) {
    auto r = gw::GatewayClient::create(c);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return std::move(*r);
  }

  static inline madoguchi_test::TempDir* dir_ = nullptr;
  static inline fs::path certs_, population_;
  static inline unsigned short port_ = 0;
  static inline ChildProcess* sim_ = nullptr;
};

TEST_F(Gateway, ConfirmsTheFixedCardHoldersByNumber) {
  auto c = client(config(port_));
  auto self = c->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  ASSERT_TRUE(self) << self.error().code << " " << self.error().message;
  EXPECT_EQ(self->validity, QualificationValidity::Valid);
  ASSERT_EQ(self->qualifications.size(), 1u);
  const auto& q = self->qualifications[0];
  EXPECT_EQ(q.relationship, madoguchi::Relationship::Self);
  EXPECT_EQ(q.copay->percent(), 30);
  EXPECT_EQ(q.name, "山田　太郎");
  EXPECT_FALSE(self->reference_number.empty());

  auto child = c->confirm_by_number(query("06139992", "1001", "1001", "02", "20220510"));
  ASSERT_TRUE(child);
  EXPECT_EQ(child->qualifications.at(0).relationship, madoguchi::Relationship::Dependent);
  EXPECT_EQ(child->qualifications.at(0).copay->percent(), 20);

  auto lost = c->confirm_by_number(query("01130012", "1003", "1003", "00", "19900101"));
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->validity, QualificationValidity::Invalid);
  EXPECT_EQ(lost->qualifications.at(0).disqualification_date->compact(), "20250930");

  auto elderly = c->confirm_by_number(query("138156", "1004", "1004", "00", "19530815"));
  ASSERT_TRUE(elderly) << elderly.error().message;
  EXPECT_EQ(elderly->validity, QualificationValidity::Valid);
  EXPECT_EQ(elderly->qualifications.at(0).copay->percent(), 20);
  EXPECT_EQ(elderly->qualifications.at(0).copay_valid_until->compact(), "20270731");

  auto late = c->confirm_by_number(query("39131016", "", "1005", "00", "19440302"));
  ASSERT_TRUE(late) << late.error().message;
  EXPECT_EQ(late->qualifications.at(0).copay->percent(), 10);
  EXPECT_EQ(late->qualifications.at(0).copay_valid_until->compact(), "20270731");

  auto none = c->confirm_by_number(query("06139992", "1006", "1006", "00", "19991231"));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->validity, QualificationValidity::NotFound);
  EXPECT_TRUE(none->qualifications.empty());

  // A wrong birth date finds nobody.
  auto wrong = c->confirm_by_number(query("06139992", "1001", "1001", "00", "19850413"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->validity, QualificationValidity::NotFound);
}

TEST_F(Gateway, ConfirmsByCardWithARealSignature) {
  auto c = client(config(port_));
  std::string der = read_file(certs_ / "card1001.der");
  auto challenge = c->challenge();
  ASSERT_TRUE(challenge) << challenge.error().message;
  EXPECT_EQ(challenge->size(), 32u);
  gw::CardQuery card{der, *challenge, sign(certs_ / "card1001.key", *challenge), false};
  auto r = c->confirm_by_card(card);
  ASSERT_TRUE(r) << r.error().code << " " << r.error().message;
  EXPECT_EQ(r->validity, QualificationValidity::Valid);
  EXPECT_FALSE(r->visually_confirmed);
  EXPECT_EQ(r->qualifications.at(0).identity->number.value(), "1001");

  // Single use: the same challenge again is refused.
  auto again = c->confirm_by_card(card);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "gateway.rejected");

  // A signature over something else is refused.
  auto other = c->challenge().value();
  auto forged = c->confirm_by_card({der, other, sign(certs_ / "card1001.key", *challenge), false});
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, "gateway.rejected");

  // A certificate the JPKI CA did not issue is refused, even when correctly signed.
  auto third = c->challenge().value();
  auto rogue = c->confirm_by_card(
      {read_file(certs_ / "rogue.der"), third, sign(certs_ / "rogue.key", third), false});
  ASSERT_FALSE(rogue);
  EXPECT_EQ(rogue.error().code, "gateway.rejected");

  // A challenge is good for its lifetime only (this simulator: 1 s).
  auto late = c->challenge().value();
  std::this_thread::sleep_for(1200ms);
  auto expired = c->confirm_by_card({der, late, sign(certs_ / "card1001.key", late), false});
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, "gateway.rejected");
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos) << expired.error().message;

  // A genuine card whose holder has no qualification on file.
  auto fourth = c->challenge().value();
  auto nobody = c->confirm_by_card(
      {read_file(certs_ / "card1006.der"), fourth, sign(certs_ / "card1006.key", fourth), false});
  ASSERT_TRUE(nobody) << nobody.error().message;
  EXPECT_EQ(nobody->validity, QualificationValidity::NotFound);

  // 目視確認: no signature, accepted but flagged.
  auto visual = c->confirm_by_card({der, "", "", true});
  ASSERT_TRUE(visual) << visual.error().message;
  EXPECT_EQ(visual->validity, QualificationValidity::Valid);
  EXPECT_TRUE(visual->visually_confirmed);
}

TEST_F(Gateway, ClientWithoutAValidCertificateIsRefused) {
  auto no_cert = config(port_);
  no_cert.cert_file.clear();
  no_cert.key_file.clear();
  no_cert.medical_institution_code = "1312345678";
  auto c = client(no_cert);
  auto r = c->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "gateway.tls") << r.error().message;

  auto rogue = config(port_);  // a certificate from a CA the gateway does not trust
  rogue.cert_file = (certs_ / "rogue.crt").string();
  rogue.key_file = (certs_ / "rogue.key").string();
  auto c2 = client(rogue);
  auto r2 = c2->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, "gateway.tls") << r2.error().message;

  // And the other way round: a gateway whose certificate our pinned CA did not sign.
  auto pinned = config(port_);
  pinned.ca_file = (certs_ / "jpki-ca.crt").string();
  auto c3 = client(pinned);
  auto r3 = c3->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, "gateway.tls") << r3.error().message;

  // Hostname verification: a gateway on 127.0.0.2 showing a certificate for localhost and
  // 127.0.0.1 only is refused.
  unsigned short port = madoguchi_test::free_port();
  std::unique_ptr<ChildProcess> elsewhere(
      start_https(port, {"--size", "1", "--address", "127.0.0.2"}, "127.0.0.2"));
  auto wrong_host = config(port);
  wrong_host.host = "127.0.0.2";
  auto c4 = client(wrong_host);
  auto r4 = c4->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  ASSERT_FALSE(r4);
  EXPECT_EQ(r4.error().code, "gateway.tls") << r4.error().message;
}

TEST_F(Gateway, InstitutionCodeMustMatchTheClientCertificate) {
  auto cfg = config(port_);
  cfg.medical_institution_code = "9999999999";  // the certificate says 1312345678
  auto r = client(cfg)->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "gateway.rejected") << r.error().message;
}

TEST_F(Gateway, FailingGatewayIsUnavailableAndOpensTheBreaker) {
  unsigned short port = madoguchi_test::free_port();
  std::unique_ptr<ChildProcess> sim(start_https(port, {"--size", "1", "--failure-rate", "1"}));
  auto cfg = config(port);
  cfg.breaker_failures = 2;
  auto c = client(cfg);
  auto q = query("06139992", "1001", "1001", "00", "19850412");
  for (int i = 0; i < 2; ++i) {
    auto r = c->confirm_by_number(q);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "gateway.unavailable") << r.error().message;
  }
  EXPECT_EQ(c->breaker_state(), gw::BreakerState::Open);
}

TEST_F(Gateway, IsThreadSafeUnderConcurrentCalls) {
  auto c = client(config(port_));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = c->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
        if (r && r->validity == QualificationValidity::Valid) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(Gateway, BatchOfTenThousandCompletes) {
  auto people = nlohmann::json::parse(std::ifstream(population_)).at("people");
  std::vector<gw::NumberQuery> queries;
  std::vector<int> expected;
  for (const auto& p : people) {
    if (queries.size() == 10000) break;
    queries.push_back(query(p.at("insurer_number"), p.value("symbol", ""), p.at("number"),
                            p.at("branch"), p.at("birth_date")));
    expected.push_back(p.value("validity", 1));
  }
  ASSERT_EQ(queries.size(), 10000u);
  auto c = client(config(port_));
  auto start = std::chrono::steady_clock::now();
  auto r = c->batch(queries);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r) << r.error().code << " " << r.error().message;
  ASSERT_EQ(r->size(), queries.size());
  std::map<QualificationValidity, int> seen;
  for (std::size_t i = 0; i < r->size(); ++i) {
    EXPECT_EQ(static_cast<int>((*r)[i].validity), expected[i]) << i;
    ++seen[(*r)[i].validity];
  }
  // Every QualificationValidity occurs (6: the fixed medical-aid holder 1007).
  for (int v = 1; v <= 6; ++v) EXPECT_GT(seen[static_cast<QualificationValidity>(v)], 0) << v;
  std::cout << "batch of 10000: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
}

TEST_F(Gateway, DeadGatewayIsUnavailableWithinTheDeadlineAndTheBreakerRecovers) {
  unsigned short port = madoguchi_test::free_port();
  std::unique_ptr<ChildProcess> sim(start_https(port, {"--size", "10"}));
  auto cfg = config(port);
  cfg.deadline = 1000ms;
  cfg.breaker_failures = 3;
  cfg.breaker_cooldown = 700ms;
  auto c = client(cfg);
  auto q = query("06139992", "1001", "1001", "00", "19850412");
  ASSERT_TRUE(c->confirm_by_number(q));  // also leaves a pooled keep-alive connection

  sim->stop();
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = c->confirm_by_number(q);
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "gateway.unavailable") << r.error().message;
    EXPECT_LT(took, cfg.deadline);
  }
  EXPECT_EQ(c->breaker_state(), gw::BreakerState::Open);
  // Open: answered at once, without touching the network.
  auto start = std::chrono::steady_clock::now();
  auto fast = c->confirm_by_number(q);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  ASSERT_FALSE(fast);
  EXPECT_EQ(fast.error().code, "gateway.unavailable");
  EXPECT_NE(fast.error().message.find("circuit"), std::string::npos);

  // After the cool-down a failing probe opens it again.
  EXPECT_TRUE(madoguchi_test::wait_until(
      [&] { return c->breaker_state() == gw::BreakerState::HalfOpen; }, cfg.breaker_cooldown + 5s));
  EXPECT_FALSE(c->confirm_by_number(q));
  EXPECT_EQ(c->breaker_state(), gw::BreakerState::Open);

  // The gateway comes back: the next probe closes the breaker.
  sim.reset(start_https(port, {"--size", "10"}));
  ASSERT_TRUE(madoguchi_test::wait_until(
      [&] { return c->breaker_state() == gw::BreakerState::HalfOpen; }, cfg.breaker_cooldown + 5s));
  auto back = c->confirm_by_number(q);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->validity, QualificationValidity::Valid);
  EXPECT_EQ(c->breaker_state(), gw::BreakerState::Closed);
}

TEST_F(Gateway, SlowGatewayTimesOutAtTheDeadline) {
  unsigned short port = madoguchi_test::free_port();
  std::unique_ptr<ChildProcess> sim(start_https(port, {"--size", "10", "--latency-ms", "1500"}));
  auto cfg = config(port);
  cfg.deadline = 500ms;
  auto c = client(cfg);
  auto start = std::chrono::steady_clock::now();
  auto r = c->confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "gateway.timeout");
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 1200ms);  // well before the 1.5 s answer
}

TEST_F(Gateway, FolderExchangeWithTheSimulatorAsTerminal) {
  madoguchi_test::TempDir folder("oqs-folder");
  // The population the HTTPS simulator dumped, loaded back from its JSON file.
  ChildProcess terminal(
      {kSim, "--folder", folder.path().string(), "--population", population_.string()}, {},
      folder.path() / "terminal.log");
  gw::FolderTransport transport(
      {folder.path(), "1312345678", 5000ms, 20000ms, gw::CharacterCode::ShiftJis});
  auto r = transport.confirm_by_number(query("06139992", "1001", "1001", "00", "19850412"));
  ASSERT_TRUE(r) << r.error().code << " " << r.error().message << "\n" << terminal.log();
  EXPECT_EQ(r->validity, QualificationValidity::Valid);
  EXPECT_EQ(r->qualifications.at(0).name, "山田　太郎");  // through Shift_JIS and back
  // Cleaned up: nothing left in req/ or res/.
  EXPECT_TRUE(fs::is_empty(folder.path() / "req"));
  EXPECT_TRUE(fs::is_empty(folder.path() / "res"));

  auto lost = transport.confirm_by_number(query("01130012", "1003", "1003", "00", ""));
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->validity, QualificationValidity::Invalid);

  std::vector<gw::NumberQuery> batch = {query("06139992", "1001", "1001", "00", ""),
                                        query("06139992", "1006", "1006", "00", "")};
  auto b = transport.batch(batch);
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].validity, QualificationValidity::Valid);
  EXPECT_EQ((*b)[1].validity, QualificationValidity::NotFound);

  // The terminal's own card reader: a card placed on it shows up in face/.
  std::ofstream(folder.path() / "reader" / "1004").put('\n');
  auto face = transport.next_face_result(5000ms);
  ASSERT_TRUE(face) << face.error().message;
  EXPECT_EQ(face->validity, QualificationValidity::Valid);
  EXPECT_EQ(face->qualifications.at(0).copay->percent(), 20);
  EXPECT_EQ(transport.next_face_result(100ms).error().code, "gateway.timeout");

  // A terminal that has stopped: the deadline answers.
  terminal.stop();
  gw::FolderTransport quick({folder.path(), "1312345678", 300ms, 1000ms, gw::CharacterCode::Utf8});
  auto start = std::chrono::steady_clock::now();
  auto t = quick.confirm_by_number(query("06139992", "1001", "1001", "00", ""));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, "gateway.timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
  EXPECT_TRUE(fs::is_empty(folder.path() / "req"));  // the request was withdrawn
}

// The simulator as the terminal, in the published batch shapes: 10,000 search infos directly
// under the body, results as a .zip of OQSmuquc02res files whose units come shuffled, matched
// back by their echoed search info (国保 numbers echoed without their padding, full-width
// 記号・番号 as sent).
TEST_F(Gateway, FolderBatchOfTenThousandInTheTerminalsShapes) {
  madoguchi_test::TempDir folder("oqs-batch");
  ChildProcess terminal({kSim, "--folder", folder.path().string(), "--population",
                         population_.string(), "--batch-delay-ms", "100"},
                        {}, folder.path() / "terminal.log");
  auto people = nlohmann::json::parse(std::ifstream(population_)).at("people");
  std::vector<gw::NumberQuery> queries;
  std::vector<int> expected;
  std::vector<std::string> numbers;
  for (const auto& p : people) {
    if (queries.size() == 10000) break;
    queries.push_back(query(p.at("insurer_number"), p.value("symbol", ""), p.at("number"),
                            p.at("branch"), p.at("birth_date")));
    expected.push_back(p.value("validity", 1));
    numbers.push_back(madoguchi::InsuredNumber::parse(p.at("number").get<std::string>())->value());
  }
  ASSERT_EQ(queries.size(), 10000u);
  gw::FolderTransport transport(
      {folder.path(), "1312345678", 5000ms, 60000ms, gw::CharacterCode::ShiftJis});
  auto r = transport.batch(queries);
  ASSERT_TRUE(r) << r.error().code << " " << r.error().message << "\n" << terminal.log();
  ASSERT_EQ(r->size(), queries.size());
  std::map<QualificationValidity, int> seen;
  for (std::size_t i = 0; i < r->size(); ++i) {
    const auto& c = (*r)[i];
    EXPECT_EQ(static_cast<int>(c.validity), expected[i]) << i;
    // In the queries' order although the terminal shuffled them.
    if (!c.qualifications.empty()) {
      EXPECT_EQ(c.qualifications[0].identity->number.value(), numbers[i]);
    }
    ++seen[c.validity];
  }
  for (int v = 1; v <= 6; ++v) EXPECT_GT(seen[static_cast<QualificationValidity>(v)], 0) << v;
  EXPECT_TRUE(fs::is_empty(folder.path() / "req"));
  EXPECT_TRUE(fs::is_empty(folder.path() / "res"));  // the .zip was read and removed
  EXPECT_EQ(transport.rejected_files(), 0u);
}

gw::Response face_answer(const std::string& name, const std::string& when) {
  gw::Response r;
  r.header.process_execution_time = when;
  r.header.reference_classification = gw::ReferenceClassification::Card;
  r.header.segment_of_result = gw::SegmentOfResult::Normal;
  r.header.character_code = gw::CharacterCode::ShiftJis;
  gw::QualificationAnswer a;
  a.validity = QualificationValidity::Valid;
  gw::QualificationRecord rec;
  rec.insurer_number = "06139992";
  rec.insured_identification_number = "1001";
  rec.name = name;
  a.results = {rec};
  r.body = a;
  return r;
}

void put_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// face/: only OQSsiquc01res_face_*.xml, oldest by the time in the name (not by name), a file is
// removed only once parsed, a bad one is moved to error/ and counted, a file still being written
// is read again, and a folder that vanishes and comes back is survived.
TEST(FaceFolder, TakesResultsInTimeOrderAndPutsBadFilesAside) {
  madoguchi_test::TempDir root("oqs-face");
  gw::FolderTransport t({root.path(), "1312345678", 1000ms, 1000ms, gw::CharacterCode::ShiftJis});
  const fs::path face = root.path() / "face";
  put_file(face / "OQSsiquc01res_face_0001_20260401100000.xml",
           gw::write(face_answer("後の人", "20260401100000")));
  put_file(face / "OQSsiquc01res_face_0002_20260401090000.xml",
           gw::write(face_answer("先の人", "20260401090000")));
  put_file(face / "OQSsiquc01res_face_0003_20260401080000.xml", "<XmlMsg><broken");
  put_file(face / "notes.xml", "not ours");
  put_file(face / "OQSsiquc01res_face_0004_20260401070000.txt", "not ours either");

  auto first = t.next_face_result(2000ms);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->qualifications.at(0).name, "先の人");  // 09:00 before 10:00, code 0002 > 0001
  EXPECT_EQ(t.rejected_files(), 1u);                      // the 08:00 one was unreadable
  EXPECT_TRUE(fs::exists(root.path() / "error" / "OQSsiquc01res_face_0003_20260401080000.xml"));
  EXPECT_EQ(t.last_face_reference_classification(), 1);
  auto second = t.next_face_result(2000ms);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->qualifications.at(0).name, "後の人");
  EXPECT_EQ(t.next_face_result(100ms).error().code, "gateway.timeout");
  EXPECT_TRUE(fs::exists(face / "notes.xml"));  // other files are left alone
  EXPECT_TRUE(fs::exists(face / "OQSsiquc01res_face_0004_20260401070000.txt"));

  // Half a file (the reader still writing it) is not taken apart: it is read again.
  const std::string whole = gw::write(face_answer("書き途中", "20260401110000"));
  const fs::path slow = face / "OQSsiquc01res_face_0005_20260401110000.xml";
  put_file(slow, whole.substr(0, whole.size() / 2));
  auto writer = std::async(std::launch::async, [&] {
    // Finish the file while the transport waits between its reads.
    std::this_thread::sleep_for(30ms);
    put_file(slow, whole);
  });
  auto slow_read = t.next_face_result(2000ms);
  writer.get();
  ASSERT_TRUE(slow_read) << slow_read.error().message;
  EXPECT_EQ(slow_read->qualifications.at(0).name, "書き途中");
  EXPECT_EQ(t.rejected_files(), 1u);

  // The share goes away and comes back with a result on it.
  const fs::path away = root.path() / "face-away";
  fs::rename(face, away);
  EXPECT_EQ(t.next_face_result(300ms).error().code, "gateway.timeout");
  put_file(away / "OQSsiquc01res_face_0006_20260401120000.xml",
           gw::write(face_answer("戻った", "20260401120000")));
  auto waiting = std::async(std::launch::async, [&] { return t.next_face_result(5000ms); });
  std::this_thread::sleep_for(100ms);
  fs::rename(away, face);
  auto back = waiting.get();
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->qualifications.at(0).name, "戻った");
}

}  // namespace
