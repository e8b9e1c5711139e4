/* tern serve [DIR]: serve a directory over HTTP, as python3 -m http.server. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/error.h"
#include "tern/http.h"
#include "tern/log.h"
#include "tern/tls.h"

static const char usage[] =
    "usage: tern serve [DIR] [-p PORT] [-b ADDR] [-l] [--cert F --key F] [--auth USER:PASS]\n"
    "                  [-q | -v]\n"
    "Serves DIR (default .) over HTTP on 127.0.0.1:8000, as python3 -m http.server;\n"
    "each request is logged on standard error in the Common Log Format.\n"
    "GET /healthz answers 200 \"ok\" (unless DIR has a file of that name: it is served).\n"
    "  -p PORT          port (0 picks a free one)\n"
    "  -b ADDR          address to listen on (default 127.0.0.1)\n"
    "  -l, --list       list a folder that has no index.html (else 404)\n"
    "  --cert F --key F serve HTTPS\n"
    "  --auth USER:PASS require Basic auth\n"
    "  -q, --quiet      no request log\n"
    "  -v               tern's own log too (connections, errors)\n";

static void log_line(void *arg, const char *line) {
  (void)arg;
  fprintf(stderr, "%s\n", line);
}

int cmd_serve(int argc, char **argv) {
  const char *dir = ".", *port = "8000", *bind = "127.0.0.1", *cert = NULL, *key = NULL,
             *auth = NULL;
  int bad = 0, verbose = 0, quiet = 0, list = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "-p", &bad)) || (v = app_opt(argc, argv, &i, "--port", &bad)))
      port = v;
    else if ((v = app_opt(argc, argv, &i, "-b", &bad)) ||
             (v = app_opt(argc, argv, &i, "--bind", &bad)))
      bind = v;
    else if ((v = app_opt(argc, argv, &i, "--cert", &bad))) cert = v;
    else if ((v = app_opt(argc, argv, &i, "--key", &bad))) key = v;
    else if ((v = app_opt(argc, argv, &i, "--auth", &bad))) auth = v;
    else if (!strcmp(argv[i], "-v")) verbose = 1;
    else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) quiet = 1;
    else if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--list")) list = 1;
    else if (bad) return 2;
    else if (argv[i][0] == '-') return app_bad_flag("serve", argv[i]);
    else dir = argv[i];
    if (bad) return 2;
  }
  if ((cert != NULL) != (key != NULL)) {
    fprintf(stderr, "tern serve: --cert and --key go together\n");
    return 2;
  }
  struct tern_loop *loop = app_loop_new(NULL);
  tern_log_set(loop, verbose ? TERN_LOG_INFO : TERN_LOG_WARN, NULL, NULL);
  char url[128], user[128] = "";
  snprintf(url, sizeof(url), strchr(bind, ':') ? "tcp://[%s]:%s" : "tcp://%s:%s", bind, port);
  struct tern_http_server_opts o = {.listen = url,
                                    .root = dir,
                                    .health_path = "/healthz",
                                    .list_dirs = list,
                                    .access_log = quiet ? NULL : log_line};
  if (auth) {
    snprintf(user, sizeof(user), "%s", auth);
    char *colon = strchr(user, ':');
    if (!colon) {
      fprintf(stderr, "tern serve: --auth wants USER:PASS\n");
      return 2;
    }
    *colon = '\0';
    o.auth_user = user;
    o.auth_pass = colon + 1;
  }
  struct tern_tls_ctx *tls = NULL;
  if (cert) {
    char msg[200];
    struct tern_tls_opts to = {.cert_file = cert, .key_file = key};
    tls = tern_tls_ctx_new(loop, &to, 1, msg, sizeof(msg));
    if (!tls) {
      fprintf(stderr, "tern serve: %s\n", msg);
      return 1;
    }
    o.tls = tls;
  }
  int err;
  struct tern_http_server *s = tern_http_server_start(loop, &o, &err);
  if (!s) {
    fprintf(stderr, "tern serve: cannot listen on %s:%s: %s\n", bind, port, tern_strerror(err));
    return 1;
  }
  printf("tern serve: %s on %s://%s:%u/\n", dir, tls ? "https" : "http", bind,
         tern_http_server_port(s));
  fflush(stdout);
  app_signals(loop);
  while (!app_stop) tern_loop_poll(loop, 1000);
  tern_http_server_stop(s);
  tern_loop_poll(loop, 0);
  tern_tls_ctx_unref(tls);
  tern_loop_free(loop);
  return 0;
}
