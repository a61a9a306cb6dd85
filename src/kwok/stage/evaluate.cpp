#include "kwok/stage/evaluate.h"

#include <fmt/format.h>

#include "kwok/stage/funcs.h"
#include "kwok/stage/lifecycle.h"
#include "kwok/stage/play.h"

namespace kwok::stage {

namespace {

// Records the requests of a play as upstream's testdata writes them.
class RecordingSink final : public StepSink {
 public:
  json::array next;

  Status event(const Step::Event& e) override {
    next.push_back(json::object{{"kind", "event"}, {"type", e.type}, {"reason", e.reason}, {"message", e.message}});
    return {};
  }
  Status patch(const PatchRequest& p) override {
    json::object o{{"kind", "patch"}};
    if (!p.subresource.empty()) o["subresource"] = p.subresource;
    o["type"] = contentType(p.type);
    if (!p.impersonateUser.empty()) o["impersonation"] = json::object{{"username", p.impersonateUser}};
    o["data"] = p.data;
    next.push_back(std::move(o));
    return {};
  }
  Status remove() override {
    next.push_back(json::object{{"kind", "delete"}});
    return {};
  }
  Status apply(const ApplyRequest& a) override {
    json::object o{{"kind", "apply"}};
    if (!a.subresource.empty()) o["subresource"] = a.subresource;
    o["type"] = contentType(a.type);
    if (!a.impersonateUser.empty()) o["impersonation"] = json::object{{"username", a.impersonateUser}};
    o["data"] = a.object;
    next.push_back(std::move(o));
    return {};
  }
};

Result<json::value> constant(json::value v) { return v; }

// Real-valued stand-ins for the functions the controllers supply live.
void addExampleFunctions(gotpl::FuncMap& funcs) {
  auto value = [](json::value v) {
    return [v = std::move(v)](std::span<const json::value>) { return constant(v); };
  };
  funcs.add("NodeIP", value("10.0.0.1"));
  funcs.add("NodeName", value(""));
  funcs.add("NodePort", value(0));
  funcs.add("NodeIPWith", value("10.0.0.1"));
  funcs.add("NodeIPsWith", value(json::array{"10.0.0.1"}));
  funcs.add("PodIP", value("10.0.0.2"));
  funcs.add("PodIPWith", value("10.0.0.2"));
  funcs.add("PodIPsWith", value(json::array{"10.0.0.2"}));
}

}  // namespace

Result<std::vector<StagePtr>> compileStages(const std::vector<json::value>& documents) {
  std::vector<StagePtr> out;
  for (const auto& d : documents) {
    if (stringAt(d, {"kind"}) != "Stage" || stringAt(d, {"apiVersion"}) != kApiVersion) continue;
    auto s = Stage::compile(d);
    if (!s) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

Result<json::value> evaluate(const std::vector<StagePtr>& stages, const json::value& object,
                             const EvaluateOptions& options) {
  static const RealClock realClock;
  const Clock& clock = options.clock ? *options.clock : realClock;
  ResourceRef ref{std::string(stringAt(object, {"apiVersion"})), std::string(stringAt(object, {"kind"}))};
  if (ref.kind.empty()) return Error::badRequest("the object has no kind");

  std::vector<StagePtr> mine;
  for (const auto& s : stages)
    if (s->resourceRef() == ref) mine.push_back(s);
  Lifecycle lifecycle(std::move(mine));

  gotpl::FuncMap funcs(clock);
  if (options.placeholders) {
    addPlaceholderFunctions(funcs, ref);
  } else {
    addBaseFunctions(funcs, clock, clock.now());
    addExampleFunctions(funcs);
  }

  json::object out{{"apiGroup", ref.apiGroup}, {"kind", ref.kind}, {"name", stringAt(object, {"metadata", "name"})}};
  if (auto ns = stringAt(object, {"metadata", "namespace"}); !ns.empty()) out["namespace"] = ns;
  json::array played;
  SystemTime now = clock.now();
  for (const auto& s : lifecycle.possible(object)) {
    json::object entry{{"stage", s->name()}, {"weight", s->weight(object).value_or(0)}};
    if (auto range = s->delayRange(object, now); !range.empty()) {
      json::array delay;
      for (auto d : range) delay.emplace_back(static_cast<std::int64_t>(d.count()));
      entry["delay"] = std::move(delay);
    }
    RecordingSink sink;
    if (auto failure = playSteps(*s, 0, object, funcs, client::PatchType::Merge, sink))
      return Error::badRequest(fmt::format("stage \"{}\": step {}: {}", s->name(), failure->step,
                                           failure->error.message));
    entry["next"] = std::move(sink.next);
    played.push_back(std::move(entry));
  }
  out["stages"] = std::move(played);
  return json::value(std::move(out));
}

}  // namespace kwok::stage
