/* tern mdns advertise|resolve|browse */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/mdns.h"
#include "tern/wlan.h"

static const char usage[] =
    "usage: tern mdns advertise NAME [TYPE PORT]... [--iface IFACE]...\n"
    "       tern mdns resolve NAME.local [--iface IFACE] [--timeout S]\n"
    "       tern mdns browse TYPE [--iface IFACE] [--timeout S]\n"
    "advertise claims NAME.local (becoming NAME-2... on a conflict), prints the name it\n"
    "holds, and serves until SIGTERM, then says goodbye. Without --iface every\n"
    "multicast-capable, non-loopback interface that is up is used.\n";

/* the default interfaces: up, multicast, not loopback */
static int default_ifaces(struct tern_loop *loop, const char **out, int max) {
  static struct tern_iface_info all[64];
  int n = 0, count = tern_ifaces(loop, all, 64);
  for (int i = 0; i < count && n < max; i++) {
    if (all[i].addr.is_ip6 || !all[i].up || !all[i].multicast || all[i].loopback) continue;
    out[n++] = all[i].name;
  }
  return n;
}

static void on_event(int ev, const char *name, void *arg) {
  (void)arg;
  if (ev == TERN_MDNS_EV_NAME) {
    printf("%s.local\n", name);
    fflush(stdout);
  } else if (ev == TERN_MDNS_EV_CONFLICT)
    fprintf(stderr, "tern mdns: %s.local is taken; renaming\n", name);
}

int cmd_mdns(int argc, char **argv) {
  if (argc < 2 || app_is_help(argv[1])) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (argv[1][0] == '-') return app_bad_flag("mdns", argv[1]);
  const char *verb = argv[1];
  const char *ifaces[TERN_MDNS_MAX_IFACES + 1] = {0};
  const char *pos[2 + 2 * TERN_MDNS_MAX_SERVICES];
  int nif = 0, npos = 0, bad = 0;
  double timeout = 3;
  for (int i = 2; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--iface", &bad))) {
      if (nif < TERN_MDNS_MAX_IFACES) ifaces[nif++] = v;
    } else if ((v = app_opt(argc, argv, &i, "--timeout", &bad))) timeout = atof(v);
    else if (bad) return 2;
    else if (argv[i][0] == '-') return app_bad_flag("mdns", argv[i]);
    else if (npos < (int)(sizeof(pos) / sizeof(pos[0]))) pos[npos++] = argv[i];
    if (bad) return 2;
  }
  struct tern_loop *loop = app_loop_new(NULL);
  if (!loop) return 1;
  if (!nif) nif = default_ifaces(loop, ifaces, TERN_MDNS_MAX_IFACES);
  if (!nif) {
    fprintf(stderr, "tern mdns: no multicast interface is up (give --iface)\n");
    tern_loop_free(loop);
    return 1;
  }
  tern_log_set(loop, TERN_LOG_WARN, NULL, NULL);
  int rc = 0;
  if (!strcmp(verb, "advertise")) {
    if (npos < 1 || (npos - 1) % 2) {
      fprintf(stderr, "tern mdns advertise: NAME [TYPE PORT]...\n");
      return 2;
    }
    struct tern_mdns_opts o = {.name = pos[0], .fn = on_event};
    for (int i = 0; i < nif; i++) o.ifaces[i] = ifaces[i];
    int err;
    struct tern_mdns *m = tern_mdns_start(loop, &o, &err);
    if (!m) {
      fprintf(stderr, "tern mdns: %s\n", tern_strerror(err));
      return 1;
    }
    /* watch the interfaces: a new address or a link back re-announces */
    struct tern_wlan *watch[TERN_MDNS_MAX_IFACES] = {0};
    for (int i = 0; i < nif; i++) {
      struct tern_wlan_opts wo = {.ifname = ifaces[i]};
      int e;
      watch[i] = tern_wlan_new(loop, &wo, &e);
    }
    for (int i = 1; i + 1 < npos; i += 2) {
      struct tern_mdns_service s = {.type = pos[i], .port = (uint16_t)atoi(pos[i + 1])};
      if (tern_mdns_add_service(m, &s) != 0) {
        fprintf(stderr, "tern mdns: bad service %s\n", pos[i]);
        return 2;
      }
    }
    app_signals(loop);
    while (!app_stop) tern_loop_poll(loop, 1000);
    tern_mdns_stop(m); /* goodbyes */
    for (int i = 0; i < nif; i++) tern_wlan_free(watch[i]);
    tern_loop_poll(loop, 0);
  } else if (!strcmp(verb, "resolve") && npos == 1) {
    struct tern_addr addrs[8];
    size_t n = 0;
    char s[64];
    rc = tern_mdns_resolve(loop, pos[0], ifaces[0], (uint32_t)(timeout * 1000), addrs, 8, &n);
    for (size_t i = 0; i < n; i++)
      printf("%s %s\n", pos[0], tern_addr_str(&addrs[i], s, sizeof(s), 0));
    if (rc) fprintf(stderr, "tern mdns: %s: no answer\n", pos[0]);
    rc = rc ? 1 : 0;
  } else if (!strcmp(verb, "browse") && npos == 1) {
    struct tern_mdns_instance it[16];
    size_t n = 0;
    rc = tern_mdns_browse(loop, pos[0], ifaces[0], (uint32_t)(timeout * 1000), it, 16, &n);
    for (size_t i = 0; i < n; i++)
      printf("%s %s %s %u\n", it[i].instance, it[i].type, it[i].host, it[i].port);
    rc = rc ? 1 : 0;
  } else {
    fputs(usage, stderr);
    rc = 2;
  }
  tern_loop_free(loop);
  return rc;
}
