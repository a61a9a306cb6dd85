#include "client/shared_informer.h"

#include <algorithm>
#include <unordered_set>

#include "client/informer.h"

namespace kwok::client {

namespace {

std::string keyOf(const json::value& object) {
  std::string key(stringAt(object, {"metadata", "namespace"}));
  key += '/';
  key += stringAt(object, {"metadata", "name"});
  return key;
}

// The change the consumers of `filter` see (empty: none), as the API
// server turns a watch with a selector; keeps `accepted` (the keys of the
// objects the filter accepts) current.
std::string filtered(const std::string& type, const json::value& object, ObjectFilter filter,
                     std::unordered_set<std::string>& accepted) {
  std::string key = keyOf(object);
  bool was = accepted.count(key) > 0;
  bool is = type != "DELETED" && filter(object);
  if (is) {
    accepted.insert(std::move(key));
    return was ? type : "ADDED";
  }
  accepted.erase(key);
  return was ? "DELETED" : "";
}

}  // namespace

// One list+watch fanned out to the subscriptions that joined it, on the
// informer's thread and under mu_ (so a subscription that has left is not
// called again). A subscription is pending until the next replace, which
// it gets first; joining after a replace was delivered asks for a new
// list.
class SharedInformer {
 public:
  SharedInformer(RestClient& client, std::string path, std::string query)
      : informer_(
            client, std::move(path), std::move(query),
            Informer::Handler{[this](std::vector<json::value>&& items) { onReplace(std::move(items)); },
                              [this](const std::string& type, json::value&& o) { onEvent(type, std::move(o)); }}) {}

  void start() { informer_.start(); }

  void add(Subscription& s) {
    std::lock_guard lk(mu_);
    members_.push_back({&s, false});
    if (s.filter_) filters_.try_emplace(s.filter_);
    if (listed_ && !relistAsked_) {
      relistAsked_ = true;
      informer_.relist();
    }
  }

  // Returns whether subscriptions are left.
  bool remove(Subscription& s) {
    std::lock_guard lk(mu_);
    std::erase_if(members_, [&](const Member& m) { return m.s == &s; });
    auto sameFilter = [&](const Member& m) { return m.s->filter_ == s.filter_; };
    if (s.filter_ && std::none_of(members_.begin(), members_.end(), sameFilter)) filters_.erase(s.filter_);
    return !members_.empty();
  }

 private:
  struct Member {
    Subscription* s;
    bool active;  // has had its first replace
  };
  struct FilterState {
    std::unordered_set<std::string> accepted;  // keys of the objects it accepts
    std::string seen;                          // what the current event is through it
  };

  void onReplace(std::vector<json::value>&& items) {
    auto all = std::make_shared<std::vector<ObjectPtr>>();
    all->reserve(items.size());
    for (auto& o : items) all->push_back(std::make_shared<const json::value>(std::move(o)));
    std::lock_guard lk(mu_);
    listed_ = true;
    relistAsked_ = false;
    std::map<ObjectFilter, std::shared_ptr<const std::vector<ObjectPtr>>> lists{{nullptr, all}};
    for (auto& [filter, state] : filters_) {
      auto some = std::make_shared<std::vector<ObjectPtr>>();
      state.accepted.clear();
      for (const auto& o : *all) {
        if (!filter(*o)) continue;
        state.accepted.insert(keyOf(*o));
        some->push_back(o);
      }
      lists[filter] = std::move(some);
    }
    for (auto& m : members_) {
      m.active = true;
      m.s->replace(*lists[m.s->filter_]);
    }
  }

  void onEvent(const std::string& type, json::value&& object) {
    ObjectPtr o = std::make_shared<const json::value>(std::move(object));
    std::lock_guard lk(mu_);
    for (auto& [filter, state] : filters_) state.seen = filtered(type, *o, filter, state.accepted);
    for (const auto& m : members_) {
      const std::string& seen = m.s->filter_ ? filters_.at(m.s->filter_).seen : type;
      if (m.active && !seen.empty()) m.s->handler_.event(seen, o);
    }
  }

  std::mutex mu_;
  std::vector<Member> members_;
  std::map<ObjectFilter, FilterState> filters_;  // the filters members use
  // Whether a replace has been delivered, and a relist asked for since.
  bool listed_ = false, relistAsked_ = false;
  // Last: its thread stops before the rest goes.
  Informer informer_;
};

// ---- Subscription ----

Subscription::Subscription(InformerFactory& factory, std::string path, std::string query, Handler handler,
                           ObjectFilter filter)
    : factory_(factory),
      path_(std::move(path)),
      query_(std::move(query)),
      handler_(std::move(handler)),
      filter_(filter) {}

Subscription::~Subscription() { stop(); }

void Subscription::start() {
  started_ = true;
  factory_.join(*this);
}

void Subscription::stop() {
  if (started_) factory_.leave(*this);  // waits for a handler call in progress
  started_ = false;
  {
    std::lock_guard lk(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool Subscription::waitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return synced_ || stopped_; }) && synced_;
}

void Subscription::replace(const std::vector<ObjectPtr>& items) {
  handler_.replace(items);
  {
    std::lock_guard lk(mu_);
    synced_ = true;
  }
  cv_.notify_all();
}

// ---- InformerFactory ----

InformerFactory::InformerFactory(RestClient& client) : client_(client) {}

InformerFactory::~InformerFactory() = default;

std::unique_ptr<Subscription> InformerFactory::subscribe(std::string path, std::string query,
                                                         Subscription::Handler handler, ObjectFilter filter) {
  return std::unique_ptr<Subscription>(
      new Subscription(*this, std::move(path), std::move(query), std::move(handler), filter));
}

std::vector<std::string> InformerFactory::watched() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out;
  for (const auto& [key, informer] : informers_)
    out.push_back(key.second.empty() ? key.first : key.first + "?" + key.second);
  return out;
}

void InformerFactory::join(Subscription& s) {
  std::lock_guard lk(mu_);
  auto& informer = informers_[{s.path_, s.query_}];
  bool first = !informer;
  if (first) informer = std::make_unique<SharedInformer>(client_, s.path_, s.query_);
  informer->add(s);
  if (first) informer->start();
}

void InformerFactory::leave(Subscription& s) {
  std::unique_ptr<SharedInformer> last;
  {
    std::lock_guard lk(mu_);
    auto it = informers_.find({s.path_, s.query_});
    if (it == informers_.end() || it->second->remove(s)) return;
    last = std::move(it->second);
    informers_.erase(it);
  }
  // `last` stops its watch as it goes, outside the lock: that may wait
  // for a request in flight.
}

}  // namespace kwok::client
