// The JPKI certificate rule (MHLW): renewal alert from 3 months before expiry; the card still
// confirms until the end of the month three months after the expiry month; not yet valid is
// not "expired".
#include <madoguchi/policy/card_certificate.hpp>

#include <gtest/gtest.h>

using namespace madoguchi;
using namespace madoguchi::policy;

namespace {
Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }
}  // namespace

TEST(CardCertificate, TheGraceRunsToTheEndOfTheThirdMonth) {
  const Date from = day(2025, 5, 16), until = day(2030, 5, 15);
  auto at = [&](Date visit) { return judge_card_certificate(from, until, visit); };
  using S = CardCertificateState;
  struct Row {
    Date visit;
    S state;
    bool usable;
  };
  for (const Row& r :
       {Row{day(2025, 5, 15), S::NotYetValid, false}, Row{day(2025, 5, 16), S::Valid, true},
        Row{day(2030, 2, 14), S::Valid, true}, Row{day(2030, 2, 15), S::RenewalDue, true},
        Row{day(2030, 5, 15), S::RenewalDue, true},  // the expiry day itself
        Row{day(2030, 5, 16), S::GracePeriod, true},
        Row{day(2030, 8, 15), S::GracePeriod, true},  // 3 months to the day
        Row{day(2030, 8, 31), S::GracePeriod, true},  // … to the month end
        Row{day(2030, 9, 1), S::Expired, false}}) {
    const auto v = at(r.visit);
    EXPECT_EQ(to_string(v.state), to_string(r.state)) << r.visit.iso();
    EXPECT_EQ(v.usable, r.usable) << r.visit.iso();
  }
  EXPECT_EQ(at(day(2025, 5, 15)).reason, ReasonCode::CardCertificateNotYetValid);
  EXPECT_EQ(at(day(2030, 9, 1)).reason, ReasonCode::CardCertificateExpired);
  EXPECT_FALSE(at(day(2028, 1, 1)).reason);
}

TEST(CardCertificate, MonthEnds) {
  EXPECT_EQ(card_certificate_usable_until(day(2030, 11, 30)), day(2031, 2, 28));
  EXPECT_EQ(card_certificate_usable_until(day(2031, 11, 1)), day(2032, 2, 29));  // leap year
  EXPECT_EQ(card_certificate_usable_until(day(2030, 12, 31)), day(2031, 3, 31));
  // The sentence names the dates.
  Decision d;
  const auto v = judge_card_certificate(day(2025, 12, 1), day(2030, 11, 30), day(2031, 1, 10));
  d.reasons = {*v.reason};
  d.facts = v.facts;
  EXPECT_NE(d.message_ja().find("2031年2月28日まで利用可"), std::string::npos) << d.message_ja();
}
