#include "controllers/scheduler/fit_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace kwok::controllers::scheduler {

std::string formatFitError(std::size_t numAllNodes, const ReasonCounts& reasons, std::string_view postFilterMessage) {
  std::vector<std::string> parts;
  parts.reserve(reasons.size());
  for (const auto& [reason, count] : reasons) parts.push_back(fmt::format("{} {}", count, reason));
  std::sort(parts.begin(), parts.end());
  std::string msg = fmt::format("0/{} nodes are available:", numAllNodes);
  if (!parts.empty()) msg += fmt::format(" {}.", fmt::join(parts, ", "));
  if (!postFilterMessage.empty()) {
    msg += ' ';
    msg += postFilterMessage;
  }
  return msg;
}

std::string formatPreFilterError(std::size_t numAllNodes, std::string_view message, std::string_view postFilterMessage) {
  std::string msg = fmt::format("0/{} nodes are available: {}.", numAllNodes, message);
  if (!postFilterMessage.empty()) {
    msg += ' ';
    msg += postFilterMessage;
  }
  return msg;
}

}  // namespace kwok::controllers::scheduler
