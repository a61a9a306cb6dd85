// Ordering of resourceVersions, for controllers that fold the objects their
// own writes return into their caches. The API calls resourceVersions
// opaque; kwok-apiserver and etcd both hand out increasing integers, and
// anything else is never judged newer, so the watch stays the authority.
#pragma once

#include <string_view>

namespace kwok::controllers::common {

// Whether `candidate` is certainly a later version than `known`.
bool isNewerVersion(std::string_view candidate, std::string_view known);

}  // namespace kwok::controllers::common
