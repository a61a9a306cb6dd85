#include "kwokctl/credentials.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/kubeconfig.h"
#include "core/yaml.h"
#include "kwokctl/cluster.h"
#include "kwokctl/files.h"
#include "kwokctl/pki.h"

namespace kwok::kwokctl {

namespace fs = std::filesystem;

namespace {

constexpr int kValidDays = 3650;

bool isIp(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

pki::CertRequest servingRequest(const Options& o) {
  pki::CertRequest r{"kwok-apiserver", {}, {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
                     {"127.0.0.1", "::1"}, false, true, kValidDays};
  std::vector<std::string> extra = o.kubeApiserverCertSANs;
  if (o.bindAddress != "0.0.0.0" && o.bindAddress != "::") extra.push_back(o.bindAddress);
  for (const auto& san : extra) {
    auto& list = isIp(san) ? r.ipAddresses : r.dnsNames;
    if (std::find(list.begin(), list.end(), san) == list.end()) list.push_back(san);
  }
  return r;
}

json::value kubeconfigFor(const std::string& clusterName, const Options& o, const std::string& caPem,
                          const pki::KeyPair* user) {
  std::string ctx = contextName(clusterName);
  std::string server = apiserverUrl(o, o.kubeApiserverPort);
  return makeKubeconfig(ctx, server, caPem, ctx, user ? user->certPem : "", user ? user->keyPem : "");
}

// The server URL with its host (or host:port) replaced.
std::string withHost(const std::string& server, const std::string& host) {
  auto authority = server.find("://") + 3;
  auto colons = std::count(host.begin(), host.end(), ':');
  bool bracketed = host.starts_with('[');
  bool hasPort = bracketed ? host.find("]:") != std::string::npos : colons == 1;
  std::string h = !bracketed && colons > 1 ? "[" + host + "]" : host;
  return server.substr(0, authority) + h + (hasPort ? "" : server.substr(server.rfind(':')));
}

// Points the kubeconfig's cluster entries elsewhere, or drops verification
// of the server.
void adjustCluster(json::value& kc, const std::string& host, bool insecure) {
  for (auto& entry : kc.as_object()["clusters"].as_array()) {
    auto& cluster = entry.as_object()["cluster"].as_object();
    if (!host.empty()) cluster["server"] = withHost(std::string(cluster["server"].as_string()), host);
    if (insecure) {
      cluster.erase("certificate-authority-data");
      cluster["insecure-skip-tls-verify"] = true;
    }
  }
}

}  // namespace

Status writeCredentials(const std::string& dir, const std::string& clusterName, const Options& o) {
  fs::path d = dir;
  auto writeKubeconfig = [&](const char* file, json::value kc, bool forUser) {
    if (forUser && o.insecureKubeconfig) adjustCluster(kc, "", true);
    return writeFileAtomic((d / file).string(), jsonToYaml(kc), 0600);
  };
  if (!o.securePort) {
    for (const char* f : {"kubeconfig.yaml", "kubeconfig.kwok-controller-manager.yaml", "kubeconfig.kwok-controller.yaml"})
      if (auto st = writeKubeconfig(f, kubeconfigFor(clusterName, o, "", nullptr), false); !st) return st;
    return {};
  }
  auto ca = pki::generateCA("kwok-ca", kValidDays);
  if (!ca) return ca.error();
  auto issue = [&](const std::string& cn) {
    return pki::issueCertificate(*ca, {cn, {"system:masters"}, {}, {}, true, false, kValidDays});
  };
  auto serving = pki::issueCertificate(*ca, servingRequest(o));
  auto admin = issue("kwok-admin");
  auto cm = issue("system:kube-controller-manager");
  auto kwok = issue("kwok-controller");
  for (auto* r : {&serving, &admin, &cm, &kwok})
    if (!*r) return r->error();
  fs::create_directories(d / "pki");
  for (const auto& [name, kp] : std::initializer_list<std::pair<const char*, const pki::KeyPair*>>{
           {"ca", &*ca}, {"apiserver", &*serving}, {"admin", &*admin}}) {
    if (auto st = writeFileAtomic((d / "pki" / (std::string(name) + ".crt")).string(), kp->certPem, 0644); !st)
      return st;
    if (auto st = writeFileAtomic((d / "pki" / (std::string(name) + ".key")).string(), kp->keyPem, 0600); !st)
      return st;
  }
  if (auto st = writeKubeconfig("kubeconfig.yaml", kubeconfigFor(clusterName, o, ca->certPem, &*admin), true); !st)
    return st;
  if (auto st = writeKubeconfig("kubeconfig.kwok-controller-manager.yaml",
                                kubeconfigFor(clusterName, o, ca->certPem, &*cm), false);
      !st)
    return st;
  return writeKubeconfig("kubeconfig.kwok-controller.yaml", kubeconfigFor(clusterName, o, ca->certPem, &*kwok), false);
}

Result<json::value> requestKubeconfig(const std::string& dir, const std::string& clusterName, const Options& o,
                                      const KubeconfigRequest& r) {
  fs::path d = dir;
  KubeconfigRequest defaults;
  bool resign = r.user != defaults.user || r.groups != defaults.groups;
  json::value kc;
  if (!o.securePort) {
    if (resign)
      return Error::badRequest(
          "the cluster serves plain HTTP without authentication (--secure-port=false): there are no users to sign "
          "certificates for");
    kc = kubeconfigFor(clusterName, o, "", nullptr);
  } else if (!resign) {
    auto text = readFile((d / "kubeconfig.yaml").string());
    if (!text) return text.error();
    auto parsed = parseKubeconfig(*text);
    if (!parsed) return parsed.error();
    kc = std::move(*parsed);
  } else {
    auto caCert = readFile((d / "pki/ca.crt").string()), caKey = readFile((d / "pki/ca.key").string());
    if (!caCert) return caCert.error();
    if (!caKey) return caKey.error();
    pki::KeyPair ca{*caCert, *caKey};
    auto user = pki::issueCertificate(ca, {r.user, r.groups, {}, {}, true, false, kValidDays});
    if (!user) return user.error();
    kc = kubeconfigFor(clusterName, o, ca.certPem, &*user);
    // The user entry names the user, so kubeconfigs of several users merge.
    std::string ctx = contextName(clusterName), userName = ctx + "-" + r.user;
    kc.as_object()["users"].as_array()[0].as_object()["name"] = userName;
    kc.as_object()["contexts"].as_array()[0].as_object()["context"].as_object()["user"] = userName;
  }
  adjustCluster(kc, r.host, r.insecureSkipTlsVerify || (o.insecureKubeconfig && !resign));
  return kc;
}

}  // namespace kwok::kwokctl
