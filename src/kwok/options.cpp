#include "kwok/options.h"

#include <fmt/format.h>

#include <algorithm>

#include "kwok/ip_pool.h"

namespace kwok::sim {

Status validate(const Options& o) {
  bool selectors = !o.manageNodesWithAnnotationSelector.empty() || !o.manageNodesWithLabelSelector.empty();
  if (!o.manageSingleNode.empty() && (o.manageAllNodes || selectors))
    return Error::badRequest(
        "--manage-single-node conflicts with --manage-all-nodes, --manage-nodes-with-annotation-selector and "
        "--manage-nodes-with-label-selector");
  if (o.manageAllNodes && selectors)
    return Error::badRequest(
        "--manage-all-nodes conflicts with --manage-nodes-with-annotation-selector and "
        "--manage-nodes-with-label-selector");
  if (o.manageSingleNode.empty() && !o.manageAllNodes && !selectors)
    return Error::badRequest(
        "no nodes are managed: set one of --manage-all-nodes, --manage-single-node, "
        "--manage-nodes-with-annotation-selector or --manage-nodes-with-label-selector");
  if (auto s = NodeManageSelector::fromOptions(o); !s) return s.error();
  if (auto r = IpRange::fromCidr(o.cidr); !r) return Error::badRequest(fmt::format("--cidr: {}", r.error().message));
  if (!IpAddress::parse(o.nodeIp))
    return Error::badRequest(fmt::format("--node-ip: invalid IP address {:?}", o.nodeIp));
  if (o.nodePort < 0 || o.nodePort > 65535)
    return Error::badRequest(fmt::format("--node-port: {} is not a port number", o.nodePort));
  static constexpr std::string_view kCrds[] = {"Stage", "Attach", "ClusterAttach", "Exec", "ClusterExec",
                                                "PortForward", "ClusterPortForward", "Logs", "ClusterLogs",
                                                "ResourceUsage", "ClusterResourceUsage", "Metric"};
  for (const auto& crd : o.enableCrds) {
    if (std::find(std::begin(kCrds), std::end(kCrds), crd) == std::end(kCrds))
      return Error::badRequest(fmt::format("--enable-crds: invalid crd: {}", crd));
  }
  if (o.nodePlayStageParallelism == 0 || o.podPlayStageParallelism == 0 || o.nodeLeaseParallelism == 0)
    return Error::badRequest("parallelism must be greater than 0");
  return {};
}

Result<NodeManageSelector> NodeManageSelector::fromOptions(const Options& o) {
  NodeManageSelector s;
  s.all_ = o.manageAllNodes;
  s.singleNode_ = o.manageSingleNode;
  auto parse = [](const std::string& text, const char* flag, LabelSelector& out) -> Status {
    auto sel = LabelSelector::parse(text);
    if (!sel) return Error::badRequest(fmt::format("{}: {}", flag, sel.error().message));
    out = std::move(*sel);
    return {};
  };
  if (auto st = parse(o.manageNodesWithLabelSelector, "--manage-nodes-with-label-selector", s.labels_); !st)
    return st.error();
  if (auto st = parse(o.manageNodesWithAnnotationSelector, "--manage-nodes-with-annotation-selector", s.annotations_);
      !st)
    return st.error();
  return s;
}

bool NodeManageSelector::matches(const json::value& node) const {
  if (all_) return true;
  if (!singleNode_.empty()) return stringAt(node, {"metadata", "name"}) == singleNode_;
  return labels_.matches(objectAt(node, {"metadata", "labels"})) &&
         annotations_.matches(objectAt(node, {"metadata", "annotations"}));
}

}  // namespace kwok::sim
