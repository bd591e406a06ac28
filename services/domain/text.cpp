#include <madoguchi/domain/text.hpp>

#include <algorithm>

namespace madoguchi::text {

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (b < 0x80) {
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
    }
    if (len > 1) {
      if (i + len > s.size()) {
        len = 1;
      } else {
        char32_t v = b & (0x7F >> len);
        bool ok = true;
        for (std::size_t k = 1; k < len; ++k) {
          const auto c = static_cast<unsigned char>(s[i + k]);
          if ((c & 0xC0) != 0x80) {
            ok = false;
            break;
          }
          v = (v << 6) | (c & 0x3F);
        }
        if (ok) {
          cp = v;
        } else {
          len = 1;
        }
      }
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string encode_utf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) {
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
