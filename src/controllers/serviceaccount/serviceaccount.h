// The two controllers that furnish every namespace, as kube-controller-
// manager's:
//  - "serviceaccount": a ServiceAccount named "default" (created when
//    missing, never modified);
//  - "root-ca-cert-publisher": a ConfigMap "kube-root-ca.crt" whose
//    data["ca.crt"] is the cluster CA (PEM), so pods can verify the API
//    server; put back when someone changes it. Without a CA (no
//    --root-ca-file) it publishes nothing, as kube does.
#pragma once

#include <memory>
#include <string>

#include "controllers/controller.h"

namespace kwok::controllers::serviceaccount {

inline constexpr std::string_view kDefaultServiceAccount = "default";
inline constexpr std::string_view kRootCaConfigMap = "kube-root-ca.crt";

std::unique_ptr<Controller> makeServiceAccountController(client::RestClient& client,
                                                         client::InformerFactory& informers);
std::unique_ptr<Controller> makeRootCaPublisher(client::RestClient& client, client::InformerFactory& informers,
                                                std::string caPem);

// The ConfigMap the publisher keeps in `ns` (exposed for tests).
json::object rootCaConfigMap(const std::string& ns, const std::string& caPem);

}  // namespace kwok::controllers::serviceaccount
