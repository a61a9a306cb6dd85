// OpenSSL contexts for the server and the client, and client identities.
// Internal to src/net.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "core/error.h"
#include "net/http.h"

namespace kwok::net {

// A server context: TLS 1.2+, HTTP/1.1 only. When clientCaPem is set, a
// client certificate is requested (never required) and verified against it;
// the handshake succeeds either way and peerIdentity() tells the outcome,
// as kube-apiserver's "request client certificate" mode does.
Result<SSL_CTX*> makeServerTlsContext(const std::string& certPem, const std::string& keyPem,
                                      const std::string& clientCaPem);

// A client context that verifies the server against caPem (or the system
// roots when empty) unless insecure, and presents certPem/keyPem if given.
Result<SSL_CTX*> makeClientTlsContext(const std::string& caPem, const std::string& certPem, const std::string& keyPem,
                                      bool insecure);

// Configures `ssl` to send SNI and check the server's name (DNS or IP).
Result<void> setClientPeerName(SSL* ssl, const std::string& host);

// The verified client certificate's CN (user) and O entries (groups); empty
// when there is no certificate or it did not verify.
PeerIdentity peerIdentity(SSL* ssl);

// Writing to a closed socket must return an error, not kill the process.
void ignoreSigpipe();

}  // namespace kwok::net
