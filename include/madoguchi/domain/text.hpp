// Text normalisation for Japanese identifiers and dates as people type, print and OCR them.
#pragma once

#include <string>
#include <string_view>

namespace madoguchi::text {

// Full-width ASCII (０-９, Ａ-Ｚ, ａ-ｚ, －, ．, ／ …) to half-width; the ideographic space and the
// many dash look-alikes (ー ― ‐ − ｰ) become ' ' and '-'. Other characters are kept as they are.
std::string to_half_width(std::string_view utf8);

// to_half_width, then every kind of white space removed.
std::string normalise_identifier(std::string_view utf8);

// True when every byte is an ASCII digit and the string is not empty.
bool all_digits(std::string_view s);

// The one UTF-8 check for text from outside (request targets, JSON fields, documents): true
// when `s` is well-formed UTF-8 — no overlong forms, no surrogates, nothing above U+10FFFF,
// no truncated sequence. NUL is well-formed; callers that refuse it say so.
bool valid_utf8(std::string_view s);

// Decodes UTF-8 into code points; every ill-formed sequence (as valid_utf8 judges it) becomes
// one U+FFFD per maximal ill-formed subpart (Unicode's recommended practice).
std::u32string decode_utf8(std::string_view utf8);
// Surrogates and values above U+10FFFF are written as U+FFFD.
std::string encode_utf8(std::u32string_view cps);

}  // namespace madoguchi::text
