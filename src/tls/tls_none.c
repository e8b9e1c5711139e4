/* The TLS entry points in a build without TLS (TERN_ENABLE_TLS=OFF): every
 * call fails with TERN_EUNSUPPORTED, so a configuration that asks for TLS
 * refuses to start rather than run in clear. */
#include <stdio.h>
#include "tern/error.h"
#include "tern/tls.h"

struct tern_tls_ctx *tern_tls_ctx_new(struct tern_loop *loop, const struct tern_tls_opts *o,
                                      int is_server, char *err, size_t errlen) {
  (void)loop, (void)o, (void)is_server;
  if (err && errlen) snprintf(err, errlen, "this build of tern has no TLS (TERN_ENABLE_TLS=OFF)");
  return NULL;
}
void tern_tls_ctx_ref(struct tern_tls_ctx *ctx) { (void)ctx; }
void tern_tls_ctx_unref(struct tern_tls_ctx *ctx) { (void)ctx; }
int tern_tls_client(struct tern_conn *c, struct tern_tls_ctx *ctx) {
  (void)c, (void)ctx;
  return TERN_EUNSUPPORTED;
}
int tern_tls_listen(struct tern_conn *listener, struct tern_tls_ctx *ctx) {
  (void)listener, (void)ctx;
  return TERN_EUNSUPPORTED;
}
int tern_tls_peer_name(struct tern_conn *c, char *out, size_t outlen) {
  (void)c, (void)out, (void)outlen;
  return TERN_ENOTFOUND;
}
