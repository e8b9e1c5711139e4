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
    "usage: tern mdns advertise NAME [TYPE PORT [KEY=VALUE...]]... [--iface IFACE]...\n"
    "       tern mdns resolve NAME.local|ADDRESS [--iface IFACE] [--timeout S] [-v]\n"
    "       tern mdns browse TYPE [--iface IFACE] [--timeout S] [-v]\n"
    "advertise claims NAME.local (becoming NAME-2... on a conflict), prints the name it\n"
    "holds, and serves until SIGTERM, then says goodbye; KEY=VALUE after a service are\n"
    "its TXT record (as avahi-publish). resolve: a name's addresses, or an address's\n"
    "name (as avahi-resolve -a). browse: 'INSTANCE TYPE HOST PORT ADDRESS \"TXT\"...' per\n"
    "service found within the timeout (3 s); none found: said, exit 1. Without --iface\n"
    "every multicast-capable, non-loopback interface that is up is used, all at once.\n";

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
  int nif = 0, npos = 0, bad = 0, verbose = 0;
  double timeout = 3;
  for (int i = 2; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--iface", &bad))) {
      if (nif < TERN_MDNS_MAX_IFACES) ifaces[nif++] = v;
    } else if ((v = app_opt(argc, argv, &i, "--timeout", &bad))) {
      char *end;
      timeout = strtod(v, &end);
      if (end == v || *end || timeout <= 0) {
        fprintf(stderr, "tern mdns: --timeout %s: want seconds above 0\n", v);
        return 2;
      }
    } else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) verbose = 1;
    else if (bad) return 2;
    else if (argv[i][0] == '-') return app_bad_flag("mdns", argv[i]);
    else if (npos < (int)(sizeof(pos) / sizeof(pos[0]))) pos[npos++] = argv[i];
    if (bad) return 2;
  }
  struct tern_loop *loop = app_loop_new(NULL);
  if (!loop) return 1;
  int named = nif; /* resolve and browse ask every interface at once when none is named */
  if (!nif) nif = default_ifaces(loop, ifaces, TERN_MDNS_MAX_IFACES);
  if (!nif) {
    fprintf(stderr, "tern mdns: no multicast interface is up (give --iface)\n");
    tern_loop_free(loop);
    return 1;
  }
  char where[128] = "";
  for (int i = 0; i < nif; i++)
    snprintf(where + strlen(where), sizeof(where) - strlen(where), "%s%s", i ? ", " : "",
             ifaces[i]);
  tern_log_set(loop, TERN_LOG_WARN, NULL, NULL);
  int rc = 0;
  if (!strcmp(verb, "advertise")) {
    if (npos < 1 || (npos > 1 && npos < 3)) {
      fprintf(stderr, "tern mdns advertise: NAME [TYPE PORT [KEY=VALUE...]]...\n");
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
    for (int i = 1; i + 1 < npos;) { /* TYPE PORT [KEY=VALUE...] */
      char *end;
      long port = strtol(pos[i + 1], &end, 10);
      struct tern_mdns_service s = {.type = pos[i], .port = (uint16_t)port};
      int k = 0, next = i + 2;
      for (; next < npos && strchr(pos[next], '=') && k < TERN_MDNS_MAX_TXT; next++)
        s.txt[k++] = pos[next];
      if (*end || port < 1 || port > 65535 || tern_mdns_add_service(m, &s) != 0) {
        fprintf(stderr, "tern mdns: bad service %s %s\n", pos[i], pos[i + 1]);
        return 2;
      }
      i = next;
    }
    app_signals(loop);
    while (!app_stop) tern_loop_poll(loop, 1000);
    tern_mdns_stop(m); /* goodbyes */
    for (int i = 0; i < nif; i++) tern_wlan_free(watch[i]);
    tern_loop_poll(loop, 0);
  } else if (!strcmp(verb, "resolve") && npos == 1) {
    const char *on = named ? ifaces[0] : NULL;
    struct tern_addr addrs[8], rev;
    size_t n = 0;
    char s[64], name[256];
    if (verbose)
      fprintf(stderr, "tern mdns: asking for %s on %s, up to %g s\n", pos[0], where, timeout);
    if (tern_addr_parse(pos[0], 0, &rev) == 0) { /* an address: its name (avahi-resolve -a) */
      rc = tern_mdns_resolve_addr(loop, &rev, on, (uint32_t)(timeout * 1000), name, sizeof(name));
      if (!rc) printf("%s %s\n", pos[0], name);
    } else {
      rc = tern_mdns_resolve(loop, pos[0], on, (uint32_t)(timeout * 1000), addrs, 8, &n);
      for (size_t i = 0; i < n; i++)
        printf("%s %s\n", pos[0], tern_addr_str(&addrs[i], s, sizeof(s), 0));
    }
    if (rc) fprintf(stderr, "tern mdns: %s: no answer on %s within %g s\n", pos[0], where, timeout);
    rc = rc ? 1 : 0;
  } else if (!strcmp(verb, "browse") && npos == 1) {
    struct tern_mdns_instance it[16];
    size_t n = 0;
    if (verbose) fprintf(stderr, "tern mdns: browsing %s on %s for %g s\n", pos[0], where, timeout);
    rc = tern_mdns_browse(loop, pos[0], named ? ifaces[0] : NULL, (uint32_t)(timeout * 1000), it,
                          16, &n);
    for (size_t i = 0; i < n; i++) {
      char a[64] = "-";
      if (it[i].addr.ip[0] || it[i].addr.ip[1]) tern_addr_str(&it[i].addr, a, sizeof(a), 0);
      printf("%s %s %s %u %s%s%s\n", it[i].instance, it[i].type, it[i].host, it[i].port, a,
             it[i].txt[0] ? " " : "", it[i].txt);
    }
    if (!n) fprintf(stderr, "tern mdns: no %s found on %s within %g s\n", pos[0], where, timeout);
    rc = rc ? 1 : 0;
  } else {
    fputs(usage, stderr);
    rc = 2;
  }
  tern_loop_free(loop);
  return rc;
}
