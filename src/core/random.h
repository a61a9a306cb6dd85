// Randomness for identifiers: object UIDs and generateName suffixes.
// Thread-safe (each thread has its own generator).
#pragma once

#include <cstdint>
#include <string>

namespace kwok {

// A random (version 4) UUID in its 36-character text form.
std::string newUid();
// `n` characters from the alphabet Kubernetes uses for generated names
// (consonants and digits that cannot spell words).
std::string randomNameSuffix(int n = 5);
// A uniformly random integer in [0, bound).
std::uint64_t randomBelow(std::uint64_t bound);

}  // namespace kwok
