/* The TLS filter over mbedTLS 2.28. mbedTLS reads and writes through our
 * callbacks, which only touch the connection's ciphertext buffers. */
#include <stdio.h>
#include <string.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include "../core/loop_internal.h"
#include "tern/error.h"
#include "tern/file.h"
#include "tern/sntp.h"
#include "tern/tls.h"
#if defined(MBEDTLS_PLATFORM_MEMORY)
#include <mbedtls/platform.h>
#endif

#if defined(MBEDTLS_PLATFORM_MEMORY)
/* mbedTLS's calloc/free hooks take no context: this one pointer to the
 * loop's allocator is the stated exception to "no global mutable state"
 * (the firmware's configuration turns it on; one loop per image). */
static const struct tern_allocator *tls_alloc;
static void *tls_calloc(size_t n, size_t size) {
  if (size && n > (size_t)-1 / size) return NULL;
  return tern_alloc(tls_alloc, n * size); /* zeroed */
}
static void tls_free_mem(void *p) { tern_free(tls_alloc, p); }
#endif

struct tern_tls_ctx {
  const struct tern_allocator *alloc; /* outlives the loop: a ctx may be freed after it */
  int refs;
  int is_server;
  int skip_hostname;
  char server_name[256];
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca, cert;
  mbedtls_pk_context key;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
};

struct conn_tls {
  struct tern_tls base; /* first: the core sees only this */
  struct tern_tls_ctx *ctx;
  struct tern_loop *loop;
  struct tern_addr ip; /* the host connected to, when it is an IP address */
  int host_is_ip;
  mbedtls_ssl_context ssl;
};

static int bio_send(void *arg, const unsigned char *buf, size_t len) {
  struct tern_conn *c = arg;
  size_t room = c->tls->tx.cap - c->tls->tx.len;
  if (room == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  if (len > room) len = room;
  if (tern_buf_append(&c->tls->tx, buf, len) != 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  return (int)len;
}

static int bio_recv(void *arg, unsigned char *buf, size_t len) {
  struct tern_conn *c = arg;
  if (c->tls->rx.len == 0) return c->is_readable_shut ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
  if (len > c->tls->rx.len) len = c->tls->rx.len;
  memcpy(buf, c->tls->rx.data, len);
  tern_buf_consume(&c->tls->rx, len);
  return (int)len;
}

/* mbedTLS 2.28 matches host names only; connecting to an address, the
 * certificate must list it as an iPAddress subjectAltName, found here in
 * the raw extension (OID 2.5.29.17). */
static int cert_has_ip(const mbedtls_x509_crt *crt, const struct tern_addr *ip) {
  static const uint8_t san_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
  const uint8_t *raw = crt->raw.p, *end = raw + crt->raw.len;
  for (const uint8_t *p = raw; p + sizeof(san_oid) < end; p++) {
    if (memcmp(p, san_oid, sizeof(san_oid)) != 0) continue;
    unsigned char *q = (unsigned char *)p + sizeof(san_oid);
    size_t len;
    int critical = 0;
    mbedtls_asn1_get_bool(&q, end, &critical); /* optional */
    if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) return 0;
    const unsigned char *oct_end = q + len;
    if (mbedtls_asn1_get_tag(&q, oct_end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
        0)
      return 0;
    while (q < oct_end) {
      int tag = *q;
      if (mbedtls_asn1_get_tag(&q, oct_end, &len, tag) != 0) return 0;
      size_t want = ip->is_ip6 ? 16 : 4;
      if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == want && memcmp(q, ip->ip, want) == 0)
        return 1;
      q += len;
    }
    return 0;
  }
  return 0;
}

static int64_t x509_unix(const mbedtls_x509_time *t) {
  return tern_days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 +
         t->sec;
}

/* Certificate dates are judged by the loop's clock (tern_rtc: the system
 * clock, or the SNTP-corrected one), not by mbedTLS's time(). Before that
 * clock has ever been set (a device before its first SNTP sync reads
 * 1970), dates cannot be judged: they are not checked, the chain and the
 * host name still are, and a warning says so. */
static int verify_cb(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  struct conn_tls *t = arg;
  *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  int64_t now = tern_rtc_seconds(t->loop);
  if (now >= TERN_TLS_CLOCK_FLOOR) {
    if (now > x509_unix(&crt->valid_to)) *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    if (now < x509_unix(&crt->valid_from)) *flags |= MBEDTLS_X509_BADCERT_FUTURE;
  } else if (depth == 0) {
    TERN_WARN(t->loop,
              "TLS: certificate dates not checked: the clock is not set yet (no SNTP sync)");
  }
  if (depth != 0 || !(*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)) return 0;
  if (t->ctx->skip_hostname || (t->host_is_ip && cert_has_ip(crt, &t->ip)))
    *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}

static int map_error(struct tern_conn *c, struct conn_tls *t, int rc, char *why, size_t whylen) {
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
    if (flags & (MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_MISSING)) {
      snprintf(why, whylen, "certificate not trusted (unknown CA)");
      return TERN_ETLS_CA;
    }
    if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
      snprintf(why, whylen, "certificate expired or not yet valid");
      return TERN_ETLS_EXPIRED;
    }
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
      snprintf(why, whylen, "certificate does not match host name '%s'", c->host ? c->host : "");
      return TERN_ETLS_HOST;
    }
  }
  char buf[128];
  mbedtls_strerror(rc, buf, sizeof(buf));
  if (buf[0]) snprintf(why, whylen, "TLS: %s", buf);
  else snprintf(why, whylen, "TLS: mbedTLS error -0x%04x", (unsigned)-rc);
  return TERN_ETLS;
}

static int fail(struct tern_conn *c, struct conn_tls *t, int rc) {
  char why[320];
  int err = map_error(c, t, rc, why, sizeof(why));
  tern_conn_fail(c, err, why);
  return 0; /* already reported */
}

static int tls_on_read(struct tern_conn *c) {
  struct conn_tls *t = (struct conn_tls *)c->tls;
  if (c->is_tls_hs) {
    int rc = mbedtls_ssl_handshake(&t->ssl);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
    if (rc != 0) return fail(c, t, rc);
    c->is_tls_hs = 0;
    /* A server that asks for certificates (VERIFY_OPTIONAL when not
     * required) still refuses one that does not verify. */
    if (t->ctx->is_server && mbedtls_ssl_get_peer_cert(&t->ssl) &&
        mbedtls_ssl_get_verify_result(&t->ssl) != 0)
      return fail(c, t, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  }
  for (;;) {
    if (tern_buf_reserve(&c->rx, 1024) != 0) return 0; /* rx full: wait for the app */
    size_t room = c->rx.size - c->rx.len;
    if (room > c->rx.cap - c->rx.len) room = c->rx.cap - c->rx.len;
    int n = mbedtls_ssl_read(&t->ssl, c->rx.data + c->rx.len, room);
    if (n > 0) {
      c->rx.len += (size_t)n;
      continue;
    }
    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
    if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      /* as a TCP EOF: what came before close_notify is still delivered */
      c->is_readable_shut = 1;
      return 0;
    }
    return fail(c, t, n);
  }
}

static int tls_flush(struct tern_conn *c) {
  struct conn_tls *t = (struct conn_tls *)c->tls;
  while (c->tx.len > 0) {
    int n = mbedtls_ssl_write(&t->ssl, c->tx.data, c->tx.len);
    if (n > 0) {
      tern_buf_consume(&c->tx, (size_t)n);
      continue;
    }
    if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ) break;
    return fail(c, t, n), TERN_ETLS;
  }
  return 0;
}

static void tls_free(struct tern_conn *c) {
  struct conn_tls *t = (struct conn_tls *)c->tls;
  tern_buf_free(&t->base.rx);
  tern_buf_free(&t->base.tx);
  mbedtls_ssl_free(&t->ssl);
  tern_tls_ctx_unref(t->ctx);
  tern_free(c->loop->alloc, t);
  c->tls = NULL;
}

static const struct tern_tls_ops ops = {tls_on_read, tls_flush, tls_free};

/* Certificates and keys are read through tern_file (the port's files: the
 * disk on Linux, the host or the provisioned area on a board), then parsed
 * from memory: mbedTLS's own file functions need a C library's stdio. */
static int load(struct tern_loop *loop, const char *path, char **pem, size_t *len) {
  if (tern_file_load(loop->alloc, path, TERN_TLS_PEM_MAX, pem, len) != 0) return -1;
  (*len)++; /* mbedTLS takes PEM with its NUL */
  return 0;
}
static int load_crt(struct tern_loop *loop, mbedtls_x509_crt *crt, const char *path) {
  char *pem;
  size_t len;
  if (load(loop, path, &pem, &len) != 0) return -1;
  int rc = mbedtls_x509_crt_parse(crt, (const unsigned char *)pem, len);
  tern_free(loop->alloc, pem);
  return rc;
}
/* Every certificate file in a folder (curl --capath, OpenSSL's hashed
 * links included: a certificate read twice is kept once by mbedTLS's
 * chain). Files that hold no certificate are passed over. */
struct dir_load {
  struct tern_loop *loop;
  mbedtls_x509_crt *crt;
  const char *dir;
  int loaded;
};
static int load_dir_entry(void *arg, const char *name) {
  struct dir_load *d = arg;
  char path[512];
  if (snprintf(path, sizeof(path), "%s/%s", d->dir, name) < (int)sizeof(path) &&
      load_crt(d->loop, d->crt, path) >= 0)
    d->loaded++;
  return 0;
}
static int load_dir(struct tern_loop *loop, mbedtls_x509_crt *crt, const char *dir) {
  struct dir_load d = {loop, crt, dir, 0};
  if (tern_file_list(dir, load_dir_entry, &d) != 0) return -1;
  return d.loaded ? 0 : -1;
}

/* The system's bundle: the first of TERN_TLS_CA_BUNDLE's paths (':'
 * between them: Debian's, Fedora's, openSUSE's, Alpine's) that loads. */
static int load_system_bundle(struct tern_loop *loop, mbedtls_x509_crt *crt, char *err,
                              size_t errlen) {
  const char *list = TERN_TLS_SYSTEM_BUNDLE ? TERN_TLS_CA_BUNDLE : "";
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ":");
    char path[256];
    if (n < sizeof(path)) {
      memcpy(path, p, n);
      path[n] = '\0';
      if (load_crt(loop, crt, path) >= 0) return 0;
    }
    p += n + (p[n] == ':');
  }
  if (list[0]) snprintf(err, errlen, "no system CA bundle found (%s)", list);
  else snprintf(err, errlen, "no CA certificate given (cafile), and no system bundle here");
  return -1;
}

static int load_key(struct tern_loop *loop, mbedtls_pk_context *key, const char *path) {
  char *pem;
  size_t len;
  if (load(loop, path, &pem, &len) != 0) return -1;
  int rc = mbedtls_pk_parse_key(key, (const unsigned char *)pem, len, NULL, 0);
  memset(pem, 0, len); /* a private key stays in memory no longer than needed */
  tern_free(loop->alloc, pem);
  return rc;
}

struct tern_tls_ctx *tern_tls_ctx_new(struct tern_loop *loop, const struct tern_tls_opts *o,
                                      int is_server, char *err, size_t errlen) {
  struct tern_tls_ctx *ctx = tern_alloc(loop->alloc, sizeof(*ctx));
  char msg[128];
  if (!ctx) return NULL;
#if defined(MBEDTLS_PLATFORM_MEMORY)
  if (!tls_alloc) {
    tls_alloc = loop->alloc;
    mbedtls_platform_set_calloc_free(tls_calloc, tls_free_mem);
  }
#endif
  ctx->alloc = loop->alloc;
  ctx->refs = 1;
  ctx->is_server = is_server;
  ctx->skip_hostname = o->skip_hostname;
  if (o->server_name) snprintf(ctx->server_name, sizeof(ctx->server_name), "%s", o->server_name);
  mbedtls_ssl_config_init(&ctx->conf);
  mbedtls_x509_crt_init(&ctx->ca);
  mbedtls_x509_crt_init(&ctx->cert);
  mbedtls_pk_init(&ctx->key);
  mbedtls_entropy_init(&ctx->entropy);
  mbedtls_ctr_drbg_init(&ctx->drbg);
  int rc = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
                                 (const unsigned char *)"tern", 4);
  if (rc == 0)
    rc = mbedtls_ssl_config_defaults(&ctx->conf,
                                     is_server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                     MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) goto fail;
  mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
  mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  if (!is_server) {
    if (o->insecure) {
      mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_NONE);
    } else {
      if (o->ca_file && load_crt(loop, &ctx->ca, o->ca_file) < 0) {
        snprintf(err, errlen, "cannot load CA file %s", o->ca_file);
        goto fail_msg;
      }
      if (o->ca_path && load_dir(loop, &ctx->ca, o->ca_path) < 0) {
        snprintf(err, errlen, "no CA certificate in the folder %s", o->ca_path);
        goto fail_msg;
      }
      if (!o->ca_file && !o->ca_path && load_system_bundle(loop, &ctx->ca, err, errlen) < 0)
        goto fail_msg;
      mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, NULL);
      mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    }
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH) && MBEDTLS_SSL_OUT_CONTENT_LEN <= 4096
    /* small record buffers (the firmware): ask the server for 4 KB records */
    mbedtls_ssl_conf_max_frag_len(&ctx->conf, MBEDTLS_SSL_MAX_FRAG_LEN_4096);
#endif
  } else if (o->ca_file) {
    /* A server with a CA file asks clients for certificates signed by it. */
    if (load_crt(loop, &ctx->ca, o->ca_file) < 0) {
      snprintf(err, errlen, "cannot load CA file %s", o->ca_file);
      goto fail_msg;
    }
    mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, NULL);
    mbedtls_ssl_conf_authmode(&ctx->conf, o->require_peer_cert ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                               : MBEDTLS_SSL_VERIFY_OPTIONAL);
  }
  if (o->cert_file || o->key_file || is_server) {
    if (!o->cert_file || !o->key_file) {
      snprintf(err, errlen, "a certificate needs both --cert and --key");
      goto fail_msg;
    }
    if (load_crt(loop, &ctx->cert, o->cert_file) != 0) {
      snprintf(err, errlen, "cannot load certificate %s", o->cert_file);
      goto fail_msg;
    }
    if (load_key(loop, &ctx->key, o->key_file) != 0) {
      snprintf(err, errlen, "cannot load key %s", o->key_file);
      goto fail_msg;
    }
    rc = mbedtls_ssl_conf_own_cert(&ctx->conf, &ctx->cert, &ctx->key);
    if (rc != 0) goto fail;
  }
  return ctx;
fail:
  mbedtls_strerror(rc, msg, sizeof(msg));
  snprintf(err, errlen, "TLS setup: %s", msg);
fail_msg:
  ctx->refs = 1;
  tern_tls_ctx_unref(ctx);
  return NULL;
}

void tern_tls_ctx_ref(struct tern_tls_ctx *ctx) { ctx->refs++; }

void tern_tls_ctx_unref(struct tern_tls_ctx *ctx) {
  if (!ctx || --ctx->refs > 0) return;
  mbedtls_ssl_config_free(&ctx->conf);
  mbedtls_x509_crt_free(&ctx->ca);
  mbedtls_x509_crt_free(&ctx->cert);
  mbedtls_pk_free(&ctx->key);
  mbedtls_ctr_drbg_free(&ctx->drbg);
  mbedtls_entropy_free(&ctx->entropy);
  tern_free(ctx->alloc, ctx);
}

int tern_tls_peer_name(struct tern_conn *c, char *out, size_t outlen) {
  if (!c->tls || c->tls->ops != &ops || c->is_tls_hs) return TERN_ENOTFOUND;
  const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&((struct conn_tls *)c->tls)->ssl);
  for (const mbedtls_x509_name *n = crt ? &crt->subject : NULL; n; n = n->next) {
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0) continue;
    if (n->val.len >= outlen || memchr(n->val.p, 0, n->val.len)) return TERN_ELIMIT;
    memcpy(out, n->val.p, n->val.len);
    out[n->val.len] = '\0';
    return 0;
  }
  return TERN_ENOTFOUND;
}

static int attach(struct tern_conn *c, struct tern_tls_ctx *ctx) {
  struct conn_tls *t = tern_alloc(c->loop->alloc, sizeof(*t));
  if (!t) return TERN_ENOMEM;
  t->base.ops = &ops;
  tern_buf_init(&t->base.rx, c->loop->alloc, c->loop->buf_cap);
  tern_buf_init(&t->base.tx, c->loop->alloc, c->loop->buf_cap);
  t->ctx = ctx;
  t->loop = c->loop;
  mbedtls_ssl_init(&t->ssl);
  int rc = mbedtls_ssl_setup(&t->ssl, &ctx->conf);
  if (rc == 0 && !ctx->is_server) {
    const char *name = ctx->server_name[0] ? ctx->server_name : c->host;
    if (name && !name[0]) name = NULL;
    t->host_is_ip = name && tern_addr_parse(name, 0, &t->ip) == 0;
    if (!name && c->is_client) {
      t->host_is_ip = 1;
      t->ip = c->peer;
      name = "0.0.0.0";
    }
    /* An address is still set as the expected name, so that only an
     * iPAddress SAN (checked in verify_cb) can clear the mismatch. */
    rc = mbedtls_ssl_set_hostname(&t->ssl, name);
  }
  mbedtls_ssl_set_verify(&t->ssl, verify_cb, t); /* also a server checking client certificates */
  if (rc != 0) {
    mbedtls_ssl_free(&t->ssl);
    tern_free(c->loop->alloc, t);
    return TERN_ETLS;
  }
  mbedtls_ssl_set_bio(&t->ssl, c, bio_send, bio_recv, NULL);
  tern_tls_ctx_ref(ctx);
  c->tls = &t->base;
  c->is_tls_hs = 1;
  /* Bytes already read (none, normally) belong to TLS now. */
  return 0;
}

int tern_tls_client(struct tern_conn *c, struct tern_tls_ctx *ctx) {
  if (c->tls || ctx->is_server) return TERN_EINVAL;
  return attach(c, ctx); /* the handshake starts when TCP connects */
}

static int accept_hook(struct tern_conn *listener, struct tern_conn *c) {
  return attach(c, listener->accept_hook_arg);
}

int tern_tls_listen(struct tern_conn *listener, struct tern_tls_ctx *ctx) {
  if (!ctx->is_server) return TERN_EINVAL;
  listener->accept_hook = accept_hook;
  listener->accept_hook_arg = ctx;
  return 0;
}
