#include <madoguchi/domain/mask.hpp>

#include <madoguchi/domain/text.hpp>

namespace madoguchi::mask {

std::string keep_prefix(std::string_view utf8, std::size_t keep) {
  auto cps = text::decode_utf8(utf8);
  for (std::size_t i = keep; i < cps.size(); ++i) cps[i] = U'*';
  return text::encode_utf8(cps);
}

std::string all(std::string_view utf8) { return keep_prefix(utf8, 0); }

std::string name(std::string_view utf8) {
  // Fixed length: the length of a name says something about the person too.
  auto cps = text::decode_utf8(utf8);
  if (cps.empty()) return {};
  return text::encode_utf8(std::u32string(1, cps[0])) + "***";
}

std::string birth_date(std::string_view iso) {
  if (iso.size() < 4) return all(iso);
  return std::string(iso.substr(0, 4)) + "-**-**";
}

}  // namespace madoguchi::mask
