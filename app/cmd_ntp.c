/* tern ntp: ask SNTP servers for the time, or serve it (--serve). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/sntp.h"

static const char usage[] =
    "usage: tern ntp [-S] [-4|-6] [-v] [--timeout SECONDS] [SERVER[:PORT]...]\n"
    "       tern ntp --serve [-p PORT] [-b ADDR] [--stratum N]\n"
    "Asks the servers (all at once; the answer with the lowest delay wins) and prints\n"
    "server, stratum, offset and delay, and the time in the TZ of the environment\n"
    "(a POSIX TZ string such as CET-1CEST,M3.5.0,M10.5.0/3; UTC otherwise).\n"
    "  SERVER          a name or address (default pool.ntp.org), port 123 unless given\n"
    "  --timeout S     how long to wait for an answer (default 5 s)\n"
    "  -S, --set       then step the system clock to it (as sntp -S; needs root)\n"
    "  -4, -6          resolve names to IPv4 / IPv6 addresses only\n"
    "  -v              say what is being waited for, on standard error\n"
    "Errors go to standard error; the exit status is 1 when no time was had.\n"
    "--serve answers SNTP requests with this machine's clock (default 127.0.0.1:123).\n";

/* -4 / -6: each server name resolved here, to that family only, so the
 * client is handed addresses. "host", "host:port", "[v6]:port". */
struct lookup {
  int done, err;
  char addr[64];
};
static void looked_up(struct tern_loop *loop, int err, const struct tern_addr *a, size_t n,
                      void *arg) {
  (void)loop;
  struct lookup *l = arg;
  l->done = 1;
  l->err = err ? err : n ? 0 : TERN_ERESOLVE;
  if (!l->err) tern_addr_str(&a[0], l->addr, sizeof(l->addr), 0);
}
static int pin_family(struct tern_loop *loop, const char *server, int family, char *out,
                      size_t outlen, int verbose) {
  char host[256], port[8] = "123";
  const char *colon = strrchr(server, ':');
  if (server[0] == '[') { /* [v6]:port */
    const char *close = strchr(server, ']');
    if (!close) return TERN_EINVAL;
    snprintf(host, sizeof(host), "%.*s", (int)(close - server - 1), server + 1);
    if (close[1] == ':') snprintf(port, sizeof(port), "%s", close + 2);
  } else if (colon && strchr(server, ':') == colon) {
    snprintf(host, sizeof(host), "%.*s", (int)(colon - server), server);
    snprintf(port, sizeof(port), "%s", colon + 1);
  } else {
    snprintf(host, sizeof(host), "%s", server);
  }
  struct tern_addr a;
  if (tern_addr_parse(host, 0, &a) == 0) { /* an address: it must be of that family */
    if (a.is_ip6 != (family == 6)) return TERN_EUNREACH;
    snprintf(out, outlen, a.is_ip6 ? "[%s]:%s" : "%s:%s", host, port);
    return 0;
  }
  if (verbose) fprintf(stderr, "tern ntp: resolving %s (IPv%d)\n", host, family);
  struct lookup l = {0};
  int rc =
      tern_resolve(loop, host, family == 6 ? TERN_RESOLVE_IP6 : TERN_RESOLVE_IP4, looked_up, &l);
  while (!rc && !l.done) tern_loop_poll(loop, 100);
  if (rc || l.err) return rc ? rc : l.err;
  snprintf(out, outlen, family == 6 ? "[%s]:%s" : "%s:%s", l.addr, port);
  return 0;
}

static int serve(const char *port, const char *bind, int stratum) {
  struct tern_loop *loop = app_loop_new(NULL);
  char url[128];
  snprintf(url, sizeof(url), strchr(bind, ':') ? "udp://[%s]:%s" : "udp://%s:%s", bind, port);
  struct tern_sntp_server *s = tern_sntp_server_start(loop, url, stratum);
  if (!s) {
    fprintf(stderr, "tern ntp: cannot listen on %s:%s\n", bind, port);
    return 1;
  }
  printf("tern ntp: serving time on %s:%u (stratum %d)\n", bind, tern_sntp_server_port(s), stratum);
  fflush(stdout);
  app_signals(loop);
  while (!app_stop) tern_loop_poll(loop, 1000);
  tern_sntp_server_stop(s);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return 0;
}

int cmd_ntp(int argc, char **argv) {
  struct tern_sntp_opts o = {0};
  int n = 0, bad = 0, do_serve = 0, stratum = 2, set = 0, family = 0, verbose = 0;
  double timeout = 5;
  const char *port = "123", *bind = "127.0.0.1";
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--timeout", &bad)) ||
        (v = app_opt(argc, argv, &i, "-t", &bad))) {
      char *end;
      timeout = strtod(v, &end);
      if (end == v || *end || timeout <= 0) {
        fprintf(stderr, "tern ntp: --timeout %s: want a number of seconds above 0\n", v);
        return 2;
      }
    } else if (!strcmp(argv[i], "--serve")) do_serve = 1;
    else if (!strcmp(argv[i], "-S") || !strcmp(argv[i], "--set")) set = 1;
    else if (!strcmp(argv[i], "-4")) family = 4;
    else if (!strcmp(argv[i], "-6")) family = 6;
    else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) verbose = 1;
    else if ((v = app_opt(argc, argv, &i, "-p", &bad)) ||
             (v = app_opt(argc, argv, &i, "--port", &bad)))
      port = v;
    else if ((v = app_opt(argc, argv, &i, "-b", &bad)) ||
             (v = app_opt(argc, argv, &i, "--bind", &bad)))
      bind = v;
    else if ((v = app_opt(argc, argv, &i, "--stratum", &bad))) {
      long s;
      if (app_parse_long(v, 1, 15, &s)) {
        fprintf(stderr, "tern ntp: --stratum %s: want 1 to 15\n", v);
        return 2;
      }
      stratum = (int)s;
    } else if (bad) return 2;
    else if (argv[i][0] == '-') return app_bad_flag("ntp", argv[i]);
    else if (n < TERN_SNTP_MAX_SERVERS) o.servers[n++] = argv[i];
    if (bad) return 2;
  }
  if (do_serve) return serve(port, bind, stratum);
  if (!n) o.servers[n++] = "pool.ntp.org";
  o.timeout_ms = (uint32_t)(timeout * 1000);
  struct tern_loop *loop = app_loop_new(NULL);
  tern_log_set(loop, TERN_LOG_NONE, NULL, NULL);
  char pinned[TERN_SNTP_MAX_SERVERS][300];
  for (int i = 0; family && i < n; i++) {
    int rc = pin_family(loop, o.servers[i], family, pinned[i], sizeof(pinned[i]), verbose);
    if (rc) {
      fprintf(stderr, "tern ntp: %s: no IPv%d address (%s)\n", o.servers[i], family,
              tern_strerror(rc));
      tern_loop_free(loop);
      return 1;
    }
    o.servers[i] = pinned[i];
  }
  if (verbose) {
    fprintf(stderr, "tern ntp: asking");
    for (int i = 0; i < n; i++) fprintf(stderr, " %s", o.servers[i]);
    fprintf(stderr, "; waiting up to %g s for an answer\n", timeout);
  }
  struct tern_sntp_result r;
  int rc = tern_sntp_sync(loop, &o, o.timeout_ms, &r);
  if (rc) {
    fprintf(stderr, "Unable to get NTP time: %s\n", r.error[0] ? r.error : tern_strerror(rc));
    tern_loop_free(loop);
    return 1;
  }
  struct tern_tz tz;
  const char *tzs = getenv("TZ");
  if (!tzs || tern_tz_parse(tzs, &tz) != 0) tern_tz_parse("UTC0", &tz);
  struct tern_localtime lt;
  tern_localtime(&tz, tern_rtc_seconds(loop), &lt);
  char when[64];
  tern_strftime(when, sizeof(when), "%c", &lt);
  printf("server %s\nstratum %d\noffset %+.6f s\ndelay %.6f s\ntime %s\n", r.server, r.stratum,
         (double)r.offset_us / 1e6, (double)r.delay_us / 1e6, when);
  int code = 0;
  if (set) {
    rc = tern_rtc_set_system(loop);
    if (rc) {
      fprintf(stderr, "tern ntp: cannot set the system clock: %s%s\n", tern_strerror(rc),
              rc == TERN_EDENIED ? " (it needs root, or CAP_SYS_TIME)" : "");
      code = 1;
    } else {
      printf("clock set: stepped by %+.6f s\n", (double)r.offset_us / 1e6);
    }
  }
  tern_loop_free(loop);
  return code;
}
