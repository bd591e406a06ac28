// The JPKI certificate rule as MHLW states it (マイナ保険証の電子証明書): the card reports its
// certificate's dates; this says what they mean on the visit date.
//   - from 3 months before expiry: a renewal alert (更新のお知らせ);
//   - after expiry the card still confirms eligibility until the END OF THE MONTH three months
//     after the expiry month (有効期限の月末から3か月);
//   - a certificate not yet valid is not "expired": it is refused with its own reason.
#pragma once

#include <madoguchi/domain/decision.hpp>

#include <optional>

namespace madoguchi::policy {

enum class CardCertificateState { Valid, RenewalDue, GracePeriod, Expired, NotYetValid };
std::string_view to_string(CardCertificateState s);

struct CardCertificateVerdict {
  CardCertificateState state = CardCertificateState::Valid;
  bool usable = true;                // the card may confirm eligibility today
  std::optional<ReasonCode> reason;  // alert or refusal; nullopt when simply valid
  Date usable_until;                 // the last day of the grace month
  DecisionFacts facts;
};

CardCertificateVerdict judge_card_certificate(const Date& not_before, const Date& not_after,
                                              const Date& visit);

// The last day the card still confirms eligibility: the last day of the month three months
// after the expiry month.
Date card_certificate_usable_until(const Date& not_after);

}  // namespace madoguchi::policy
