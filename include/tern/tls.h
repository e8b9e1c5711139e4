/* TLS as a filter on a connection: ciphertext in the filter's own buffers,
 * plaintext in c->rx / c->tx, no I/O of its own. Certificates are verified
 * by default. Backend: mbedTLS.
 *
 * Clock: certificate dates are checked against the loop's wall clock
 * (tern_rtc_seconds(): the system clock, corrected by SNTP once synced). While
 * that clock reads earlier than TERN_TLS_CLOCK_FLOOR (a device that has not
 * synced yet reads 1970), dates cannot be judged: they are not checked and a
 * warning is logged; the chain and the host name are always checked. */
#ifndef TERN_TLS_H
#define TERN_TLS_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include "loop.h"

struct tern_tls_opts {
  const char *ca_file;   /* PEM bundle; NULL (and no ca_path): the system bundle */
  const char *ca_path;   /* a folder of PEM certificates (curl --capath); with ca_file: both */
  const char *cert_file; /* our certificate (server, or client auth) */
  const char *key_file;
  const char *server_name; /* SNI and the name verified; NULL: the host connected to */
  int insecure;            /* no verification at all (curl -k) */
  int skip_hostname;       /* verify the chain but not the name (mosquitto --insecure) */
  int require_peer_cert;   /* server with ca_file: refuse clients without a certificate */
};

struct tern_tls_ctx;
/* A context holds the parsed certificates; share it between connections. */
struct tern_tls_ctx *tern_tls_ctx_new(struct tern_loop *loop, const struct tern_tls_opts *o,
                                      int is_server, char *err, size_t errlen);
/* One more owner of ctx (each connection using it holds one). */
void tern_tls_ctx_ref(struct tern_tls_ctx *ctx);
/* One owner less; the last frees ctx. NULL is fine. */
void tern_tls_ctx_unref(struct tern_tls_ctx *ctx);

/* Client side: call right after tern_connect(); CONNECT fires once the
 * handshake is done. Errors: TERN_ETLS_CA, TERN_ETLS_HOST, TERN_ETLS_EXPIRED, TERN_ETLS. */
int tern_tls_client(struct tern_conn *c, struct tern_tls_ctx *ctx);
/* Server side: every connection this listener accepts speaks TLS. The
 * caller keeps ctx alive while the listener runs. */
int tern_tls_listen(struct tern_conn *listener, struct tern_tls_ctx *ctx);

/* The common name (CN) of the certificate the peer presented, once the
 * handshake is done; TERN_ENOTFOUND when it presented none. */
int tern_tls_peer_name(struct tern_conn *c, char *out, size_t outlen);

#pragma GCC visibility pop
#endif
