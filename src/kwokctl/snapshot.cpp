#include "kwokctl/snapshot.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "core/random.h"
#include "kwokctl/admin_client.h"
#include "kwokctl/files.h"

namespace kwok::kwokctl {

namespace fs = std::filesystem;

// ---- etcd format ----

namespace {

std::uint32_t bigEndian(const std::string& b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

class Db {
 public:
  ~Db() { sqlite3_close(db_); }
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  ~Stmt() { sqlite3_finalize(st_); }
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace

Result<StoreFileInfo> validateStoreFile(const std::string& path, const std::string& name) {
  auto refuse = [&](const std::string& why) -> Error {
    return Error::badRequest(
        fmt::format("{} is not a usable etcd-format snapshot: {}", name.empty() ? path : name, why));
  };
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Error::notFound(fmt::format("cannot read {}: {}", path, ec.message()));
  std::string header;
  {
    auto text = readFile(path);
    if (!text) return text.error();
    header = text->substr(0, 100);
  }
  if (header.size() < 100 || header.compare(0, 16, std::string("SQLite format 3\0", 16)) != 0)
    return refuse("it is not a kwok store (a SQLite database); a YAML snapshot needs --format k8s");
  std::uint32_t pageSize = bigEndian(header, 16, 2);
  if (pageSize == 1) pageSize = 65536;
  // The page count in the header is valid when its "valid-for" number
  // matches the change counter (always so for files SQLite 3.7+ wrote).
  std::uint64_t pages = bigEndian(header, 28, 4);
  if (bigEndian(header, 92, 4) == bigEndian(header, 24, 4) && pages * pageSize > size)
    return refuse(fmt::format("it is truncated ({} bytes of {})", size, pages * pageSize));

  Db db;
  // immutable: read the file as it is, without creating -wal/-shm files.
  std::string uri = "file:" + path + "?immutable=1";
  if (sqlite3_open_v2(uri.c_str(), &db.db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK)
    return refuse(sqlite3_errmsg(db.db_));
  auto prepare = [&](Stmt& s, const char* sql) -> Status {
    if (sqlite3_prepare_v2(db.db_, sql, -1, &s.st_, nullptr) != SQLITE_OK) return refuse(sqlite3_errmsg(db.db_));
    return {};
  };
  {
    Stmt check;
    if (auto st = prepare(check, "PRAGMA integrity_check(5)"); !st) return st.error();
    std::string problems;
    while (sqlite3_step(check.st_) == SQLITE_ROW) {
      std::string line = reinterpret_cast<const char*>(sqlite3_column_text(check.st_, 0));
      if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
    }
    if (!problems.empty()) return refuse("it is corrupt: " + problems);
  }
  StoreFileInfo info;
  {
    Stmt rev;
    if (!prepare(rev, "SELECT value FROM meta WHERE key = 'revision'"))
      return refuse("it has no meta table: not a kwok store");
    if (sqlite3_step(rev.st_) == SQLITE_ROW) info.revision = sqlite3_column_int64(rev.st_, 0);
  }
  Stmt rows;
  if (!prepare(rows, "SELECT resource, ns, name, rev, value FROM objects"))
    return refuse("it has no objects table: not a kwok store");
  int rc;
  while ((rc = sqlite3_step(rows.st_)) == SQLITE_ROW) {
    ++info.objects;
    std::string_view value(reinterpret_cast<const char*>(sqlite3_column_blob(rows.st_, 4)),
                           static_cast<std::size_t>(sqlite3_column_bytes(rows.st_, 4)));
    auto obj = parseJson(value);
    std::int64_t rev = sqlite3_column_int64(rows.st_, 3);
    if (!obj || !obj->is_object() || rev <= 0 || rev > info.revision)
      return refuse(fmt::format("its object {} {}/{} is damaged",
                                reinterpret_cast<const char*>(sqlite3_column_text(rows.st_, 0)),
                                reinterpret_cast<const char*>(sqlite3_column_text(rows.st_, 1)),
                                reinterpret_cast<const char*>(sqlite3_column_text(rows.st_, 2))));
  }
  if (rc != SQLITE_DONE) return refuse(sqlite3_errmsg(db.db_));
  return info;
}

Status saveStore(const Cluster& cluster, const std::string& path, const Ui& ui) {
  if (ui.dryRun) {
    ui.dryRun(fmt::format("curl --cert {} --key {} --cacert {} {}/kwok/v1/snapshot -o {}", cluster.path("pki/admin.crt"),
                          cluster.path("pki/admin.key"), cluster.path("pki/ca.crt"),
                          apiserverUrl(cluster.config().options, cluster.config().options.kubeApiserverPort), path));
    return {};
  }
  return ui.step("Saving the store to " + path, [&]() -> Status {
    auto cfg = cluster.adminConfig();
    if (!cfg) return cfg.error();
    auto admin = AdminClient::create(*cfg);
    if (!admin) return admin.error();
    auto bytes = admin->snapshot();
    if (!bytes) return bytes.error();
    return writeFileAtomic(path, *bytes, 0600);
  });
}

Status restoreStore(Cluster& cluster, const std::string& path, const Ui& ui) {
  std::string db = cluster.path("state.db");
  if (ui.dryRun) {
    ui.dryRun("# check that " + path + " is a whole kwok store");
    (void)cluster.stop(ui);
    ui.dryRun(fmt::format("cp {} {} && rm -f {}-wal {}-shm", path, db, db, db));
    return cluster.start({}, ui);
  }
  // Check a private copy, so what is checked is exactly what is used.
  std::string staged = cluster.path("state.db.restore-" + randomNameSuffix(6));
  std::error_code ec;
  auto cleanup = [&] {
    fs::remove(staged, ec);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(staged + suffix, ec);
  };
  StoreFileInfo info;
  Status st = ui.step("Checking " + path, [&]() -> Status {
    fs::copy_file(path, staged, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error::notFound(fmt::format("cannot read {}: {}", path, ec.message()));
    auto checked = validateStoreFile(staged, path);
    if (!checked) return checked.error();
    info = *checked;
    return {};
  });
  if (!st) {
    cleanup();
    return st;
  }
  auto lock = cluster.lock();
  if (!lock) {
    cleanup();
    return lock.error();
  }
  if (st = cluster.stop(ui); !st) {
    cleanup();
    return st;
  }
  // Keep the current store until the restored one is up, to roll back to.
  std::string previous = cluster.path("state.db.before-restore");
  std::vector<std::pair<std::string, std::string>> moved;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (!fs::exists(db + suffix, ec)) continue;
    fs::rename(db + suffix, previous + suffix, ec);
    if (!ec) moved.emplace_back(db + suffix, previous + suffix);
  }
  auto rollback = [&](const Error& e) -> Status {
    (void)cluster.stop(Ui{});
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db + suffix, ec);
    for (const auto& [from, to] : moved) fs::rename(to, from, ec);
    cleanup();
    Status again = cluster.start({}, Ui{});
    return Error::internal(fmt::format("restoring {} failed: {}\nThe previous state {}.", path, e.message,
                                       again ? "is back and running" : "is back, but did not start: " +
                                                                          again.error().message));
  };
  fs::rename(staged, db, ec);
  if (ec) return rollback(Error::internal(fmt::format("cannot replace {}: {}", db, ec.message())));
  if (st = cluster.start({}, ui); !st) return rollback(st.error());
  ui.note(fmt::format("Restored {} at revision {}", counted(info.objects, "object"), info.revision));
  for (const auto& [_, to] : moved) fs::remove(to, ec);
  cleanup();
  return {};
}

// ---- k8s format ----

std::string describe(const json::value& o) {
  std::string_view ns = stringAt(o, {"metadata", "namespace"});
  return fmt::format("{} {}{}{}", stringAt(o, {"kind"}), ns, ns.empty() ? "" : "/", stringAt(o, {"metadata", "name"}));
}

Result<std::vector<ApiResource>> resolveFilters(const ResourceMapper& mapper, const std::vector<std::string>& filters,
                                                bool userGiven) {
  std::vector<ApiResource> out;
  for (const auto& f : filters) {
    auto r = mapper.resolve(f);
    if (!r) {
      if (userGiven)
        return Error::badRequest(fmt::format("--filter {}: {} (see kubectl api-resources)", f, r.error().message));
      continue;
    }
    bool dup = std::any_of(out.begin(), out.end(), [&](const ApiResource& a) {
      return a.group == r->group && a.plural == r->plural;
    });
    if (!dup) out.push_back(std::move(*r));
  }
  return out;
}

namespace {

std::string objectKey(const json::value& o) {
  return fmt::format("{}/{}", stringAt(o, {"metadata", "namespace"}), stringAt(o, {"metadata", "name"}));
}

std::string queryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s)
    out += std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ? std::string(1, static_cast<char>(c))
                                                                            : fmt::format("%{:02X}", c);
  return out;
}

}  // namespace

Result<std::vector<ListedResource>> saveObjects(client::RestClient& client, const std::vector<ApiResource>& resources,
                                                SnapshotWriter& writer) {
  std::vector<ListedResource> out;
  for (const auto& r : resources) {
    ListedResource listed{r, "", {}};
    std::string cont;
    do {
      std::string path = r.path() + "?limit=500";
      if (!cont.empty()) path += "&continue=" + queryEscape(cont);
      auto list = client.get(path);
      if (!list) return Error{list.error().code, list.error().reason,
                              fmt::format("listing {}: {}", r.storageName(), list.error().message)};
      listed.resourceVersion = stringAt(*list, {"metadata", "resourceVersion"});
      cont = stringAt(*list, {"metadata", "continue"});
      if (const auto* items = arrayAt(*list, {"items"})) {
        for (const auto& item : *items) {
          // List items carry no type; snapshots need it on every document.
          json::object o{{"apiVersion", r.apiVersion()}, {"kind", r.kind}};
          for (const auto& kv : item.as_object())
            if (kv.key() != "apiVersion" && kv.key() != "kind") o[kv.key()] = kv.value();
          if (auto* meta = o.if_contains("metadata"); meta && meta->is_object())
            meta->as_object().erase("resourceVersion");
          json::value v(std::move(o));
          listed.objects[objectKey(v)] = v;
          if (auto st = writer.writeObject(v); !st) return st.error();
        }
      }
    } while (!cont.empty());
    out.push_back(std::move(listed));
  }
  return out;
}

RestorePlan planRestore(std::vector<json::value> objects, const std::function<bool(const json::value&)>& keep) {
  RestorePlan plan;
  std::vector<json::value> kept;
  for (auto& o : objects)
    if (!keep || keep(o)) kept.push_back(std::move(o));
  auto tier = [](const json::value& o) {
    std::string_view kind = stringAt(o, {"kind"});
    return kind == "Namespace" ? 0 : kind == "CustomResourceDefinition" ? 1 : 2;
  };
  std::stable_sort(kept.begin(), kept.end(),
                   [&](const json::value& a, const json::value& b) { return tier(a) < tier(b); });

  std::set<std::string> inSnapshot, placed;
  for (const auto& o : kept)
    if (auto uid = stringAt(o, {"metadata", "uid"}); !uid.empty()) inSnapshot.emplace(uid);
  auto owners = [](const json::value& o) {
    std::vector<std::string> uids;
    if (const auto* refs = arrayAt(o, {"metadata", "ownerReferences"}))
      for (const auto& r : *refs) uids.emplace_back(stringAt(r, {"uid"}));
    return uids;
  };
  // Objects whose owners are all in the snapshot wait for them; the rest are skipped.
  std::vector<json::value> waiting;
  for (auto& o : kept) {
    std::string missing;
    for (const auto& uid : owners(o)) {
      if (inSnapshot.count(uid)) continue;
      for (const auto& r : *arrayAt(o, {"metadata", "ownerReferences"}))
        if (stringAt(r, {"uid"}) == uid)
          missing = fmt::format("its owner {} {} is not among the objects restored", stringAt(r, {"kind"}), stringAt(r, {"name"}));
      break;
    }
    if (!missing.empty()) {
      inSnapshot.erase(std::string(stringAt(o, {"metadata", "uid"})));
      plan.skipped.push_back({std::move(o), std::move(missing)});
    } else {
      waiting.push_back(std::move(o));
    }
  }
  // Place objects whose owners are placed, pass after pass (keeping file
  // order within a pass), until nothing moves.
  for (bool progress = true; progress && !waiting.empty();) {
    progress = false;
    std::vector<json::value> next;
    for (auto& o : waiting) {
      auto uids = owners(o);
      bool ready = std::all_of(uids.begin(), uids.end(), [&](const std::string& u) { return placed.count(u) != 0; });
      if (!ready) {
        next.push_back(std::move(o));
        continue;
      }
      placed.emplace(stringAt(o, {"metadata", "uid"}));
      plan.objects.push_back(std::move(o));
      progress = true;
    }
    waiting = std::move(next);
  }
  for (auto& o : waiting)
    plan.skipped.push_back({std::move(o), "its owners are missing from the snapshot or own it in turn"});
  return plan;
}

void remapOwners(json::value& object, const std::map<std::string, std::string>& uids) {
  auto* meta = object.is_object() ? object.as_object().if_contains("metadata") : nullptr;
  auto* refs = meta && meta->is_object() ? meta->as_object().if_contains("ownerReferences") : nullptr;
  if (!refs || !refs->is_array()) return;
  for (auto& r : refs->as_array()) {
    if (!r.is_object()) continue;
    auto it = uids.find(std::string(stringAt(r, {"uid"})));
    if (it != uids.end()) r.as_object()["uid"] = it->second;
  }
}

namespace {

// The object as a create request: the server assigns identity and version.
json::value forCreate(json::value o) {
  auto& meta = o.as_object()["metadata"].as_object();
  for (const char* k : {"uid", "resourceVersion", "creationTimestamp", "selfLink", "managedFields", "generation"})
    meta.erase(k);
  return o;
}

// Waits until discovery serves the CRDs' resources (they are served once
// established), then reloads the mapper.
void refreshForCrds(client::RestClient& client, ResourceMapper& mapper, const std::vector<json::value>& crds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto fresh = ResourceMapper::discover(client);
    bool all = fresh && std::all_of(crds.begin(), crds.end(), [&](const json::value& crd) {
                 return fresh->forResource(stringAt(crd, {"spec", "group"}), stringAt(crd, {"spec", "names", "plural"}))
                     .has_value();
               });
    if (fresh && (all || std::chrono::steady_clock::now() >= deadline)) {
      mapper = std::move(*fresh);
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

RestoreResult restoreObjects(client::RestClient& client, ResourceMapper& mapper, const RestorePlan& plan) {
  RestoreResult result;
  for (const auto& s : plan.skipped) result.skipped.push_back(describe(s.object) + ": " + s.reason);
  std::map<std::string, std::string> uids;
  std::vector<json::value> crds;
  bool refreshed = true;
  for (const auto& original : plan.objects) {
    std::string_view kind = stringAt(original, {"kind"});
    if (kind == "CustomResourceDefinition") {
      crds.push_back(original);
      refreshed = false;
    } else if (!refreshed) {
      refreshForCrds(client, mapper, crds);
      refreshed = true;
    }
    auto res = mapper.forKind(stringAt(original, {"apiVersion"}), kind);
    if (!res) {
      result.skipped.push_back(describe(original) + ": the server does not serve " +
                               std::string(stringAt(original, {"apiVersion"})) + " " + std::string(kind));
      continue;
    }
    json::value obj = original;
    remapOwners(obj, uids);
    std::string ns(stringAt(obj, {"metadata", "namespace"})), name(stringAt(obj, {"metadata", "name"}));
    if (!res->namespaced) ns.clear();
    auto made = client.post(res->path(ns), forCreate(obj));
    bool updated = false;
    if (!made) {
      // It may exist (a server can refuse the create for a reason found
      // first, such as an allocated cluster IP): update it in place,
      // keeping its identity.
      if (auto current = client.get(res->path(ns, name))) {
        json::value body = forCreate(obj);
        auto& meta = body.as_object()["metadata"].as_object();
        meta["resourceVersion"] = stringAt(*current, {"metadata", "resourceVersion"});
        made = client.put(res->path(ns, name), body);
        updated = true;
      }
    }
    if (!made) {
      result.failed.push_back(describe(original) + ": " + made.error().message);
      continue;
    }
    const json::value* status = findPath(original, {"status"});
    if (res->hasStatus && status && toJson(*status) != toJson(findPath(*made, {"status"}) ? *findPath(*made, {"status"})
                                                                                          : json::value())) {
      json::value withStatus = *made;
      withStatus.as_object()["status"] = *status;
      auto st = client.put(res->path(ns, name, "status"), withStatus);
      if (!st) result.failed.push_back(describe(original) + " status: " + st.error().message);
    }
    if (auto uid = stringAt(original, {"metadata", "uid"}); !uid.empty())
      uids[std::string(uid)] = stringAt(*made, {"metadata", "uid"});
    ++(updated ? result.updated : result.created);
  }
  return result;
}

Status restoreObjectsFile(Cluster& cluster, const std::string& path, const std::vector<std::string>& filters,
                          bool userFilters, const Ui& ui) {
  auto contents = readSnapshotFile(path, std::chrono::time_point_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now()));
  if (!contents) return contents.error();
  if (ui.dryRun) {
    ui.dryRun(fmt::format("kubectl create -f {}  # {} objects, in dependency order", path, contents->objects.size()));
    return {};
  }
  auto cfg = cluster.adminConfig();
  if (!cfg) return cfg.error();
  auto client = client::RestClient::create(*cfg);
  if (!client) return client.error();
  auto mapper = ResourceMapper::discover(**client);
  if (!mapper) return mapper.error();
  auto wanted = resolveFilters(*mapper, filters, userFilters);
  if (!wanted) return wanted.error();
  // Filters name resources; objects name their group and kind.
  std::set<std::pair<std::string, std::string>> kinds;
  for (const auto& r : *wanted) kinds.emplace(r.group, r.kind);
  auto keep = [&](const json::value& o) {
    std::string_view apiVersion = stringAt(o, {"apiVersion"});
    auto slash = apiVersion.find('/');
    std::string group(slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash));
    return kinds.count({group, std::string(stringAt(o, {"kind"}))}) != 0;
  };
  RestorePlan plan = planRestore(std::move(contents->objects), keep);
  auto lock = cluster.lock();
  if (!lock) return lock.error();
  RestoreResult result;
  Status st = cluster.withOthersPaused(ui, [&] {
    return ui.step(fmt::format("Restoring {} objects from {}", plan.objects.size(), path), [&]() -> Status {
      result = restoreObjects(**client, *mapper, plan);
      return {};
    });
  });
  if (!st) return st;
  for (const auto& s : result.skipped) ui.note("Skipped " + s);
  ui.note(fmt::format("Restored {} ({} created, {} updated), skipped {}, failed {}",
                      counted(result.created + result.updated, "object"), result.created, result.updated,
                      result.skipped.size(), result.failed.size()));
  if (!result.failed.empty()) {
    std::string list;
    bool missingNamespace = false;
    for (const auto& f : result.failed) {
      list += "\n  " + f;
      missingNamespace = missingNamespace || f.find("namespaces \"") != std::string::npos;
    }
    // The usual cause: --filter left out the namespaces the objects live in.
    if (missingNamespace) list += "\n(restore their namespaces too: add namespace to --filter)";
    return Error::internal(
        fmt::format("{} of {} objects could not be restored:{}", result.failed.size(), plan.objects.size(), list));
  }
  return {};
}

}  // namespace kwok::kwokctl
