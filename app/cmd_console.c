/* tern console: the remote console standalone (telnet with a login). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/console.h"
#include "tern/device.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/shell.h"
#include "tern/sntp.h"
#include "tern/tls.h"

static const char usage[] =
    "usage: tern console --user U --password-file F [--port P] [-b ADDR] [--name NAME]\n"
    "                    [--tls-port P --cert F --key F]\n"
    "A telnet console with a login ($7$ password file from tern passwd) on 127.0.0.1:2323.\n"
    "Commands: help, status, time, uptime, mem, log LEVEL, ntp [SERVER], get URL, ifconfig, "
    "exit.\n";

static int cmd_time(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc;
  (void)argv;
  (void)arg;
  struct tern_tz tz;
  const char *spec = getenv("TZ");
  if (!spec || tern_tz_parse(spec, &tz) != 0) tern_tz_parse("UTC0", &tz);
  struct tern_localtime lt;
  tern_localtime(&tz, tern_rtc_seconds(tern_shell_session_loop(s)), &lt);
  char when[64];
  tern_strftime(when, sizeof(when), "%c %Z", &lt);
  tern_shell_printf(s, "%s\r\n", when);
  return 0;
}

/* ntp [SERVER]: asynchronous; Ctrl-C cancels it. */
struct ntp_job {
  struct tern_shell_session *s;
  struct tern_sntp *sntp;
  struct tern_timer check;
  uint32_t started;
};
static struct ntp_job job;

static void ntp_cancel(void *arg) {
  struct ntp_job *j = arg;
  struct tern_loop *loop = tern_shell_session_loop(j->s);
  tern_timer_stop(loop, &j->check);
  tern_sntp_stop(j->sntp);
  j->sntp = NULL;
}

static void ntp_check(struct tern_timer *t, void *arg) {
  (void)t;
  struct ntp_job *j = arg;
  struct tern_loop *loop = tern_shell_session_loop(j->s);
  const struct tern_sntp_result *r = tern_sntp_result(j->sntp);
  if (r->synced)
    tern_shell_printf(j->s, "synced with %s: offset %+.6f s, delay %.6f s, stratum %d\r\n",
                      r->server, (double)r->offset_us / 1e6, (double)r->delay_us / 1e6, r->stratum);
  else if (r->error[0] || tern_loop_now(loop) - j->started > 5000)
    tern_shell_printf(j->s, "Unable to get NTP time: %s\r\n", r->error[0] ? r->error : "timed out");
  else return;
  ntp_cancel(j);
  tern_shell_done(j->s);
}

static int cmd_ntp_sh(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)arg;
  struct tern_loop *loop = tern_shell_session_loop(s);
  if (job.sntp) {
    tern_shell_printf(s, "ntp is already running\r\n");
    return 0;
  }
  struct tern_sntp_opts o = {
      .servers = {argc > 1 ? argv[1] : "pool.ntp.org"}, .timeout_ms = 3000, .poll_s = 3600};
  job.s = s;
  job.started = tern_loop_now(loop);
  job.sntp = tern_sntp_start(loop, &o);
  if (!job.sntp) {
    tern_shell_printf(s, "out of memory\r\n");
    return 0;
  }
  tern_shell_printf(s, "asking %s ...\r\n", o.servers[0]);
  tern_shell_on_cancel(s, ntp_cancel, &job);
  tern_timer_start(loop, &job.check, 100, 100, ntp_check, &job);
  return TERN_EAGAIN;
}

int cmd_console(int argc, char **argv) {
  const char *port = "2323", *bind = "127.0.0.1", *user = NULL, *pwfile = NULL, *name = "tern";
  const char *tls_port = NULL, *cert = NULL, *key = NULL;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--port", &bad)) || (v = app_opt(argc, argv, &i, "-p", &bad)))
      port = v;
    else if ((v = app_opt(argc, argv, &i, "-b", &bad)) ||
             (v = app_opt(argc, argv, &i, "--bind", &bad)))
      bind = v;
    else if ((v = app_opt(argc, argv, &i, "--user", &bad))) user = v;
    else if ((v = app_opt(argc, argv, &i, "--password-file", &bad))) pwfile = v;
    else if ((v = app_opt(argc, argv, &i, "--name", &bad))) name = v;
    else if ((v = app_opt(argc, argv, &i, "--tls-port", &bad))) tls_port = v;
    else if ((v = app_opt(argc, argv, &i, "--cert", &bad))) cert = v;
    else if ((v = app_opt(argc, argv, &i, "--key", &bad))) key = v;
    else if (bad) return 2;
    else return app_bad_flag("console", argv[i]);
    if (bad) return 2;
  }
  if (!pwfile) {
    fprintf(
        stderr,
        "tern console: refusing to start without --password-file (make one with tern passwd)\n");
    return 2;
  }
  if (tls_port && (!cert || !key)) {
    fprintf(stderr, "tern console: --tls-port needs --cert and --key\n");
    return 2;
  }
  struct tern_loop *loop = app_loop_new(NULL);
  tern_log_set(loop, TERN_LOG_WARN, NULL, NULL);
  struct tern_shell *sh = tern_shell_new(loop, name);
  tern_shell_register(sh, "time", "the local time (TZ)", cmd_time, NULL);
  tern_shell_register(sh, "ntp", "ntp [SERVER]: sync the clock (Ctrl-C cancels)", cmd_ntp_sh, NULL);
  tern_device_shell_common(sh, 1);
  char url[128], tls_url[128];
  snprintf(url, sizeof(url), "tcp://%s:%s", bind, port);
  snprintf(tls_url, sizeof(tls_url), "tcp://%s:%s", bind, tls_port ? tls_port : "0");
  struct tern_console_opts o = {.listen = url, .passwd_file = pwfile, .user = user, .shell = sh};
  struct tern_tls_ctx *tls = NULL;
  if (tls_port) {
    char msg[200];
    struct tern_tls_opts to = {.cert_file = cert, .key_file = key};
    tls = tern_tls_ctx_new(loop, &to, 1, msg, sizeof(msg));
    if (!tls) {
      fprintf(stderr, "tern console: %s\n", msg);
      return 1;
    }
    o.tls = tls;
    o.tls_listen = tls_url;
  }
  int err;
  struct tern_console *con = tern_console_start(loop, &o, &err);
  if (!con) {
    fprintf(stderr, "tern console: cannot start: %s\n", tern_strerror(err));
    return 1;
  }
  printf("tern console on %s:%u", bind, tern_console_port(con, 0));
  if (tls) printf(" (TLS on %s:%u)", bind, tern_console_port(con, 1));
  printf("\n");
  fflush(stdout);
  app_signals(loop);
  while (!app_stop) tern_loop_poll(loop, 1000);
  tern_console_stop(con);
  tern_shell_free(sh);
  tern_loop_poll(loop, 0);
  tern_tls_ctx_unref(tls);
  tern_loop_free(loop);
  return 0;
}
