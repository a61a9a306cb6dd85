#include "api/types/protobuf.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include "api/types/wire.h"
#include "core/base64.h"
#include "core/clock.h"
#include "core/quantity.h"

namespace kwok::api::types {
namespace {

constexpr std::string_view kMagic{"k8s\0", 4};
// Nesting beyond this is refused rather than risking the stack; real
// objects (even deep CRD schemas) stay far below.
constexpr int kMaxDepth = 500;

// The wire type a field's values are written with (repeated numbers may
// also come packed, as one kLen field).
int wireOf(Scalar s) {
  switch (s) {
    case Scalar::Bool:
    case Scalar::Int32:
    case Scalar::Int64:
      return kVarint;
    case Scalar::Double:
      return kFixed64;
    default:
      return kLen;
  }
}

// Go's encoding/json writes invalid UTF-8 bytes as U+FFFD.
std::string validUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    std::uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (std::size_t k = 1; ok && k < n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[n] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

// time.Duration.String(): "1h2m3.5s", "1.5ms", "0s".
std::string goDuration(std::int64_t d) {
  std::uint64_t u = d < 0 ? 0 - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  // The fraction of v / 10^prec without trailing zeros (and without the
  // point when it is zero), then the integer part.
  auto withFraction = [](std::uint64_t v, int prec, std::string_view unit) {
    std::uint64_t scale = 1;
    for (int i = 0; i < prec; ++i) scale *= 10;
    std::string frac = prec ? fmt::format("{:0{}}", v % scale, prec) : "";
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return fmt::format("{}{}{}{}", v / scale, frac.empty() ? "" : ".", frac, unit);
  };
  std::string out;
  if (u == 0) {
    out = "0s";
  } else if (u < 1000) {
    out = withFraction(u, 0, "ns");
  } else if (u < 1000000) {
    out = withFraction(u, 3, "\xc2\xb5s");  // µs
  } else if (u < 1000000000) {
    out = withFraction(u, 6, "ms");
  } else {
    std::uint64_t secs = u / 1000000000, mins = secs / 60, hours = mins / 60;
    std::string s = withFraction(secs % 60 * 1000000000 + u % 1000000000, 9, "s");
    if (hours)
      out = fmt::format("{}h{}m{}", hours, mins % 60, s);
    else if (mins)
      out = fmt::format("{}m{}", mins, s);
    else
      out = s;
  }
  return d < 0 ? "-" + out : out;
}

// Go's zero time.Time (January 1, year 1, UTC) in Unix seconds.
constexpr std::int64_t kZeroTimeUnix = -62135596800;
// SystemTime counts nanoseconds in 64 bits: about the years 1678 to 2262.
constexpr std::int64_t kMaxUnixSeconds = 9'000'000'000;

class Decoder {
 public:
  Decoder(const Message& root, std::vector<std::string>* unknown) : path_(root.name), unknown_(unknown) {}

  // One message, in its JSON form.
  Result<json::value> message(std::string_view data, const Message& m) {
    if (++depth_ > kMaxDepth) return fail("nesting is too deep");
    auto fields = scan(data, m);
    if (!fields) return fields.error();
    Result<json::value> out = json::value();
    switch (m.format) {
      case Format::Object: {
        json::object obj;
        if (auto st = members(obj, m, *fields); !st) return st.error();
        out = json::value(std::move(obj));
        break;
      }
      case Format::Time:
      case Format::MicroTime:
        out = time(data, m.format, *fields);
        break;
      default:
        out = special(m, *fields);
        break;
    }
    --depth_;
    return out;
  }

 private:
  // The fields of a message, grouped by schema field in schema order.
  struct Occurrence {
    int index = 0;  // in Message::fields
    WireField f;
  };
  using Occurrences = std::vector<Occurrence>;

  Error fail(std::string_view why) const { return Error::badRequest(fmt::format("{} at {}", why, path_)); }

  // Appends ".name" (if any) to the path for the life of the guard.
  struct Step {
    Step(std::string& path, std::string_view name) : path(path), size(path.size()) {
      if (!name.empty()) path.append(".").append(name);
    }
    ~Step() { path.resize(size); }
    std::string& path;
    std::size_t size;
  };

  Result<Occurrences> scan(std::string_view data, const Message& m) {
    Occurrences out;
    WireReader r(data);
    while (!r.done()) {
      auto f = r.next();
      if (!f) return fail(f.error().message);
      int index = m.indexOf(f->number);
      if (index < 0) {
        if (unknown_) unknown_->push_back(fmt::format("{}: field {}", path_, f->number));
        continue;
      }
      const Field& field = m.fields[index];
      int want = field.label == Label::Map ? kLen : wireOf(field.type);
      bool packed = field.label == Label::Repeated && want != kLen && f->wire == kLen;
      if (f->wire != want && !packed)
        return fail(fmt::format("wrong wire type {} for field {} ({})", f->wire, f->number, field.json));
      out.push_back({index, *f});
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    return out;
  }

  // The occurrences of field `index` (occurrences are sorted by index).
  static std::pair<const Occurrence*, const Occurrence*> range(const Occurrences& all, int index) {
    auto lo = std::lower_bound(all.begin(), all.end(), index, [](const auto& o, int i) { return o.index < i; });
    auto hi = std::find_if(lo, all.end(), [&](const auto& o) { return o.index != index; });
    return {all.data() + (lo - all.begin()), all.data() + (hi - all.begin())};
  }

  Status members(json::object& out, const Message& m, const Occurrences& all) {
    const Occurrence* next = all.data();
    const Occurrence* last = all.data() + all.size();
    for (std::size_t i = 0; i < m.fields.size(); ++i) {
      const Field& f = m.fields[i];
      const Occurrence* begin = next;
      while (next != last && next->index == static_cast<int>(i)) ++next;
      const Occurrence* end = next;
      Step step(path_, f.json);
      if (f.inlined()) {
        auto v = nested(begin, end, *f.message);
        if (!v) return v.error();
        for (auto& [k, val] : v->as_object()) out[k] = std::move(val);
        continue;
      }
      auto v = member(f, begin, end);
      if (!v) return v.error();
      if (*v) out[f.json] = std::move(**v);
    }
    return {};
  }

  // The JSON member for field f, or nullopt when Go's encoding omits it.
  Result<std::optional<json::value>> member(const Field& f, const Occurrence* begin, const Occurrence* end) {
    bool present = begin != end;
    auto absent = [&]() -> std::optional<json::value> {
      if (f.omitEmpty) return std::nullopt;
      return json::value();  // a nil pointer, slice or map: null
    };
    switch (f.label) {
      case Label::Repeated: {
        if (!present) return absent();
        json::array a;
        for (auto o = begin; o != end; ++o)
          if (auto st = element(a, f, o->f); !st) return st.error();
        return std::optional<json::value>(std::move(a));
      }
      case Label::Map: {
        if (!present) return absent();
        std::map<std::string, json::value> sorted;  // Go writes map keys in order
        for (auto o = begin; o != end; ++o)
          if (auto st = entry(sorted, f, o->f.bytes); !st) return st.error();
        json::object obj;
        obj.reserve(sorted.size());
        for (auto& [k, v] : sorted) obj.emplace(k, std::move(v));
        return std::optional<json::value>(std::move(obj));
      }
      case Label::Pointer:
        if (!present) return absent();
        break;
      case Label::Value:
        if (f.type == Scalar::Bytes && !present) return absent();  // a nil []byte
        break;
    }
    Result<json::value> v = f.type == Scalar::Message ? nested(begin, end, *f.message)
                            : present                 ? scalar(f, (end - 1)->f)  // the last one wins
                                                      : zero(f.type);
    if (!v) return v.error();
    if (f.label == Label::Value && f.omitEmpty && f.type != Scalar::Message && isZero(*v))
      return std::optional<json::value>();
    return std::optional<json::value>(std::move(*v));
  }

  // A singular message field: occurrences merge (protobuf concatenation
  // semantics); none at all decodes as the empty message, Go's zero value.
  Result<json::value> nested(const Occurrence* begin, const Occurrence* end, const Message& m) {
    if (end - begin <= 1) return message(begin == end ? std::string_view() : begin->f.bytes, m);
    std::string joined;
    for (auto o = begin; o != end; ++o) joined += o->f.bytes;
    return message(joined, m);
  }

  Status element(json::array& out, const Field& f, const WireField& w) {
    if (f.type == Scalar::Message) {
      auto v = message(w.bytes, *f.message);
      if (!v) return v.error();
      out.push_back(std::move(*v));
      return {};
    }
    if (w.wire == kLen && wireOf(f.type) != kLen) {  // packed numbers
      WireReader r(w.bytes);
      while (!r.done()) {
        WireField one{f.number, wireOf(f.type), 0, {}};
        auto num = one.wire == kFixed64 ? r.fixed(8) : r.varint();
        if (!num) return fail(num.error().message);
        one.num = *num;
        auto v = scalar(f, one);
        if (!v) return v.error();
        out.push_back(std::move(*v));
      }
      return {};
    }
    auto v = scalar(f, w);
    if (!v) return v.error();
    out.push_back(std::move(*v));
    return {};
  }

  // One map entry {key=1, value=2}; a missing value is the Go zero value.
  Status entry(std::map<std::string, json::value>& out, const Field& f, std::string_view data) {
    std::string key;
    std::optional<json::value> value;
    WireReader r(data);
    while (!r.done()) {
      auto w = r.next();
      if (!w) return fail(w.error().message);
      int want = w->number == 1 ? kLen : wireOf(f.type);
      if (w->number > 2) {
        if (unknown_) unknown_->push_back(fmt::format("{} (map entry): field {}", path_, w->number));
        continue;
      }
      if (w->wire != want) return fail(fmt::format("wrong wire type {} in a map entry", w->wire));
      if (w->number == 1) {
        key = validUtf8(w->bytes);
        continue;
      }
      auto v = f.type == Scalar::Message ? message(w->bytes, *f.message) : scalar(f, *w);
      if (!v) return v.error();
      value = std::move(*v);
    }
    if (!value) {
      auto v = f.type == Scalar::Message ? message({}, *f.message) : zero(f.type);
      if (!v) return v.error();
      value = std::move(*v);
    }
    out[std::move(key)] = std::move(*value);  // a repeated key: the last one wins
    return {};
  }

  // The JSON of one non-message value.
  Result<json::value> scalar(const Field& f, const WireField& w) {
    switch (f.type) {
      case Scalar::String:
        return json::value(validUtf8(w.bytes));
      case Scalar::Bytes:
        return json::value(base64Encode(w.bytes));
      case Scalar::Bool:
        return json::value(w.num != 0);
      case Scalar::Int32:  // Go's int32(x): the low 32 bits
        return json::value(static_cast<std::int32_t>(static_cast<std::uint32_t>(w.num)));
      case Scalar::Int64:
        return json::value(static_cast<std::int64_t>(w.num));
      case Scalar::Double: {
        auto d = std::bit_cast<double>(w.num);
        if (!std::isfinite(d)) return fail(fmt::format("unsupported value {} for {}", d, f.json));
        return json::value(d);
      }
      case Scalar::Message:
        break;
    }
    return fail("a message where a scalar was expected");
  }

  // A Go zero value of a non-message, non-pointer field.
  static Result<json::value> zero(Scalar s) {
    switch (s) {
      case Scalar::String:
        return json::value("");
      case Scalar::Bool:
        return json::value(false);
      case Scalar::Int32:
      case Scalar::Int64:
        return json::value(0);
      case Scalar::Double:
        return json::value(0.0);
      default:  // a nil []byte
        return json::value();
    }
  }

  static bool isZero(const json::value& v) {
    switch (v.kind()) {
      case json::kind::string:
        return v.get_string().empty();
      case json::kind::bool_:
        return !v.get_bool();
      case json::kind::int64:
        return v.get_int64() == 0;
      case json::kind::double_:
        return v.get_double() == 0;
      case json::kind::null:
        return true;
      default:
        return false;
    }
  }

  // The last varint or length-delimited value of field `number`, if any.
  static const WireField* last(const Message& m, const Occurrences& all, int number) {
    auto [begin, end] = range(all, m.indexOf(number));
    return begin == end ? nullptr : &(end - 1)->f;
  }

  // metav1.Time keeps whole seconds; MicroTime keeps microseconds. An empty
  // message, or Go's zero time, is null.
  Result<json::value> time(std::string_view data, Format format, const Occurrences& all) const {
    if (data.empty()) return json::value();
    std::int64_t seconds = 0, nanos = 0;
    for (const auto& o : all) {
      if (o.f.number == 1) seconds = static_cast<std::int64_t>(o.f.num);
      if (o.f.number == 2) nanos = static_cast<std::int32_t>(static_cast<std::uint32_t>(o.f.num));
    }
    if (format == Format::Time) nanos = 0;
    nanos -= nanos % 1000;  // MicroTime truncates to microseconds
    if (seconds == kZeroTimeUnix && nanos == 0) return json::value();
    if (seconds < -kMaxUnixSeconds || seconds > kMaxUnixSeconds) return fail("time out of range");
    SystemTime t{std::chrono::duration_cast<SystemTime::duration>(std::chrono::seconds(seconds) +
                                                                  std::chrono::nanoseconds(nanos))};
    return json::value(format == Format::Time ? formatTime(t) : formatMicroTime(t));
  }

  Result<json::value> special(const Message& m, const Occurrences& all) {
    // Fields of these types are found by number, as Format documents them.
    auto repeated = [&](int number) { return range(all, m.indexOf(number)); };
    auto sub = [&](int number) -> const Field* { return m.field(number); };
    switch (m.format) {
      case Format::Duration: {
        auto d = last(m, all, 1);
        return json::value(goDuration(d ? static_cast<std::int64_t>(d->num) : 0));
      }
      case Format::Quantity: {
        auto s = last(m, all, 1);
        if (!s) return json::value("0");
        auto q = Quantity::parse(s->bytes);
        if (!q) return fail(fmt::format("quantity {:?}: {}", s->bytes, q.error().message));
        return json::value(q->canonical());
      }
      case Format::IntOrString: {
        auto type = last(m, all, 1);
        auto i = last(m, all, 2);
        auto s = last(m, all, 3);
        switch (type ? type->num : 0) {
          case 0:
            return json::value(i ? static_cast<std::int32_t>(static_cast<std::uint32_t>(i->num)) : 0);
          case 1:
            return json::value(s ? validUtf8(s->bytes) : "");
          default:
            return fail(fmt::format("impossible IntOrString type {}", type->num));
        }
      }
      case Format::RawJson: {
        auto raw = last(m, all, 1);
        if (!raw || raw->bytes.empty()) return json::value();
        auto v = parseJson(raw->bytes);
        if (!v) return fail("embedded JSON is malformed: " + v.error().message);
        return std::move(*v);
      }
      case Format::StringList: {
        auto [begin, end] = repeated(1);
        if (begin == end) return json::value();
        json::array a;
        for (auto o = begin; o != end; ++o) a.emplace_back(validUtf8(o->f.bytes));
        return json::value(std::move(a));
      }
      case Format::SchemaOrBool: {
        if (auto schema = last(m, all, 2)) return message(schema->bytes, *sub(2)->message);
        auto allows = last(m, all, 1);
        return json::value(allows && allows->num != 0);
      }
      case Format::SchemaOrArray:
      case Format::SchemaOrStringArray: {
        // A non-empty list wins over the single schema (field 1).
        auto [begin, end] = repeated(2);
        if (begin != end) {
          json::array a;
          for (auto o = begin; o != end; ++o)
            if (auto st = element(a, *sub(2), o->f); !st) return st.error();
          return json::value(std::move(a));
        }
        if (auto schema = last(m, all, 1)) return message(schema->bytes, *sub(1)->message);
        return json::value();
      }
      default:
        break;
    }
    return fail("unhandled format");
  }

  std::string path_;
  std::vector<std::string>* unknown_;
  int depth_ = 0;
};

}  // namespace

Result<json::value> decodeKubernetesProtobuf(std::string_view body, const TypeRegistry& registry,
                                             std::vector<std::string>* unknownFields) {
  if (!body.starts_with(kMagic))
    return Error::badRequest("the protobuf body does not start with the Kubernetes prefix \"k8s\\x00\"");
  std::string_view apiVersion, kind, raw, contentEncoding, contentType;
  // runtime.Unknown {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3, contentType=4}.
  auto read = [](std::string_view data, auto&& onField) -> Status {
    WireReader r(data);
    while (!r.done()) {
      auto f = r.next();
      if (!f) return Error::badRequest(f.error().message + " in the runtime.Unknown envelope");
      if (auto st = onField(*f); !st) return st;
    }
    return {};
  };
  auto text = [](const WireField& f, std::string_view& out) -> Status {
    if (f.wire != kLen) return Error::badRequest("wrong wire type in the runtime.Unknown envelope");
    out = f.bytes;
    return {};
  };
  auto st = read(body.substr(kMagic.size()), [&](const WireField& f) -> Status {
    switch (f.number) {
      case 1: {
        if (f.wire != kLen) return Error::badRequest("wrong wire type in the runtime.Unknown envelope");
        return read(f.bytes, [&](const WireField& t) -> Status {
          if (t.number == 1) return text(t, apiVersion);
          if (t.number == 2) return text(t, kind);
          return {};
        });
      }
      case 2:
        return text(f, raw);
      case 3:
        return text(f, contentEncoding);
      case 4:
        return text(f, contentType);
      default:
        return {};
    }
  });
  if (!st) return st.error();
  if (kind.empty()) return Error::badRequest("Object 'Kind' is missing in the protobuf body");
  if (apiVersion.empty()) return Error::badRequest("Object 'apiVersion' is missing in the protobuf body");
  if (!contentEncoding.empty())
    return Error::badRequest(fmt::format("unsupported content encoding {:?} in the protobuf body", contentEncoding));
  if (!contentType.empty() && contentType != kProtobufMediaType)
    return Error::badRequest(fmt::format("unsupported content type {:?} in the protobuf body", contentType));
  const Message* m = registry.kind(apiVersion, kind);
  if (!m) return Error::badRequest(fmt::format("no kind {:?} is registered for version {:?}", kind, apiVersion));

  auto obj = Decoder(*m, unknownFields).message(raw, *m);
  if (!obj) return obj.error();
  json::object out{{"kind", kind}, {"apiVersion", apiVersion}};
  for (auto& [k, v] : obj->as_object()) out[k] = std::move(v);
  return json::value(std::move(out));
}

}  // namespace kwok::api::types
