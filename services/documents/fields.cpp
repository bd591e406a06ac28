// The field table: for every field its JSON key, its Japanese name and how its printed value
// becomes a domain value. OCR confusions are repaired here, where the value's kind is known.
#include "analysis.hpp"

#include <madoguchi/domain/text.hpp>

#include <algorithm>
#include <regex>

namespace madoguchi::documents::detail {

namespace {

// Without spaces and without the specks OCR leaves in a cell.
std::string compact_ascii(std::u32string_view norm) {
  std::u32string s;
  for (char32_t c : norm)
    if (!is_space(c) && std::u32string_view(U"。、,'\"`;「」").find(c) == std::u32string_view::npos)
      s.push_back(c);
  return utf8(s);
}

// Placeholders meaning "not shown": —, －, 〇割, 年 月 日, an empty cell, a dropped number.
bool is_placeholder(std::u32string_view norm) {
  for (char32_t c : norm) {
    if (is_space(c)) continue;
    if (std::u32string_view(U"-—―ー〇○◯*年月日割()").find(c) == std::u32string_view::npos)
      return false;
  }
  return true;
}

// OCR confuses 0 with o/O and 1 with l/I in numeric cells, and 1 with ] or | after a digit
// (before the first digit they are the cell's edge).
std::string map_digits(const std::string& in) {
  std::string s;
  for (char c : in) {
    const bool after_digit = !s.empty() && s.back() >= '0' && s.back() <= '9';
    if (c == 'o' || c == 'O' || c == 'D') c = '0';
    if (c == 'l' || c == 'I') c = '1';
    if (c == ']' || c == '|') {
      if (!after_digit) continue;
      c = '1';
    }
    s.push_back(c);
  }
  return s;
}

bool mostly_digits(const std::string& s) {
  if (s.empty()) return false;
  std::size_t d = 0;
  for (char c : s) d += (c >= '0' && c <= '9') ? 1 : 0;
  return d * 2 >= s.size() && s.size() == text::decode_utf8(s).size();
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
    s.replace(p, from.size(), to);
  return s;
}

const std::regex& date_regex() {
  static const std::regex re(
      R"((?:令和|平成|昭和|大正|明治|[RHSTMrhstm]\.?)(?:元|[0-9oO]{1,2})(?:年|[./-])[0-9oO]{1,2}(?:月|[./-])[0-9oO]{1,2}(?:日)?|[0-9oO]{4}(?:年|[./-])[0-9oO]{1,2}(?:月|[./-])[0-9oO]{1,2}(?:日)?)");
  return re;
}

std::string date_text(std::u32string_view norm) {
  // OCR reads 日 as 昌/晶
  return replace_all(replace_all(compact_ascii(norm), "昌", "日"), "晶", "日");
}

Result<Date> to_date(std::string d) {
  for (char& ch : d)
    if (ch == 'o' || ch == 'O') ch = '0';  // no era letter is an o
  return Date::parse_japanese(d);
}

Result<Date> parse_date_in(std::u32string_view norm) {
  const std::string t = date_text(norm);
  std::smatch m;
  if (!std::regex_search(t, m, date_regex())) return make_error("date.format", "not a date");
  return to_date(m.str());
}

Result<CoPayRatio> parse_copay_in(std::u32string_view norm) {
  std::string t = map_digits(compact_ascii(norm));
  t = replace_all(t, "害", "割");
  t = replace_all(t, "ニ", "二");  // OCR reads the kanji 二 as the katakana ニ
  static const std::regex re(R"(([0-9]|一|二|三)割|([0-9]{2})%)");
  std::smatch m;
  if (std::regex_search(t, m, re)) return CoPayRatio::parse(m.str());
  return CoPayRatio::parse(t);
}

// ---- parsers, one per kind of value ----------------------------------------------------------

struct Ctx {
  const Candidate& c;
  const DigitReader& reread;
  Parsed p;
  Parsed fail(const Error& e) {
    p.error_code = e.code;
    p.error_message = e.message;
    return p;
  }
  Parsed ok(std::string comparable = {}) {
    p.ok = true;
    p.comparable = std::move(comparable);
    return p;
  }
  // Numeric cells from OCR get a second read with a digit whitelist. A clean first read stays:
  // the whitelisted line read repairs mixed-up cells, and on clean cells it is the less
  // accurate of the two. `suspect` forces it (a failed check digit).
  std::string digits(std::string first, bool suspect = false) const {
    first = map_digits(first);
    if (!reread || c.boxes.empty() || !mostly_digits(first)) return first;
    if (text::all_digits(first) && !suspect) return first;
    // The cell: from the first to the last code point, as high as most of them (one tall box —
    // a bracket, a speck joined to a rule — must not reach into the row above).
    std::vector<int> tops, bottoms;
    Box b = c.boxes.front();
    for (const Box& x : c.boxes) {
      b.x0 = std::min(b.x0, x.x0), b.x1 = std::max(b.x1, x.x1);
      tops.push_back(x.y0), bottoms.push_back(x.y1);
    }
    std::nth_element(tops.begin(), tops.begin() + static_cast<long>(tops.size() / 2), tops.end());
    std::nth_element(bottoms.begin(), bottoms.begin() + static_cast<long>(bottoms.size() / 2),
                     bottoms.end());
    b.y0 = tops[tops.size() / 2], b.y1 = bottoms[bottoms.size() / 2];
    auto second = reread(c.page, b);
    if (!second || second->empty()) return first;
    return *second;
  }
  std::string id() const { return compact_ascii(c.norm); }
};

template <class F>
Parsed run(const Candidate& c, const DigitReader& reread, F&& body) {
  Ctx x{c, reread, {}};
  if (is_placeholder(c.norm)) {
    x.p.ok = x.p.placeholder = true;
    return x.p;
  }
  return body(x);
}

std::string without_seal(std::string v);

Parsed insurer_number_only(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    auto r = InsurerNumber::parse(x.digits(x.id()));
    if (!r) {
      if (auto r2 = InsurerNumber::parse(x.digits(x.id(), true)); r2) r = r2;
    }
    if (!r) return x.fail(r.error());
    f.insurer_number = *r;
    return x.ok(r->digits());
  });
}

// 「39131016 東京都後期高齢者医療広域連合 印」: the number first (6 or 8 digits), then the name.
// nullopt when the value is not of that shape.
std::optional<Parsed> split_number_and_name(const Candidate& c, DocumentFields& f,
                                            const DigitReader& rr) {
  const std::u32string& n = c.norm;
  auto digit = [](char32_t ch) { return (ch >= U'0' && ch <= U'9') || ch == U'O' || ch == U'o'; };
  std::size_t b = 0;
  while (b < n.size() && is_space(n[b])) ++b;
  std::size_t e = b;
  while (e < n.size() && digit(n[e])) ++e;
  if (e - b != 6 && e - b != 8) return std::nullopt;
  // the name is words after a space: not 「138156-01」
  if (e < n.size() && !is_space(n[e]) && n[e] < 0x3000) return std::nullopt;
  Candidate num = c;
  num.norm = n.substr(b, e - b);
  num.raw = c.raw.substr(b, e - b);
  if (c.boxes.size() == n.size())
    num.boxes.assign(c.boxes.begin() + static_cast<long>(b),
                     c.boxes.begin() + static_cast<long>(e));
  Parsed p = insurer_number_only(num, f, rr);
  if (!p.ok) return p;
  const std::string name = without_seal(clean_text(c.raw.substr(e)));
  if (!name.empty() && !f.insurer_name) f.insurer_name = name;
  return p;
}

Parsed insurer_number(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  Parsed p = insurer_number_only(c, f, rr);
  if (p.ok) return p;
  // Some layouts print the insurer's name in the 保険者番号 cell, after the number.
  if (auto split = split_number_and_name(c, f, rr)) return *split;
  return p;
}

template <auto Member, class T>
Parsed identifier(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    const std::string id = x.id();
    auto r = T::parse(mostly_digits(id) ? x.digits(id) : id);
    if (!r) return x.fail(r.error());
    f.*Member = *r;
    return x.ok(r->value());
  });
}

Parsed branch(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    std::string id = x.digits(x.id());
    // OCR keeps the closing bracket of 「(枝番)」 or the one around the value now and then.
    std::erase_if(id, [](char ch) { return ch == '(' || ch == ')'; });
    auto r = BranchNumber::parse(id);
    if (!r) return x.fail(r.error());
    f.branch = *r;
    return x.ok(r->value());
  });
}

Parsed sex(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    const std::string id = x.id();
    if (id.find("男") != std::string::npos)
      f.sex = Sex::Male;
    else if (id.find("女") != std::string::npos)
      f.sex = Sex::Female;
    else
      return x.fail(make_error("sex.unknown", "sex must be 男 or 女"));
    return x.ok();
  });
}

Parsed relationship(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    const std::string id = x.id();
    if (id.find("本人") != std::string::npos)
      f.relationship = Relationship::Self;
    else if (id.find("家族") != std::string::npos)
      f.relationship = Relationship::Dependent;
    else
      return x.fail(make_error("relationship.unknown", "relationship must be 本人 or 家族"));
    return x.ok();
  });
}

Parsed copay(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    auto r = parse_copay_in(c.norm);
    if (!r) return x.fail(r.error());
    f.copay_ratio = *r;
    return x.ok(std::to_string(r->percent()));
  });
}

template <auto Member>
Parsed date(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    auto r = parse_date_in(c.norm);
    if (!r) return x.fail(r.error());
    f.*Member = *r;
    return x.ok(r->iso());
  });
}

// 有効期間 「令和7年8月1日～令和8年7月31日」: 発効期日 and 有効期限; one date alone is the end.
Parsed period(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    const std::string t = date_text(c.norm);
    std::vector<Date> found;
    for (auto it = std::sregex_iterator(t.begin(), t.end(), date_regex());
         it != std::sregex_iterator(); ++it) {
      auto d = to_date(it->str());
      if (!d) return x.fail(d.error());
      found.push_back(*d);
    }
    if (found.empty()) return x.fail(make_error("date.format", "not a date"));
    if (found.size() >= 2) f.valid_from = found.front();
    f.valid_until = found.back();
    return x.ok(found.back().iso());
  });
}

std::string without_seal(std::string v) {
  for (std::string_view seal : {" 印", "印", " ㊞", "㊞", "及び印"})
    if (v.ends_with(seal)) v.resize(v.size() - seal.size());
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

template <auto Member, bool Seal = false>
Parsed words(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    std::string v = clean_text(c.raw);
    if (Seal) v = without_seal(std::move(v));
    if (v.empty()) {
      x.p.ok = x.p.placeholder = true;
      return x.p;
    }
    f.*Member = v;
    return x.ok(v);
  });
}

// 「39131015 東京都後期高齢者医療広域連合 印」: the number first, then the name.
Parsed number_and_name(const Candidate& c, DocumentFields& f, const DigitReader& rr) {
  return run(c, rr, [&](Ctx& x) {
    if (auto p = split_number_and_name(c, f, rr)) return *p;
    return x.fail(make_error("insurer_number.missing", "no insurer number"));
  });
}

Parsed unused(const Candidate& c, DocumentFields&, const DigitReader& rr) {
  return run(c, rr, [](Ctx& x) { return x.ok(); });
}

using D = DocumentFields;
// One row per field, in the order of enum F.
constexpr FieldSpec kFields[] = {
    {F::insurer_name, "insurer_name", "保険者名", &words<&D::insurer_name, true>, false},
    {F::insurer_number, "insurer_number", "保険者番号", &insurer_number, true},
    {F::symbol, "symbol", "記号", &identifier<&D::symbol, InsuredSymbol>, true},
    {F::number, "number", "番号", &identifier<&D::number, InsuredNumber>, true},
    {F::branch, "branch", "枝番", &branch, true},
    {F::name, "name", "氏名", &words<&D::name>, false},
    {F::name_kana, "name_kana", "フリガナ", &words<&D::name_kana>, true},
    {F::sex, "sex", "性別", &sex, true},
    {F::birth_date, "birth_date", "生年月日", &date<&D::birth_date>, true},
    {F::relationship, "relationship", "本人・家族の別", &relationship, true},
    {F::copay_ratio, "copay_ratio", "一部負担金割合", &copay, true},
    {F::valid_from, "valid_from", "発効期日", &date<&D::valid_from>, true},
    {F::valid_until, "valid_until", "有効期限", &date<&D::valid_until>, true},
    {F::qualification_date, "qualification_date", "適用開始年月日", &date<&D::qualification_date>,
     true},
    {F::issued_on, "issued_on", "交付年月日", &date<&D::issued_on>, true},
    {F::saved_at, "saved_at", "保存日時", &date<&D::saved_at>, true},
    {F::householder_name, "householder_name", "世帯主氏名", &words<&D::householder_name>, true},
    {F::address, "address", "住所", &words<&D::address>, true},
    {F::issuer_name, "issuer_name", "交付者名", &words<&D::issuer_name, true>, false},
    {F::insurer_number_and_name, "insurer_number", "保険者番号", &number_and_name, true},
    {F::validity_period, "validity_period", "有効期間", &period, true},
    {F::none, "", "", &unused, false},
};
static_assert(std::size(kFields) == kFieldCount + 1);

}  // namespace

const FieldSpec& spec(F f) { return kFields[static_cast<std::size_t>(f)]; }

std::string field_key(F f) { return std::string(spec(f).key); }

}  // namespace madoguchi::documents::detail
