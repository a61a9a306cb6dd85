#include "controllers/serviceaccount/serviceaccount.h"

#include <spdlog/spdlog.h>

#include "controllers/serviceaccount/per_namespace.h"

namespace kwok::controllers::serviceaccount {
namespace {

constexpr std::string_view kDescriptionAnnotation = "kubernetes.io/description";
constexpr std::string_view kDescription =
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the "
    "internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes "
    "clusters.";

// What the publisher is without a CA: nothing to run.
class Disabled final : public Controller {
 public:
  Status start() override {
    spdlog::info("root-ca-cert-publisher: no root CA (--root-ca-file); not publishing kube-root-ca.crt");
    return {};
  }
  void stop() override {}
};

}  // namespace

std::unique_ptr<Controller> makeServiceAccountController(client::RestClient& client,
                                                         client::InformerFactory& informers) {
  PerNamespaceObject o;
  o.controllerName = "serviceaccount";
  o.version = "v1";
  o.plural = "serviceaccounts";
  o.name = kDefaultServiceAccount;
  o.desired = [](const std::string& ns) {
    return json::object{{"apiVersion", "v1"},
                        {"kind", "ServiceAccount"},
                        {"metadata", json::object{{"name", kDefaultServiceAccount}, {"namespace", ns}}}};
  };
  return std::make_unique<PerNamespaceController>(client, informers, std::move(o));
}

json::object rootCaConfigMap(const std::string& ns, const std::string& caPem) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", json::object{{"name", kRootCaConfigMap},
                                    {"namespace", ns},
                                    {"annotations", json::object{{kDescriptionAnnotation, kDescription}}}}},
          {"data", json::object{{"ca.crt", caPem}}}};
}

std::unique_ptr<Controller> makeRootCaPublisher(client::RestClient& client, client::InformerFactory& informers,
                                                std::string caPem) {
  if (caPem.empty()) return std::make_unique<Disabled>();
  PerNamespaceObject o;
  o.controllerName = "root-ca-cert-publisher";
  o.version = "v1";
  o.plural = "configmaps";
  o.name = kRootCaConfigMap;
  o.desired = [caPem](const std::string& ns) { return rootCaConfigMap(ns, caPem); };
  // Data and description are put back; other fields (labels, other
  // annotations) are the user's.
  o.repair = [caPem](const json::value& current) -> std::optional<json::object> {
    const json::object* data = objectAt(current, {"data"});
    bool dataOk = data && data->size() == 1 && stringAt(*data, {"ca.crt"}) == caPem;
    bool described = stringAt(current, {"metadata", "annotations", kDescriptionAnnotation}) == kDescription;
    if ((dataOk && described) || !current.is_object()) return std::nullopt;
    json::object fixed = current.as_object();
    fixed["data"] = json::object{{"ca.crt", caPem}};
    ensureObject(ensureObject(fixed, "metadata"), "annotations")[kDescriptionAnnotation] = kDescription;
    return fixed;
  };
  return std::make_unique<PerNamespaceController>(client, informers, std::move(o));
}

}  // namespace kwok::controllers::serviceaccount
