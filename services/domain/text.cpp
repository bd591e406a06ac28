#include <madoguchi/domain/text.hpp>

#include <algorithm>

namespace madoguchi::text {

namespace {
// The well-formed UTF-8 sequences (Unicode 15, table 3-7; RFC 3629): no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF. Returns the length of the sequence at
// s[i] with its code point in `cp`, or 0 with `bad` = the length of the maximal ill-formed
// subpart (at least 1), which becomes one U+FFFD.
std::size_t sequence_at(std::string_view s, std::size_t i, char32_t& cp, std::size_t& bad) {
  const auto b = static_cast<unsigned char>(s[i]);
  bad = 1;
  if (b < 0x80) {
    cp = b;
    return 1;
  }
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    if (b == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    if (b == 0xF0) lo = 0x90;  // overlong below U+10000
    if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong ASCII) or F5..FF
  }
  char32_t v = b & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) return 0;
    const auto c = static_cast<unsigned char>(s[i + k]);
    if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return 0;
    v = (v << 6) | (c & 0x3F);
    bad = k + 1;
  }
  cp = v;
  return len;
}
}  // namespace

bool valid_utf8(std::string_view s) {
  char32_t cp = 0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = sequence_at(s, i, cp, bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  char32_t cp = 0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = sequence_at(s, i, cp, bad);
    out.push_back(len ? cp : U'\uFFFD');
    i += len ? len : bad;
  }
  return out;
}

std::string encode_utf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) {
    if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = 0xFFFD;  // no code point to encode
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

namespace {
char32_t half_width(char32_t c) {
  if (c >= U'\uFF01' && c <= U'\uFF5E') return c - 0xFEE0;  // full-width ASCII block
  switch (c) {
    case U'\u3000':  // ideographic space
      return U' ';
    case U'\u30FC':  // ー (katakana long sound, often typed for a hyphen in numbers)
    case U'\u2015':  // ―
    case U'\u2010':  // ‐
    case U'\u2011':
    case U'\u2012':
    case U'\u2013':  // –
    case U'\u2014':  // —
    case U'\u2212':  // −
    case U'\uFF70':  // ｰ
      return U'-';
    default:
      return c;
  }
}

bool is_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\v' || c == U'\f' ||
         c == U'\u00A0' || c == U'\u3000';
}
}  // namespace

std::string to_half_width(std::string_view utf8) {
  auto cps = decode_utf8(utf8);
  std::transform(cps.begin(), cps.end(), cps.begin(), half_width);
  return encode_utf8(cps);
}

std::string normalise_identifier(std::string_view utf8) {
  auto cps = decode_utf8(utf8);
  std::u32string out;
  out.reserve(cps.size());
  for (char32_t c : cps) {
    c = half_width(c);
    if (!is_space(c)) out.push_back(c);
  }
  return encode_utf8(out);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace madoguchi::text
