// Masking for logs: health-insurance data is 要配慮個人情報 and never goes to a plain log.
#pragma once

#include <string>
#include <string_view>

namespace madoguchi::mask {

// Keeps the first `keep` characters (code points) and stars the rest: "33120015" -> "3312****".
std::string keep_prefix(std::string_view utf8, std::size_t keep);
// Every character starred; the length is kept so operators can tell a field was present.
std::string all(std::string_view utf8);
// Names: the first character and a fixed "***": "デジタル 花子" -> "デ***".
std::string name(std::string_view utf8);
// Birth dates: the year only survives: "1980-04-01" -> "1980-**-**".
std::string birth_date(std::string_view iso);

}  // namespace madoguchi::mask
