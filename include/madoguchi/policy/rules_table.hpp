// The decision table itself, for docs/rules.md and tests: each row with the sentence of the
// flyer or the MHLW notice it comes from. judge_document() decides by these rows.
#pragma once

#include <madoguchi/policy/acceptance.hpp>

#include <span>
#include <string>
#include <string_view>

namespace madoguchi::policy {

enum class Match { Any, Yes, No };  // a condition on card_shown / copy

enum class Verdict {
  Accept,            // accept; confirm online by number; unconfirmed if the gateway is down
  AcceptOnlineOnly,  // accept only when confirmed online (no unconfirmed acceptance)
  CheckPeriod,       // 資格確認書: accept within 発効期日..有効期限 (then as Accept)
  Refuse,
};
std::string_view to_string(Verdict v);

struct Rule {
  std::string_view id;  // stable: "certificate.copy.escort"
  DocumentType document;
  unsigned contexts;  // bit (1 << context); kAllContexts for every one
  Match card_shown = Match::Any;
  Match copy = Match::Any;
  std::optional<Date> visit_from;   // inclusive; nullopt: no bound
  std::optional<Date> visit_until;  // inclusive
  Verdict verdict = Verdict::Refuse;
  ReasonCode reason = ReasonCode::DocumentRequiresCard;  // main reason of the row
  std::string_view summary_ja, summary_en;
  std::string_view source;  // the flyer sentence or MHLW notice
};

constexpr unsigned context_bit(PresentationContext c) { return 1u << static_cast<unsigned>(c); }
constexpr unsigned kAllContexts = 0x1F;

// In the order they are tried: the first matching row decides.
std::span<const Rule> rules();
const Rule* find_rule(const Presentation& shown, const Date& visit);

// The table as Markdown, as docs/rules.md shows it (a test keeps the two equal).
std::string rules_markdown();

}  // namespace madoguchi::policy
