#include "expr/gotpl/funcs.h"

namespace kwok::gotpl {

const Builtin* findBuiltin(std::string_view name) {
  // Only parsing looks names up, once per identifier; a scan is enough.
  for (auto table : {goBuiltins(), sprigBuiltins()})
    for (const Builtin& b : table)
      if (b.name == name) return &b;
  return nullptr;
}

}  // namespace kwok::gotpl
