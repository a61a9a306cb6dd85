#include "store/store.h"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "store/sqlite_backend.h"

namespace kwok::store {

std::optional<std::string_view> Index::label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return v;
  return std::nullopt;
}

std::string Index::field(std::string_view name) const {
  if (!fieldNames) return {};
  for (std::size_t i = 0; i < fieldNames->size() && i < fieldValues.size(); ++i)
    if ((*fieldNames)[i] == name) return fieldValues[i];
  return {};
}

namespace {

std::string mapKey(std::string_view ns, std::string_view name) {
  std::string k;
  k.reserve(ns.size() + name.size() + 1);
  k.append(ns).append("/").append(name);
  return k;
}

class WatchImpl;

struct RingEvent {
  Event event;
  std::chrono::steady_clock::time_point at;
};

struct ResourceState {
  std::map<std::string, EntryPtr, std::less<>> objects;
  std::deque<RingEvent> ring;
  std::int64_t ringStart = 0;  // every event after this revision is in `ring`
  std::vector<WatchImpl*> watchers;
};

class StoreImpl;

class WatchImpl final : public Watch {
 public:
  WatchImpl(StoreImpl* store, std::string resource, std::string ns, std::size_t maxQueued)
      : store_(store), resource_(std::move(resource)), ns_(std::move(ns)), maxQueued_(maxQueued) {}
  ~WatchImpl() override;

  bool next(std::vector<Event>& out, std::chrono::milliseconds timeout) override {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, timeout, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return false;
    out.insert(out.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    return true;
  }

  bool closed() const override {
    std::lock_guard lk(mu_);
    return closed_ && queue_.empty();
  }

  bool wants(const Event& e) const { return ns_.empty() || e.object->ns == ns_; }

  void push(const Event& e) {
    std::lock_guard lk(mu_);
    if (closed_) return;
    if (queue_.size() >= maxQueued_) {
      closed_ = true;  // too far behind: the client re-lists
    } else {
      queue_.push_back(e);
    }
    cv_.notify_one();
  }

  void close() {
    std::lock_guard lk(mu_);
    closed_ = true;
    cv_.notify_one();
  }

  const std::string& resource() const { return resource_; }

 private:
  StoreImpl* store_;
  std::string resource_, ns_;
  std::size_t maxQueued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> queue_;
  bool closed_ = false;
};

struct Pending {
  Write write;
  std::promise<Result<EntryPtr>> done;
};

class StoreImpl final : public Store {
 public:
  StoreImpl(std::unique_ptr<SqliteBackend> db, Indexer indexer, Options opts)
      : db_(std::move(db)), indexer_(std::move(indexer)), opts_(opts) {}

  ~StoreImpl() override {
    {
      std::lock_guard lk(queueMu_);
      stopping_ = true;
      queueCv_.notify_all();
    }
    if (writer_.joinable()) writer_.join();
    closeWatches();
  }

  Status load() {
    auto rev = db_->revision();
    if (!rev) return rev.error();
    rev_ = *rev;
    auto r = db_->forEach([&](const std::string& resource, const std::string& ns, const std::string& name,
                              std::int64_t rev, std::string value) -> Status {
      auto parsed = parseJson(value);
      if (!parsed) return Error::internal(fmt::format("stored object {}/{}/{} is not JSON", resource, ns, name));
      auto e = std::make_shared<Entry>();
      e->rev = rev;
      e->ns = ns;
      e->name = name;
      e->index = indexer_(resource, *parsed);
      e->json = std::move(value);
      state(resource).objects.emplace(mapKey(ns, name), std::move(e));
      if (rev > rev_) rev_ = rev;
      return {};
    });
    if (!r) return r;
    startRev_ = rev_;
    for (auto& [_, rs] : resources_) rs.ringStart = startRev_;
    writer_ = std::thread([this] { writerLoop(); });
    return {};
  }

  std::int64_t revision() const override {
    std::shared_lock lk(mu_);
    return rev_;
  }

  EntryPtr get(std::string_view resource, std::string_view ns, std::string_view name) const override {
    std::shared_lock lk(mu_);
    auto it = resources_.find(std::string(resource));
    if (it == resources_.end()) return nullptr;
    auto o = it->second.objects.find(mapKey(ns, name));
    return o == it->second.objects.end() ? nullptr : o->second;
  }

  List list(std::string_view resource, std::string_view ns) const override {
    std::shared_lock lk(mu_);
    return listLocked(resource, ns);
  }

  Result<EntryPtr> write(Write w) override {
    Pending p{std::move(w), {}};
    auto fut = p.done.get_future();
    {
      std::lock_guard lk(queueMu_);
      if (stopping_) return Error{503, "ServiceUnavailable", "the store is shutting down"};
      queue_.push_back(std::move(p));
      queueCv_.notify_one();
    }
    return fut.get();
  }

  Result<std::shared_ptr<Watch>> watch(std::string_view resource, std::string_view ns, std::int64_t fromRev) override {
    std::unique_lock lk(mu_);
    auto& rs = state(std::string(resource));
    if (fromRev < rs.ringStart) {
      return Error{410, "Expired", fmt::format("too old resource version: {} ({})", fromRev, rs.ringStart + 1)};
    }
    auto w = std::make_shared<WatchImpl>(this, std::string(resource), std::string(ns), opts_.maxQueuedPerWatch);
    for (const auto& [e, _] : rs.ring)
      if (e.object->rev > fromRev && w->wants(e)) w->push(e);
    rs.watchers.push_back(w.get());
    return std::shared_ptr<Watch>(w);
  }

  Result<std::pair<List, std::shared_ptr<Watch>>> listAndWatch(std::string_view resource,
                                                               std::string_view ns) override {
    std::unique_lock lk(mu_);
    List l = listLocked(resource, ns);
    auto& rs = state(std::string(resource));
    auto w = std::make_shared<WatchImpl>(this, std::string(resource), std::string(ns), opts_.maxQueuedPerWatch);
    rs.watchers.push_back(w.get());
    return std::make_pair(std::move(l), std::shared_ptr<Watch>(w));
  }

  std::int64_t oldestWatchableRevision(std::string_view resource) const override {
    std::shared_lock lk(mu_);
    auto it = resources_.find(std::string(resource));
    return it == resources_.end() ? startRev_ : it->second.ringStart;
  }

  void closeWatches() override {
    std::unique_lock lk(mu_);
    for (auto& [_, rs] : resources_)
      for (auto* w : rs.watchers) w->close();
  }

  void unregister(WatchImpl* w) {
    std::unique_lock lk(mu_);
    auto it = resources_.find(w->resource());
    if (it == resources_.end()) return;
    std::erase(it->second.watchers, w);
  }

 private:
  List listLocked(std::string_view resource, std::string_view ns) const {
    List l;
    l.rev = rev_;
    auto it = resources_.find(std::string(resource));
    if (it == resources_.end()) return l;
    const auto& objs = it->second.objects;
    if (ns.empty()) {
      l.items.reserve(objs.size());
      for (const auto& [_, e] : objs) l.items.push_back(e);
    } else {
      std::string prefix = mapKey(ns, "");
      for (auto o = objs.lower_bound(prefix); o != objs.end() && o->first.starts_with(prefix); ++o)
        l.items.push_back(o->second);
    }
    return l;
  }

  ResourceState& state(const std::string& resource) {
    auto [it, inserted] = resources_.try_emplace(resource);
    if (inserted) it->second.ringStart = startRev_;
    return it->second;
  }

  // One committed change, waiting to be published.
  struct Change {
    std::string resource;
    std::string key;
    EntryPtr entry;  // the new state (or the final state for deletions)
    EntryPtr previous;
    bool deleted;
  };

  Status backup(const std::string& path) override {
    std::packaged_task<Status()> task([this, path] { return db_->copyTo(path); });
    auto fut = task.get_future();
    {
      std::lock_guard lk(queueMu_);
      if (stopping_) return Error{503, "ServiceUnavailable", "the store is shutting down"};
      control_.push_back(std::move(task));
      queueCv_.notify_one();
    }
    return fut.get();
  }

  void writerLoop() {
    for (;;) {
      std::vector<Pending> batch;
      std::deque<std::packaged_task<Status()>> control;
      {
        std::unique_lock lk(queueMu_);
        // Wakes at least every second to age the event rings.
        queueCv_.wait_for(lk, std::chrono::seconds(1),
                          [&] { return stopping_ || !queue_.empty() || !control_.empty(); });
        control.swap(control_);
        if (stopping_ && queue_.empty() && control.empty()) return;
        std::size_t n = std::min<std::size_t>(queue_.size(), 4096);
        for (std::size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      // Control tasks (backups) run between commits, so they see a consistent state.
      for (auto& task : control) task();
      if (!batch.empty()) commitBatch(batch);
      trimAllEverySecond();
    }
  }

  // Drops the events beyond the ring's size, and those older than the
  // window but the newest few. Caller holds mu_.
  void trim(ResourceState& rs, std::chrono::steady_clock::time_point now) {
    while (rs.ring.size() > opts_.eventsPerResource ||
           (rs.ring.size() > opts_.minEventsPerResource && now - rs.ring.front().at > opts_.eventWindow)) {
      rs.ringStart = rs.ring.front().event.object->rev;
      rs.ring.pop_front();
    }
  }

  // Resources that see no writes age out of their window here.
  void trimAllEverySecond() {
    auto now = std::chrono::steady_clock::now();
    if (now - lastTrimAll_ < std::chrono::seconds(1)) return;
    lastTrimAll_ = now;
    std::unique_lock lk(mu_);
    for (auto& [_, rs] : resources_) trim(rs, now);
  }

  // Current state of a key as seen by this batch: earlier writes in the
  // batch shadow the published cache.
  EntryPtr current(const std::unordered_map<std::string, std::pair<EntryPtr, bool>>& overlay,
                   const std::string& resource, const std::string& key) {
    if (auto it = overlay.find(resource + '\n' + key); it != overlay.end())
      return it->second.second ? nullptr : it->second.first;
    std::shared_lock lk(mu_);
    auto rs = resources_.find(resource);
    if (rs == resources_.end()) return nullptr;
    auto o = rs->second.objects.find(key);
    return o == rs->second.objects.end() ? nullptr : o->second;
  }

  void commitBatch(std::vector<Pending>& batch) {
    std::vector<std::optional<Result<EntryPtr>>> results(batch.size());
    std::vector<Change> changes;
    std::unordered_map<std::string, std::pair<EntryPtr, bool>> overlay;  // key -> (entry, deleted)
    std::int64_t rev = rev_;                                             // only this thread changes rev_
    Status txn = db_->begin();
    for (std::size_t i = 0; i < batch.size() && txn; ++i) {
      Write& w = batch[i].write;
      std::string key = mapKey(w.ns, w.name);
      EntryPtr cur = current(overlay, w.resource, key);
      if (w.op == Write::Op::Put) w.op = cur ? Write::Op::Update : Write::Op::Create;
      if (w.op == Write::Op::Create && cur) {
        results[i] = Error::alreadyExists(fmt::format("{} \"{}\" already exists", w.resource, w.name));
        continue;
      }
      if (w.op != Write::Op::Create) {
        if (!cur) {
          results[i] = Error::notFound(fmt::format("{} \"{}\" not found", w.resource, w.name));
          continue;
        }
        if (w.expectedRev != 0 && cur->rev != w.expectedRev) {
          results[i] = Error::conflict(
              fmt::format("Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your "
                          "changes to the latest version and try again",
                          w.resource, w.name));
          continue;
        }
      }
      ++rev;
      if (!w.object.is_object()) w.object = json::object();
      ensureObject(w.object.as_object(), "metadata")["resourceVersion"] = std::to_string(rev);
      auto e = std::make_shared<Entry>();
      e->rev = rev;
      e->ns = w.ns;
      e->name = w.name;
      e->index = indexer_(w.resource, w.object);
      e->json = toJson(w.object);
      bool del = w.op == Write::Op::Delete;
      txn = del ? db_->remove(w.resource, w.ns, w.name) : db_->put(w.resource, w.ns, w.name, rev, e->json);
      overlay[w.resource + '\n' + key] = {e, del};
      changes.push_back({w.resource, key, e, cur, del});
      results[i] = EntryPtr(e);
    }
    if (txn) txn = db_->commit(rev);
    if (!txn) {
      db_->rollback();
      for (auto& p : batch) p.done.set_value(Error::internal("storage write failed: " + txn.error().message));
      return;
    }
    publish(changes, rev);
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done.set_value(std::move(*results[i]));
  }

  void publish(const std::vector<Change>& changes, std::int64_t rev) {
    auto now = std::chrono::steady_clock::now();
    std::unique_lock lk(mu_);
    for (const auto& c : changes) {
      auto& rs = state(c.resource);
      if (c.deleted)
        rs.objects.erase(c.key);
      else
        rs.objects[c.key] = c.entry;
      Event ev{c.deleted ? EventType::Deleted : (c.previous ? EventType::Modified : EventType::Added), c.entry, {}};
      if (ev.type == EventType::Modified && !(c.previous->index == c.entry->index)) ev.previous = c.previous;
      rs.ring.push_back({ev, now});
      trim(rs, now);
      for (auto* w : rs.watchers)
        if (w->wants(ev)) w->push(ev);
    }
    rev_ = rev;
  }

  std::unique_ptr<SqliteBackend> db_;
  Indexer indexer_;
  Options opts_;

  mutable std::shared_mutex mu_;  // guards resources_ and rev_
  std::unordered_map<std::string, ResourceState> resources_;
  std::int64_t rev_ = 0;
  std::chrono::steady_clock::time_point lastTrimAll_;  // writer thread only
  std::int64_t startRev_ = 0;

  std::mutex queueMu_;
  std::condition_variable queueCv_;
  std::deque<Pending> queue_;
  std::deque<std::packaged_task<Status()>> control_;
  bool stopping_ = false;
  std::thread writer_;
};

WatchImpl::~WatchImpl() { store_->unregister(this); }

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, Indexer indexer, Options options) {
  auto db = SqliteBackend::open(path);
  if (!db) return db.error();
  auto s = std::make_unique<StoreImpl>(std::move(*db), std::move(indexer), options);
  if (auto r = s->load(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace kwok::store
