#include "kwok/version.h"

namespace kwok::sim {

std::string_view kwokVersion() { return KWOK_VERSION; }

}  // namespace kwok::sim
