// A cluster's credentials: its CA, the API server's serving certificate,
// the client certificates of the admin and of each component, and the
// kubeconfig files made from them. With the secure port off there are no
// certificates and the kubeconfigs point at plain HTTP.
//
// Files under the cluster directory: pki/ca.{crt,key},
// pki/apiserver.{crt,key}, pki/admin.{crt,key}, kubeconfig.yaml (admin),
// kubeconfig.kwok-controller-manager.yaml, kubeconfig.kwok-controller.yaml.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "kwokctl/config.h"

namespace kwok::kwokctl {

// Generates and writes everything above (keys are mode 0600). The server
// is at options.kubeApiserverPort.
Status writeCredentials(const std::string& dir, const std::string& clusterName, const Options& options);

struct KubeconfigRequest {
  std::string user = "kwok-admin";
  std::vector<std::string> groups{"system:masters"};
  std::string host;  // overrides host[:port] of the server URL
  bool insecureSkipTlsVerify = false;
};

// A kubeconfig for the cluster: the admin's, or, for another user or
// groups, one with a client certificate newly signed by the cluster's CA.
Result<json::value> requestKubeconfig(const std::string& dir, const std::string& clusterName, const Options& options,
                                      const KubeconfigRequest& request);

}  // namespace kwok::kwokctl
