// Extraction: each label's value (to the next label on the line, or wrapped above/below a label
// alone on its line), parsed through the field table; values printed twice must agree.
#include "analysis.hpp"

#include <madoguchi/domain/text.hpp>

#include <algorithm>

namespace madoguchi::documents::detail {

namespace {

bool is_orphan(const Line& l) { return !l.prose && l.hits.empty() && !l.used; }

double mean_confidence(const Candidate& c) {
  double sum = 0;
  for (float v : c.conf) sum += v;
  return std::clamp(sum / static_cast<double>(c.conf.size()) / 100.0, 0.0, 1.0);
}

// The JSON keys a field's source text is filed under (a pseudo-field fills two).
std::vector<std::string> source_keys(F f) {
  if (f == F::insurer_number_and_name) return {"insurer_number", "insurer_name"};
  if (f == F::validity_period) return {"valid_from", "valid_until"};
  return {field_key(f)};
}

}  // namespace

std::vector<Candidate> collect(std::vector<Line>& lines) {
  std::vector<Candidate> out;
  for (std::size_t li = 0; li < lines.size(); ++li) {
    Line& l = lines[li];
    for (std::size_t h = 0; h < l.hits.size(); ++h) {
      const LabelHit& hit = l.hits[h];
      if (hit.label->field == F::none) continue;
      Candidate c{hit.label->field, {}, {}, l.src->page, {}, {}};
      const std::size_t next = h + 1 < l.hits.size() ? l.hits[h + 1].begin : l.norm.size();
      if (hit.label->value_before) {
        const std::size_t b = h == 0 ? 0 : l.hits[h - 1].end;
        // 「交付 令和3年4月1日」: the same word also stands before its value; a date has digits.
        const auto has_digit = [&](std::size_t from, std::size_t to) {
          return std::any_of(l.norm.begin() + static_cast<long>(from),
                             l.norm.begin() + static_cast<long>(to),
                             [](char32_t ch) { return ch >= U'0' && ch <= U'9'; });
        };
        const bool after = !has_digit(b, hit.begin) && has_digit(hit.end, next) &&
                           !(h + 1 < l.hits.size() && l.hits[h + 1].label->value_before);
        if (after)
          append_range(c, l, hit.end, next);
        else
          append_range(c, l, b, hit.begin);
        if (!c.raw.empty()) out.push_back(std::move(c));
        continue;
      }
      std::size_t e = next;
      // a value_before label after us owns the text in between
      if (h + 1 < l.hits.size() && l.hits[h + 1].label->value_before) e = hit.end;
      append_range(c, l, hit.end, e);
      // "負担割合 (70歳以上のみ記載) 3割": the note belongs to the label, the value follows it
      if (c.raw.empty() && h + 1 < l.hits.size() && is_age_note(*l.hits[h + 1].label)) {
        const std::size_t e2 = h + 2 < l.hits.size() ? l.hits[h + 2].begin : l.norm.size();
        append_range(c, l, l.hits[h + 1].end, e2);
      }
      if (c.raw.empty()) {
        // Label alone on its line: the value was wrapped above (indented to the value column)
        // and/or below (phone layout: value under its label).
        const float label_end_x = l.src->x[hit.end - 1];
        const float label_x = l.src->x[hit.begin];
        if (li > 0 && is_orphan(lines[li - 1]) && lines[li - 1].start_x() > label_end_x) {
          append_range(c, lines[li - 1], 0, lines[li - 1].norm.size());
          lines[li - 1].used = true;
        }
        if (h + 1 == l.hits.size() && li + 1 < lines.size() && is_orphan(lines[li + 1]) &&
            lines[li + 1].start_x() >= label_x - 1) {
          append_range(c, lines[li + 1], 0, lines[li + 1].norm.size());
          lines[li + 1].used = true;
        }
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

Extraction extract(std::vector<Line>& lines, const DigitReader& reread) {
  Extraction x;
  const std::vector<Candidate> cands = collect(lines);
  std::array<std::optional<Parsed>, kFieldCount> chosen;
  std::array<const Candidate*, kFieldCount> first_failed{};
  for (const Candidate& c : cands) {
    const auto i = static_cast<std::size_t>(c.field);
    const FieldSpec& s = spec(c.field);
    x.labelled[i] = true;
    if (chosen[i]) {
      // Same field printed twice (notice and its slip): identifiers must agree.
      if (chosen[i]->placeholder || !s.conflicts_matter) continue;
      DocumentFields scratch;
      const Parsed again = s.parse(c, scratch, nullptr);
      if (again.ok && !again.placeholder && !chosen[i]->comparable.empty() &&
          again.comparable != chosen[i]->comparable)
        x.findings.push_back(
            finding(std::string(s.key) + ".conflict", Severity::Warning,
                    std::string(s.ja) + "の記載が一致しません。",
                    std::string(s.key) + " is printed twice with different values"));
      continue;
    }
    const Parsed p = s.parse(c, x.fields, reread);
    const std::string text = clean_text(c.raw);
    if (!p.ok) {
      if (!first_failed[i]) first_failed[i] = &c;
      for (const std::string& k : source_keys(c.field))
        if (!x.sources.contains(k)) x.sources[k] = text;
      continue;
    }
    chosen[i] = p;
    if (!p.placeholder) ++x.values;
    for (const std::string& k : source_keys(c.field)) {
      x.sources[k] = text;
      if (!c.conf.empty()) x.confidence[k] = mean_confidence(c);
    }
  }
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (chosen[i] || !first_failed[i]) continue;
    const FieldSpec& s = spec(static_cast<F>(i));
    DocumentFields scratch;
    const Parsed p = s.parse(*first_failed[i], scratch, nullptr);
    const std::string key(s.key);
    const std::string code = p.error_code.starts_with(key) ? p.error_code : key + ".invalid";
    x.findings.push_back(finding(code, Severity::Error,
                                 std::string(s.ja) + "を読み取れないか、記載に誤りがあります。",
                                 key + ": " + p.error_message));
  }
  // A pseudo-field counts as its two labels.
  auto also = [&](F pseudo, F a, F b) {
    if (!x.labelled[static_cast<std::size_t>(pseudo)]) return;
    x.labelled[static_cast<std::size_t>(a)] = x.labelled[static_cast<std::size_t>(b)] = true;
  };
  also(F::insurer_number_and_name, F::insurer_number, F::insurer_name);
  also(F::validity_period, F::valid_from, F::valid_until);
  return x;
}

// ---- values printed without a label ---------------------------------------------------------

namespace {

// Words an insurer's name ends with (保険者名 printed without its label).
constexpr std::u32string_view kInsurerSuffixes[] = {
    U"健康保険組合",           U"国民健康保険組合", U"国民健康保険", U"健康保険協会", U"協会けんぽ",
    U"後期高齢者医療広域連合", U"共済組合",         U"共済会",       U"支部",
};

bool ends_with_any(std::u32string_view s, std::span<const std::u32string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(),
                     [&](std::u32string_view x) { return s.ends_with(x); });
}

// Runs of text separated by spaces (the columns of a header line), with their OCR confidence.
struct Token {
  std::u32string text;
  double confidence = -1;  // 0..1; -1: not OCR
};
std::vector<Token> tokens(const Line& l) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < l.norm.size()) {
    while (i < l.norm.size() && is_space(l.norm[i])) ++i;
    const std::size_t b = i;
    while (i < l.norm.size() && !is_space(l.norm[i])) ++i;
    if (b == i) break;
    Token t{l.norm.substr(b, i - b)};
    if (!l.src->conf.empty() && l.src->conf.size() >= i) {
      double sum = 0;
      for (std::size_t j = b; j < i; ++j) sum += l.src->conf[j];
      t.confidence = std::clamp(sum / static_cast<double>(i - b) / 100.0, 0.0, 1.0);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::u32string strip_brackets(std::u32string s) {
  std::erase_if(s, [](char32_t c) {
    return std::u32string_view(U"()[]「」【】").find(c) != std::u32string_view::npos;
  });
  return s;
}

bool looks_like_date(const std::string& digits) {
  if (digits.size() != 8) return false;
  auto d = Date::parse_compact(digits);
  return d && d->year() >= 1900 && d->year() <= 2100;
}

// A seal mark ends the issuer's line: 「千代田区長 印」.
std::optional<std::u32string> before_seal(std::u32string_view t) {
  for (std::u32string_view seal : {std::u32string_view(U"㊞"), std::u32string_view(U"印")}) {
    if (!t.ends_with(seal)) continue;
    std::u32string v = trim(t.substr(0, t.size() - seal.size()));
    if (v.size() >= 3) return v;
  }
  return std::nullopt;
}

}  // namespace

void extract_unlabelled_header(const std::vector<Line>& lines, Extraction& x) {
  DocumentFields& f = x.fields;
  const bool want_number = !f.insurer_number && !x.labelled[static_cast<int>(F::insurer_number)];
  const bool want_name = !f.insurer_name && !x.labelled[static_cast<int>(F::insurer_name)];
  if (want_number || want_name) {
    for (const Line& l : lines) {
      if (l.src->page != 0) break;
      // The header ends at the first row with an identifier's label.
      const bool ids = std::any_of(l.hits.begin(), l.hits.end(), [](const LabelHit& h) {
        return h.label->field == F::symbol || h.label->field == F::number ||
               h.label->field == F::name || h.label->field == F::branch;
      });
      if (ids) break;
      if (l.prose || !l.hits.empty()) continue;
      const auto toks = tokens(l);
      for (std::size_t t = 0; t < toks.size(); ++t) {
        const std::u32string tok = strip_brackets(toks[t].text);
        const std::string ascii = utf8(tok);
        auto found = [&](const char* key, const std::string& source) {
          x.sources[key] = source;
          if (toks[t].confidence >= 0) x.confidence[key] = toks[t].confidence;
          ++x.values;
        };
        if (want_number && !f.insurer_number && (tok.size() == 6 || tok.size() == 8) &&
            text::all_digits(ascii) && !looks_like_date(ascii)) {
          if (auto n = InsurerNumber::parse(ascii)) {
            f.insurer_number = *n;
            found("insurer_number", utf8(toks[t].text));
          }
          continue;
        }
        if (want_name && !f.insurer_name && ends_with_any(tok, kInsurerSuffixes) &&
            tok.size() >= 4) {
          std::u32string name = tok;
          // 「全国健康保険協会 東京支部」: the branch is the next column.
          const bool branch = tok.ends_with(U"健康保険協会") && t + 1 < toks.size() &&
                              toks[t + 1].text.ends_with(U"支部");
          if (branch) name += U" " + toks[t + 1].text;
          f.insurer_name = utf8(name);
          found("insurer_name", utf8(name));
          if (branch) ++t;
        }
      }
    }
  }
  // 交付者名 without its label, known by the seal after it, on a line of its own.
  if (!f.issuer_name && !x.labelled[static_cast<int>(F::issuer_name)]) {
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      const Line& l = *it;
      if (l.prose || !l.hits.empty()) continue;
      if (auto v = before_seal(trim(l.norm))) {
        f.issuer_name = clean_text(*v);
        x.sources["issuer_name"] = clean_text(trim(l.src->text));
        ++x.values;
        break;
      }
    }
  }
}

}  // namespace madoguchi::documents::detail
