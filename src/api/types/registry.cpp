#include "api/types/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "api/types/builtin_schemas.h"

namespace kwok::api::types {
namespace {

// Field numbers index a per-message table; ours stay far below this.
constexpr int kMaxFieldNumber = 4095;

const std::map<std::string_view, Format, std::less<>>& formats() {
  static const std::map<std::string_view, Format, std::less<>> m = {
      {"time", Format::Time},
      {"microtime", Format::MicroTime},
      {"duration", Format::Duration},
      {"quantity", Format::Quantity},
      {"intorstring", Format::IntOrString},
      {"rawjson", Format::RawJson},
      {"stringlist", Format::StringList},
      {"schemaorbool", Format::SchemaOrBool},
      {"schemaorarray", Format::SchemaOrArray},
      {"schemaorstringarray", Format::SchemaOrStringArray},
  };
  return m;
}

const std::map<std::string_view, Scalar, std::less<>>& scalars() {
  static const std::map<std::string_view, Scalar, std::less<>> m = {
      {"string", Scalar::String}, {"bytes", Scalar::Bytes}, {"bool", Scalar::Bool},
      {"int32", Scalar::Int32},   {"int64", Scalar::Int64}, {"double", Scalar::Double},
  };
  return m;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

}  // namespace

// Reads schema sources into a registry; message references are resolved
// once every source is read, so files may refer to each other in any order.
class SchemaParser {
 public:
  Status source(std::string_view text) {
    std::string pkg, apiVersion;
    Message* cur = nullptr;
    int lineNo = 0;
    for (std::size_t pos = 0; pos < text.size();) {
      std::size_t end = std::min(text.find('\n', pos), text.size());
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++lineNo;
      auto w = words(line);
      if (w.empty() || w[0].starts_with("#")) continue;
      auto fail = [&](std::string_view why) {
        return Error::internal(fmt::format("type schema {} line {}: {}: {:?}", pkg, lineNo, why, line));
      };
      if (line[0] == ' ' || line[0] == '\t') {
        if (!cur) return fail("a field outside a message");
        if (auto st = field(*cur, pkg, w); !st) return fail(st.error().message);
        continue;
      }
      if (w[0] == "package") {
        if (w.size() != 3) return fail("want: package <name> <apiVersion|->");
        pkg = w[1];
        apiVersion = w[2] == "-" ? "" : std::string(w[2]);
        cur = nullptr;
        continue;
      }
      if ((w[0] != "kind" && w[0] != "message") || w.size() < 2) return fail("want: kind|message <Name> [options]");
      if (pkg.empty()) return fail("a message before any package line");
      auto m = std::make_unique<Message>();
      m->name = fmt::format("{}.{}", pkg, w[1]);
      bool isKind = w[0] == "kind", shared = false;
      for (std::size_t i = 2; i < w.size(); ++i) {
        std::string_view opt = w[i];
        if (opt == "shared" && isKind) {
          shared = true;
        } else if (consume(opt, "format=") && formats().count(opt)) {
          m->format = formats().find(opt)->second;
        } else {
          return fail("unknown option");
        }
      }
      if (isKind && apiVersion.empty() && !shared) return fail("a kind in a package without apiVersion");
      if (isKind && m->format != Format::Object) return fail("a kind must be a plain object");
      if (r_.byName_.count(m->name)) return fail("duplicate message");
      cur = m.get();
      r_.byName_[m->name] = cur;
      if (isKind) r_.kinds_.push_back({shared ? "" : apiVersion, std::string(w[1]), cur});
      r_.messages_.push_back(std::move(m));
      typeNames_.emplace_back();
      where_.push_back(fmt::format("{} line {}", pkg, lineNo));
    }
    return {};
  }

  Result<TypeRegistry> finish() && {
    for (std::size_t i = 0; i < r_.messages_.size(); ++i) {
      Message& m = *r_.messages_[i];
      for (std::size_t j = 0; j < m.fields.size(); ++j) {
        Field& f = m.fields[j];
        if (f.type != Scalar::Message) continue;
        const std::string& name = typeNames_[i][j];
        f.message = r_.message(name);
        if (!f.message)
          return Error::internal(fmt::format("type schema {}: {}: unknown type {}", where_[i], m.name, name));
      }
    }
    // An inlined struct's members join the parent's, so it must be a plain object.
    for (std::size_t i = 0; i < r_.messages_.size(); ++i)
      for (const auto& f : r_.messages_[i]->fields)
        if (f.inlined() &&
            (f.type != Scalar::Message || f.label != Label::Value || f.message->format != Format::Object))
          return Error::internal(fmt::format("type schema {}: only a struct can be inlined", where_[i]));
    for (const auto& k : r_.kinds_) r_.byKind_[fmt::format("{} {}", k.apiVersion, k.kind)] = k.message;
    return std::move(r_);
  }

 private:
  // `<json tag> <number> <type>`.
  Status field(Message& m, const std::string& pkg, const std::vector<std::string_view>& w) {
    if (w.size() != 3) return Error::internal("want: <json tag> <number> <type>");
    Field f;
    std::string_view tag = w[0];
    if (tag != "(inline)") {
      f.omitEmpty = tag.ends_with(",omitempty");
      if (f.omitEmpty) tag.remove_suffix(std::string_view(",omitempty").size());
      if (tag.empty() || tag.find(',') != std::string_view::npos) return Error::internal("bad json tag");
      f.json = tag;
    }
    auto [ptr, ec] = std::from_chars(w[1].data(), w[1].data() + w[1].size(), f.number);
    if (ec != std::errc() || ptr != w[1].data() + w[1].size() || f.number < 1 || f.number > kMaxFieldNumber)
      return Error::internal(fmt::format("field numbers run from 1 to {}", kMaxFieldNumber));
    std::string_view type = w[2];
    if (consume(type, "*"))
      f.label = Label::Pointer;
    else if (consume(type, "[]"))
      f.label = Label::Repeated;
    else if (consume(type, "map[string]"))
      f.label = Label::Map;
    std::string typeName;
    if (auto s = scalars().find(type); s != scalars().end()) {
      f.type = s->second;
    } else {
      f.type = Scalar::Message;
      // A package name has no dots, so a dotted name is already qualified.
      typeName = type.find('.') == std::string_view::npos ? fmt::format("{}.{}", pkg, type) : std::string(type);
    }
    if (m.indexOf(f.number) >= 0) return Error::internal("duplicate field number");
    for (const auto& o : m.fields)
      if (!f.json.empty() && o.json == f.json) return Error::internal("duplicate json name");
    if (m.byNumber_.size() <= static_cast<std::size_t>(f.number)) m.byNumber_.resize(f.number + 1, -1);
    m.byNumber_[f.number] = static_cast<std::int16_t>(m.fields.size());
    m.fields.push_back(std::move(f));
    typeNames_.back().push_back(std::move(typeName));
    return {};
  }

  TypeRegistry r_;
  std::vector<std::vector<std::string>> typeNames_;  // per message, per field; empty for scalars
  std::vector<std::string> where_;                   // per message: "core/v1 line 12"
};

int Message::indexOf(int number) const {
  if (number < 0 || static_cast<std::size_t>(number) >= byNumber_.size()) return -1;
  return byNumber_[number];
}

const Field* Message::field(int number) const {
  int i = indexOf(number);
  return i < 0 ? nullptr : &fields[i];
}

Result<TypeRegistry> TypeRegistry::parse(const std::vector<std::string_view>& sources) {
  SchemaParser parser;
  for (auto s : sources)
    if (auto st = parser.source(s); !st) return st.error();
  return std::move(parser).finish();
}

const TypeRegistry& TypeRegistry::builtin() {
  static const TypeRegistry r = [] {
    auto parsed = parse(builtinSchemaSources());
    // The schemas are compiled in, and the tests parse them: a failure here
    // is a broken build, not a runtime condition.
    if (!parsed) {
      std::fprintf(stderr, "kwok: built-in type schemas: %s\n", parsed.error().message.c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return r;
}

const Message* TypeRegistry::message(std::string_view name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

const Message* TypeRegistry::kind(std::string_view apiVersion, std::string_view kind) const {
  if (auto it = byKind_.find(fmt::format("{} {}", apiVersion, kind)); it != byKind_.end()) return it->second;
  if (auto it = byKind_.find(fmt::format(" {}", kind)); it != byKind_.end()) return it->second;
  return nullptr;
}

const Message* TypeRegistry::kind(std::string_view group, std::string_view version, std::string_view kind) const {
  return group.empty() ? this->kind(version, kind) : this->kind(fmt::format("{}/{}", group, version), kind);
}

std::size_t TypeRegistry::fieldCount() const {
  std::size_t n = 0;
  for (const auto& m : messages_) n += m->fields.size();
  return n;
}

}  // namespace kwok::api::types
