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

// Decodes UTF-8 into code points; invalid sequences become U+FFFD.
std::u32string decode_utf8(std::string_view utf8);
std::string encode_utf8(std::u32string_view cps);

}  // namespace madoguchi::text
