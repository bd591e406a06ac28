#include <madoguchi/policy/card_certificate.hpp>

namespace madoguchi::policy {

std::string_view to_string(CardCertificateState s) {
  switch (s) {
    case CardCertificateState::Valid:
      return "valid";
    case CardCertificateState::RenewalDue:
      return "renewal_due";
    case CardCertificateState::GracePeriod:
      return "grace_period";
    case CardCertificateState::Expired:
      return "expired";
    case CardCertificateState::NotYetValid:
      return "not_yet_valid";
  }
  return "expired";
}

Date card_certificate_usable_until(const Date& not_after) {
  // The first of the month four months on, less a day: the last day of expiry month + 3.
  const Date first = *Date::from_ymd(not_after.year(), static_cast<int>(not_after.month()), 1);
  return first.add_months(4).add_days(-1);
}

CardCertificateVerdict judge_card_certificate(const Date& not_before, const Date& not_after,
                                              const Date& visit) {
  const Date until = card_certificate_usable_until(not_after);
  DecisionFacts facts;
  facts.card_certificate_expiry = not_after;
  facts.card_certificate_usable_until = until;
  facts.card_certificate_valid_from = not_before;
  using S = CardCertificateState;
  auto verdict = [&](S state, bool usable, std::optional<ReasonCode> reason) {
    return CardCertificateVerdict{state, usable, reason, until, facts};
  };
  if (visit < not_before)
    return verdict(S::NotYetValid, false, ReasonCode::CardCertificateNotYetValid);
  if (until < visit) return verdict(S::Expired, false, ReasonCode::CardCertificateExpired);
  if (not_after < visit)
    return verdict(S::GracePeriod, true, ReasonCode::CardCertificateGracePeriod);
  if (not_after.add_months(-3) <= visit)
    return verdict(S::RenewalDue, true, ReasonCode::CardCertificateRenewalDue);
  return verdict(S::Valid, true, std::nullopt);
}

}  // namespace madoguchi::policy
