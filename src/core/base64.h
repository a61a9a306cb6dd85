// Base64 in the standard alphabet (RFC 4648), as Go's encoding/base64
// StdEncoding reads and writes it: Secret data, kubeconfig *-data fields,
// continue tokens.
#pragma once

#include <string>
#include <string_view>

namespace kwok {

std::string base64Encode(std::string_view in);

// Decodes into `out`; line breaks are skipped and padding is optional (as
// Go tolerates for []byte fields). False on any other character.
bool base64Decode(std::string_view in, std::string& out);

}  // namespace kwok
