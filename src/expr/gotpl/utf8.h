// UTF-8 as Go's unicode/utf8 handles it: invalid bytes decode as U+FFFD of
// width 1, and encoding a surrogate or out-of-range value writes U+FFFD.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kwok::gotpl {

struct Rune {
  char32_t r;
  std::size_t size;  // bytes consumed
};

// The character starting at s[i] (i < s.size()).
Rune decodeRune(std::string_view s, std::size_t i);
void appendRune(std::string& out, char32_t r);
std::size_t runeCount(std::string_view s);

}  // namespace kwok::gotpl
