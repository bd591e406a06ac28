// madoguchictl as the counter uses it, against a running daemon (real PostgreSQL, the gateway
// simulator over mutual TLS): every daemon command and every exit code of docs/cli.md.
#include "ctl_support.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace madoguchi_test;
using cli_test::Ctl;
using cli_test::CtlRun;
using nlohmann::json;

namespace {

// Fixed card holder 1001 of the simulator (docs/gateway.md): insured, 本人, 3割.
const std::string kPerson1001 =
    "check number --insurer=06139992 --symbol=1001 --number=1001 --branch=00 "
    "--visit-date=2026-11-25";
// Fixed person 1003: lost the qualification (changed jobs).
const std::string kPerson1003 =
    "check number --insurer=01130012 --symbol=1003 --number=1003 --branch=00 "
    "--visit-date=2026-11-25";

std::string corpus(const std::string& name) {
  return (binary_dir() / "tests/documents/corpus" / name).string();
}

// One PostgreSQL, simulator and daemon for the suite: each test makes its own checks.
class CtlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = new TempPostgres;
    dir_ = new TempDir("cli");
    // A population fixed in time (the generated people depend on the reference date), dumped
    // so that the tests can pick people by their answer.
    sim_port_ = free_port();
    const auto certs = Daemon::dev_certs();
    population_ = dir_->path() / "population.json";
    sim_ = new ChildProcess(
        {(binary_dir() / "services/gateway-sim/madoguchi-gateway-sim").string(),
         "--port=" + std::to_string(sim_port_), "--cert=" + (certs / "gateway.crt").string(),
         "--key=" + (certs / "gateway.key").string(), "--ca=" + (certs / "ca.crt").string(),
         "--jpki-ca=" + (certs / "jpki-ca.crt").string(), "--size=200", "--today=20261125",
         "--dump-population=" + population_.string()},
        {}, dir_->path() / "gateway-sim.log");
    ASSERT_TRUE(wait_for_port(sim_port_, std::chrono::seconds(20))) << sim_->log();
    daemon_ = new Daemon(*pg_, *dir_, {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(sim_port_)});
    ASSERT_TRUE(daemon_->wait_ready(std::chrono::seconds(20))) << daemon_->log();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete sim_;
    delete dir_;
    delete pg_;
  }
  void SetUp() override {
    ASSERT_NE(daemon_, nullptr);
    ctl_ = std::make_unique<Ctl>(*dir_, daemon_->https_port());
  }

  CtlRun ctl(const std::string& args, const std::string& env = "", const std::string& in = "") {
    return (*ctl_)(args, env, in);
  }
  // The audit record behind a check id, read through the API.
  json record(const std::string& check_id) {
    auto a = daemon_->get_authorized("/v1/checks/" + check_id);
    EXPECT_EQ(a.status, 200) << a.body;
    return json::parse(a.body, nullptr, false);
  }
  // The first generated person the simulator answers with `validity`.
  static json person_with_validity(int validity) {
    const json all = json::parse(cli_test::slurp(population_));
    const json& people = all.is_array() ? all : all.value("people", json::array());
    for (const auto& p : people)
      if (p.value("validity", 0) == validity && p.value("card_serial", "").rfind("2", 0) == 0)
        return p;
    return json();
  }

  static inline TempPostgres* pg_ = nullptr;
  static inline TempDir* dir_ = nullptr;
  static inline ChildProcess* sim_ = nullptr;
  static inline Daemon* daemon_ = nullptr;
  static inline unsigned short sim_port_ = 0;
  static inline std::filesystem::path population_;
  std::unique_ptr<Ctl> ctl_;
};

}  // namespace

TEST_F(CtlTest, CheckNumberAcceptedExitsZeroAndIsAudited) {
  const CtlRun r = ctl(kPerson1001 + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json j = r.json();
  EXPECT_EQ(j["outcome"], "accepted");
  EXPECT_EQ(j["qualification"]["copay_percent"], 30);
  const json rec = record(j["check_id"].get<std::string>());
  EXPECT_EQ(rec["method"], "number");
  EXPECT_EQ(rec["identity"]["number"], "1001");
}

TEST_F(CtlTest, TextIsJapaneseByDefaultAndEnglishOnRequest) {
  const CtlRun ja = ctl(kPerson1001);
  ASSERT_EQ(ja.exit_code, 0) << ja.out << ja.err;
  EXPECT_NE(ja.out.find("結果: 受付可"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("窓口健康保険組合 (06139992)"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("負担割合: 3割"), std::string::npos) << ja.out;
  EXPECT_NE(ja.out.find("本人・家族: 本人"), std::string::npos) << ja.out;
  const CtlRun en = ctl(kPerson1001 + " --lang=en");
  ASSERT_EQ(en.exit_code, 0) << en.err;
  EXPECT_NE(en.out.find("Result: accepted"), std::string::npos) << en.out;
  EXPECT_NE(en.out.find("Co-payment: 30 %"), std::string::npos) << en.out;
  // The language from the environment, and the flag before the subcommand.
  EXPECT_NE(ctl(kPerson1001, "MADOGUCHI_LANG=en").out.find("Result:"), std::string::npos);
  EXPECT_NE(ctl("--lang en " + kPerson1001).out.find("Result:"), std::string::npos);
}

TEST_F(CtlTest, LostQualificationIsRefusedWithExitOne) {
  const CtlRun r = ctl(kPerson1003 + " --json");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.json()["outcome"], "refused");
  EXPECT_EQ(r.json()["reasons"][0]["code"], "qualification_lost");
}

TEST_F(CtlTest, SeveralMatchingQualificationsNeedMoreWithExitThree) {
  const json p = person_with_validity(5);
  ASSERT_TRUE(p.is_object()) << "no generated person answers 5";
  std::string args = "check number --insurer=" + p["insurer_number"].get<std::string>() +
                     " --number=" + p["number"].get<std::string>() + " --visit-date=2026-11-25";
  if (!p.value("symbol", "").empty()) args += " --symbol=" + p["symbol"].get<std::string>();
  const CtlRun r = ctl(args + " --json");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.json()["outcome"], "needs_more") << r.out;
}

TEST_F(CtlTest, InvalidIdentifierNeedsMoreAndKeepsItsAuditedCheckId) {
  const CtlRun r = ctl("check number --insurer=138157 --number=1 --json");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const json j = r.json();
  EXPECT_EQ(j["code"], "insurer_number.check_digit");
  EXPECT_EQ(j["status"], 422);
  ASSERT_TRUE(j["check_id"].is_string()) << r.out;
  EXPECT_EQ(record(j["check_id"])["reasons"][0], "insurer_number.check_digit");
  const CtlRun text = ctl("check number --insurer=138157 --number=1");
  EXPECT_EQ(text.exit_code, 3);
  EXPECT_NE(text.err.find("insurer_number.check_digit"), std::string::npos) << text.err;
}

TEST_F(CtlTest, DocumentIsUploadedAsMultipartAndTheAuditKeepsTheFilesDigest) {
  const std::string pdf = corpus("myna_00_kumiai_table.pdf");
  const CtlRun r = ctl("check document " + pdf + " --context=patient --json");
  // A Mynaportal PDF alone at the counter: refused, with what to bring.
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const json j = r.json();
  EXPECT_EQ(j["outcome"], "refused");
  EXPECT_EQ(j["document"]["document_type"], "mynaportal_qualification");
  const auto sha = run_command("sha256sum " + pdf + " | cut -c1-64").output.substr(0, 64);
  EXPECT_EQ(record(j["check_id"])["document_sha256"], sha);  // the document's, not the envelope's

  // Several files: one check each, the highest exit code.
  const CtlRun two = ctl("check document " + pdf + " " + corpus("bad_truncated.pdf") +
                         " --context=patient --json");
  EXPECT_EQ(two.exit_code, 3) << two.out << two.err;  // the unreadable one needs another paper
  const json results = two.json()["results"];
  ASSERT_EQ(results.size(), 2u) << two.out;
  EXPECT_EQ(results[0]["filename"], "myna_00_kumiai_table.pdf");
  EXPECT_EQ(results[0]["outcome"], "refused");
  EXPECT_EQ(results[1]["status"], 422);
  EXPECT_EQ(results[1]["code"], "document.truncated");
  EXPECT_NE(results[0]["check_id"], j["check_id"]);

  const CtlRun bad = ctl("check document " + pdf + " --context=nowhere");
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;  // 400 api.bad_context is a usage error
  EXPECT_EQ(ctl("check document /no/such.pdf --context=patient").exit_code, 2);
}

TEST_F(CtlTest, ChecksListShowsTodaysChecksAndFiltersByOutcome) {
  ASSERT_EQ(ctl(kPerson1001).exit_code, 0);
  ASSERT_EQ(ctl(kPerson1003).exit_code, 1);
  const CtlRun all = ctl("checks list --today --json");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const json items = all.json()["items"];
  ASSERT_GE(items.size(), 2u);
  std::set<std::string> outcomes;
  for (const auto& i : items) outcomes.insert(i["outcome"].get<std::string>());
  EXPECT_TRUE(outcomes.count("accepted") && outcomes.count("refused"));

  const CtlRun refused = ctl("checks list --today --outcome=refused --json");
  ASSERT_EQ(refused.exit_code, 0) << refused.err;
  const json refused_items = refused.json()["items"];
  ASSERT_FALSE(refused_items.empty());
  for (const auto& i : refused_items) EXPECT_EQ(i["outcome"], "refused");

  // Text: one line per check, the insured number masked.
  const CtlRun text = ctl("checks list --today --limit=500");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("06139992 1***"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find(" 1001 "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("受付不可"), std::string::npos);

  EXPECT_EQ(ctl("checks list --outcome=maybe").exit_code, 2);  // 400 from the daemon
  EXPECT_EQ(ctl("checks list --limit=0").exit_code, 2);        // refused by the parser
}

TEST_F(CtlTest, UnreachableDaemonIsUnavailable) {
  const CtlRun r =
      ctl("checks list --json", "MADOGUCHI_URL=https://127.0.0.1:" + std::to_string(free_port()));
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_EQ(r.json()["error"]["code"], "ctl.connect");
  // A certificate that does not chain to the given CA is never talked to.
  const CtlRun tls = ctl("checks list", "MADOGUCHI_CA_FILE=/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(tls.exit_code, 4) << tls.err;
  EXPECT_NE(tls.err.find("ctl.tls"), std::string::npos) << tls.err;
  // The host is checked against the certificate: its DNS name works as well as its address.
  const CtlRun host = ctl(
      "checks list", "MADOGUCHI_URL=https://localhost:" + std::to_string(daemon_->https_port()));
  EXPECT_EQ(host.exit_code, 0) << host.err;
}

TEST_F(CtlTest, GatewayDownIsUnavailableAndDocumentsWaitInTheUnconfirmedQueue) {
  // A second daemon whose gateway does not answer. The corpus is dated: this daemon lets the
  // test choose the visit date, which a real desk cannot.
  TempPostgres pg;
  TempDir dir("cli-nogw");
  Daemon d(pg, dir,
           {"MADOGUCHI_GATEWAY_PORT=" + std::to_string(free_port()),
            "MADOGUCHI_GATEWAY_DEADLINE_MS=500", "MADOGUCHI_API_ALLOW_VISIT_DATE=true"});
  ASSERT_TRUE(d.wait_ready(std::chrono::seconds(20))) << d.log();
  const std::string url = "MADOGUCHI_URL=https://127.0.0.1:" + std::to_string(d.https_port());
  const CtlRun r = ctl(kPerson1001 + " --json", url);
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_EQ(r.json()["reasons"][0]["code"], "gateway_unavailable") << r.out;

  // A notice with an unreadable card is accepted unconfirmed (exit 0) and queued.
  const CtlRun doc =
      ctl("check document " + corpus("notice_01_kyokai.pdf") +
              " --context=card_unreadable --reader-fault --visit-date=2026-05-01 --json",
          url);
  ASSERT_EQ(doc.exit_code, 0) << doc.out << doc.err;
  EXPECT_EQ(doc.json()["outcome"], "accepted_unconfirmed");
  const std::string id = doc.json()["check_id"];
  const CtlRun queue = ctl("unconfirmed list --json", url);
  ASSERT_EQ(queue.exit_code, 0) << queue.out << queue.err;
  bool queued = false;
  const json entries = queue.json()["items"];
  for (const auto& e : entries) queued |= e["check_id"] == id;
  EXPECT_TRUE(queued) << id << " not in " << queue.out;
  const CtlRun text = ctl("unconfirmed list", url);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("再確認待ち"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(id), std::string::npos) << text.out;
  EXPECT_EQ(ctl("unconfirmed list --state=nonsense", url).exit_code, 2) << text.out;
}

TEST_F(CtlTest, WrongTokenIsDenied) {
  const auto wrong = dir_->path() / "wrong-token";
  std::ofstream(wrong) << "not-the-token\n";
  const CtlRun r = ctl("checks list --json", "MADOGUCHI_TOKEN_FILE=" + wrong.string());
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_EQ(r.json()["code"], "auth.invalid_token");
  // The token from the environment works like the file.
  EXPECT_EQ(ctl("checks list", std::string("-u MADOGUCHI_TOKEN_FILE MADOGUCHI_TOKEN=") + kToken)
                .exit_code,
            0);
}

TEST_F(CtlTest, UsageErrorsExitTwo) {
  EXPECT_EQ(ctl("").exit_code, 2);
  EXPECT_EQ(ctl("no-such-command").exit_code, 2);
  EXPECT_EQ(ctl("check").exit_code, 2);
  EXPECT_EQ(ctl("check number --number=1").exit_code, 2);  // --insurer missing
  EXPECT_EQ(ctl(kPerson1001 + " --lang=fr").exit_code, 2);
  EXPECT_EQ(ctl("check number --insurer=06139992 --number=1 --birth-date=1985-02-30").exit_code, 2);
  // No token anywhere: a usage error, and the token is never an option.
  const CtlRun none = ctl("checks list", "-u MADOGUCHI_TOKEN_FILE");
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("ctl.token"), std::string::npos) << none.err;
  EXPECT_EQ(ctl(std::string("checks list --token=") + kToken, "-u MADOGUCHI_TOKEN_FILE").exit_code,
            2);
  EXPECT_EQ(ctl("checks list", "MADOGUCHI_URL=http://127.0.0.1:1").exit_code, 2);  // HTTPS only
}

TEST_F(CtlTest, ConfigFileGivesUrlCaAndTokenFile) {
  const auto conf = dir_->path() / "ctl.json";
  std::ofstream(conf) << json{
      {"url", "https://127.0.0.1:" + std::to_string(daemon_->https_port())},
      {"ca_file", (Daemon::dev_certs() / "ca.crt").string()},
      {"token_file", ctl_->token_file().string()},
      {"lang", "en"}}.dump();
  const std::string clean = "-u MADOGUCHI_URL -u MADOGUCHI_CA_FILE -u MADOGUCHI_TOKEN_FILE";
  const CtlRun r = ctl("--config=" + conf.string() + " " + kPerson1001, clean);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Result: accepted"), std::string::npos) << r.out;
  // The default place: $HOME/.config/madoguchi/ctl.json.
  std::filesystem::create_directories(dir_->path() / ".config/madoguchi");
  std::filesystem::copy_file(conf, dir_->path() / ".config/madoguchi/ctl.json",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(ctl("checks list", clean).exit_code, 0);
  std::filesystem::remove(dir_->path() / ".config/madoguchi/ctl.json");
  // A typo in the file is an error, not a silent default.
  std::ofstream(conf) << R"({"urll": "https://example.invalid"})";
  const CtlRun typo = ctl("--config=" + conf.string() + " checks list");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown key 'urll'"), std::string::npos) << typo.err;
}

TEST_F(CtlTest, HelpAndVersionOnEveryCommand) {
  for (const char* cmd :
       {"", "check", "check card", "check number", "check document", "checks", "checks list",
        "unconfirmed list", "document inspect", "audit migrate", "terminal"}) {
    const CtlRun r = ctl(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd << r.err;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << r.out;
  }
  EXPECT_NE(ctl("check number --help").out.find("--birth-date"), std::string::npos);
  const CtlRun v = ctl("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("madoguchictl "), std::string::npos) << v.out;
  for (const char* tool :
       {"services/vcard/madoguchi-vcard", "services/gateway-sim/madoguchi-gateway-sim"}) {
    const auto bin = (binary_dir() / tool).string();
    EXPECT_EQ(run_command(bin + " --version").exit_code, 0) << tool;
    EXPECT_EQ(run_command(bin + " --help").exit_code, 0) << tool;
    EXPECT_EQ(run_command(bin + " --no-such-option 2>/dev/null").exit_code, 2) << tool;
  }
  EXPECT_EQ(
      run_command((binary_dir() / "services/vcard/madoguchi-vcard").string() + " issue --help")
          .exit_code,
      0);
}

TEST_F(CtlTest, TerminalEnrolListAndRevoke) {
  const std::string db = " --conninfo='" + pg_->conninfo() + "'";
  const CtlRun enrolled = ctl("terminal enrol desk-9 --json" + db);
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.out << enrolled.err;
  const std::string code = enrolled.json()["code"].get<std::string>();
  EXPECT_EQ(enrolled.json()["terminal_id"], "desk-9");
  ASSERT_FALSE(code.empty());
  // The code is real: the daemon trades it, once, for a desk session of that terminal.
  auto signed_in = daemon_->post("/v1/desk/enrol", {{"code", code}});
  EXPECT_EQ(signed_in.status, 200) << signed_in.body;
  EXPECT_EQ(daemon_->post("/v1/desk/enrol", {{"code", code}}).status, 401);

  const CtlRun listed = ctl("terminal list --json" + db);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  bool found = false;
  for (const auto& t : listed.json()) {
    if (t["terminal_id"] == "desk-9") {
      found = true;
      EXPECT_TRUE(t["revoked_at"].is_null());
      EXPECT_EQ(t["sessions"], 1);
    }
  }
  EXPECT_TRUE(found) << listed.out;
  EXPECT_NE(ctl("terminal list --lang=en" + db).out.find("desk-9"), std::string::npos);

  const CtlRun revoked = ctl("terminal revoke desk-9 --json" + db);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  for (const auto& t : ctl("terminal list --json" + db).json()) {
    if (t["terminal_id"] == "desk-9") {
      EXPECT_FALSE(t["revoked_at"].is_null());
    }
  }

  // A bad terminal id is a usage error; a password on the command line is refused.
  EXPECT_EQ(ctl("terminal enrol 'Desk 9'" + db).exit_code, 2);
  EXPECT_NE(ctl("terminal list --conninfo='host=127.0.0.1 password=x'").exit_code, 0);
  // No database: unavailable.
  EXPECT_EQ(ctl("terminal list --conninfo='host=127.0.0.1 port=" + std::to_string(free_port()) +
                " connect_timeout=2'")
                .exit_code,
            4);
}
