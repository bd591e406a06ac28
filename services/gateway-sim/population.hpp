// The simulator's insured population: synthetic, generated from a seed, loadable from JSON.
#pragma once

#include <madoguchi/domain/qualification.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace madoguchi::sim {

struct Person {
  std::string card_serial;  // JPKI certificate serial (decimal) of the person's card; may be empty
  std::string insurer_number;  // 6 or 8 digits, with check digit
  std::string insurer_name;
  std::string symbol;      // 記号
  std::string number;      // 番号
  std::string branch;      // 枝番
  std::string birth_date;  // yyyyMMdd
  std::string name, name_kana, insured_name;
  std::string sex = "1";           // 1 male, 2 female
  std::string relationship = "1";  // 1 本人, 2 家族
  int validity = 1;                // QualificationValidity; 4 = on file for tests but "not found"
  std::string card_classification = "01";
  std::string copay;  // "030"
  std::string qualification_date, disqualification_date, reason_of_loss;
  std::string card_valid_date, card_expiration_date;
  std::string preschool;                                  // "1" for preschool children
  std::string elderly_start, elderly_end, elderly_ratio;  // 高齢受給者証 (70–74)
  std::string address, post_number;
  std::string name_of_other, name_of_other_kana, sex2;  // 通称名
  // 限度額適用認定証 (the simulator does not model the consent for it: always answered)
  std::string limit_classification, limit_flag, limit_date, limit_start, limit_end, limit_long_term;
  // 公費 / 医療扶助 and its 医療券
  std::string public_payer, public_recipient, public_start, public_end;
  std::string ticket_type, ticket_start, ticket_end, ticket_institution;
  // consents (0/1) to share 特定健診, 薬剤, 診療, 手術 information, and when they were given
  std::string consent_checkups, consent_pharmacists, consent_diagnosis, consent_operations,
      consent_time;
  std::string prescription_issue;  // 1 電子, 2 紙
};

void to_json(nlohmann::json& j, const Person& p);
void from_json(const nlohmann::json& j, Person& p);

class Population {
 public:
  // The fixed card holders (serials 1001–1008, docs/gateway.md) and `size` people more.
  static Population generate(std::uint64_t seed, std::size_t size, const Date& today);
  static Population load(const std::string& json_file);  // throws std::runtime_error
  void save(const std::string& json_file) const;

  explicit Population(std::vector<Person> people);

  // Everyone on file under insurer + 記号 + 番号 (+ 枝番 when given), normalised.
  std::vector<const Person*> find(const std::string& insurer, const std::string& symbol,
                                  const std::string& number, const std::string& branch) const;
  const Person* by_card_serial(const std::string& serial) const;
  const std::vector<Person>& people() const { return people_; }

 private:
  std::vector<Person> people_;
  std::multimap<std::string, std::size_t> by_identity_;  // insurer|symbol|number
  std::map<std::string, std::size_t> by_serial_;
};

std::string normalise_key(const std::string& insurer, const std::string& symbol,
                          const std::string& number);

}  // namespace madoguchi::sim
