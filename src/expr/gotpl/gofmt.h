// Go's fmt package as templates use it: how values print, print/printf/
// println, and strconv.Quote.
//
// Printing follows fmt on the Go types the values stand for (see value.h):
// maps print as map[k:v ...] in sorted key order, lists as [a b], nil as
// <nil>, a json.Number as its text, a float64 with %g's shortest form
// ("1e+06"). printf knows the verbs v T t d b o O x X c q U e E f F g G s and
// %%, the flags + - # space 0, width and precision (also from * arguments)
// and explicit argument indexes ([n]), and reports misuse as Go does
// ("%!d(string=x)", "%!s(MISSING)", "%!(EXTRA int=1)"). Hexadecimal floats
// (%x on a float) and %p are not supported and print as bad verbs.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "expr/gotpl/value.h"

namespace kwok::gotpl {

// fmt.Sprint(v): %v of one value; nil prints as "<nil>".
void appendValue(std::string& out, const Value& v);

std::string sprint(std::span<const Value> args);
std::string sprintln(std::span<const Value> args);
std::string sprintf(std::string_view format, std::span<const Value> args);

// strconv.Quote: a double-quoted Go string literal.
void appendQuoted(std::string& out, std::string_view s);

}  // namespace kwok::gotpl
