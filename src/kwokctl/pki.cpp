#include "kwokctl/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include <memory>

namespace kwok::pki {
namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Free<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION, X509_EXTENSION_free>>;
using GeneralName = std::unique_ptr<GENERAL_NAME, Free<GENERAL_NAME, GENERAL_NAME_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES, GENERAL_NAMES_free>>;
using Asn1String = std::unique_ptr<ASN1_STRING, Free<ASN1_STRING, ASN1_STRING_free>>;

// `what` plus OpenSSL's error queue, which this drains so a later failure
// does not report this one's leftovers.
std::string sslMessage(std::string_view what) {
  std::string msg(what);
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  return msg;
}

Error sslError(std::string_view what) { return Error::internal(sslMessage(what)); }

Result<std::string> drain(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n < 0) return sslError("reading PEM buffer");
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> certToPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return sslError("encoding certificate");
  return drain(bio.get());
}

Result<std::string> keyToPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return sslError("encoding private key");
  }
  return drain(bio.get());
}

Result<Cert> certFromPem(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return Error::invalid(sslMessage("parsing PEM certificate"));
  return cert;
}

Result<PKey> keyFromPem(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PKey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Error::invalid(sslMessage("parsing PEM private key"));
  return key;
}

Result<PKey> newKey() {
  PKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return sslError("generating ECDSA P-256 key");
  return key;
}

// A certificate with version 3, a random 128-bit serial, the validity
// window, `subject` as subject name and `key` as public key. Extensions and
// issuer are the caller's.
Result<Cert> newCertificate(EVP_PKEY* key, const Subject& subject, int validDays) {
  Cert cert(X509_new());
  if (!cert) return sslError("allocating certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return sslError("setting version");

  Bignum serial(BN_new());
  if (!serial || BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return sslError("setting serial number");
  }

  // Backdated a little, so a peer whose clock runs slightly behind still
  // accepts a certificate issued a moment ago.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -5 * 60) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), validDays, 0, nullptr)) {
    return sslError("setting validity");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add = [&](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  // O before CN, the order Go's crypto/x509 writes them in.
  for (const auto& org : subject.organizations) {
    if (!add("O", org)) return sslError(fmt::format("setting organization {:?}", org));
  }
  if (!subject.commonName.empty() && !add("CN", subject.commonName)) {
    return sslError(fmt::format("setting common name {:?}", subject.commonName));
  }

  if (X509_set_pubkey(cert.get(), key) != 1) return sslError("setting public key");
  return cert;
}

// Adds an extension given in openssl.cnf syntax; only for fixed values, never
// for user input (which could smuggle in extra items).
Status addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return sslError(fmt::format("adding extension {} = {}", OBJ_nid2sn(nid), value));
  }
  return {};
}

Status addSubjectAltNames(X509* cert, const CertRequest& req) {
  if (req.dnsNames.empty() && req.ipAddresses.empty()) return {};
  GeneralNames names(sk_GENERAL_NAME_new_null());
  if (!names) return sslError("allocating subjectAltName");
  auto push = [&](int type, ASN1_STRING* value) {
    Asn1String owned(value);
    GeneralName gn(GENERAL_NAME_new());
    if (!owned || !gn) return false;
    GENERAL_NAME_set0_value(gn.get(), type, owned.release());
    if (!sk_GENERAL_NAME_push(names.get(), gn.get())) return false;
    gn.release();
    return true;
  };
  for (const auto& dns : req.dnsNames) {
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    if (s && ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size())) != 1) {
      ASN1_IA5STRING_free(s);
      s = nullptr;
    }
    if (!push(GEN_DNS, s)) return sslError(fmt::format("adding DNS name {:?}", dns));
  }
  for (const auto& ip : req.ipAddresses) {
    ASN1_OCTET_STRING* bytes = a2i_IPADDRESS(ip.c_str());
    if (!bytes) {
      ERR_clear_error();
      return Error::invalid(fmt::format("invalid IP address {:?}", ip));
    }
    if (!push(GEN_IPADD, bytes)) return sslError(fmt::format("adding IP address {:?}", ip));
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return sslError("adding subjectAltName");
  }
  return {};
}

Result<KeyPair> encode(X509* cert, EVP_PKEY* key) {
  auto certPem = certToPem(cert);
  if (!certPem) return certPem.error();
  auto keyPem = keyToPem(key);
  if (!keyPem) return keyPem.error();
  return KeyPair{std::move(*certPem), std::move(*keyPem)};
}

}  // namespace

Result<KeyPair> generateCA(const std::string& commonName, int validDays) {
  auto key = newKey();
  if (!key) return key.error();
  auto cert = newCertificate(key->get(), Subject{commonName, {}}, validDays);
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) return sslError("setting issuer");
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto st = addExtension(c, c, nid, value); !st) return st.error();
  }
  if (X509_sign(c, key->get(), EVP_sha256()) <= 0) return sslError("signing CA certificate");
  return encode(c, key->get());
}

Result<KeyPair> issueCertificate(const KeyPair& ca, const CertRequest& req) {
  auto caCert = certFromPem(ca.certPem);
  if (!caCert) return caCert.error();
  auto caKey = keyFromPem(ca.keyPem);
  if (!caKey) return caKey.error();
  if (X509_check_private_key(caCert->get(), caKey->get()) != 1) {
    return Error::invalid(sslMessage("CA key does not match CA certificate"));
  }

  auto key = newKey();
  if (!key) return key.error();
  auto cert = newCertificate(key->get(), Subject{req.commonName, req.organizations}, req.validDays);
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(caCert->get())) != 1) {
    return sslError("setting issuer");
  }

  if (auto st = addExtension(c, caCert->get(), NID_basic_constraints, "critical,CA:FALSE"); !st) {
    return st.error();
  }
  // ECDSA keys only sign; keyEncipherment would be meaningless here.
  if (auto st = addExtension(c, caCert->get(), NID_key_usage, "critical,digitalSignature"); !st) {
    return st.error();
  }
  if (req.client || req.server) {
    const char* eku = req.client && req.server ? "clientAuth,serverAuth"
                      : req.client             ? "clientAuth"
                                               : "serverAuth";
    if (auto st = addExtension(c, caCert->get(), NID_ext_key_usage, eku); !st) return st.error();
  }
  if (auto st = addExtension(c, caCert->get(), NID_authority_key_identifier, "keyid:always"); !st) {
    return st.error();
  }
  if (auto st = addSubjectAltNames(c, req); !st) return st.error();

  if (X509_sign(c, caKey->get(), EVP_sha256()) <= 0) return sslError("signing certificate");
  return encode(c, key->get());
}

Result<Subject> certificateSubject(const std::string& certPem) {
  auto cert = certFromPem(certPem);
  if (!cert) return cert.error();
  const X509_NAME* name = X509_get_subject_name(cert->get());

  auto text = [&](int index) -> Result<std::string> {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) return sslError("decoding subject entry");
    std::string s(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return s;
  };

  Subject subject;
  // With several CNs the last wins, as in Go's pkix.Name.FillFromRDNSequence.
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;) {
    auto s = text(i);
    if (!s) return s.error();
    subject.commonName = std::move(*s);
  }
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) >= 0;) {
    auto s = text(i);
    if (!s) return s.error();
    subject.organizations.push_back(std::move(*s));
  }
  return subject;
}

}  // namespace kwok::pki
