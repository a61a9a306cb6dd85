// jq's rules over JSON values: types, truthiness, the total order, arithmetic
// and the previews that error messages quote. Numbers are int64 while exact
// and doubles otherwise, as gojq keeps them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok::expr::jq {

// Shared immutable constants, so the evaluator can emit them by reference.
const json::value& nullValue();
const json::value& boolValue(bool b);

// "null", "boolean", "number", "string", "array" or "object".
std::string_view typeName(const json::value& v);

// Everything but null and false is true.
inline bool truthy(const json::value& v) { return !v.is_null() && !(v.is_bool() && !v.get_bool()); }

inline bool isNumber(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }
double toDouble(const json::value& v);  // v must be a number
// gojq's toInt: doubles truncate toward zero, saturating at the int64 range.
std::int64_t toInt(const json::value& v);
std::int64_t doubleToInt(double d);

// jq's total order: null < false < true < numbers < strings < arrays <
// objects; strings compare bytewise, arrays element-wise, objects by their
// sorted key lists and then by the values under those keys. NaN sorts below
// every number. Returns <0, 0 or >0.
int compare(const json::value& a, const json::value& b);

// Members of an object in key order, the order in which gojq iterates.
std::vector<const json::key_value_pair*> sortedMembers(const json::object& o);
// Calls f(key, value) for each member in key order; f returns false to stop.
// Does not allocate when the object is already sorted (the common case for
// objects that Go serialized).
template <class F>
bool forEachSorted(const json::object& o, F&& f);

// A copy of v with the members of every object in key order.
json::value withSortedKeys(const json::value& v);

// gojq's JSON text of a value, as tojson, tostring and string interpolation
// write it: compact, with object keys sorted.
std::string encode(const json::value& v);

// "1", "\"abc\"", "[1,2]": encode() cut to 30 bytes ("[1,2, ...]").
std::string preview(const json::value& v);
// "number (1)", "null": the type and preview, as gojq's errors quote values.
std::string typePreview(const json::value& v);

// Number of Unicode code points in a UTF-8 string.
std::size_t codepointCount(std::string_view s);

// jq's string form of a value: strings as they are, everything else encode()d.
std::string toText(const json::value& v);

// Parses a number as tonumber and number literals do: an optional sign,
// digits with an optional fraction and exponent. Integers that fit stay
// int64; nullopt when the text is not such a number.
std::optional<json::value> parseNumber(std::string_view text);

// Go's strings.Split, as split/1 uses it: an empty separator splits into
// code points, and an empty string gives [""] for a non-empty separator.
json::array splitString(std::string_view s, std::string_view sep);

enum class ArithOp : std::uint8_t { Add, Sub, Mul, Div, Mod };

// l op r with jq's rules for each pair of types (number arithmetic, string
// concatenation, repetition and splitting, array concatenation and
// difference, object merge and deep merge; null is the identity for +).
// Errors (422) carry gojq's message, e.g. "cannot add: number (1) and
// string (\"a\")".
Result<json::value> arith(ArithOp op, const json::value& l, const json::value& r);

// acc += x with the rules of arith(Add), appending in place where the types
// allow, so that folds such as `add` stay linear.
Status addInPlace(json::value& acc, const json::value& x);

template <class F>
bool forEachSorted(const json::object& o, F&& f) {
  bool sorted = true;
  for (std::size_t i = 1; sorted && i < o.size(); ++i) sorted = o.begin()[i - 1].key() < o.begin()[i].key();
  if (sorted) {
    for (const auto& kv : o)
      if (!f(kv.key(), kv.value())) return false;
    return true;
  }
  for (const auto* kv : sortedMembers(o))
    if (!f(kv->key(), kv->value())) return false;
  return true;
}

}  // namespace kwok::expr::jq
