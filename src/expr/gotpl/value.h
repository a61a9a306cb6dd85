// The values a template computes with, modelled on what Go's text/template
// sees when kwok executes a template on JSON-decoded data.
//
// Upstream kwok marshals the object to JSON and decodes it into interface{}
// with UseNumber, so the data holds map[string]interface{}, []interface{},
// string, bool, nil and json.Number. A json.Number is a Go string type: it
// prints as its literal text, is true whenever non-empty (so 0 is true), and
// compares as a string. Values made by the template itself (literals, len,
// add, ...) are Go ints and float64s with the usual numeric semantics. Kind
// keeps the two apart: Number for the data's numbers, Int/Float for Go's.
//
// Values are small and cheap to copy. Strings and composites are views into
// the data, the parsed template or a Heap, all of which outlive one execution.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace kwok::gotpl {

namespace json = boost::json;

enum class Kind : std::uint8_t {
  Missing,  // no value: a missing map key, nil, an unset interface (Go's invalid reflect.Value)
  Nil,      // a JSON null read out of a map or list (Go's non-nil-typed interface{} holding nil)
  Bool,
  Int,     // Go int / int64
  Float,   // Go float64
  String,  // Go string
  Number,  // json.Number from the data
  Map,     // map[string]interface{}
  List,    // []interface{}
  Time,    // time.Time (sprig's now), nanoseconds since the Unix epoch, UTC
};

struct Value {
  Kind kind = Kind::Missing;
  // Read out of a map or list element, whose Go static type is interface{}.
  // Pipelines unwrap it (a boxed Nil becomes Missing); some error messages
  // name the type "interface {}".
  bool boxed = false;
  // For Map/List: part of the executed data, so its numbers are json.Number.
  // Otherwise the composite lives in the execution's Heap and may be changed
  // in place by sprig's set/unset, as Go maps are.
  bool fromData = false;
  union {
    bool b;
    std::int64_t i = 0;  // Int; Time in nanoseconds
    double f;
    const json::value* j;  // Number, Map, List
  };
  std::string_view s;  // String

  static Value missing() { return {}; }
  static Value boolean(bool v) {
    Value r;
    r.kind = Kind::Bool;
    r.b = v;
    return r;
  }
  static Value integer(std::int64_t v) {
    Value r;
    r.kind = Kind::Int;
    r.i = v;
    return r;
  }
  static Value floating(double v) {
    Value r;
    r.kind = Kind::Float;
    r.f = v;
    return r;
  }
  // `v` must outlive the execution (data, template text or Heap).
  static Value string(std::string_view v) {
    Value r;
    r.kind = Kind::String;
    r.s = v;
    return r;
  }
  static Value time(std::int64_t unixNanos) {
    Value r;
    r.kind = Kind::Time;
    r.i = unixNanos;
    return r;
  }
  // The Go value a JSON value stands for. `fromData` selects json.Number
  // (data) or int64/float64 (values built during execution) for numbers.
  static Value of(const json::value& v, bool fromData, bool boxed = false);

  bool isNil() const { return kind == Kind::Missing || kind == Kind::Nil; }
  // Go's view from inside a function argument: the interface unwrapped.
  void unbox() {
    boxed = false;
    if (kind == Kind::Nil) kind = Kind::Missing;
  }
  Value unboxed() const {
    Value r = *this;
    r.unbox();
    return r;
  }
  const json::object& object() const { return j->get_object(); }
  const json::array& array() const { return j->get_array(); }
};

// Owns what one execution creates: strings and JSON values returned by
// functions. Addresses stay valid until the Heap is destroyed.
class Heap {
 public:
  std::string_view keep(std::string s) { return strings_.emplace_back(std::move(s)); }
  const json::value& keep(json::value v) { return values_.emplace_back(std::move(v)); }

 private:
  std::deque<std::string> strings_;
  std::deque<json::value> values_;
};

// Go's truth (text/template's isTrue): false, 0, nil and empty strings,
// lists and maps are false; a json.Number is a non-empty string, so true.
bool truth(const Value& v);

// sprig's empty(): the opposite of truth for every kind this engine has.
inline bool empty(const Value& v) { return !truth(v); }

// The Go type name fmt and error messages use: "int", "json.Number",
// "map[string]interface {}", "interface {}" for a boxed value when
// `boxedAsInterface`, "<nil>" for nil.
std::string_view goTypeName(const Value& v, bool boxedAsInterface = false);

// The literal text of a data number as Go's encoder writes it ("10250", "0.5").
void appendNumberText(std::string& out, const json::value& number);

// The JSON form of a value (what a custom function receives): nil is null,
// a Time is its RFC 3339 text with nanoseconds, numbers stay numbers.
// Strings and composites are allocated from `sp`.
json::value toJsonValue(const Value& v, json::storage_ptr sp = {});

// Map keys in Go's iteration order for range and printing: sorted bytewise.
std::vector<const json::key_value_pair*> sortedEntries(const json::object& o);

}  // namespace kwok::gotpl
