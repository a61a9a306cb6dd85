#include "kwokctl/snapshot_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "core/yaml.h"

namespace kwok::kwokctl {

namespace {

constexpr std::string_view kPatchApiVersion = "action.kwok.x-k8s.io/v1alpha1";
constexpr std::string_view kHeader = "# kwokctl snapshot";
constexpr std::string_view kEnd = "# end of snapshot: ";
constexpr std::string_view kOffset = "$(time-offset-nanosecond ";

bool digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return false;
  for (std::size_t i = at; i < at + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// The length of an RFC 3339 time starting at `at`
// (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})), or 0.
std::size_t timeAt(std::string_view s, std::size_t at) {
  if (!digits(s, at, 4) || s.size() < at + 20 || s[at + 4] != '-' || !digits(s, at + 5, 2) || s[at + 7] != '-' ||
      !digits(s, at + 8, 2) || s[at + 10] != 'T' || !digits(s, at + 11, 2) || s[at + 13] != ':' ||
      !digits(s, at + 14, 2) || s[at + 16] != ':' || !digits(s, at + 17, 2))
    return 0;
  std::size_t i = at + 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i + 1) return 0;
    i = j;
  }
  if (i < s.size() && s[i] == 'Z') return i + 1 - at;
  if (i < s.size() && (s[i] == '+' || s[i] == '-') && digits(s, i + 1, 2) && i + 3 < s.size() && s[i + 3] == ':' &&
      digits(s, i + 4, 2))
    return i + 6 - at;
  return 0;
}

template <class Fn>
void forEachString(json::value& v, const Fn& fn) {
  if (v.is_string()) {
    std::string s(v.get_string());
    if (fn(s)) v = s;
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) forEachString(kv.value(), fn);
  } else if (v.is_array()) {
    for (auto& e : v.get_array()) forEachString(e, fn);
  }
}

std::string methodName(ResourcePatch::Method m) {
  switch (m) {
    case ResourcePatch::Method::Create: return "create";
    case ResourcePatch::Method::Patch: return "patch";
    case ResourcePatch::Method::Delete: return "delete";
  }
  return "";
}

}  // namespace

void relativizeTimes(json::value& v, SystemTime base) {
  forEachString(v, [&](std::string& s) {
    if (s.size() < 20) return false;
    std::string out;
    bool changed = false;
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = (i == 0 || !std::isdigit(static_cast<unsigned char>(s[i - 1]))) ? timeAt(s, i) : 0;
      auto t = n ? parseTime(std::string_view(s).substr(i, n)) : std::nullopt;
      if (!t) {
        out += s[i++];
        continue;
      }
      out += fmt::format("{}{})", kOffset, std::chrono::duration_cast<std::chrono::nanoseconds>(*t - base).count());
      i += n;
      changed = true;
    }
    if (changed) s = std::move(out);
    return changed;
  });
}

void absolutizeTimes(json::value& v, SystemTime base) {
  forEachString(v, [&](std::string& s) {
    if (s.find(kOffset) == std::string::npos) return false;
    std::string out;
    std::size_t i = 0;
    bool changed = false;
    for (std::size_t at; (at = s.find(kOffset, i)) != std::string::npos;) {
      std::size_t close = s.find(')', at);
      long long ns = 0;
      std::string_view num = std::string_view(s).substr(at + kOffset.size(), close - at - kOffset.size());
      bool ok = close != std::string::npos && !num.empty() &&
                std::from_chars(num.data(), num.data() + num.size(), ns).ptr == num.data() + num.size();
      out.append(s, i, at - i);
      if (!ok) {
        out.append(s, at, kOffset.size());
        i = at + kOffset.size();
        continue;
      }
      auto offset = std::chrono::nanoseconds(ns);
      SystemTime t = base + std::chrono::duration_cast<SystemTime::duration>(offset);
      out += offset % std::chrono::seconds(1) == std::chrono::nanoseconds(0) ? formatTime(t) : formatMicroTime(t);
      i = close + 1;
      changed = true;
    }
    out.append(s, i);
    if (changed) s = std::move(out);
    return changed;
  });
}

// ---- ResourcePatch ----

bool ResourcePatch::is(const json::value& doc) {
  return stringAt(doc, {"kind"}) == "ResourcePatch" && stringAt(doc, {"apiVersion"}) == kPatchApiVersion;
}

json::value ResourcePatch::toJson() const {
  json::object res{{"version", version}, {"resource", resource}};
  if (!group.empty()) res = json::object{{"group", group}, {"version", version}, {"resource", resource}};
  json::object target{{"name", name}};
  if (!ns.empty()) target["namespace"] = ns;
  json::object o{{"apiVersion", kPatchApiVersion},
                 {"kind", "ResourcePatch"},
                 {"resource", std::move(res)},
                 {"target", std::move(target)},
                 {"durationNanosecond", duration.count()},
                 {"method", methodName(method)}};
  if (!templ.is_null()) o["template"] = templ;
  return o;
}

Result<ResourcePatch> ResourcePatch::fromJson(const json::value& doc) {
  ResourcePatch p;
  p.group = stringAt(doc, {"resource", "group"});
  p.version = stringAt(doc, {"resource", "version"});
  p.resource = stringAt(doc, {"resource", "resource"});
  p.name = stringAt(doc, {"target", "name"});
  p.ns = stringAt(doc, {"target", "namespace"});
  if (p.resource.empty() || p.name.empty())
    return Error::badRequest("a ResourcePatch needs resource.resource and target.name");
  const json::value* d = findPath(doc, {"durationNanosecond"});
  if (!d || !(d->is_int64() || d->is_uint64()))
    return Error::badRequest(fmt::format("ResourcePatch of {} {}: durationNanosecond must be an integer", p.resource,
                                         p.name));
  p.duration = std::chrono::nanoseconds(d->is_int64() ? d->get_int64() : static_cast<std::int64_t>(d->get_uint64()));
  std::string_view m = stringAt(doc, {"method"});
  if (m == "create") p.method = Method::Create;
  else if (m == "patch") p.method = Method::Patch;
  else if (m == "delete") p.method = Method::Delete;
  else return Error::badRequest(fmt::format("ResourcePatch of {} {}: unknown method {:?}", p.resource, p.name, m));
  if (const json::value* t = findPath(doc, {"template"})) p.templ = *t;
  if (p.method != Method::Delete && !p.templ.is_object())
    return Error::badRequest(fmt::format("ResourcePatch of {} {}: {} needs a template object", p.resource, p.name, m));
  return p;
}

// ---- writing ----

Result<SnapshotWriter> SnapshotWriter::create(const std::string& path, bool atomic,
                                              std::optional<SystemTime> relativeTo) {
  SnapshotWriter w;
  w.path_ = path;
  w.relativeTo_ = relativeTo;
  if (atomic) {
    auto f = AtomicFile::create(path);
    if (!f) return f.error();
    w.atomic_.emplace(std::move(*f));
  } else {
    w.fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w.fd_ < 0)
      return errno == EEXIST ? Error::alreadyExists(fmt::format("file {} already exists", path))
                             : Error::internal(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  if (auto st = w.write(std::string(kHeader) + "\n"); !st) return st.error();
  return w;
}

SnapshotWriter::SnapshotWriter(SnapshotWriter&& o) noexcept
    : atomic_(std::move(o.atomic_)),
      fd_(std::exchange(o.fd_, -1)),
      path_(std::move(o.path_)),
      relativeTo_(o.relativeTo_),
      objects_(o.objects_),
      patches_(o.patches_) {}

SnapshotWriter::~SnapshotWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status SnapshotWriter::write(const std::string& text) {
  if (atomic_) return atomic_->write(text);
  std::string_view data = text;
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::internal(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status SnapshotWriter::writeDocument(json::value doc) {
  if (relativeTo_) relativizeTimes(doc, *relativeTo_);
  return write("---\n" + jsonToYaml(doc));
}

Status SnapshotWriter::writeObject(json::value object) {
  if (auto* meta = object.is_object() ? object.as_object().if_contains("metadata") : nullptr; meta && meta->is_object())
    meta->as_object().erase("resourceVersion");
  ++objects_;
  return writeDocument(std::move(object));
}

Status SnapshotWriter::writePatch(const ResourcePatch& patch) {
  ++patches_;
  return writeDocument(patch.toJson());
}

Status SnapshotWriter::finish() {
  if (auto st = write(fmt::format("{}{} objects, {} changes\n", kEnd, objects_, patches_)); !st) return st;
  if (atomic_) return atomic_->commit();
  bool ok = ::fsync(fd_) == 0;
  ok = ::close(fd_) == 0 && ok;
  fd_ = -1;
  if (!ok) return Error::internal(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
  return {};
}

// ---- reading ----

Result<SnapshotContents> parseSnapshot(const std::string& text, SystemTime base, const std::string& source) {
  // Ours: the last line must be the end line, with matching counts.
  bool ours = text.starts_with(kHeader);
  std::string_view last = text;
  while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) last.remove_suffix(1);
  last = last.substr(last.rfind('\n') + 1);
  if (ours) {
    if (!last.starts_with(kEnd))
      return Error::badRequest(fmt::format(
          "{} is truncated: a kwokctl snapshot ends with a \"{}\" line (was the save or recording interrupted?)", source,
          kEnd.substr(0, kEnd.size() - 2)));
  }
  auto docs = yamlDocumentsToJson(text);
  if (!docs) return Error::badRequest(fmt::format("{} is not a valid snapshot: {}", source, docs.error().message));
  SnapshotContents out;
  for (auto& doc : *docs) {
    absolutizeTimes(doc, base);
    if (ResourcePatch::is(doc)) {
      auto p = ResourcePatch::fromJson(doc);
      if (!p) return Error::badRequest(fmt::format("{}: {}", source, p.error().message));
      out.patches.push_back(std::move(*p));
      continue;
    }
    std::size_t index = out.objects.size() + out.patches.size() + 1;
    if (!out.patches.empty())
      return Error::badRequest(fmt::format("{}: document {} is an object after the recorded changes began", source,
                                           index));
    if (!doc.is_object() || stringAt(doc, {"apiVersion"}).empty() || stringAt(doc, {"kind"}).empty() ||
        stringAt(doc, {"metadata", "name"}).empty())
      return Error::badRequest(fmt::format("{}: document {} is not a Kubernetes object (apiVersion, kind and "
                                           "metadata.name are required)",
                                           source, index));
    out.objects.push_back(std::move(doc));
  }
  if (ours) {
    std::string expect = fmt::format("{}{} objects, {} changes", kEnd, out.objects.size(), out.patches.size());
    if (last != expect)
      return Error::badRequest(fmt::format("{} is damaged: its end line does not match its {} objects and {} changes",
                                           source, out.objects.size(), out.patches.size()));
  }
  return out;
}

Result<SnapshotContents> readSnapshotFile(const std::string& path, SystemTime base) {
  auto text = readFile(path);
  if (!text) return text.error();
  if (text->size() >= 16 && text->compare(0, 16, std::string("SQLite format 3\0", 16)) == 0)
    return Error::badRequest(fmt::format("{} is an etcd-format snapshot (a store file): use --format etcd", path));
  return parseSnapshot(*text, base, path);
}

}  // namespace kwok::kwokctl
