#include "controllers/deployment/pod_template_hash.h"

#include <algorithm>
#include <vector>

namespace kwok::controllers::deployment {
namespace {

// Writes v canonically; members that come out empty are left out, so a
// map holding only empty maps equals a missing one.
void write(const json::value& v, std::string& out) {
  if (v.is_object()) {
    std::vector<std::pair<std::string_view, const json::value*>> members;
    for (const auto& [k, child] : v.get_object()) members.emplace_back(k, &child);
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    bool first = true;
    std::string child;
    for (const auto& [k, value] : members) {
      child.clear();
      write(*value, child);
      if (child == "{}" || child == "[]" || child == "null") continue;
      if (!first) out += ',';
      first = false;
      out += toJson(json::string(k));
      out += ':';
      out += child;
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ',';
      first = false;
      write(e, out);
    }
    out += ']';
  } else {
    out += toJson(v);
  }
}

}  // namespace

std::string canonicalTemplate(const json::value& podTemplate) {
  std::string out;
  if (!podTemplate.is_object()) return "{}";
  json::object t = podTemplate.get_object();
  if (auto* meta = t.if_contains("metadata"); meta && meta->is_object()) {
    if (auto* labels = meta->get_object().if_contains("labels"); labels && labels->is_object())
      labels->get_object().erase(kPodTemplateHashLabel);
  }
  write(t, out);
  return out;
}

std::uint32_t fnv32a(std::string_view data, std::uint32_t seed) {
  std::uint32_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::string safeEncodeString(std::string_view s) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out(s.size(), ' ');
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = kAlphabet[static_cast<unsigned char>(s[i]) % kAlphabet.size()];
  return out;
}

std::string computeHash(std::string_view canonical, std::optional<std::int32_t> collisionCount) {
  std::uint32_t h = fnv32a(canonical);
  if (collisionCount) {
    auto c = static_cast<std::uint32_t>(*collisionCount);
    char bytes[8] = {static_cast<char>(c & 0xff),
                     static_cast<char>((c >> 8) & 0xff),
                     static_cast<char>((c >> 16) & 0xff),
                     static_cast<char>((c >> 24) & 0xff),
                     0,
                     0,
                     0,
                     0};
    h = fnv32a(std::string_view(bytes, 8), h);
  }
  return safeEncodeString(std::to_string(h));
}

}  // namespace kwok::controllers::deployment
