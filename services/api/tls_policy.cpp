// The TLS policy of every HTTPS listener (the daemon's, and the benchmark baseline's, so the two
// are measured alike): TLS 1.2 with ECDHE key exchange and AEAD ciphers only, or TLS 1.3.
#include <madoguchi/api/server.hpp>

#include <openssl/ssl.h>

namespace madoguchi::api {

Result<void> apply_tls_policy(ssl_ctx_st* ctx) {
  // Forward secrecy and authenticated encryption: no RSA key exchange, no CBC, no SHA-1 MACs.
  constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1)
    return make_error("server.tls", "cannot set the TLS protocol versions or cipher suites");
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_ECDH_USE);
  return {};
}

}  // namespace madoguchi::api
