#include "api/catalog.h"

#include <algorithm>
#include <deque>

namespace kwok::api {
namespace {

using Schema = std::shared_ptr<PatchSchema>;
using Field = PatchSchema::Field;

Schema schema(std::initializer_list<std::pair<const std::string, Field>> fields) {
  auto s = std::make_shared<PatchSchema>();
  for (const auto& [k, v] : fields) s->fields.emplace(k, v);
  return s;
}
// A list merged element-wise by `key` (patchStrategy:"merge", patchMergeKey).
Field mergeBy(std::string key, Schema element = nullptr, bool retainKeys = false) {
  return Field{true, std::move(key), retainKeys, std::move(element), false};
}
// A list of primitives merged as a set.
Field mergeSet() { return Field{true, "", false, nullptr, false}; }
Field nested(Schema s) { return Field{false, "", false, std::move(s), false}; }
Field retained(Schema s) { return Field{false, "", true, std::move(s), false}; }

// Merge metadata from the Kubernetes API types' patchStrategy tags, for
// the fields that have them.
struct Schemas {
  Schema objectMeta = schema({{"finalizers", mergeSet()}, {"ownerReferences", mergeBy("uid")}});
  Schema container = schema({{"ports", mergeBy("containerPort")},
                             {"env", mergeBy("name")},
                             {"volumeMounts", mergeBy("mountPath")},
                             {"volumeDevices", mergeBy("devicePath")}});
  Schema podSpec = schema({{"volumes", mergeBy("name", nullptr, true)},
                           {"initContainers", mergeBy("name", container)},
                           {"containers", mergeBy("name", container)},
                           {"ephemeralContainers", mergeBy("name", container)},
                           {"imagePullSecrets", mergeBy("name")},
                           {"hostAliases", mergeBy("ip")},
                           {"topologySpreadConstraints", mergeBy("topologyKey")},
                           {"resourceClaims", mergeBy("name", nullptr, true)},
                           {"schedulingGates", mergeBy("name")}});
  Schema podStatus = schema({{"conditions", mergeBy("type")},
                             {"podIPs", mergeBy("ip")},
                             {"hostIPs", mergeBy("ip")},
                             {"resourceClaimStatuses", mergeBy("name")}});
  Schema pod = schema({{"metadata", nested(objectMeta)}, {"spec", nested(podSpec)}, {"status", nested(podStatus)}});
  Schema podTemplateSpec = schema({{"metadata", nested(objectMeta)}, {"spec", nested(podSpec)}});
  Schema conditionsByType = schema({{"conditions", mergeBy("type")}});
  Schema node = schema({{"metadata", nested(objectMeta)},
                        {"spec", nested(schema({{"podCIDRs", mergeSet()}}))},
                        {"status", nested(schema({{"conditions", mergeBy("type")}, {"addresses", mergeBy("type")}}))}});
  Schema namespace_ = schema({{"metadata", nested(objectMeta)}, {"status", nested(conditionsByType)}});
  Schema metaOnly = schema({{"metadata", nested(objectMeta)}});
  // Workloads: a pod template under spec, conditions under status.
  Schema workload(bool retainStrategy) {
    auto spec = schema({{"template", nested(podTemplateSpec)}});
    if (retainStrategy) spec->fields.emplace("strategy", retained(nullptr));
    return schema({{"metadata", nested(objectMeta)}, {"spec", nested(spec)}, {"status", nested(conditionsByType)}});
  }
  Schema job = schema({{"metadata", nested(objectMeta)},
                       {"spec", nested(schema({{"template", nested(podTemplateSpec)}}))},
                       {"status", nested(conditionsByType)}});
  Schema service = schema({{"metadata", nested(objectMeta)},
                           {"spec", nested(schema({{"ports", mergeBy("port")}}))},
                           {"status", nested(conditionsByType)}});
};

// Appends resources of one group-version. A deque keeps references to
// earlier entries valid while later ones are added.
struct Builder {
  std::deque<Resource>& out;
  std::string group, version;

  Resource& add(std::string plural, std::string kind, bool namespaced, std::vector<std::string> shortNames = {},
                std::vector<std::string> subresources = {}, Schema patch = nullptr) {
    Resource r;
    r.group = group;
    r.version = version;
    r.singular = kind;
    std::transform(r.singular.begin(), r.singular.end(), r.singular.begin(), ::tolower);
    r.plural = std::move(plural);
    r.kind = std::move(kind);
    r.namespaced = namespaced;
    r.shortNames = std::move(shortNames);
    r.subresources = std::move(subresources);
    r.patchSchema = std::move(patch);
    out.push_back(std::move(r));
    return out.back();
  }
};

std::vector<Resource> builtinResources() {
  Schemas s;
  std::deque<Resource> out;
  const std::vector<std::string> all = {"all"};

  Builder core{out, "", "v1"};
  // POST .../bindings binds the pod the Binding names (the old form of pods/binding).
  auto& bindings = core.add("bindings", "Binding", true);
  bindings.verbs = {"create"};
  bindings.virtualResource = true;
  core.add("configmaps", "ConfigMap", true, {"cm"}, {}, s.metaOnly);
  auto& endpoints = core.add("endpoints", "Endpoints", true, {"ep"}, {}, s.metaOnly);
  endpoints.singular = "endpoints";
  endpoints.createOnUpdate = true;
  auto& coreEvents = core.add("events", "Event", true, {"ev"}, {}, s.metaOnly);
  coreEvents.createOnUpdate = true;
  coreEvents.fieldSelectors = {"involvedObject.kind",
                               "involvedObject.namespace",
                               "involvedObject.name",
                               "involvedObject.uid",
                               "involvedObject.apiVersion",
                               "involvedObject.resourceVersion",
                               "involvedObject.fieldPath",
                               "reason",
                               "reportingComponent",
                               "source",
                               "type"};
  core.add("limitranges", "LimitRange", true, {"limits"}, {}, s.metaOnly);
  core.add("namespaces", "Namespace", false, {"ns"}, {"finalize", "status"}, s.namespace_).fieldSelectors = {
      "status.phase"};
  core.add("nodes", "Node", false, {"no"}, {"proxy", "status"}, s.node).fieldSelectors = {"spec.unschedulable"};
  core.add("persistentvolumeclaims", "PersistentVolumeClaim", true, {"pvc"}, {"status"}, s.metaOnly);
  core.add("persistentvolumes", "PersistentVolume", false, {"pv"}, {"status"}, s.metaOnly);
  auto& pods = core.add("pods", "Pod", true, {"po"}, {"binding", "eviction", "status"}, s.pod);
  pods.categories = all;
  pods.fieldSelectors = {"spec.nodeName",    "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                         "spec.hostNetwork", "status.phase",       "status.podIP",       "status.nominatedNodeName"};
  core.add("podtemplates", "PodTemplate", true, {}, {}, s.podTemplateSpec);
  auto& rc =
      core.add("replicationcontrollers", "ReplicationController", true, {"rc"}, {"scale", "status"}, s.workload(false));
  rc.categories = all;
  rc.fieldSelectors = {"status.replicas"};
  core.add("resourcequotas", "ResourceQuota", true, {"quota"}, {"status"}, s.metaOnly);
  core.add("secrets", "Secret", true, {}, {}, s.metaOnly).fieldSelectors = {"type"};
  core.add("serviceaccounts", "ServiceAccount", true, {"sa"}, {}, s.metaOnly);
  core.add("services", "Service", true, {"svc"}, {"status"}, s.service).categories = all;

  Builder apps{out, "apps", "v1"};
  apps.add("controllerrevisions", "ControllerRevision", true, {}, {}, s.metaOnly);
  apps.add("daemonsets", "DaemonSet", true, {"ds"}, {"status"}, s.workload(false)).categories = all;
  apps.add("deployments", "Deployment", true, {"deploy"}, {"scale", "status"}, s.workload(true)).categories = all;
  auto& rs = apps.add("replicasets", "ReplicaSet", true, {"rs"}, {"scale", "status"}, s.workload(false));
  rs.categories = all;
  rs.fieldSelectors = {"status.replicas"};
  apps.add("statefulsets", "StatefulSet", true, {"sts"}, {"scale", "status"}, s.workload(false)).categories = all;

  Builder batch{out, "batch", "v1"};
  batch.add("cronjobs", "CronJob", true, {"cj"}, {"status"}, s.metaOnly).categories = all;
  auto& jobs = batch.add("jobs", "Job", true, {}, {"status"}, s.job);
  jobs.categories = all;
  jobs.fieldSelectors = {"status.successful"};

  Builder coordination{out, "coordination.k8s.io", "v1"};
  coordination.add("leases", "Lease", true, {}, {}, s.metaOnly).createOnUpdate = true;

  Builder events{out, "events.k8s.io", "v1"};
  events.add("events", "Event", true, {"ev"}, {}, s.metaOnly).createOnUpdate = true;

  Builder policy{out, "policy", "v1"};
  policy.add("poddisruptionbudgets", "PodDisruptionBudget", true, {"pdb"}, {"status"}, s.namespace_);

  Builder scheduling{out, "scheduling.k8s.io", "v1"};
  scheduling.add("priorityclasses", "PriorityClass", false, {"pc"}, {}, s.metaOnly);

  for (const char* version : {"v1", "v2"}) {
    Builder autoscaling{out, "autoscaling", version};
    autoscaling.add("horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {"hpa"}, {"status"}, s.metaOnly)
        .categories = all;
  }

  Builder discovery{out, "discovery.k8s.io", "v1"};
  discovery.add("endpointslices", "EndpointSlice", true, {}, {}, s.metaOnly);

  Builder networking{out, "networking.k8s.io", "v1"};
  networking.add("ingressclasses", "IngressClass", false, {}, {}, s.metaOnly);
  networking.add("ingresses", "Ingress", true, {"ing"}, {"status"}, s.metaOnly);
  networking.add("networkpolicies", "NetworkPolicy", true, {"netpol"}, {}, s.metaOnly);

  Builder rbac{out, "rbac.authorization.k8s.io", "v1"};
  rbac.add("clusterrolebindings", "ClusterRoleBinding", false, {}, {}, s.metaOnly);
  rbac.add("clusterroles", "ClusterRole", false, {}, {}, s.metaOnly);
  rbac.add("rolebindings", "RoleBinding", true, {}, {}, s.metaOnly);
  rbac.add("roles", "Role", true, {}, {}, s.metaOnly);

  Builder storage{out, "storage.k8s.io", "v1"};
  storage.add("csidrivers", "CSIDriver", false, {}, {}, s.metaOnly);
  storage.add("csinodes", "CSINode", false, {}, {}, s.metaOnly);
  storage.add("csistoragecapacities", "CSIStorageCapacity", true, {}, {}, s.metaOnly);
  storage.add("storageclasses", "StorageClass", false, {"sc"}, {}, s.metaOnly);
  storage.add("volumeattachments", "VolumeAttachment", false, {}, {"status"}, s.metaOnly);

  Builder admission{out, "admissionregistration.k8s.io", "v1"};
  admission.add("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false, {}, {}, s.metaOnly)
      .categories = {"api-extensions"};
  admission.add("validatingadmissionpolicies", "ValidatingAdmissionPolicy", false, {}, {"status"}, s.metaOnly)
      .categories = {"api-extensions"};
  admission.add("validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", false, {}, {}, s.metaOnly)
      .categories = {"api-extensions"};
  admission.add("validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, {}, {}, s.metaOnly)
      .categories = {"api-extensions"};

  Builder apiregistration{out, "apiregistration.k8s.io", "v1"};
  apiregistration.add("apiservices", "APIService", false, {}, {"status"}, s.metaOnly).categories = {"api-extensions"};

  Builder apiextensions{out, "apiextensions.k8s.io", "v1"};
  apiextensions.add("customresourcedefinitions", "CustomResourceDefinition", false, {"crd", "crds"}, {"status"},
                    s.metaOnly)
      .categories = {"api-extensions"};

  // Reviews are answered, never stored.
  auto review = [](Resource& r) -> Resource& {
    r.verbs = {"create"};
    r.virtualResource = true;
    return r;
  };
  Builder authentication{out, "authentication.k8s.io", "v1"};
  review(authentication.add("selfsubjectreviews", "SelfSubjectReview", false));
  review(authentication.add("tokenreviews", "TokenReview", false));
  Builder authorization{out, "authorization.k8s.io", "v1"};
  review(authorization.add("localsubjectaccessreviews", "LocalSubjectAccessReview", true));
  review(authorization.add("selfsubjectaccessreviews", "SelfSubjectAccessReview", false));
  review(authorization.add("selfsubjectrulesreviews", "SelfSubjectRulesReview", false));
  review(authorization.add("subjectaccessreviews", "SubjectAccessReview", false));

  // KWOK's own kinds (upstream installs them as CRDs).
  Builder kwokApi{out, "kwok.x-k8s.io", "v1alpha1"};
  kwokApi.add("attaches", "Attach", true, {}, {"status"}, s.metaOnly);
  kwokApi.add("clusterattaches", "ClusterAttach", false, {}, {"status"}, s.metaOnly);
  kwokApi.add("clusterexecs", "ClusterExec", false, {}, {"status"}, s.metaOnly);
  kwokApi.add("clusterlogs", "ClusterLogs", false, {}, {"status"}, s.metaOnly).singular = "clusterlogs";
  kwokApi.add("clusterportforwards", "ClusterPortForward", false, {}, {"status"}, s.metaOnly);
  kwokApi.add("clusterresourceusages", "ClusterResourceUsage", false, {}, {"status"}, s.metaOnly);
  kwokApi.add("execs", "Exec", true, {}, {"status"}, s.metaOnly);
  kwokApi.add("logs", "Logs", true, {}, {"status"}, s.metaOnly).singular = "logs";
  kwokApi.add("metrics", "Metric", false, {}, {"status"}, s.metaOnly);
  kwokApi.add("portforwards", "PortForward", true, {}, {"status"}, s.metaOnly);
  kwokApi.add("resourceusages", "ResourceUsage", true, {}, {"status"}, s.metaOnly);
  kwokApi.add("stages", "Stage", false, {}, {"status"}, s.metaOnly);
  for (auto& r : out) {
    bool workload = r.group == "apps" && r.plural != "controllerrevisions";
    r.tracksGeneration = workload || r.group == "batch" || r.group == "policy" || r.plural == "replicationcontrollers";
  }
  return {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())};
}

}  // namespace

bool Resource::statusSubresource() const { return hasSubresource("status"); }

std::string Resource::groupVersion() const { return group.empty() ? version : group + "/" + version; }

std::string Resource::storageName() const { return group.empty() ? plural : plural + "." + group; }

bool Resource::hasSubresource(std::string_view name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

bool Resource::supportsFieldSelector(std::string_view field) const {
  if (field == "metadata.name") return true;
  if (field == "metadata.namespace") return namespaced;
  return std::find(fieldSelectors.begin(), fieldSelectors.end(), field) != fieldSelectors.end();
}

const std::vector<std::string>& standardVerbs() {
  static const std::vector<std::string> verbs = {"create", "delete", "deletecollection", "get",
                                                 "list",   "patch",  "update",           "watch"};
  return verbs;
}

const Catalog& Catalog::builtin() {
  static const Catalog c = [] {
    Catalog c;
    c.resources_ = builtinResources();
    return c;
  }();
  return c;
}

const Resource* Catalog::find(std::string_view group, std::string_view version, std::string_view plural) const {
  for (const auto& r : resources_)
    if (r.plural == plural && r.group == group && r.version == version) return &r;
  return nullptr;
}

const Resource* Catalog::findKind(std::string_view group, std::string_view version, std::string_view kind) const {
  for (const auto& r : resources_)
    if (r.kind == kind && r.group == group && r.version == version) return &r;
  return nullptr;
}

std::vector<std::string> Catalog::groups() const {
  std::vector<std::string> out;
  for (const auto& r : resources_)
    if (std::find(out.begin(), out.end(), r.group) == out.end()) out.push_back(r.group);
  return out;
}

std::vector<std::string> Catalog::versions(std::string_view group) const {
  std::vector<std::string> out;
  for (const auto& r : resources_)
    if (r.group == group && std::find(out.begin(), out.end(), r.version) == out.end()) out.push_back(r.version);
  return {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())};
}

}  // namespace kwok::api
