// Go text/template for KWOK: Stage status templates and kwokctl resources.
//
// A Template is parsed once and executed many times, on a JSON value (the
// Kubernetes object, or kwokctl's parameters), the way upstream kwok runs
// templates (pkg/utils/gotpl): template.New(name).Funcs(sprig + kwok's
// functions).Parse(text), executed on the object after a JSON round trip
// decoded with UseNumber. That decides the data's semantics:
//  - A missing map key has no value (missingkey=default): it prints
//    "<no value>", is false, `or` skips it, and fields of it are missing too.
//    A JSON null behaves the same at the end of a pipeline, but a field of a
//    null (.a.b where a is null) is an error, as in Go.
//  - The data's numbers are json.Number: they print exactly as JSON wrote
//    them (10250, 0.5), are true even when 0, and compare as strings; eq
//    with a template integer is Go's "incompatible types" error.
//  - Template literals and function results are Go ints and float64s.
// See README.md for the supported syntax and functions.
//
// Thread safety: a Template is immutable; any number of threads may execute
// it (and copies of it, which share the parsed form) concurrently.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace kwok::gotpl {

namespace json = boost::json;

// A function the template calls by name, supplied at execution (kwok's Now,
// Quote, NodeIP, ...). Arguments arrive as JSON: nil is null, numbers are
// numbers, a time.Time is its RFC 3339 text. The result becomes a Go value
// (numbers are int64 or float64); an Error stops execution with
// `error calling NAME: MESSAGE`. Called from the executing thread only, but
// different threads may call it at once.
using Function = std::function<Result<json::value>(std::span<const json::value> args)>;

// The names of the functions a template may call besides the built-ins.
// Parsing needs only names: an unknown function is a parse error, as in Go.
class FuncNames {
 public:
  FuncNames() = default;
  FuncNames(std::initializer_list<std::string_view> names);
  void add(std::string_view name);
  bool contains(std::string_view name) const;

 private:
  std::set<std::string, std::less<>> names_;
};

// The functions supplied at execution, and the clock behind sprig's `now`.
// A name added here takes precedence over a built-in of the same name.
class FuncMap {
 public:
  FuncMap();                             // the system clock
  explicit FuncMap(const Clock& clock);  // `clock` must outlive the FuncMap

  void add(std::string name, Function fn);
  const Function* find(std::string_view name) const;  // null when absent
  FuncNames names() const;
  const Clock& clock() const { return *clock_; }

 private:
  std::map<std::string, Function, std::less<>> fns_;
  const Clock* clock_;
};

struct TemplateSet;

class Template {
 public:
  // Parses `text`. `name` names the template in error messages
  // ("template: NAME:3: unexpected {{end}}"); {{define}} and {{block}}
  // add more templates, which {{template "x"}} runs.
  static Result<Template> parse(std::string_view text, const FuncNames& names = {}, std::string name = "template");

  // Runs the template on `data`. Every function name given to parse must be
  // in `funcs` when the template calls it. Errors look like Go's:
  // template: NAME:LINE:COL: executing "NAME" at <index .a 5>: error calling index: index out of range: 5
  Result<std::string> execute(const json::value& data, const FuncMap& funcs = FuncMap()) const;

  const std::string& name() const;

 private:
  explicit Template(std::shared_ptr<const TemplateSet> set) : set_(std::move(set)) {}
  std::shared_ptr<const TemplateSet> set_;
};

}  // namespace kwok::gotpl
