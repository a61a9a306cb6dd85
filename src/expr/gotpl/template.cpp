#include "expr/gotpl/template.h"

#include "expr/gotpl/exec.h"
#include "expr/gotpl/node.h"
#include "expr/gotpl/parser.h"

namespace kwok::gotpl {
namespace {

const Clock& systemClock() {
  static const RealClock clock;
  return clock;
}

}  // namespace

FuncNames::FuncNames(std::initializer_list<std::string_view> names) {
  for (auto n : names) add(n);
}

void FuncNames::add(std::string_view name) { names_.emplace(name); }

bool FuncNames::contains(std::string_view name) const { return names_.find(name) != names_.end(); }

FuncMap::FuncMap() : clock_(&systemClock()) {}

FuncMap::FuncMap(const Clock& clock) : clock_(&clock) {}

void FuncMap::add(std::string name, Function fn) { fns_[std::move(name)] = std::move(fn); }

const Function* FuncMap::find(std::string_view name) const {
  auto it = fns_.find(name);
  return it == fns_.end() ? nullptr : &it->second;
}

FuncNames FuncMap::names() const {
  FuncNames names;
  for (const auto& [name, fn] : fns_) names.add(name);
  return names;
}

Result<Template> Template::parse(std::string_view text, const FuncNames& names, std::string name) {
  auto set = parseTemplateSet(text, std::move(name), names);
  if (!set) return set.error();
  return Template(std::move(*set));
}

Result<std::string> Template::execute(const json::value& data, const FuncMap& funcs) const {
  std::string out;
  auto tree = set_->trees.find(set_->parseName);
  if (tree == set_->trees.end()) return Error::badRequest("template: " + set_->parseName + ": no such template");
  if (Status s = executeTree(*set_, *tree->second, data, funcs, out); !s) return s.error();
  return out;
}

const std::string& Template::name() const { return set_->parseName; }

}  // namespace kwok::gotpl
