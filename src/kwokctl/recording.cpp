#include "kwokctl/recording.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>

#include "api/catalog.h"
#include "kwokctl/patch_diff.h"

namespace kwok::kwokctl {

using SteadyClock = std::chrono::steady_clock;

const PatchSchema* patchSchemaFor(std::string_view group, std::string_view version, std::string_view plural) {
  const api::Resource* r = api::Catalog::builtin().find(group, version, plural);
  return r ? r->patchSchema.get() : nullptr;
}

namespace {

std::string objectKey(const json::value& o) {
  return fmt::format("{}/{}", stringAt(o, {"metadata", "namespace"}), stringAt(o, {"metadata", "name"}));
}

void dropResourceVersion(json::value& o) {
  if (auto* meta = o.is_object() ? o.as_object().if_contains("metadata") : nullptr; meta && meta->is_object())
    meta->as_object().erase("resourceVersion");
}

ResourcePatch patchFor(const ApiResource& r, const json::value& o, ResourcePatch::Method m,
                       std::chrono::nanoseconds at) {
  ResourcePatch p;
  p.group = r.group;
  p.version = r.version;
  p.resource = r.plural;
  p.name = stringAt(o, {"metadata", "name"});
  p.ns = stringAt(o, {"metadata", "namespace"});
  p.duration = at;
  p.method = m;
  return p;
}

}  // namespace

void ChangeTracker::track(const ApiResource& r, const json::value& object) {
  json::value o = object;
  dropResourceVersion(o);
  objects_[r.storageName()][objectKey(o)] = std::move(o);
}

std::optional<ResourcePatch> ChangeTracker::onEvent(const ApiResource& r, std::string_view type, json::value object,
                                                    std::chrono::nanoseconds at) {
  dropResourceVersion(object);
  auto& known = objects_[r.storageName()];
  std::string key = objectKey(object);
  if (type == "DELETED") {
    known.erase(key);
    return patchFor(r, object, ResourcePatch::Method::Delete, at);
  }
  if (type != "ADDED" && type != "MODIFIED") return std::nullopt;
  auto it = known.find(key);
  if (it == known.end()) {
    ResourcePatch p = patchFor(r, object, ResourcePatch::Method::Create, at);
    p.templ = object;
    known.emplace(key, std::move(object));
    return p;
  }
  json::object diff = createTwoWayMergePatch(it->second, object, patchSchemaFor(r.group, r.version, r.plural));
  ResourcePatch p = patchFor(r, object, ResourcePatch::Method::Patch, at);
  it->second = std::move(object);
  if (diff.empty()) return std::nullopt;
  p.templ = std::move(diff);
  return p;
}

std::vector<ResourcePatch> ChangeTracker::resync(const ApiResource& r, const std::vector<json::value>& objects,
                                                 std::chrono::nanoseconds at) {
  std::vector<ResourcePatch> out;
  std::set<std::string> seen;
  for (const auto& o : objects) {
    seen.insert(objectKey(o));
    if (auto p = onEvent(r, "MODIFIED", o, at)) out.push_back(std::move(*p));
  }
  std::vector<json::value> gone;
  for (const auto& [key, o] : objects_[r.storageName()])
    if (!seen.count(key)) gone.push_back(o);
  for (auto& o : gone) out.push_back(*onEvent(r, "DELETED", std::move(o), at));
  return out;
}

namespace {

std::string queryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s)
    out += std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ? std::string(1, static_cast<char>(c))
                                                                            : fmt::format("%{:02X}", c);
  return out;
}

// Every object of `r` and the list's resourceVersion.
Result<std::pair<std::vector<json::value>, std::string>> listAll(client::RestClient& c, const ApiResource& r) {
  std::vector<json::value> items;
  std::string rv, cont;
  do {
    auto list = c.get(r.path() + "?limit=500" + (cont.empty() ? "" : "&continue=" + queryEscape(cont)));
    if (!list) return list.error();
    rv = stringAt(*list, {"metadata", "resourceVersion"});
    cont = stringAt(*list, {"metadata", "continue"});
    if (const auto* a = arrayAt(*list, {"items"}))
      for (const auto& i : *a) items.push_back(i);
  } while (!cont.empty());
  return std::make_pair(std::move(items), rv);
}

// The shared state of a recording: the tracker and the changes waiting to
// be written in time order.
class Recorder {
 public:
  Recorder(client::RestClient& client, SnapshotWriter& writer, SteadyClock::time_point start, const StopToken& stop)
      : client_(client), writer_(writer), start_(start), stop_(stop) {}

  void track(const ApiResource& r, const json::value& o) {
    std::lock_guard lk(mu_);
    tracker_.track(r, o);
  }

  // Watches `r` from `rv` until the stop, relisting when the watch expires.
  void watch(const ApiResource& r, std::string rv) {
    while (!stop_.requested()) {
      bool gone = false;
      net::CancelToken cancel;
      int id = stop_.onStop([&] { cancel.cancel(); });
      std::string path = r.path() + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + queryEscape(rv);
      Status st = client_.watch(
          path,
          [&](client::WatchEvent&& e) {
            if (e.type == "ERROR") {
              gone = findPath(e.object, {"code"}) && findPath(e.object, {"code"})->is_int64() &&
                     findPath(e.object, {"code"})->get_int64() == 410;
              return false;
            }
            if (auto v = stringAt(e.object, {"metadata", "resourceVersion"}); !v.empty()) rv = v;
            if (e.type == "BOOKMARK") return true;
            auto at = SteadyClock::now() - start_;
            std::lock_guard lk(mu_);
            if (auto p = tracker_.onEvent(r, e.type, std::move(e.object), at)) pending_.push_back(std::move(*p));
            return true;
          },
          &cancel);
      stop_.removeOnStop(id);
      if (stop_.requested()) return;
      if (!st && st.error().code == 410) gone = true;
      if (gone) {
        // Too far behind for a watch: relist and record the difference.
        auto listed = listAll(client_, r);
        if (listed) {
          std::lock_guard lk(mu_);
          for (auto& p : tracker_.resync(r, listed->first, SteadyClock::now() - start_)) pending_.push_back(std::move(p));
          rv = listed->second;
          continue;
        }
      }
      if (!st || gone) stop_.waitFor(std::chrono::seconds(1));  // the server may be restarting
    }
  }

  // Writes the changes that happened before `cutoff` (all with nullopt), in time order.
  Status flush(std::optional<std::chrono::nanoseconds> cutoff) {
    std::vector<ResourcePatch> ready;
    {
      std::lock_guard lk(mu_);
      std::stable_sort(pending_.begin(), pending_.end(),
                       [](const ResourcePatch& a, const ResourcePatch& b) { return a.duration < b.duration; });
      auto end = cutoff ? std::find_if(pending_.begin(), pending_.end(),
                                       [&](const ResourcePatch& p) { return p.duration > *cutoff; })
                        : pending_.end();
      ready.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(end));
      pending_.erase(pending_.begin(), end);
    }
    for (const auto& p : ready)
      if (auto st = writer_.writePatch(p); !st) return st;
    return {};
  }

 private:
  client::RestClient& client_;
  SnapshotWriter& writer_;
  SteadyClock::time_point start_;
  const StopToken& stop_;
  std::mutex mu_;
  ChangeTracker tracker_;
  std::vector<ResourcePatch> pending_;
};

}  // namespace

Status record(client::RestClient& client, const std::vector<ApiResource>& resources, SnapshotWriter& writer,
              bool snapshotOnly, const StopToken& stop, const Ui& ui) {
  auto start = SteadyClock::now();
  std::vector<ListedResource> listed;
  Status st = ui.step("Saving a snapshot of " + std::to_string(resources.size()) + " resources", [&]() -> Status {
    auto l = saveObjects(client, resources, writer);
    if (!l) return l.error();
    listed = std::move(*l);
    return {};
  });
  if (!st) return st;
  if (!snapshotOnly) {
    Recorder recorder(client, writer, start, stop);
    for (const auto& l : listed)
      for (const auto& [_, o] : l.objects) recorder.track(l.resource, o);
    ui.note("Recording changes; stop with Ctrl+C (SIGINT) or SIGTERM");
    std::vector<std::thread> watchers;
    for (const auto& l : listed) watchers.emplace_back([&recorder, &l] { recorder.watch(l.resource, l.resourceVersion); });
    // Changes from different watches arrive a little out of order: hold
    // each for a second before writing, so the file stays in time order.
    while (!stop.waitFor(std::chrono::milliseconds(200)) && st)
      st = recorder.flush(SteadyClock::now() - start - std::chrono::seconds(1));
    for (auto& t : watchers) t.join();
    if (Status last = recorder.flush(std::nullopt); st && !last) st = last;
    if (!st) return st;
  }
  if (st = writer.finish(); !st) return st;
  ui.note(fmt::format("Wrote {} and {}", counted(writer.objects(), "object"), counted(writer.patches(), "change")));
  return {};
}

namespace {

class Replayer {
 public:
  Replayer(AdminClient& admin, const ResourceMapper& mapper) : admin_(admin), mapper_(mapper) {}

  Status store(const ApiResource& r, json::value o) {
    dropResourceVersion(o);
    std::string ns(r.namespaced ? stringAt(o, {"metadata", "namespace"}) : std::string_view());
    std::string name(stringAt(o, {"metadata", "name"}));
    auto stored = admin_.put(r.storageName(), ns, name, o);
    if (!stored) return stored.error();
    objects_[r.storageName()][ns + "/" + name] = std::move(o);
    return {};
  }

  Status apply(const ResourcePatch& p) {
    auto r = mapper_.forResource(p.group, p.resource);
    if (!r) return Error::notFound(fmt::format("the server does not serve {}", p.resource));
    std::string ns = r->namespaced ? p.ns : std::string(), key = ns + "/" + p.name;
    auto& known = objects_[r->storageName()];
    switch (p.method) {
      case ResourcePatch::Method::Delete:
        known.erase(key);
        return admin_.remove(r->storageName(), ns, p.name);
      case ResourcePatch::Method::Create:
        return store(*r, p.templ);
      case ResourcePatch::Method::Patch: {
        auto it = known.find(key);
        json::value current;
        if (it != known.end()) {
          current = it->second;
        } else {
          // Changed before the recording saw it: start from what is stored.
          auto got = admin_.get(r->storageName(), ns, p.name);
          if (!got) return got.error();
          current = std::move(*got);
          dropResourceVersion(current);
        }
        auto patched = applyStrategicMergePatch(current, p.templ, patchSchemaFor(r->group, p.version, r->plural));
        if (!patched) return patched.error();
        return store(*r, std::move(*patched));
      }
    }
    return {};
  }

 private:
  AdminClient& admin_;
  const ResourceMapper& mapper_;
  std::map<std::string, std::map<std::string, json::value>> objects_;
};

}  // namespace

ReplayResult replay(AdminClient& admin, const ResourceMapper& mapper, const SnapshotContents& contents,
                    bool snapshotOnly, const StopToken& stop) {
  ReplayResult result;
  Replayer replayer(admin, mapper);
  for (const auto& o : contents.objects) {
    auto r = mapper.forKind(stringAt(o, {"apiVersion"}), stringAt(o, {"kind"}));
    Status st = r ? replayer.store(*r, o) : Status(Error::notFound("the server does not serve this kind"));
    if (st)
      ++result.objects;
    else
      result.failed.push_back(describe(o) + ": " + st.error().message);
  }
  if (snapshotOnly) return result;
  std::vector<const ResourcePatch*> changes;
  for (const auto& p : contents.patches) changes.push_back(&p);
  std::stable_sort(changes.begin(), changes.end(),
                   [](const ResourcePatch* a, const ResourcePatch* b) { return a->duration < b->duration; });
  auto start = SteadyClock::now();
  for (const auto* p : changes) {
    if (stop.waitUntil(start + std::chrono::duration_cast<SteadyClock::duration>(p->duration))) break;
    if (Status st = replayer.apply(*p); st)
      ++result.applied;
    else
      result.failed.push_back(fmt::format("{} of {} {}{}{}: {}", p->method == ResourcePatch::Method::Patch ? "patch" : "change", p->resource, p->ns,
                                          p->ns.empty() ? "" : "/", p->name, st.error().message));
  }
  return result;
}

Status replayFile(Cluster& cluster, const std::string& path, bool snapshotOnly, const StopToken& stop, const Ui& ui) {
  auto base = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto contents = readSnapshotFile(path, base);
  if (!contents) return contents.error();
  if (ui.dryRun) {
    ui.dryRun(fmt::format("# store {} objects as they are, then apply {} changes at their times", contents->objects.size(),
                          snapshotOnly ? 0 : contents->patches.size()));
    return {};
  }
  auto cfg = cluster.adminConfig();
  if (!cfg) return cfg.error();
  auto client = client::RestClient::create(*cfg);
  if (!client) return client.error();
  auto mapper = ResourceMapper::discover(**client);
  if (!mapper) return mapper.error();
  auto admin = AdminClient::create(*cfg);
  if (!admin) return admin.error();
  auto lock = cluster.lock();
  if (!lock) return lock.error();
  ReplayResult result;
  Status st = cluster.withOthersPaused(ui, [&] {
    std::string objects = counted(contents->objects.size(), "object");
    std::string what = snapshotOnly ? "Restoring " + objects
                                    : fmt::format("Replaying {} and {}", objects,
                                                  counted(contents->patches.size(), "change"));
    return ui.step(what, [&]() -> Status {
      result = replay(*admin, *mapper, *contents, snapshotOnly, stop);
      return {};
    });
  });
  if (!st) return st;
  ui.note(fmt::format("Stored {} and applied {}{}", counted(result.objects, "object"),
                      counted(result.applied, "change"),
                      stop.requested() ? " (stopped early)" : ""));
  if (!result.failed.empty()) {
    std::string list;
    for (const auto& f : result.failed) list += "\n  " + f;
    return Error::internal(fmt::format("{} objects or changes could not be replayed:{}", result.failed.size(), list));
  }
  return {};
}

}  // namespace kwok::kwokctl
