/* tern ntp: ask SNTP servers for the time, or serve it (--serve). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/sntp.h"

static const char usage[] =
    "usage: tern ntp [--timeout SECONDS] [SERVER[:PORT]...]   (default pool.ntp.org)\n"
    "       tern ntp --serve [-p PORT] [-b ADDR] [--stratum N]\n"
    "Asks the servers (all at once; the answer with the lowest delay wins) and prints\n"
    "server, stratum, offset and delay, and the time in the TZ of the environment\n"
    "(a POSIX TZ string such as CET-1CEST,M3.5.0,M10.5.0/3; UTC otherwise).\n"
    "--serve answers SNTP requests with this machine's clock (default 127.0.0.1:123).\n";

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
  int n = 0, bad = 0, do_serve = 0, stratum = 2;
  double timeout = 5;
  const char *port = "123", *bind = "127.0.0.1";
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--timeout", &bad))) timeout = atof(v);
    else if (!strcmp(argv[i], "--serve")) do_serve = 1;
    else if ((v = app_opt(argc, argv, &i, "-p", &bad)) ||
             (v = app_opt(argc, argv, &i, "--port", &bad)))
      port = v;
    else if ((v = app_opt(argc, argv, &i, "-b", &bad)) ||
             (v = app_opt(argc, argv, &i, "--bind", &bad)))
      bind = v;
    else if ((v = app_opt(argc, argv, &i, "--stratum", &bad))) stratum = atoi(v);
    else if (bad) return 2;
    else if (argv[i][0] == '-') return app_bad_flag("ntp", argv[i]);
    else if (n < TERN_SNTP_MAX_SERVERS) o.servers[n++] = argv[i];
    if (bad) return 2;
  }
  if (do_serve) return serve(port, bind, stratum);
  if (!n) o.servers[0] = "pool.ntp.org";
  if (timeout <= 0) timeout = 5;
  o.timeout_ms = (uint32_t)(timeout * 1000);
  struct tern_loop *loop = app_loop_new(NULL);
  tern_log_set(loop, TERN_LOG_NONE, NULL, NULL);
  struct tern_sntp_result r;
  int rc = tern_sntp_sync(loop, &o, o.timeout_ms, &r);
  if (rc) {
    printf("Unable to get NTP time: %s\n", r.error[0] ? r.error : tern_strerror(rc));
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
  tern_loop_free(loop);
  return 0;
}
