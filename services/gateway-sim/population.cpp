#include "population.hpp"

#include <madoguchi/domain/identifiers.hpp>
#include <madoguchi/domain/text.hpp>

#include <fstream>
#include <random>
#include <stdexcept>

namespace madoguchi::sim {

#define MADOGUCHI_PERSON_FIELDS(X)                                                              \
  X(card_serial)                                                                                \
  X(insurer_number)                                                                             \
  X(insurer_name)                                                                               \
  X(symbol) X(number) X(branch) X(birth_date) X(name) X(name_kana) X(insured_name) X(sex)       \
      X(relationship) X(card_classification) X(copay) X(qualification_date)                     \
          X(disqualification_date) X(reason_of_loss) X(card_valid_date) X(card_expiration_date) \
              X(preschool) X(elderly_start) X(elderly_end) X(elderly_ratio) X(address)          \
                  X(post_number) X(name_of_other) X(name_of_other_kana) X(sex2)                 \
                      X(limit_classification) X(limit_flag) X(limit_date) X(limit_start)        \
                          X(limit_end) X(limit_long_term) X(public_payer) X(public_recipient)   \
                              X(public_start) X(public_end) X(ticket_type) X(ticket_start)      \
                                  X(ticket_end) X(ticket_institution) X(consent_checkups)       \
                                      X(consent_pharmacists) X(consent_diagnosis)               \
                                          X(consent_operations) X(consent_time)                 \
                                              X(prescription_issue)

void to_json(nlohmann::json& j, const Person& p) {
  j = nlohmann::json::object();
#define X(f) \
  if (!p.f.empty()) j[#f] = p.f;
  MADOGUCHI_PERSON_FIELDS(X)
#undef X
  j["validity"] = p.validity;
}

void from_json(const nlohmann::json& j, Person& p) {
#define X(f) p.f = j.value(#f, std::string());
  MADOGUCHI_PERSON_FIELDS(X)
#undef X
  p.validity = j.value("validity", 1);
  if (p.sex.empty()) p.sex = "1";
  if (p.relationship.empty()) p.relationship = "1";
  if (p.card_classification.empty()) p.card_classification = "01";
}

std::string normalise_key(const std::string& insurer, const std::string& symbol,
                          const std::string& number) {
  return text::normalise_identifier(insurer) + "|" + text::normalise_identifier(symbol) + "|" +
         text::normalise_identifier(number);
}

Population::Population(std::vector<Person> people) : people_(std::move(people)) {
  for (std::size_t i = 0; i < people_.size(); ++i) {
    const auto& p = people_[i];
    by_identity_.emplace(normalise_key(p.insurer_number, p.symbol, p.number), i);
    if (!p.card_serial.empty()) by_serial_[p.card_serial] = i;
  }
}

std::vector<const Person*> Population::find(const std::string& insurer, const std::string& symbol,
                                            const std::string& number,
                                            const std::string& branch) const {
  std::vector<const Person*> out;
  auto b = text::normalise_identifier(branch);
  auto [lo, hi] = by_identity_.equal_range(normalise_key(insurer, symbol, number));
  for (auto it = lo; it != hi; ++it) {
    const auto& p = people_[it->second];
    if (b.empty() || p.branch == b) out.push_back(&p);
  }
  return out;
}

const Person* Population::by_card_serial(const std::string& serial) const {
  auto it = by_serial_.find(serial);
  return it == by_serial_.end() ? nullptr : &people_[it->second];
}

Population Population::load(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open population file " + file);
  auto j = nlohmann::json::parse(in);
  const auto& list = j.is_object() ? j.at("people") : j;
  return Population(list.get<std::vector<Person>>());
}

void Population::save(const std::string& file) const {
  std::ofstream out(file);
  out << nlohmann::json{{"people", people_}}.dump(1) << "\n";
  if (!out) throw std::runtime_error("cannot write population file " + file);
}

namespace {

std::string with_check_digit(const std::string& body) {
  return body + std::to_string(InsurerNumber::check_digit(body));
}

std::string ymd(int y, unsigned m, unsigned d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", y, m, d);
  return buf;
}

// The fixed card holders the virtual card (madoguchi-vcard) and the tests rely on.
std::vector<Person> fixed_people() {
  std::vector<Person> v;
  Person p;
  p.insurer_number = "06139992";  // 組合管掌健康保険 (法別 06), 東京
  p.insurer_name = "窓口健康保険組合";
  p.address = "東京都千代田区霞が関１－２－２";
  p.post_number = "100-8916";
  p.insured_name = "山田　太郎";
  p.qualification_date = "20150401";
  p.card_valid_date = "20240801";

  Person a = p;  // 1001: valid, 本人, 3割
  a.card_serial = "1001";
  a.symbol = "1001";
  a.number = "1001";
  a.branch = "00";
  a.birth_date = "19850412";
  a.name = "山田　太郎";
  a.name_kana = "ヤマダ　タロウ";
  a.copay = "030";
  v.push_back(a);

  Person b = p;  // 1002: valid, 家族, 2割 (preschool child)
  b.card_serial = "1002";
  b.symbol = "1001";
  b.number = "1001";
  b.branch = "02";
  b.birth_date = "20220510";
  b.name = "山田　花";
  b.name_kana = "ヤマダ　ハナ";
  b.sex = "2";
  b.relationship = "2";
  b.copay = "020";
  b.preschool = "1";
  b.qualification_date = "20220510";
  v.push_back(b);

  Person c;  // 1003: lost qualification (changed jobs: other insurance)
  c.card_serial = "1003";
  c.insurer_number = "01130012";  // 全国健康保険協会 (協会けんぽ) 東京支部
  c.insurer_name = "全国健康保険協会東京支部";
  c.symbol = "1003";
  c.number = "1003";
  c.branch = "00";
  c.birth_date = "19900101";
  c.name = "佐藤　一郎";
  c.name_kana = "サトウ　イチロウ";
  c.insured_name = c.name;
  c.validity = 2;
  c.copay = "030";
  c.qualification_date = "20120401";
  c.disqualification_date = "20250930";
  c.reason_of_loss = "03";
  v.push_back(c);

  Person d;  // 1004: 70–74, 2割, 高齢受給者証
  d.card_serial = "1004";
  d.insurer_number = "138156";  // 国民健康保険 (6 digits)
  d.insurer_name = "窓口市国民健康保険";
  d.symbol = "1004";
  d.number = "1004";
  d.branch = "00";
  d.birth_date = "19530815";
  d.name = "鈴木　和子";
  d.name_kana = "スズキ　カズコ";
  d.insured_name = d.name;
  d.sex = "2";
  d.copay = "020";
  d.card_classification = "03";
  d.qualification_date = "20130401";
  d.elderly_start = "20250801";
  d.elderly_end = "20270731";
  d.elderly_ratio = "020";
  v.push_back(d);

  Person e;  // 1005: 後期高齢者, 1割
  e.card_serial = "1005";
  e.insurer_number = "39131016";  // 後期高齢者医療広域連合 (法別 39), 東京
  e.insurer_name = "東京都後期高齢者医療広域連合";
  e.symbol = "";
  e.number = "1005";
  e.branch = "00";
  e.birth_date = "19440302";
  e.name = "高橋　茂";
  e.name_kana = "タカハシ　シゲル";
  e.insured_name = e.name;
  e.copay = "010";
  e.qualification_date = "20190302";
  e.card_valid_date = "20250801";
  e.card_expiration_date = "20270731";
  v.push_back(e);

  Person f = p;  // 1006: on file only so that its serial is documented: answers "not found"
  f.card_serial = "1006";
  f.symbol = "1006";
  f.number = "1006";
  f.branch = "00";
  f.birth_date = "19991231";
  f.name = "伊藤　翼";
  f.name_kana = "イトウ　ツバサ";
  f.validity = 4;
  v.push_back(f);

  Person g;  // 1007: 医療扶助 (medical aid): valid but not registered (6), card class A1
  g.card_serial = "1007";
  g.insurer_number = "12136016";  // 法別 12 (生活保護), 公費負担者番号 as the insurer field
  g.insurer_name = "窓口市福祉事務所";
  g.symbol = "";
  g.number = "7001";
  g.branch = "00";
  g.birth_date = "19700707";
  g.name = "中村　誠";
  g.name_kana = "ナカムラ　マコト";
  g.insured_name = g.name;
  g.validity = 6;
  g.card_classification = "A1";
  g.qualification_date = "20240401";
  g.public_payer = "12136016";
  g.public_recipient = "1234566";
  g.public_start = "20251101";
  g.public_end = "20251130";
  g.ticket_type = "1";
  g.ticket_start = "20251101";
  g.ticket_end = "20251130";
  g.ticket_institution = "窓口クリニック";
  v.push_back(g);

  Person h;  // 1008: 国保 (6 digits) with full-width 記号・番号, 通称名, 限度額 and consents
  h.card_serial = "1008";
  h.insurer_number = "138156";
  h.insurer_name = "窓口市国民健康保険";
  h.symbol = "医国１２３";
  h.number = "０１２３‐００１";
  h.branch = "00";
  h.birth_date = "19800808";
  h.name = "ＬＥＥ　ＭＩＮ";
  h.name_kana = "リー　ミン";
  h.name_of_other = "李　敏";
  h.name_of_other_kana = "イ　ミン";
  h.sex = "2";
  h.sex2 = "2";
  h.insured_name = h.name;
  h.copay = "030";
  h.card_classification = "03";
  h.qualification_date = "20180401";
  h.limit_classification = "01";
  h.limit_flag = "A03";
  h.limit_date = "20250401";
  h.limit_start = "20250401";
  h.limit_end = "20260731";
  h.limit_long_term = "20250901";
  h.consent_checkups = "1";
  h.consent_pharmacists = "1";
  h.consent_diagnosis = "0";
  h.consent_operations = "1";
  h.consent_time = "20251020093000";
  h.prescription_issue = "1";
  v.push_back(h);
  return v;
}

struct Insurer {
  std::string number, name;
  bool elderly_only;
};

}  // namespace

Population Population::generate(std::uint64_t seed, std::size_t size, const Date& today) {
  std::vector<Person> people = fixed_people();
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::vector<Insurer> insurers = {
      {with_check_digit("0113001"), "全国健康保険協会東京支部", false},
      {with_check_digit("0127001"), "全国健康保険協会大阪支部", false},
      {with_check_digit("0613999"), "窓口健康保険組合", false},
      {with_check_digit("0623001"), "近畿電機健康保険組合", false},
      {with_check_digit("3113001"), "国家公務員共済組合", false},
      {with_check_digit("34130"), "窓口市国民健康保険", false},  // 6-digit 国保
      {with_check_digit("3913101"), "東京都後期高齢者医療広域連合", true},
      {with_check_digit("3927101"), "大阪府後期高齢者医療広域連合", true},
  };
  const char* family[] = {"田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山口"};
  const char* family_kana[] = {"タナカ",   "イトウ", "ワタナベ", "ナカムラ",
                               "コバヤシ", "カトウ", "ヨシダ",   "ヤマグチ"};
  const char* given[] = {"健", "美咲", "翔", "陽子", "大輔", "さくら", "誠", "恵"};
  const char* given_kana[] = {"ケン",     "ミサキ", "ショウ", "ヨウコ",
                              "ダイスケ", "サクラ", "マコト", "メグミ"};
  const std::string elderly_end = ymd(today.month() >= 8 ? today.year() + 1 : today.year(), 7, 31);
  const std::string elderly_start = ymd(today.month() >= 8 ? today.year() : today.year() - 1, 8, 1);

  for (std::size_t i = 0; i < size; ++i) {
    Person p;
    // Ages 0–95; a third of the people are 70+, so elderly cases are common enough to test.
    int age = rng() % 3 == 0 ? 70 + static_cast<int>(pick(26)) : static_cast<int>(pick(70));
    auto birth = today.add_days(-(age * 365 + static_cast<int>(pick(365)) + age / 4));
    p.birth_date = birth.compact();
    age = birth.age_on(today);
    bool late_elderly = age >= 75;  // 後期高齢者
    const Insurer& ins = late_elderly ? insurers[6 + pick(2)] : insurers[pick(6)];
    p.insurer_number = ins.number;
    p.insurer_name = ins.name;
    p.symbol = late_elderly ? "" : std::to_string(1000 + pick(9000));
    p.number = std::to_string(100000 + i);  // unique per person: the batch test relies on it
    p.relationship = (!late_elderly && age < 20) || pick(4) == 0 ? "2" : "1";
    if (late_elderly) p.relationship = "1";
    p.branch = p.relationship == "1" ? "00" : "0" + std::to_string(1 + pick(5));
    std::size_t f = pick(8), g = pick(8);
    p.name = std::string(family[f]) + "　" + given[g];
    p.name_kana = std::string(family_kana[f]) + "　" + given_kana[g];
    p.insured_name = p.name;
    p.sex = g % 2 == 0 ? "1" : "2";
    p.card_serial = std::to_string(2000000 + i);
    p.qualification_date = today.add_months(-static_cast<int>(1 + pick(120))).compact();
    p.card_valid_date = p.qualification_date;
    p.address =
        "東京都窓口区本町" + std::to_string(1 + pick(9)) + "－" + std::to_string(1 + pick(30));
    p.post_number = "100-" + std::to_string(1000 + pick(9000));
    if (late_elderly) {
      p.copay = pick(10) < 7 ? "010" : (pick(2) ? "020" : "030");
      p.card_expiration_date = elderly_end;
    } else if (age >= 70) {
      p.copay = pick(10) < 8 ? "020" : "030";
      p.card_classification = "03";
      p.elderly_start = elderly_start;
      p.elderly_end = elderly_end;
      p.elderly_ratio = p.copay;
    } else if (age < 6) {
      p.copay = "020";
      p.preschool = "1";
    } else {
      p.copay = "030";
    }
    // Every QualificationValidity occurs: mostly valid, some lost, some superseded, a few
    // matching several records, and some on file but not found.
    auto roll = pick(100);
    if (roll < 80) {
      p.validity = 1;
    } else if (roll < 88) {
      p.validity = 2;
      p.disqualification_date = today.add_days(-static_cast<int>(1 + pick(300))).compact();
      const char* reasons[] = {"01", "02", "03", "99"};
      p.reason_of_loss = reasons[pick(4)];
    } else if (roll < 94) {
      p.validity = 3;
      p.disqualification_date = today.add_days(-static_cast<int>(1 + pick(300))).compact();
      p.reason_of_loss = "03";
    } else if (roll < 97) {
      p.validity = 5;
    } else {
      p.validity = 4;
    }
    people.push_back(std::move(p));
  }
  return Population(std::move(people));
}

}  // namespace madoguchi::sim
