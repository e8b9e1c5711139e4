/* tern host: subscribe to a device's session, plot it, serve a live page. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "host.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/mdns.h"
#include "tern/tls.h"

static const char usage[] =
    "usage: tern host --session S [--broker URL[,URL...]] [--png FILE] [--csv FILE] [--size WxH]\n"
    "                 [--count N]"
    "\n"
    "                 [--exit] [--http PORT] [-b ADDR] [--find NAME --iface IFACE] [--cafile F]\n"
    "Subscribes to S/data, S/plot and S/status; keeps the samples ('t,v1[,v2...]');\n"
    "on S/plot, on Ctrl-C or after --count samples, draws the PNG (default S.png, 800x600)\n"
    "and prints its path. --csv records one row per sample. --http serves a live page\n"
    "(SSE) with LED buttons that publish ON/OFF to S/led. --find NAME locates the broker\n"
    "as NAME.local by mDNS.\n";

int cmd_host(int argc, char **argv) {
  static struct host h;
  memset(&h, 0, sizeof(h));
  const char *broker = NULL, *size = "800x600", *http = NULL, *bind = "127.0.0.1", *find = NULL,
             *iface = NULL;
  const char *cafile = NULL, *session = NULL, *png = NULL;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--broker", &bad))) broker = v;
    else if ((v = app_opt(argc, argv, &i, "--session", &bad))) session = v;
    else if ((v = app_opt(argc, argv, &i, "--png", &bad))) png = v;
    else if ((v = app_opt(argc, argv, &i, "--csv", &bad))) h.csv = v;
    else if ((v = app_opt(argc, argv, &i, "--size", &bad))) size = v;
    else if ((v = app_opt(argc, argv, &i, "--count", &bad))) h.count = atoi(v);
    else if (!strcmp(argv[i], "--exit")) h.exit_after = 1;
    else if ((v = app_opt(argc, argv, &i, "--http", &bad))) http = v;
    else if ((v = app_opt(argc, argv, &i, "-b", &bad)) ||
             (v = app_opt(argc, argv, &i, "--bind", &bad)))
      bind = v;
    else if ((v = app_opt(argc, argv, &i, "--find", &bad))) find = v;
    else if ((v = app_opt(argc, argv, &i, "--iface", &bad))) iface = v;
    else if ((v = app_opt(argc, argv, &i, "--cafile", &bad))) cafile = v;
    else if (bad) return 2;
    else return app_bad_flag("host", argv[i]);
    if (bad) return 2;
  }
  if (!session) {
    fprintf(stderr, "tern host: --session is required\n");
    return 2;
  }
  if (sscanf(size, "%dx%d", &h.width, &h.height) != 2 || h.width < 100 || h.height < 100 ||
      h.width > 8000 || h.height > 8000) {
    fprintf(stderr, "tern host: --size wants WxH, like 800x600\n");
    return 2;
  }
  snprintf(h.session, sizeof(h.session), "%s", session);
  char png_default[128];
  snprintf(png_default, sizeof(png_default), "%.100s.png", session);
  h.png = png ? png : png_default;
  struct tern_loop *loop = app_loop_new(NULL);
  tern_log_set(loop, TERN_LOG_WARN, NULL, NULL);
  char url[300];
  snprintf(url, sizeof(url), "%s", broker ? broker : "mqtt://127.0.0.1:1883");
  if (find) {
    if (!iface) {
      fprintf(stderr, "tern host: --find needs --iface\n");
      return 2;
    }
    char name[128];
    struct tern_addr a;
    size_t n = 0;
    snprintf(name, sizeof(name), "%.100s.local", find);
    if (tern_mdns_resolve(loop, name, iface, 3000, &a, 1, &n) != 0) {
      fprintf(stderr, "tern host: %s not found by mDNS\n", name);
      return 1;
    }
    char ip[64];
    tern_addr_str(&a, ip, sizeof(ip), 0);
    snprintf(url, sizeof(url), "mqtt://%s:1883", ip);
    printf("found %s at %s\n", name, ip);
  }
  struct tern_tls_opts tls = {.ca_file = cafile};
  int rc = host_start(&h, loop, url, &tls);
  if (rc) {
    fprintf(stderr, "tern host: cannot connect to %s: %s\n", url, tern_strerror(rc));
    host_stop(&h);
    return 1;
  }
  if (http) {
    char hurl[128];
    snprintf(hurl, sizeof(hurl), "tcp://%s:%s", bind, http);
    if ((rc = host_serve_http(&h, hurl)) != 0) {
      fprintf(stderr, "tern host: --http %s: %s\n", http, tern_strerror(rc));
      return 1;
    }
    printf("dashboard: http://%s:%u/\n", bind, tern_http_server_port(h.http));
  }
  fprintf(stderr, "tern host: listening on %s/data and %s/plot at %s\n", session, session, url);
  fflush(stdout);
  app_signals(loop);
  while (!app_stop && !(h.exit_after && h.plots)) tern_loop_poll(loop, 500);
  if (app_stop && h.series.n) host_plot(&h); /* Ctrl-C: plot what we have */
  fprintf(stderr, "\n");
  host_stop(&h);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return 0;
}
