/* tls_probe client HOST PORT CAFILE [SERVERNAME]   -> sends "ping\n", prints
 *   "ok: <first line of reply>" or "error: <code name>: <reason>", exit 0/1
 * tls_probe server PORT CERT KEY                    -> echoes lines over TLS,
 *   answers "HTTP/1.0 200 OK" to a line starting with "GET " (for curl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/tls.h"

static int done, failed;

static const char *code_name(int err) {
  switch (err) {
  case TERN_ETLS_CA: return "ETLS_CA";
  case TERN_ETLS_HOST: return "ETLS_HOST";
  case TERN_ETLS_EXPIRED: return "ETLS_EXPIRED";
  case TERN_ETLS: return "ETLS";
  case TERN_ECONNREFUSED: return "ECONNREFUSED";
  default: return "EOTHER";
  }
}

static void client_fn(struct tern_conn *c, int ev, void *ev_data) {
  if (ev == TERN_EV_CONNECT) tern_send(c, "ping\n", 5);
  if (ev == TERN_EV_READ && c->rx.len) {
    char *nl = memchr(c->rx.data, '\n', c->rx.len);
    if (nl) {
      printf("ok: %.*s\n", (int)(nl - (char *)c->rx.data), (char *)c->rx.data);
      done = 1;
      tern_close(c);
    }
  }
  if (ev == TERN_EV_ERROR) {
    printf("error: %s: %s\n", code_name(c->err), (const char *)ev_data);
    failed = done = 1;
  }
  if (ev == TERN_EV_CLOSE && !done) {
    printf("error: EOTHER: closed\n");
    failed = done = 1;
  }
}

static void server_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev != TERN_EV_READ || c->rx.len == 0) return;
  char *nl = memchr(c->rx.data, '\n', c->rx.len);
  if (!nl) return;
  if (c->rx.len >= 4 && memcmp(c->rx.data, "GET ", 4) == 0) {
    const char *resp = "HTTP/1.0 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ntern!\n";
    tern_send(c, resp, strlen(resp));
    tern_buf_consume(&c->rx, c->rx.len);
    tern_close(c);
    return;
  }
  size_t n = (size_t)(nl - (char *)c->rx.data) + 1;
  tern_send(c, "echo ", 5);
  tern_send(c, c->rx.data, n);
  tern_buf_consume(&c->rx, n);
}

int main(int argc, char **argv) {
  struct tern_loop *loop = tern_loop_new(NULL);
  tern_dns_attach(loop, NULL); /* "localhost" */
  char err[256] = "";
  if (argc >= 5 && !strcmp(argv[1], "client")) {
    /* TLS_CERT / TLS_KEY: present a client certificate */
    struct tern_tls_opts o = {.ca_file = argv[4],
                              .server_name = argc > 5 ? argv[5] : NULL,
                              .cert_file = getenv("TLS_CERT"),
                              .key_file = getenv("TLS_KEY")};
    struct tern_tls_ctx *ctx = tern_tls_ctx_new(loop, &o, 0, err, sizeof(err));
    if (!ctx) {
      printf("error: setup: %s\n", err);
      return 1;
    }
    char url[300];
    snprintf(url, sizeof(url), "tcp://%s:%s", argv[2], argv[3]);
    struct tern_conn *c = tern_connect(loop, url, client_fn, NULL);
    if (!c || tern_tls_client(c, ctx) != 0) {
      printf("error: connect\n");
      return 1;
    }
    if (tern_loop_run_until(loop, &done, 20000) != 0) {
      printf("error: timeout\n");
      failed = 1;
    }
    tern_loop_free(loop);
    tern_tls_ctx_unref(ctx);
    return failed;
  }
  if (argc >= 5 && !strcmp(argv[1], "server")) {
    struct tern_tls_opts o = {.cert_file = argv[3], .key_file = argv[4]};
    struct tern_tls_ctx *ctx = tern_tls_ctx_new(loop, &o, 1, err, sizeof(err));
    if (!ctx) {
      fprintf(stderr, "setup: %s\n", err);
      return 1;
    }
    char url[64];
    snprintf(url, sizeof(url), "tcp://127.0.0.1:%s", argv[2]);
    struct tern_conn *l = tern_listen(loop, url, server_fn, NULL);
    if (!l) return 1;
    tern_tls_listen(l, ctx);
    printf("listening\n");
    fflush(stdout);
    tern_loop_run(loop);
    return 0;
  }
  fprintf(stderr, "usage: tls_probe client HOST PORT CAFILE [NAME] | server PORT CERT KEY\n");
  return 2;
}
