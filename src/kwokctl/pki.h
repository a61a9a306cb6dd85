// The cluster's PKI: a CA and the certificates kwokctl issues with it.
//
// Keys are ECDSA P-256 (fast to generate; accepted by kubectl, client-go
// and Python's ssl). Everything is PEM text; writing files is the caller's
// business.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace kwok::pki {

struct KeyPair {
  std::string certPem;
  std::string keyPem;  // PKCS#8 "BEGIN PRIVATE KEY"
};

// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign).
Result<KeyPair> generateCA(const std::string& commonName, int validDays);

struct CertRequest {
  std::string commonName;                  // the user name, for client certs
  std::vector<std::string> organizations;  // the groups, for client certs
  std::vector<std::string> dnsNames;       // subjectAltName DNS entries
  std::vector<std::string> ipAddresses;    // subjectAltName IP entries (v4 or v6)
  bool client = false;                     // extKeyUsage clientAuth
  bool server = false;                     // extKeyUsage serverAuth
  int validDays = 365;
};

// A certificate for `req` signed by `ca`, with a fresh key. The serial is
// random (128 bits), so two issued certificates never share one.
Result<KeyPair> issueCertificate(const KeyPair& ca, const CertRequest& req);

// Who a PEM client certificate names: CN and the O entries. Used by the
// apiserver's authenticator and by `kwokctl get kubeconfig` tests.
struct Subject {
  std::string commonName;
  std::vector<std::string> organizations;
};
Result<Subject> certificateSubject(const std::string& certPem);

}  // namespace kwok::pki
