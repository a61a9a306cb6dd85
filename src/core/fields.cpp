#include "core/fields.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok {
namespace {

// Splits on commas that are not escaped; escapes stay in the terms.
std::vector<std::string_view> splitTerms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  std::size_t start = 0;
  bool escaped = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (escaped) escaped = false;
    else if (s[i] == '\\') escaped = true;
    else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

// fields.UnescapeValue. Its messages print a bad rune as its code point,
// so an unescaped '=' reads "unescaped character in value: 61".
Result<std::string> unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ',' || c == '=') {
      return Error::badRequest(
          fmt::format("invalid field selector: unescaped character in value: {}", static_cast<int>(c)));
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == s.size()) return Error::badRequest("invalid field selector: invalid escape sequence: \\");
    if (s[i] != '\\' && s[i] != ',' && s[i] != '=') {
      // Report the whole (possibly multi-byte) character after the backslash.
      std::size_t len = 1;
      while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) ++len;
      return Error::badRequest(
          fmt::format("invalid field selector: invalid escape sequence: \\{}", s.substr(i, len)));
    }
    out += s[i];
  }
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  auto terms = splitTerms(text);
  std::sort(terms.begin(), terms.end());  // Kubernetes orders terms before use
  FieldSelector sel;
  for (std::string_view term : terms) {
    if (term.empty()) continue;
    // The field part has no escapes: split at the first operator, trying
    // "!=" and "==" before "=" at each position.
    std::size_t at = std::string_view::npos, opLen = 0;
    bool equals = true;
    for (std::size_t i = 0; i < term.size() && at == std::string_view::npos; ++i) {
      std::string_view rest = term.substr(i);
      if (rest.starts_with("!=")) at = i, opLen = 2, equals = false;
      else if (rest.starts_with("==")) at = i, opLen = 2;
      else if (rest.starts_with("=")) at = i, opLen = 1;
    }
    if (at == std::string_view::npos) {
      return Error::badRequest(fmt::format("invalid selector: '{}'; can't understand '{}'", text, term));
    }
    auto value = unescape(term.substr(at + opLen));
    if (!value) return value.error();
    sel.reqs_.push_back({std::string(term.substr(0, at)), std::move(*value), equals});
  }
  return sel;
}

bool FieldSelector::matches(const std::function<std::string(std::string_view field)>& get) const {
  return std::all_of(reqs_.begin(), reqs_.end(),
                     [&](const Requirement& r) { return (get(r.field) == r.value) == r.equals; });
}

std::optional<std::string> FieldSelector::exactValue(std::string_view field) const {
  for (const auto& r : reqs_)
    if (r.equals && r.field == field) return r.value;
  return std::nullopt;
}

}  // namespace kwok
