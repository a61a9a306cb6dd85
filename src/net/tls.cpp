#include "net/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <csignal>
#include <memory>

#include "net/fd_stream.h"

namespace kwok::net {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

std::unique_ptr<BIO, BioFree> memBio(const std::string& s) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

// Adds every certificate in `pem` to the context's trust store.
Result<int> addTrusted(SSL_CTX* ctx, const std::string& pem, const char* what) {
  auto bio = memBio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int n = 0;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    std::unique_ptr<X509, X509Free> guard(x);
    X509_STORE_add_cert(store, x);
    ++n;
  }
  ERR_clear_error();  // the loop ends on an expected "no start line"
  if (n == 0) return Error::badRequest(std::string("no certificate found in ") + what);
  return n;
}

Result<void> useCertAndKey(SSL_CTX* ctx, const std::string& certPem, const std::string& keyPem) {
  auto cb = memBio(certPem);
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  if (!cert || SSL_CTX_use_certificate(ctx, cert.get()) != 1)
    return Error::badRequest("unusable certificate: " + opensslErrors());
  // Intermediate certificates after the first one form the chain.
  while (X509* extra = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) X509_free(extra);
  }
  ERR_clear_error();
  auto kb = memBio(keyPem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  if (!key || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    return Error::badRequest("unusable private key: " + opensslErrors());
  return {};
}

// Accept any client certificate during the handshake; the verification
// result is read afterwards (SSL_get_verify_result) to authenticate.
int acceptAnyClientCert(int, X509_STORE_CTX*) { return 1; }

}  // namespace

Result<SSL_CTX*> makeServerTlsContext(const std::string& certPem, const std::string& keyPem,
                                      const std::string& clientCaPem) {
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return Error::internal("SSL_CTX_new: " + opensslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  if (auto r = useCertAndKey(ctx.get(), certPem, keyPem); !r) return r.error();
  if (!clientCaPem.empty()) {
    if (auto r = addTrusted(ctx.get(), clientCaPem, "the client CA"); !r) return r.error();
    // Tell clients which CA to pick a certificate for.
    auto bio = memBio(clientCaPem);
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      SSL_CTX_add_client_CA(ctx.get(), x);
      X509_free(x);
    }
    ERR_clear_error();
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, acceptAnyClientCert);
  }
  return ctx.release();
}

Result<SSL_CTX*> makeClientTlsContext(const std::string& caPem, const std::string& certPem, const std::string& keyPem,
                                      bool insecure) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error::internal("SSL_CTX_new: " + opensslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (insecure) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    if (caPem.empty())
      SSL_CTX_set_default_verify_paths(ctx.get());
    else if (auto r = addTrusted(ctx.get(), caPem, "the certificate authority"); !r)
      return r.error();
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  if (!certPem.empty()) {
    if (auto r = useCertAndKey(ctx.get(), certPem, keyPem); !r) return r.error();
  }
  return ctx.release();
}

Result<void> setClientPeerName(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  in6_addr a6;
  in_addr a4;
  bool isIp = inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
  if (isIp) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1)
      return Error::badRequest("invalid server address " + host);
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) != 1)
      return Error::badRequest("invalid server name " + host);
  }
  return {};
}

PeerIdentity peerIdentity(SSL* ssl) {
  PeerIdentity id;
  std::unique_ptr<X509, X509Free> cert(SSL_get1_peer_certificate(ssl));
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return id;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto entries = [&](int nid, auto&& sink) {
    for (int i = X509_NAME_get_index_by_NID(subject, nid, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(subject, nid, i)) {
      ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
      unsigned char* utf8 = nullptr;
      int len = ASN1_STRING_to_UTF8(&utf8, data);
      if (len >= 0) sink(std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len)));
      OPENSSL_free(utf8);
    }
  };
  entries(NID_commonName, [&](std::string s) { id.user = std::move(s); });
  entries(NID_organizationName, [&](std::string s) { id.groups.push_back(std::move(s)); });
  return id;
}

void ignoreSigpipe() { std::signal(SIGPIPE, SIG_IGN); }

}  // namespace kwok::net
