#include "kwok/stage/play.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/yaml.h"

namespace kwok::stage {

namespace {

client::PatchType toClient(PatchType t, client::PatchType fallback) {
  switch (t) {
    case PatchType::Json:
      return client::PatchType::Json;
    case PatchType::Merge:
      return client::PatchType::Merge;
    case PatchType::Strategic:
      return client::PatchType::Strategic;
    case PatchType::Apply:
      return client::PatchType::Apply;
    case PatchType::Default:
      break;
  }
  return fallback;
}

// Runs a template and reads its output as YAML, as upstream's renderer.ToJSON does.
Result<json::value> render(const gotpl::Template& t, const json::value& object, const gotpl::FuncMap& funcs) {
  auto text = t.execute(object, funcs);
  if (!text) return text.error();
  auto v = yamlToJson(*text);
  if (!v) return Error::badRequest(fmt::format("template output is not YAML: {}: {}", v.error().message, *text));
  return std::move(*v);
}

Result<json::value> patchBody(const Step::Patch& p, const json::value& object, const gotpl::FuncMap& funcs,
                              client::PatchType type) {
  auto data = render(p.tmpl, object, funcs);
  if (!data) return data.error();
  if (p.root.empty()) return std::move(*data);
  if (type != client::PatchType::Json) return json::value(json::object{{p.root, std::move(*data)}});
  // JSON patch operations address paths under the root.
  if (!data->is_array()) return Error::badRequest("a json patch template must render a list of operations");
  for (auto& op : data->as_array()) {
    json::value* path = member(op, "path");
    if (path && path->is_string()) *path = json::string("/" + p.root + std::string(path->get_string()));
  }
  return std::move(*data);
}

std::vector<std::string> finalizersOf(const json::value& object) {
  std::vector<std::string> out;
  if (const auto* list = arrayAt(object, {"metadata", "finalizers"})) {
    for (const auto& f : *list)
      if (f.is_string()) out.emplace_back(f.get_string());
  }
  return out;
}

json::value addOp(std::string path, json::value value) {
  return json::object{{"op", "add"}, {"path", std::move(path)}, {"value", std::move(value)}};
}

void appendAdds(json::array& ops, const std::vector<std::string>& current, const std::vector<std::string>& add) {
  if (add.empty()) return;
  if (current.empty()) {
    json::array all;
    for (const auto& f : add) all.emplace_back(f);
    ops.push_back(addOp("/metadata/finalizers", std::move(all)));
    return;
  }
  for (const auto& f : add)
    if (std::find(current.begin(), current.end(), f) == current.end()) ops.push_back(addOp("/metadata/finalizers/-", json::string(f)));
}

}  // namespace

std::string_view contentType(client::PatchType type) {
  switch (type) {
    case client::PatchType::Json:
      return "application/json-patch+json";
    case client::PatchType::Merge:
      return "application/merge-patch+json";
    case client::PatchType::Strategic:
      return "application/strategic-merge-patch+json";
    case client::PatchType::Apply:
      return "application/apply-patch+yaml";
  }
  return "";
}

json::array finalizerOps(const std::vector<std::string>& current, const Step::Finalizers& change) {
  json::array ops;
  bool empty = change.empty;
  if (!empty && !change.remove.empty()) {
    json::array removes;
    for (std::size_t i = current.size(); i-- > 0;) {
      if (std::find(change.remove.begin(), change.remove.end(), current[i]) != change.remove.end())
        removes.push_back(json::object{{"op", "remove"}, {"path", fmt::format("/metadata/finalizers/{}", i)}});
    }
    // Removing them all empties the list in one operation.
    if (removes.size() == current.size()) empty = true;
    else for (auto& r : removes) ops.push_back(std::move(r));
  }
  if (!empty) {
    appendAdds(ops, current, change.add);
  } else {
    if (!current.empty()) ops.push_back(json::object{{"op", "remove"}, {"path", "/metadata/finalizers"}});
    appendAdds(ops, {}, change.add);
  }
  return ops;
}

std::optional<StepFailure> playSteps(const Stage& stage, std::size_t from, const json::value& object,
                                     const gotpl::FuncMap& funcs, client::PatchType defaultPatch, StepSink& sink) {
  const auto& steps = stage.steps();
  bool deleted = false;
  auto fail = [](std::size_t i, Error e, bool render = false) { return StepFailure{i, std::move(e), render}; };
  for (std::size_t i = from; i < steps.size(); ++i) {
    const Step& step = steps[i];
    if (step.event) {
      if (auto st = sink.event(*step.event); !st) return fail(i, st.error());
    }
    if (deleted) continue;
    if (step.finalizers) {
      json::array ops = finalizerOps(finalizersOf(object), *step.finalizers);
      if (!ops.empty()) {
        if (auto st = sink.patch({std::move(ops), client::PatchType::Json, "", ""}); !st) return fail(i, st.error());
      }
    }
    if (step.del) {
      deleted = true;
      if (auto st = sink.remove(); !st) return fail(i, st.error());
      continue;
    }
    if (step.patch) {
      client::PatchType type = toClient(step.patch->type, defaultPatch);
      auto body = patchBody(*step.patch, object, funcs, type);
      if (!body) return fail(i, body.error(), true);
      if (auto st = sink.patch({std::move(*body), type, step.patch->subresource, step.patch->impersonation.username});
          !st)
        return fail(i, st.error());
    }
    if (step.apply) {
      auto obj = render(step.apply->tmpl, object, funcs);
      if (!obj) return fail(i, obj.error(), true);
      if (!obj->is_object()) return fail(i, Error::badRequest("an apply template must render an object"), true);
      client::PatchType type = toClient(step.apply->type, client::PatchType::Apply);
      if (auto st = sink.apply({std::move(*obj), type, step.apply->subresource, step.apply->impersonation.username});
          !st)
        return fail(i, st.error());
    }
  }
  return std::nullopt;
}

}  // namespace kwok::stage
