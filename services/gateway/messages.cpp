// XmlMsg reading and writing with pugixml; Shift_JIS through glibc iconv.
#include <madoguchi/gateway/messages.hpp>

#include "names.hpp"

#include <madoguchi/domain/text.hpp>

#include <openssl/evp.h>
#include <pugixml.hpp>

#include <iconv.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace madoguchi::gateway {
namespace n = names;
namespace {

// Thrown inside this file only; the readers turn it into a Result.
struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------- encodings
Result<std::string> convert(std::string_view in, const char* to, const char* from) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1))
    return make_error("gateway.encoding",
                      std::string("iconv cannot convert ") + from + " to " + to);
  std::string out;
  out.resize(in.size() * 2 + 16);
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  size_t done = 0;
  while (true) {
    char* dst = out.data() + done;
    size_t dst_left = out.size() - done;
    size_t rc = iconv(cd, src_left ? &src : nullptr, &src_left, &dst, &dst_left);
    done = out.size() - dst_left;
    if (rc != static_cast<size_t>(-1) && src_left == 0) {
      // Flush the shift state (none for these encodings, but it costs nothing).
      dst = out.data() + done;
      dst_left = out.size() - done;
      iconv(cd, nullptr, nullptr, &dst, &dst_left);
      done = out.size() - dst_left;
      break;
    }
    if (rc == static_cast<size_t>(-1) && errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    iconv_close(cd);
    return make_error("gateway.encoding", std::string("bytes not valid ") + from +
                                              " or not representable in " + to + " at offset " +
                                              std::to_string(in.size() - src_left));
  }
  iconv_close(cd);
  out.resize(done);
  return Result<std::string>(boost::system::in_place_value, std::move(out));
}

// ---------------------------------------------------------------- writing helpers
void put(pugi::xml_node parent, const char* name, const std::string& value) {
  if (!value.empty()) parent.append_child(name).text().set(value.c_str());
}
template <class E>
void put_enum(pugi::xml_node parent, const char* name, const std::optional<E>& value) {
  if (value) parent.append_child(name).text().set(static_cast<int>(*value));
}
void put_count(pugi::xml_node parent, const char* name, const std::optional<long>& value) {
  if (value) parent.append_child(name).text().set(std::to_string(*value).c_str());
}

void write_header(pugi::xml_node root, const MessageHeader& h) {
  auto x = root.append_child(n::kMessageHeader);
  put(x, n::kProcessExecutionTime, h.process_execution_time);
  put(x, n::kQualificationConfirmationDate, h.qualification_confirmation_date);
  put(x, n::kMedicalInstitutionCode, h.medical_institution_code);
  put(x, n::kArbitraryFileIdentifier, h.arbitrary_file_identifier);
  put_enum(x, n::kReferenceClassification, h.reference_classification);
  put(x, n::kReceptionNumber, h.reception_number);
  put_enum(x, n::kSegmentOfResult, h.segment_of_result);
  put(x, n::kErrorCode, h.error_code);
  put(x, n::kErrorMessage, h.error_message);
  put_count(x, n::kNumberOfProcessingResult, h.number_of_processing_result);
  put_count(x, n::kNumberOfNormalProcessing, h.number_of_normal_processing);
  put_count(x, n::kNumberOfError, h.number_of_error);
  x.append_child(n::kCharacterCodeIdentifier).text().set(static_cast<int>(h.character_code));
}

void write_search_info(pugi::xml_node parent, const SearchInfo& s) {
  auto x = parent.append_child(n::kQualificationConfirmSearchInfo);
  put(x, n::kInsurerNumber, s.insurer_number);
  put(x, n::kInsuredCardSymbol, s.insured_card_symbol);
  put(x, n::kInsuredIdentificationNumber, s.insured_identification_number);
  put(x, n::kInsuredBranchNumber, s.insured_branch_number);
  put(x, n::kBirthdate, s.birthdate);
  x.append_child(n::kLimitApplicationCertificateRelatedConsFlg)
      .text()
      .set(s.limit_application_certificate ? "1" : "0");
}

struct ConsentName {
  const char* flag;
  const char* time;
  Consent QualificationRecord::*member;
};
constexpr ConsentName kConsents[] = {
    {n::kSpecificHealthCheckupsInfoConsFlg, n::kSpecificHealthCheckupsInfoConsTime,
     &QualificationRecord::specific_health_checkups},
    {n::kPharmacistsInfoConsFlg, n::kPharmacistsInfoConsTime, &QualificationRecord::pharmacists},
    {n::kDiagnosisInfoConsFlg, n::kDiagnosisInfoConsTime, &QualificationRecord::diagnosis},
    {n::kOperationInfoConsFlg, n::kOperationInfoConsTime, &QualificationRecord::operations}};

void write_record(pugi::xml_node parent, const QualificationRecord& r) {
  auto x = parent.append_child(n::kResultOfQualificationConfirmation);
  put(x, n::kInsuredCardClassification, r.insured_card_classification);
  put(x, n::kInsurerNumber, r.insurer_number);
  put(x, n::kInsuredCardSymbol, r.insured_card_symbol);
  put(x, n::kInsuredIdentificationNumber, r.insured_identification_number);
  put(x, n::kInsuredBranchNumber, r.insured_branch_number);
  put(x, n::kPersonalFamilyClassification, r.personal_family_classification);
  put(x, n::kInsuredName, r.insured_name);
  put(x, n::kName, r.name);
  put(x, n::kNameOfOther, r.name_of_other);
  put(x, n::kNameKana, r.name_kana);
  put(x, n::kNameOfOtherKana, r.name_of_other_kana);
  put(x, n::kSex1, r.sex);
  put(x, n::kSex2, r.sex2);
  put(x, n::kBirthdate, r.birthdate);
  put(x, n::kAddress, r.address);
  put(x, n::kPostNumber, r.post_number);
  put(x, n::kQualificationDate, r.qualification_date);
  put(x, n::kDisqualificationDate, r.disqualification_date);
  put(x, n::kInsuredCertificateIssuanceDate, r.insured_certificate_issuance_date);
  put(x, n::kInsuredCardValidDate, r.insured_card_valid_date);
  put(x, n::kInsuredCardExpirationDate, r.insured_card_expiration_date);
  put(x, n::kInsuredPartialContributionRatio, r.insured_partial_contribution_ratio);
  put(x, n::kPreschoolClassification, r.preschool_classification);
  put(x, n::kReasonOfLoss, r.reason_of_loss);
  put(x, n::kInsurerName, r.insurer_name);
  if (r.elderly) {
    auto e = x.append_child(n::kElderlyRecipientCertificateInfo);
    put(e, n::kElderlyRecipientCertificateDate, r.elderly->date);
    put(e, n::kElderlyRecipientValidStartDate, r.elderly->valid_start_date);
    put(e, n::kElderlyRecipientValidEndDate, r.elderly->valid_end_date);
    put(e, n::kElderlyRecipientContributionRatio, r.elderly->contribution_ratio);
  }
  if (r.limit) {
    auto l = x.append_child(n::kLimitApplicationCertificateRelatedInfo);
    put(l, n::kLimitApplicationCertificateClassification, r.limit->classification);
    put(l, n::kLimitApplicationCertificateClassificationFlag, r.limit->classification_flag);
    put(l, n::kLimitApplicationCertificateDate, r.limit->date);
    put(l, n::kLimitApplicationCertificateValidStartDate, r.limit->valid_start_date);
    put(l, n::kLimitApplicationCertificateValidEndDate, r.limit->valid_end_date);
    put(l, n::kLimitApplicationCertificateLongTermDate, r.limit->long_term_date);
  }
  if (!r.public_expenses.empty()) {
    auto list = x.append_child(n::kPublicExpenseResultList);
    for (const auto& e : r.public_expenses) {
      auto p = list.append_child(n::kPublicExpenseResult);
      put(p, n::kPublicExpenseNumber, e.payer_number);
      put(p, n::kPublicExpenseBeneficiaryNumber, e.recipient_number);
      put(p, n::kPublicExpenseValidStartDate, e.valid_start_date);
      put(p, n::kPublicExpenseValidEndDate, e.valid_end_date);
      if (e.medical_ticket) {
        auto t = p.append_child(n::kMedicalTicketInfo);
        put(t, n::kMedicalTicketType, e.medical_ticket->ticket_type);
        put(t, n::kMedicalTicketValidStartDate, e.medical_ticket->valid_start_date);
        put(t, n::kMedicalTicketValidEndDate, e.medical_ticket->valid_end_date);
        put(t, n::kDesignatedMedicalInstitutionName, e.medical_ticket->designated_institution_name);
      }
    }
  }
  for (const auto& c : kConsents) {
    put(x, c.flag, (r.*c.member).flag);
    put(x, c.time, (r.*c.member).time);
  }
  put(x, n::kPrescriptionIssueSelect, r.prescription_issue_select);
  put(x, n::kReferenceNumber, r.reference_number);
}

void write_unit(pugi::xml_node body, const BulkConfirmUnit& u) {
  auto x = body.append_child(n::kBulkConfirmUnit);
  write_search_info(x, u.search_info);
  x.append_child(n::kProcessingResultStatus).text().set(static_cast<int>(u.status));
  put(x, n::kProcessingResultCode, u.result_code);
  put(x, n::kProcessingResultMessage, u.result_message);
  put_enum(x, n::kQualificationValidity, u.validity);
  if (u.result) write_record(x, *u.result);
  put(x, n::kReferenceNumber, u.reference_number);
}

void write_answer(pugi::xml_node parent, const QualificationAnswer& a) {
  put_enum(parent, n::kQualificationValidity, a.validity);
  if (a.search_info) write_search_info(parent, *a.search_info);
  put_enum(parent, n::kCardVerification, a.card_verification);
  if (!a.results.empty()) {
    auto list = parent.append_child(n::kResultList);
    for (const auto& r : a.results) write_record(list, r);
  }
}

// Every code point of `utf8` without a Windows-31J form as "&#xHHHH;" (bytes that are not UTF-8
// as U+FFFD). Only values can hold such characters: element names are the model's, in ASCII.
std::string with_character_references(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const std::size_t len = lead < 0x80         ? 1
                            : lead >> 5 == 0x6  ? 2
                            : lead >> 4 == 0xE  ? 3
                            : lead >> 3 == 0x1E ? 4
                                                : 1;
    const std::string_view ch = utf8.substr(i, std::min(len, utf8.size() - i));
    if (lead < 0x80 || utf8_to_shift_jis(ch)) {
      out += ch;
    } else {
      char32_t cp = 0xFFFD;
      if (ch.size() == len && len > 1) {
        cp = lead & (0x7F >> len);
        for (std::size_t k = 1; k < len; ++k)
          cp = cp << 6 | (static_cast<unsigned char>(ch[k]) & 0x3F);
        if (cp < 0x80 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
      }
      char ref[16];
      std::snprintf(ref, sizeof ref, "&#x%X;", static_cast<unsigned>(cp));
      out += ref;
    }
    i += ch.size();
  }
  return out;
}

std::string finish(pugi::xml_document& doc, CharacterCode code) {
  auto decl = doc.prepend_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = code == CharacterCode::ShiftJis ? "Shift_JIS" : "UTF-8";
  struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override {
      out.append(static_cast<const char*>(data), size);
    }
  } writer;
  doc.save(writer, "  ", pugi::format_default, pugi::encoding_utf8);
  std::string utf8 = std::move(writer.out);
  if (code == CharacterCode::Utf8) return utf8;
  // Always Windows-31J bytes. Declared Shift_JIS when strict Shift_JIS decodes them to the same
  // text (most messages); otherwise (髙, ①, ～ …) declared Windows-31J so that a conforming XML
  // reader decodes them right.
  auto sjis = utf8_to_shift_jis(utf8);
  // A character with no Windows-31J form (𠮷, an emoji typed into 記号) travels as an XML
  // character reference, which every XML reader turns back into the character.
  if (!sjis) {
    utf8 = with_character_references(utf8);
    sjis = utf8_to_shift_jis(utf8);
    if (!sjis) return utf8;  // unreachable: the references are ASCII
  }
  auto strict = convert(*sjis, "UTF-8", "SHIFT_JIS");
  if (strict && *strict == utf8) return *sjis;
  constexpr std::string_view declared = "encoding=\"Shift_JIS\"";
  auto at = utf8.find(declared);
  if (at != std::string::npos) utf8.replace(at, declared.size(), "encoding=\"Windows-31J\"");
  return *utf8_to_shift_jis(utf8);
}

// ---------------------------------------------------------------- reading helpers
std::string get(pugi::xml_node parent, const char* name) {
  return parent.child(name).text().as_string();
}

template <class E>
std::optional<E> get_enum(pugi::xml_node parent, const char* name,
                          std::initializer_list<int> allowed) {
  auto x = parent.child(name);
  if (!x) return std::nullopt;
  std::string v = x.text().as_string();
  int value = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || p != v.data() + v.size())
    throw ProtocolError(std::string(name) + " is not a number");
  for (int a : allowed)
    if (a == value) return static_cast<E>(value);
  throw ProtocolError(std::string(name) + " has an unknown value " + v);
}

// A non-negative decimal number (blanks around it tolerated), nullopt when the element is absent.
std::optional<long> get_number(pugi::xml_node parent, const char* name) {
  auto x = parent.child(name);
  if (!x) return std::nullopt;
  std::string v = x.text().as_string();
  auto b = v.find_first_not_of(' ');
  auto e = v.find_last_not_of(' ');
  if (b == std::string::npos) throw ProtocolError(std::string(name) + " is empty");
  v = v.substr(b, e - b + 1);
  long value = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || p != v.data() + v.size() || value < 0 || v.size() > 9)
    throw ProtocolError(std::string(name) + " is not a number");
  return value;
}

void require_digits(const std::string& value, const char* name, std::size_t len) {
  if (value.empty()) return;
  if ((len && value.size() != len) || !text::all_digits(value))
    throw ProtocolError(std::string(name) + " must be " + std::to_string(len) + " digits");
}

MessageHeader read_header(pugi::xml_node root) {
  auto x = root.child(n::kMessageHeader);
  if (!x) throw ProtocolError("XmlMsg has no MessageHeader");
  MessageHeader h;
  h.process_execution_time = get(x, n::kProcessExecutionTime);
  require_digits(h.process_execution_time, n::kProcessExecutionTime, 14);
  h.qualification_confirmation_date = get(x, n::kQualificationConfirmationDate);
  require_digits(h.qualification_confirmation_date, n::kQualificationConfirmationDate, 8);
  h.medical_institution_code = get(x, n::kMedicalInstitutionCode);
  require_digits(h.medical_institution_code, n::kMedicalInstitutionCode, 10);
  h.arbitrary_file_identifier = get(x, n::kArbitraryFileIdentifier);
  // Any value is kept: other readers write more than 1 and 2 (OCR-capable face readers 7, 8).
  if (auto c = get_number(x, n::kReferenceClassification))
    h.reference_classification = static_cast<ReferenceClassification>(*c);
  h.reception_number = get(x, n::kReceptionNumber);
  h.segment_of_result = get_enum<SegmentOfResult>(x, n::kSegmentOfResult, {1, 2, 9});
  h.error_code = get(x, n::kErrorCode);
  h.error_message = get(x, n::kErrorMessage);
  h.number_of_processing_result = get_number(x, n::kNumberOfProcessingResult);
  h.number_of_normal_processing = get_number(x, n::kNumberOfNormalProcessing);
  h.number_of_error = get_number(x, n::kNumberOfError);
  h.character_code =
      get_enum<CharacterCode>(x, n::kCharacterCodeIdentifier, {0, 1}).value_or(CharacterCode::Utf8);
  return h;
}

SearchInfo read_search_info(pugi::xml_node x) {
  SearchInfo s;
  s.insurer_number = get(x, n::kInsurerNumber);
  s.insured_card_symbol = get(x, n::kInsuredCardSymbol);
  s.insured_identification_number = get(x, n::kInsuredIdentificationNumber);
  s.insured_branch_number = get(x, n::kInsuredBranchNumber);
  s.birthdate = get(x, n::kBirthdate);
  require_digits(s.birthdate, n::kBirthdate, 8);
  auto flag = get(x, n::kLimitApplicationCertificateRelatedConsFlg);
  if (!flag.empty() && flag != "0" && flag != "1")
    throw ProtocolError("LimitApplicationCertificateRelatedConsFlg must be 0 or 1");
  s.limit_application_certificate = flag == "1";
  if (s.insurer_number.empty()) throw ProtocolError("search info has no InsurerNumber");
  return s;
}

std::string read_base64(pugi::xml_node parent, const char* name) {
  auto decoded = base64_decode(get(parent, name));
  if (!decoded) throw ProtocolError(std::string(name) + " is not base64");
  return *decoded;
}

QualificationRecord read_record(pugi::xml_node x) {
  QualificationRecord r;
  r.insured_card_classification = get(x, n::kInsuredCardClassification);
  r.insurer_number = get(x, n::kInsurerNumber);
  r.insured_card_symbol = get(x, n::kInsuredCardSymbol);
  r.insured_identification_number = get(x, n::kInsuredIdentificationNumber);
  r.insured_branch_number = get(x, n::kInsuredBranchNumber);
  r.personal_family_classification = get(x, n::kPersonalFamilyClassification);
  if (!r.personal_family_classification.empty() && r.personal_family_classification != "1" &&
      r.personal_family_classification != "2")
    throw ProtocolError("PersonalFamilyClassification must be 1 or 2");
  r.insured_name = get(x, n::kInsuredName);
  r.name = get(x, n::kName);
  r.name_of_other = get(x, n::kNameOfOther);
  r.name_kana = get(x, n::kNameKana);
  r.name_of_other_kana = get(x, n::kNameOfOtherKana);
  r.sex = get(x, n::kSex1);
  r.sex2 = get(x, n::kSex2);
  r.birthdate = get(x, n::kBirthdate);
  r.address = get(x, n::kAddress);
  r.post_number = get(x, n::kPostNumber);
  r.qualification_date = get(x, n::kQualificationDate);
  r.disqualification_date = get(x, n::kDisqualificationDate);
  r.insured_certificate_issuance_date = get(x, n::kInsuredCertificateIssuanceDate);
  r.insured_card_valid_date = get(x, n::kInsuredCardValidDate);
  r.insured_card_expiration_date = get(x, n::kInsuredCardExpirationDate);
  r.insured_partial_contribution_ratio = get(x, n::kInsuredPartialContributionRatio);
  require_digits(r.insured_partial_contribution_ratio, n::kInsuredPartialContributionRatio, 3);
  r.preschool_classification = get(x, n::kPreschoolClassification);
  r.reason_of_loss = get(x, n::kReasonOfLoss);
  r.insurer_name = get(x, n::kInsurerName);
  for (const char* d : {n::kBirthdate, n::kQualificationDate, n::kDisqualificationDate,
                        n::kInsuredCertificateIssuanceDate, n::kInsuredCardValidDate,
                        n::kInsuredCardExpirationDate})
    require_digits(get(x, d), d, 8);
  if (auto e = x.child(n::kElderlyRecipientCertificateInfo)) {
    r.elderly = ElderlyRecipientCertificateInfo{
        get(e, n::kElderlyRecipientCertificateDate), get(e, n::kElderlyRecipientValidStartDate),
        get(e, n::kElderlyRecipientValidEndDate), get(e, n::kElderlyRecipientContributionRatio)};
  }
  if (auto l = x.child(n::kLimitApplicationCertificateRelatedInfo)) {
    r.limit =
        LimitApplicationCertificateInfo{get(l, n::kLimitApplicationCertificateClassification),
                                        get(l, n::kLimitApplicationCertificateClassificationFlag),
                                        get(l, n::kLimitApplicationCertificateDate),
                                        get(l, n::kLimitApplicationCertificateValidStartDate),
                                        get(l, n::kLimitApplicationCertificateValidEndDate),
                                        get(l, n::kLimitApplicationCertificateLongTermDate)};
    for (const char* d :
         {n::kLimitApplicationCertificateDate, n::kLimitApplicationCertificateValidStartDate,
          n::kLimitApplicationCertificateValidEndDate, n::kLimitApplicationCertificateLongTermDate})
      require_digits(get(l, d), d, 8);
  }
  for (auto p : x.child(n::kPublicExpenseResultList).children(n::kPublicExpenseResult)) {
    PublicExpenseResult e;
    e.payer_number = get(p, n::kPublicExpenseNumber);
    e.recipient_number = get(p, n::kPublicExpenseBeneficiaryNumber);
    e.valid_start_date = get(p, n::kPublicExpenseValidStartDate);
    e.valid_end_date = get(p, n::kPublicExpenseValidEndDate);
    require_digits(e.valid_start_date, n::kPublicExpenseValidStartDate, 8);
    require_digits(e.valid_end_date, n::kPublicExpenseValidEndDate, 8);
    if (auto t = p.child(n::kMedicalTicketInfo)) {
      e.medical_ticket = MedicalTicketInfo{
          get(t, n::kMedicalTicketType), get(t, n::kMedicalTicketValidStartDate),
          get(t, n::kMedicalTicketValidEndDate), get(t, n::kDesignatedMedicalInstitutionName)};
      require_digits(e.medical_ticket->valid_start_date, n::kMedicalTicketValidStartDate, 8);
      require_digits(e.medical_ticket->valid_end_date, n::kMedicalTicketValidEndDate, 8);
    }
    r.public_expenses.push_back(std::move(e));
  }
  for (const auto& c : kConsents) {
    Consent& consent = r.*c.member;
    consent.flag = get(x, c.flag);
    consent.time = get(x, c.time);
    if (!consent.flag.empty() && consent.flag != "0" && consent.flag != "1")
      throw ProtocolError(std::string(c.flag) + " must be 0 or 1");
    require_digits(consent.time, c.time, 14);
  }
  r.prescription_issue_select = get(x, n::kPrescriptionIssueSelect);
  r.reference_number = get(x, n::kReferenceNumber);
  return r;
}

constexpr std::initializer_list<int> kValidities = {1, 2, 3, 4, 5, 6};

BulkConfirmUnit read_unit(pugi::xml_node x) {
  BulkConfirmUnit u;
  auto s = x.child(n::kQualificationConfirmSearchInfo);
  if (!s) throw ProtocolError("BulkConfirmUnit has no QualificationConfirmSearchInfo");
  u.search_info = read_search_info(s);
  auto status = get_enum<ProcessingResultStatus>(x, n::kProcessingResultStatus, {1, 2});
  if (!status) throw ProtocolError("BulkConfirmUnit has no ProcessingResultStatus");
  u.status = *status;
  u.result_code = get(x, n::kProcessingResultCode);
  u.result_message = get(x, n::kProcessingResultMessage);
  u.validity = get_enum<QualificationValidity>(x, n::kQualificationValidity, kValidities);
  if (auto r = x.child(n::kResultOfQualificationConfirmation)) u.result = read_record(r);
  u.reference_number = get(x, n::kReferenceNumber);
  return u;
}

QualificationAnswer read_answer(pugi::xml_node x) {
  QualificationAnswer a;
  a.validity = get_enum<QualificationValidity>(x, n::kQualificationValidity, kValidities);
  if (auto s = x.child(n::kQualificationConfirmSearchInfo)) a.search_info = read_search_info(s);
  a.card_verification = get_enum<CardVerification>(x, n::kCardVerification, {1, 2});
  for (auto r : x.child(n::kResultList).children(n::kResultOfQualificationConfirmation))
    a.results.push_back(read_record(r));
  return a;
}

// Decodes the bytes named by the XML declaration into a pugixml document rooted at XmlMsg.
Result<pugi::xml_node> load(std::string_view bytes, pugi::xml_document& doc) {
  std::string_view head = bytes.substr(0, std::min<std::size_t>(bytes.size(), 200));
  std::string decl(head.substr(0, head.find("?>") == std::string_view::npos ? 0 : head.find("?>")));
  for (auto& c : decl) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string converted_text;
  std::string_view utf8;
  bool sjis = false;
  for (const char* name : {"shift_jis", "shift-jis", "sjis", "windows-31j", "cp932", "ms932"})
    if (decl.find(name) != std::string::npos) sjis = true;
  if (sjis) {
    // One Shift_JIS: whatever the declaration calls it, the bytes are read as Windows-31J
    // (what the terminals write), so 0x8160 is always ～ and 0x817C always －.
    auto converted = shift_jis_to_utf8(bytes);
    if (!converted) return make_error("gateway.protocol", converted.error().message);
    converted_text = std::move(*converted);
    utf8 = converted_text;
  } else {
    utf8 = bytes;
    // pugixml would pass invalid UTF-8 through; the domain expects valid text.
    if (!text::valid_utf8(utf8))
      return make_error("gateway.protocol", "message is not valid UTF-8");
  }
  auto parsed = doc.load_buffer(utf8.data(), utf8.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed)
    return make_error("gateway.protocol", std::string("malformed XML: ") + parsed.description() +
                                              " at offset " + std::to_string(parsed.offset));
  auto root = doc.document_element();
  if (std::string_view(root.name()) != n::kXmlMsg)
    return make_error("gateway.protocol",
                      std::string("root element is <") + root.name() + ">, not <XmlMsg>");
  return root;
}

}  // namespace

// ---------------------------------------------------------------- public
Result<std::string> utf8_to_shift_jis(std::string_view utf8) {
  return convert(utf8, "CP932", "UTF-8");
}
Result<std::string> shift_jis_to_utf8(std::string_view sjis) {
  return convert(sjis, "UTF-8", "CP932");
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string clean;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
  if (clean.size() % 4 != 0) return make_error("gateway.base64", "length not a multiple of 4");
  std::string out(clean.size() / 4 * 3, '\0');
  int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
  if (len < 0) return make_error("gateway.base64", "invalid base64");
  std::size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(len) - pad);
  return Result<std::string>(boost::system::in_place_value, std::move(out));
}

std::string write(const Request& m) {
  pugi::xml_document doc;
  auto root = doc.append_child(n::kXmlMsg);
  write_header(root, m.header);
  auto body = root.append_child(n::kMessageBody);
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, SearchInfo>) {
          write_search_info(body, b);
        } else if constexpr (std::is_same_v<B, CardAuthentication>) {
          auto x = body.append_child(n::kCardAuthentication);
          put(x, n::kUserAuthenticationCertificate, base64_encode(b.certificate_der));
          put(x, n::kChallenge, base64_encode(b.challenge));
          put(x, n::kSignature, base64_encode(b.signature));
          x.append_child(n::kVisualConfirmation).text().set(b.visual_confirmation ? "1" : "0");
        } else if constexpr (std::is_same_v<B, BatchUpload>) {
          for (const auto& s : b.items) write_search_info(body, s);
        } else if constexpr (std::is_same_v<B, BatchDownload>) {
          put(body, n::kReceptionNumber, b.reception_number);
        } else {
          body.append_child(n::kChallengeRequest);
        }
      },
      m.body);
  return finish(doc, m.header.character_code);
}

std::string write(const Response& m) {
  pugi::xml_document doc;
  auto root = doc.append_child(n::kXmlMsg);
  write_header(root, m.header);
  auto body = root.append_child(n::kMessageBody);
  auto status = [&] {
    body.append_child(n::kProcessingResultStatus).text().set(static_cast<int>(m.status));
    put(body, n::kProcessingResultCode, m.result_code);
    put(body, n::kProcessingResultMessage, m.result_message);
  };
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, QualificationAnswer>) {
          status();
          write_answer(body, b);
        } else if constexpr (std::is_same_v<B, BatchAccepted>) {
          put(body, n::kReceptionNumber, b.reception_number);
          put(body, n::kReceptionDateTime, b.reception_date_time);
        } else if constexpr (std::is_same_v<B, BatchResults>) {
          for (const auto& u : b.units) write_unit(body, u);
        } else {
          status();
          put(body, n::kChallenge, base64_encode(b.challenge));
          body.append_child(n::kChallengeValidSeconds).text().set(b.valid_seconds);
        }
      },
      m.body);
  return finish(doc, m.header.character_code);
}

namespace {
Result<Request> read_request(std::string_view bytes, std::optional<MessageKind> kind) {
  pugi::xml_document doc;
  auto root = load(bytes, doc);
  if (!root) return root.error();
  try {
    Request m;
    m.header = read_header(*root);
    auto body = root->child(n::kMessageBody);
    if (!body) throw ProtocolError("XmlMsg has no MessageBody");
    if (!kind) {
      auto infos = body.children(n::kQualificationConfirmSearchInfo);
      auto count = std::distance(infos.begin(), infos.end());
      if (count == 1 && m.header.reference_classification)
        kind = MessageKind::Single;
      else if (count > 0)
        kind = MessageKind::BatchUpload;
      else if (body.child(n::kCardAuthentication))
        kind = MessageKind::Card;
      else if (body.child(n::kReceptionNumber))
        kind = MessageKind::BatchDownload;
      else if (body.child(n::kChallengeRequest))
        kind = MessageKind::Challenge;
      else
        throw ProtocolError("MessageBody holds no known request");
    }
    switch (*kind) {
      case MessageKind::Single: {
        auto s = body.child(n::kQualificationConfirmSearchInfo);
        if (!s) throw ProtocolError("MessageBody has no QualificationConfirmSearchInfo");
        m.body = read_search_info(s);
        break;
      }
      case MessageKind::Card: {
        auto c = body.child(n::kCardAuthentication);
        if (!c) throw ProtocolError("MessageBody has no CardAuthentication");
        CardAuthentication a;
        a.certificate_der = read_base64(c, n::kUserAuthenticationCertificate);
        a.challenge = read_base64(c, n::kChallenge);
        a.signature = read_base64(c, n::kSignature);
        a.visual_confirmation = get(c, n::kVisualConfirmation) == "1";
        if (a.certificate_der.empty()) throw ProtocolError("CardAuthentication has no certificate");
        m.body = std::move(a);
        break;
      }
      case MessageKind::BatchUpload: {
        BatchUpload b;
        for (auto s : body.children(n::kQualificationConfirmSearchInfo))
          b.items.push_back(read_search_info(s));
        m.body = std::move(b);
        break;
      }
      case MessageKind::BatchDownload:
        if (!body.child(n::kReceptionNumber))
          throw ProtocolError("MessageBody has no ReceptionNumber");
        m.body = BatchDownload{get(body, n::kReceptionNumber)};
        break;
      case MessageKind::Challenge:
        if (!body.child(n::kChallengeRequest))
          throw ProtocolError("MessageBody has no ChallengeRequest");
        m.body = ChallengeRequest{};
        break;
    }
    return m;
  } catch (const ProtocolError& e) {
    return make_error("gateway.protocol", e.what());
  }
}

// The header's counts must describe the units that came.
void check_counts(const MessageHeader& h, const BatchResults& b) {
  long errors = 0;
  for (const auto& u : b.units)
    if (u.status == ProcessingResultStatus::Error) ++errors;
  const long total = static_cast<long>(b.units.size());
  if (h.number_of_processing_result && *h.number_of_processing_result != total)
    throw ProtocolError("NumberOfProcessingResult says " +
                        std::to_string(*h.number_of_processing_result) + " but " +
                        std::to_string(total) + " BulkConfirmUnit came");
  if (h.number_of_error && *h.number_of_error != errors)
    throw ProtocolError("NumberOfError says " + std::to_string(*h.number_of_error) + " but " +
                        std::to_string(errors) + " units are in error");
  if (h.number_of_normal_processing && *h.number_of_normal_processing != total - errors)
    throw ProtocolError("NumberOfNormalProcessing says " +
                        std::to_string(*h.number_of_normal_processing) + " but " +
                        std::to_string(total - errors) + " units are normal");
}
}  // namespace

Result<Request> parse_request(std::string_view bytes) { return read_request(bytes, std::nullopt); }
Result<Request> parse_request(std::string_view bytes, MessageKind kind) {
  return read_request(bytes, kind);
}

Result<Response> parse_response(std::string_view bytes) {
  pugi::xml_document doc;
  auto root = load(bytes, doc);
  if (!root) return root.error();
  try {
    Response m;
    m.header = read_header(*root);
    auto body = root->child(n::kMessageBody);
    if (!body) throw ProtocolError("XmlMsg has no MessageBody");
    auto status = get_enum<ProcessingResultStatus>(body, n::kProcessingResultStatus, {1, 2});
    m.result_code = get(body, n::kProcessingResultCode);
    m.result_message = get(body, n::kProcessingResultMessage);
    if (body.child(n::kBulkConfirmUnit) || !m.header.reception_number.empty()) {
      // OQSmuquc02res: units directly under the body, the reception number in the header.
      BatchResults b;
      for (auto u : body.children(n::kBulkConfirmUnit)) b.units.push_back(read_unit(u));
      check_counts(m.header, b);
      m.body = std::move(b);
    } else if (body.child(n::kReceptionNumber)) {  // OQSmuquc01res
      m.body = BatchAccepted{get(body, n::kReceptionNumber), get(body, n::kReceptionDateTime)};
      require_digits(std::get<BatchAccepted>(m.body).reception_date_time, n::kReceptionDateTime,
                     14);
    } else if (!status && m.header.segment_of_result == SegmentOfResult::Abnormal) {
      // A batch refused as a whole says so in its header only.
      m.status = ProcessingResultStatus::Error;
      m.body = QualificationAnswer{};
    } else {
      if (!status) throw ProtocolError("answer has no ProcessingResultStatus");
      if (body.child(n::kChallenge)) {
        ChallengeIssued c;
        c.challenge = read_base64(body, n::kChallenge);
        c.valid_seconds = body.child(n::kChallengeValidSeconds).text().as_int(60);
        m.body = std::move(c);
      } else {
        m.body = read_answer(body);
      }
    }
    if (status) m.status = *status;
    return m;
  } catch (const ProtocolError& e) {
    return make_error("gateway.protocol", e.what());
  }
}

MessageKind kind_of(const Request& r) {
  switch (r.body.index()) {
    case 0:
      return MessageKind::Single;
    case 1:
      return MessageKind::Card;
    case 2:
      return MessageKind::BatchUpload;
    case 3:
      return MessageKind::BatchDownload;
    default:
      return MessageKind::Challenge;
  }
}

std::string match_key(const SearchInfo& s) {
  return text::normalise_identifier(s.insurer_number) + "|" +
         text::normalise_identifier(s.insured_card_symbol) + "|" +
         text::normalise_identifier(s.insured_identification_number) + "|" +
         text::normalise_identifier(s.insured_branch_number) + "|" + s.birthdate;
}

namespace {
std::optional<Date> date_or_throw(const std::string& compact, const char* what) {
  if (compact.empty()) return std::nullopt;
  auto d = Date::parse_compact(compact);
  if (!d) throw ProtocolError(std::string(what) + " is not a date");
  return *d;
}
}  // namespace

Result<Qualification> to_qualification(const QualificationRecord& r,
                                       QualificationValidity validity) {
  try {
    Qualification q;
    q.validity = validity;
    if (!r.insurer_number.empty()) {
      auto insurer = InsurerNumber::parse(r.insurer_number);
      if (!insurer) throw ProtocolError("InsurerNumber: " + insurer.error().message);
      auto number = InsuredNumber::parse(r.insured_identification_number);
      if (!number) throw ProtocolError("InsuredIdentificationNumber: " + number.error().message);
      InsuranceIdentity id{*insurer, std::nullopt, *number, std::nullopt};
      if (!r.insured_card_symbol.empty()) {
        auto s = InsuredSymbol::parse(r.insured_card_symbol);
        if (!s) throw ProtocolError("InsuredCardSymbol: " + s.error().message);
        id.symbol = *s;
      }
      if (!r.insured_branch_number.empty()) {
        auto b = BranchNumber::parse(r.insured_branch_number);
        if (!b) throw ProtocolError("InsuredBranchNumber: " + b.error().message);
        id.branch = *b;
      }
      q.identity = std::move(id);
    }
    q.insurer_name = r.insurer_name;
    if (r.personal_family_classification == "1") q.relationship = Relationship::Self;
    if (r.personal_family_classification == "2") q.relationship = Relationship::Dependent;
    // The elderly certificate's ratio wins over the card's: it is the one the desk charges.
    std::string ratio = r.elderly && !r.elderly->contribution_ratio.empty()
                            ? r.elderly->contribution_ratio
                            : r.insured_partial_contribution_ratio;
    if (!ratio.empty()) {
      auto c = CoPayRatio::parse(ratio);
      if (!c) throw ProtocolError("contribution ratio: " + c.error().message);
      q.copay = *c;
    }
    if (r.elderly && !r.elderly->valid_end_date.empty())
      q.copay_valid_until =
          date_or_throw(r.elderly->valid_end_date, "ElderlyRecipientValidEndDate");
    else if (r.insurer_number.rfind("39", 0) == 0)  // 法別番号 39: 後期高齢者医療, ratio per card
      q.copay_valid_until =
          date_or_throw(r.insured_card_expiration_date, "InsuredCardExpirationDate");
    q.qualification_date = date_or_throw(r.qualification_date, "QualificationDate");
    q.disqualification_date = date_or_throw(r.disqualification_date, "DisqualificationDate");
    q.card_valid_until = date_or_throw(r.insured_card_expiration_date, "InsuredCardExpirationDate");
    q.name = r.name;
    q.name_kana = r.name_kana;
    q.birth_date = date_or_throw(r.birthdate, "Birthdate");

    AnswerDetails& d = q.details;
    d.card_classification = r.insured_card_classification;
    d.sex = r.sex;
    d.name_of_other = r.name_of_other;
    d.name_of_other_kana = r.name_of_other_kana;
    d.sex2 = r.sex2;
    if (r.limit) {
      LimitCertificate l;
      l.classification = r.limit->classification;
      l.bracket = r.limit->classification_flag;
      l.issued = date_or_throw(r.limit->date, "LimitApplicationCertificateDate");
      l.valid_from =
          date_or_throw(r.limit->valid_start_date, "LimitApplicationCertificateValidStartDate");
      l.valid_until =
          date_or_throw(r.limit->valid_end_date, "LimitApplicationCertificateValidEndDate");
      l.long_term_since =
          date_or_throw(r.limit->long_term_date, "LimitApplicationCertificateLongTermDate");
      d.limit_certificate = std::move(l);
    }
    if (r.elderly) {
      ElderlyCertificate e;
      e.issued = date_or_throw(r.elderly->date, "ElderlyRecipientCertificateDate");
      e.valid_from = date_or_throw(r.elderly->valid_start_date, "ElderlyRecipientValidStartDate");
      e.valid_until = date_or_throw(r.elderly->valid_end_date, "ElderlyRecipientValidEndDate");
      if (!r.elderly->contribution_ratio.empty()) e.copay = q.copay;
      d.elderly_certificate = e;
    }
    for (const auto& p : r.public_expenses) {
      PublicExpense e;
      e.payer_number = p.payer_number;
      e.recipient_number = p.recipient_number;
      e.valid_from = date_or_throw(p.valid_start_date, "PublicExpenseValidStartDate");
      e.valid_until = date_or_throw(p.valid_end_date, "PublicExpenseValidEndDate");
      if (p.medical_ticket) {
        e.medical_ticket_type = p.medical_ticket->ticket_type;
        e.ticket_valid_from =
            date_or_throw(p.medical_ticket->valid_start_date, "MedicalTicketValidStartDate");
        e.ticket_valid_until =
            date_or_throw(p.medical_ticket->valid_end_date, "MedicalTicketValidEndDate");
        e.designated_institution = p.medical_ticket->designated_institution_name;
      }
      d.public_expenses.push_back(std::move(e));
    }
    const std::pair<const char*, const Consent*> consents[] = {
        {"specific_health_checkups", &r.specific_health_checkups},
        {"pharmacists", &r.pharmacists},
        {"diagnosis", &r.diagnosis},
        {"operations", &r.operations}};
    for (const auto& [kind, c] : consents)
      if (!c->flag.empty()) d.consents.push_back({kind, c->flag == "1", c->time});
    d.prescription_issue = r.prescription_issue_select;
    return q;
  } catch (const ProtocolError& e) {
    return make_error("gateway.protocol", e.what());
  }
}

QualificationRecord to_record(const Qualification& q) {
  auto compact = [](const std::optional<Date>& d) { return d ? d->compact() : std::string(); };
  QualificationRecord r;
  if (q.identity) {
    r.insurer_number = q.identity->insurer.padded8();
    if (q.identity->symbol) r.insured_card_symbol = q.identity->symbol->as_given();
    r.insured_identification_number = q.identity->number.as_given();
    if (q.identity->branch) r.insured_branch_number = q.identity->branch->value();
  }
  r.insurer_name = q.insurer_name;
  if (q.relationship)
    r.personal_family_classification = *q.relationship == Relationship::Self ? "1" : "2";
  if (q.copay) r.insured_partial_contribution_ratio = q.copay->gateway_code();
  r.qualification_date = compact(q.qualification_date);
  r.disqualification_date = compact(q.disqualification_date);
  r.insured_card_expiration_date = compact(q.card_valid_until);
  r.name = q.name;
  r.name_kana = q.name_kana;
  r.birthdate = compact(q.birth_date);

  const AnswerDetails& d = q.details;
  r.insured_card_classification = d.card_classification;
  r.sex = d.sex;
  r.name_of_other = d.name_of_other;
  r.name_of_other_kana = d.name_of_other_kana;
  r.sex2 = d.sex2;
  if (d.limit_certificate) {
    const auto& l = *d.limit_certificate;
    r.limit = LimitApplicationCertificateInfo{l.classification,      l.bracket,
                                              compact(l.issued),     compact(l.valid_from),
                                              compact(l.valid_until), compact(l.long_term_since)};
  }
  if (d.elderly_certificate) {
    const auto& e = *d.elderly_certificate;
    r.elderly = ElderlyRecipientCertificateInfo{compact(e.issued), compact(e.valid_from),
                                                compact(e.valid_until),
                                                e.copay ? e.copay->gateway_code() : ""};
  }
  for (const auto& p : d.public_expenses) {
    PublicExpenseResult e;
    e.payer_number = p.payer_number;
    e.recipient_number = p.recipient_number;
    e.valid_start_date = compact(p.valid_from);
    e.valid_end_date = compact(p.valid_until);
    if (!p.medical_ticket_type.empty() || p.ticket_valid_from || p.ticket_valid_until ||
        !p.designated_institution.empty())
      e.medical_ticket =
          MedicalTicketInfo{p.medical_ticket_type, compact(p.ticket_valid_from),
                            compact(p.ticket_valid_until), p.designated_institution};
    r.public_expenses.push_back(std::move(e));
  }
  for (const auto& c : d.consents) {
    Consent* slot = c.kind == "specific_health_checkups" ? &r.specific_health_checkups
                    : c.kind == "pharmacists"            ? &r.pharmacists
                    : c.kind == "diagnosis"              ? &r.diagnosis
                    : c.kind == "operations"             ? &r.operations
                                                         : nullptr;
    if (slot) *slot = Consent{c.agreed ? "1" : "0", c.time};
  }
  r.prescription_issue_select = d.prescription_issue;
  return r;
}

SearchInfo to_search_info(const InsuranceIdentity& id, const std::optional<Date>& birth_date,
                          bool limit_application_certificate) {
  SearchInfo s;
  s.insurer_number = id.insurer.padded8();  // the online interface carries 8
  // 記号・番号 go back exactly as the card, the gateway or the user gave them (full-width
  // forms included); they are compared normalised (match_key).
  if (id.symbol) s.insured_card_symbol = id.symbol->as_given();
  s.insured_identification_number = id.number.as_given();
  if (id.branch) s.insured_branch_number = id.branch->value();
  if (birth_date) s.birthdate = birth_date->compact();
  s.limit_application_certificate = limit_application_certificate;
  return s;
}

}  // namespace madoguchi::gateway
