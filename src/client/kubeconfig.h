// kubeconfig files: reading the connection settings of a context, and
// merging or removing a cluster's entries in a user's file without
// disturbing anything else in it (unknown fields, other clusters,
// preferences, exec plugins all survive).
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "core/json.h"

namespace kwok {

// Everything a client needs to reach an API server. PEM data is loaded from
// files when the kubeconfig refers to them (relative paths resolve against
// the kubeconfig's directory, as in client-go).
struct ClientConfig {
  std::string server;  // "https://127.0.0.1:6443"
  std::string caPem;   // empty: system roots
  std::string certPem;
  std::string keyPem;
  std::string token;
  bool insecureSkipTlsVerify = false;
  std::string tlsServerName;
  std::string namespace_ = "default";
};

// Reads `path` and resolves `context` (empty: current-context). Errors name
// the file and what is missing ("context \"x\" not found in ...").
Result<ClientConfig> loadClientConfig(const std::string& path, const std::string& context = {});

// The kubeconfig file kubectl would write to: the first entry of $KUBECONFIG,
// else ~/.kube/config.
std::string defaultKubeconfigPath();

// Parses a kubeconfig (YAML or JSON) into a generic tree.
Result<json::value> parseKubeconfig(const std::string& text);

// Merges the clusters, users and contexts of `entries` (a kubeconfig tree)
// into the file at `path` (created with mode 0600 if missing), replacing
// same-named entries; sets current-context to `currentContext` when not
// empty. The file is rewritten atomically and guarded by a lock file so
// concurrent kwokctl runs do not lose each other's entries.
Result<void> mergeIntoKubeconfigFile(const std::string& path, const json::value& entries,
                                     const std::string& currentContext);

// Removes the named cluster, user and context from the file; clears
// current-context if it named that context. A missing file is not an error.
Result<void> removeFromKubeconfigFile(const std::string& path, const std::string& cluster,
                                      const std::string& user, const std::string& context);

// A self-contained kubeconfig tree with embedded PEM data, one context.
json::value makeKubeconfig(const std::string& name, const std::string& server,
                           const std::string& caPem, const std::string& userName,
                           const std::string& certPem, const std::string& keyPem);

}  // namespace kwok
