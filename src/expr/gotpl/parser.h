// Template text to parse trees, as text/template/parse does it, with Go's
// parse errors ("template: NAME:LINE: unexpected {{end}}").
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "expr/gotpl/node.h"
#include "expr/gotpl/template.h"

namespace kwok::gotpl {

// The top-level template `name` and every {{define}}/{{block}} in `text`.
// Identifiers must be built-ins or in `names`.
Result<std::shared_ptr<TemplateSet>> parseTemplateSet(std::string_view text, std::string name, const FuncNames& names);

}  // namespace kwok::gotpl
