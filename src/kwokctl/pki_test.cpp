#include "kwokctl/pki.h"

#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

namespace kwok::pki {
namespace {

struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
using Cert = std::unique_ptr<X509, X509Deleter>;

Cert parseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                 &BIO_free);
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// X509_verify_cert of `leaf` against a store holding only `ca`, for `purpose`.
// Returns the verification error (X509_V_OK on success).
int verify(const std::string& caPem, const std::string& leafPem, int purpose) {
  Cert ca = parseCert(caPem), leaf = parseCert(leafPem);
  if (!ca || !leaf) return -1;
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

CertRequest clientRequest(std::string cn, std::vector<std::string> orgs = {}) {
  CertRequest req;
  req.commonName = std::move(cn);
  req.organizations = std::move(orgs);
  req.client = true;
  return req;
}

CertRequest serverRequest(std::string cn, std::vector<std::string> dns, std::vector<std::string> ips) {
  CertRequest req;
  req.commonName = std::move(cn);
  req.dnsNames = std::move(dns);
  req.ipAddresses = std::move(ips);
  req.server = true;
  return req;
}

const KeyPair& testCA() {
  static const KeyPair ca = [] {
    auto r = generateCA("kwok-ca", 3650);
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  }();
  return ca;
}

TEST(Pki, CAIsSelfSignedCA) {
  const auto& ca = testCA();
  EXPECT_NE(ca.certPem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(ca.keyPem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  Cert cert = parseCert(ca.certPem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK);
  EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(verify(ca.certPem, ca.certPem, X509_PURPOSE_ANY), X509_V_OK);
  auto subject = certificateSubject(ca.certPem);
  ASSERT_TRUE(subject) << subject.error().message;
  EXPECT_EQ(subject->commonName, "kwok-ca");
  EXPECT_TRUE(subject->organizations.empty());
}

TEST(Pki, ClientCertVerifiesAgainstCA) {
  const auto& ca = testCA();
  auto admin = issueCertificate(ca, clientRequest("kwok-admin", {"system:masters"}));
  ASSERT_TRUE(admin) << admin.error().message;
  EXPECT_NE(admin->keyPem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_EQ(verify(ca.certPem, admin->certPem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  // Client-only: not usable as a server certificate.
  EXPECT_NE(verify(ca.certPem, admin->certPem, X509_PURPOSE_SSL_SERVER), X509_V_OK);

  Cert cert = parseCert(admin->certPem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);

  // The returned key belongs to the returned certificate.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(admin->keyPem.data(), static_cast<int>(admin->keyPem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  ASSERT_TRUE(key);
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
}

TEST(Pki, CertFromAnotherCADoesNotVerify) {
  auto other = generateCA("other-ca", 1);
  ASSERT_TRUE(other);
  auto cert = issueCertificate(*other, clientRequest("x"));
  ASSERT_TRUE(cert);
  EXPECT_NE(verify(testCA().certPem, cert->certPem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
}

TEST(Pki, ServerCertHasSubjectAltNames) {
  auto server = issueCertificate(
      testCA(), serverRequest("kube-apiserver", {"localhost", "kubernetes.default.svc"}, {"127.0.0.1", "::1"}));
  ASSERT_TRUE(server) << server.error().message;
  EXPECT_EQ(verify(testCA().certPem, server->certPem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_NE(verify(testCA().certPem, server->certPem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);

  Cert cert = parseCert(server->certPem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "kubernetes.default.svc", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.0.0.1", 0), 0);
}

TEST(Pki, ClientAndServerCert) {
  CertRequest req = serverRequest("kwok-controller", {}, {"127.0.0.1"});
  req.client = true;
  auto both = issueCertificate(testCA(), req);
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(verify(testCA().certPem, both->certPem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(verify(testCA().certPem, both->certPem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
}

TEST(Pki, SubjectRoundTrips) {
  auto cert = issueCertificate(testCA(), clientRequest("jane", {"dev", "system:authenticated", "ünïcode"}));
  ASSERT_TRUE(cert);
  auto subject = certificateSubject(cert->certPem);
  ASSERT_TRUE(subject) << subject.error().message;
  EXPECT_EQ(subject->commonName, "jane");
  EXPECT_EQ(subject->organizations,
            (std::vector<std::string>{"dev", "system:authenticated", "ünïcode"}));
}

TEST(Pki, SerialsAreRandomAndDistinct) {
  auto a = issueCertificate(testCA(), clientRequest("a"));
  auto b = issueCertificate(testCA(), clientRequest("a"));
  ASSERT_TRUE(a && b);
  Cert ca = parseCert(a->certPem), cb = parseCert(b->certPem);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca.get()), X509_get0_serialNumber(cb.get())), 0);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca.get()), nullptr), &BN_free);
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_LE(BN_num_bits(serial.get()), 128);
  EXPECT_GT(BN_num_bits(serial.get()), 64);  // fails with probability 2^-64
}

TEST(Pki, ValidityWindow) {
  CertRequest req = clientRequest("a");
  req.validDays = 30;
  auto cert = issueCertificate(testCA(), req);
  ASSERT_TRUE(cert);
  Cert c = parseCert(cert->certPem);
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(c.get())), 1);
  EXPECT_TRUE(days == 30 || (days == 29 && secs > 86000)) << days << "d " << secs << "s";
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notBefore(c.get())), 1);
  EXPECT_LE(days * 86400 + secs, 0);
}

TEST(Pki, Errors) {
  auto badIp = issueCertificate(testCA(), serverRequest("a", {}, {"300.1.1.1"}));
  ASSERT_FALSE(badIp);
  EXPECT_NE(badIp.error().message.find("300.1.1.1"), std::string::npos);

  auto badCa = issueCertificate({"not a pem", "nor this"}, clientRequest("a"));
  ASSERT_FALSE(badCa);
  EXPECT_NE(badCa.error().message.find("certificate"), std::string::npos);

  auto other = generateCA("other", 1);
  ASSERT_TRUE(other);
  auto mismatched = issueCertificate({testCA().certPem, other->keyPem}, clientRequest("a"));
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().message.find("does not match"), std::string::npos);

  auto badSubject = certificateSubject("garbage");
  ASSERT_FALSE(badSubject);
  EXPECT_EQ(badSubject.error().code, 422);
}

// The openssl CLI is an independent check of the chain and extensions.
TEST(Pki, OpensslCliVerifies) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl CLI not found";
  std::string tmpl = (std::filesystem::temp_directory_path() / "kwok-pki-test-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  std::filesystem::path dir = tmpl;
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  auto client = issueCertificate(testCA(), clientRequest("kwok-admin", {"system:masters"}));
  auto server = issueCertificate(testCA(), serverRequest("kube-apiserver", {"localhost"}, {"127.0.0.1"}));
  ASSERT_TRUE(client && server);
  std::string ca = write("ca.crt", testCA().certPem);
  std::string clientCrt = write("client.crt", client->certPem);
  std::string serverCrt = write("server.crt", server->certPem);
  std::string serverKey = write("server.key", server->keyPem);

  auto run = [](const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); };
  EXPECT_EQ(run("openssl verify -CAfile " + ca + " -purpose sslclient " + clientCrt), 0);
  EXPECT_EQ(run("openssl verify -CAfile " + ca + " -purpose sslserver -verify_ip 127.0.0.1 " +
                "-verify_hostname localhost " + serverCrt),
            0);
  EXPECT_NE(run("openssl verify -CAfile " + ca + " -purpose sslserver " + clientCrt), 0);
  EXPECT_EQ(run("openssl pkey -in " + serverKey + " -noout"), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kwok::pki
