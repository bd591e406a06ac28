#include "internal.hpp"

#include <madoguchi/domain/text.hpp>

namespace madoguchi::documents::detail {

TextLine make_line(std::string_view utf8, int page) {
  TextLine line;
  line.text = text::decode_utf8(utf8);
  line.page = page;
  line.x.resize(line.text.size());
  for (std::size_t i = 0; i < line.text.size(); ++i) line.x[i] = static_cast<float>(i);
  return line;
}

std::vector<TextLine> split_lines(std::string_view utf8, int page) {
  std::vector<TextLine> lines;
  std::size_t start = 0;
  while (start <= utf8.size()) {
    std::size_t end = utf8.find_first_of("\n\f", start);
    if (end == std::string_view::npos) end = utf8.size();
    std::string_view l = utf8.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find_first_not_of(" \t") != std::string_view::npos) lines.push_back(make_line(l, page));
    start = end + 1;
  }
  return lines;
}

namespace {
bool is_digit(char32_t c) { return (c >= U'0' && c <= U'9') || (c >= U'０' && c <= U'９'); }
bool is_group_separator(char32_t c) {
  return c == U' ' || c == U'-' || c == U'\u3000' || c == U'－' || c == U'‐' || c == U'−';
}
}  // namespace

bool drop_individual_numbers(std::vector<TextLine>& lines) {
  bool dropped = false;
  for (TextLine& line : lines) {
    std::u32string& t = line.text;
    std::size_t i = 0;
    while (i < t.size()) {
      if (!is_digit(t[i])) {
        ++i;
        continue;
      }
      // A run of digit groups separated by single spaces or hyphens.
      std::vector<std::pair<std::size_t, std::size_t>> groups;  // [begin, end)
      std::size_t j = i;
      while (true) {
        const std::size_t b = j;
        while (j < t.size() && is_digit(t[j])) ++j;
        groups.emplace_back(b, j);
        if (j + 1 < t.size() && is_group_separator(t[j]) && is_digit(t[j + 1])) {
          ++j;
          continue;
        }
        break;
      }
      auto blank = [&](std::size_t b, std::size_t e) {
        for (std::size_t k = b; k < e; ++k)
          if (is_digit(t[k])) t[k] = U'*';
        dropped = true;
      };
      for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto len = [&](std::size_t k) { return groups[k].second - groups[k].first; };
        if (len(g) == 12) {
          blank(groups[g].first, groups[g].second);
        } else if (g + 2 < groups.size() && len(g) == 4 && len(g + 1) == 4 && len(g + 2) == 4) {
          blank(groups[g].first, groups[g + 2].second);
          g += 2;
        }
      }
      i = j;
    }
  }
  return dropped;
}

}  // namespace madoguchi::documents::detail
