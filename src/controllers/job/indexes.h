// Completion indexes of Indexed Jobs and their text form in
// status.completedIndexes: sorted, consecutive runs collapsed to "a-b"
// ("1,3-5,7"), as kube writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace kwok::controllers::job {

// The annotation (and label) naming a pod's completion index.
inline constexpr std::string_view kCompletionIndexKey = "batch.kubernetes.io/job-completion-index";

// Parses "1,3-5"; malformed parts and indexes >= `completions` are dropped.
std::set<std::int32_t> parseIndexes(std::string_view text, std::int32_t completions);
std::string formatIndexes(const std::set<std::int32_t>& indexes);
// A pod's completion index from its annotation text; nullopt when absent
// or not a number in [0, completions).
std::optional<std::int32_t> parseIndex(std::string_view text, std::int32_t completions);

}  // namespace kwok::controllers::job
