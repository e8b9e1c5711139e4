/* tern device: flags and a config file -> tern_device_opts -> the device
 * runtime (src/device/) on one loop, until a signal or --once is done. */
#include <stdio.h>
#include <string.h>
#include "app.h"
#include "tern/conf.h"
#include "tern/device.h"
#include "tern/error.h"
#include "tern/log.h"

static const char usage[] =
    "usage: tern device [-c FILE] [--key value | --key=value ...] [--print-config]\n"
    "The virtual device: network, mDNS, clock, console, LED web page and MQTT.\n"
    "Every key of the config file (key = value, or key value) is also a flag:\n"
    "  name (tern)  iface  ssid  password-file  connect-timeout (10)  tz (UTC0)  bind (127.0.0.1)\n"
    "  ntp SERVER[:PORT] (repeatable; pool.ntp.org)  console-port (2323)  console-user (admin)\n"
    "  console-password-file  console-password-hash ($7$..., instead of the file)\n"
    "  http-port (8080)  broker URL[,URL...] (mqtt://127.0.0.1:1883)  cafile  session (NAME)\n"
    "  broker-user  broker-key-file (the broker's user and key, instead of the URL's)\n"
    "  qos (1)  keepalive (60)  sensor sine|random|FILE (sine)  samples (100)  period-ms (100)\n"
    "  led on|off (off)  once\n"
    "A port of 0 turns that service off. A list of brokers (the nodes of a cluster) is\n"
    "tried in turn: the next on failure, the first again after a lost link.\n";

static void print_line(void *arg, const char *line) {
  (void)arg;
  printf("%s\n", line);
  fflush(stdout);
}
static void print_problem(void *arg, const char *line) {
  (void)arg;
  fflush(stdout); /* in order with the status lines */
  fprintf(stderr, "%s\n", line);
}
static void print_led(void *arg, int on) { print_line(arg, on ? "LED on" : "LED off"); }
static void done(void *arg) {
  (void)arg;
  app_stop = 1;
} /* --once: report, then sleep */

static int from_file(void *arg, const char *key, const char *value, int line, char *why,
                     size_t whylen) {
  (void)line;
  if (*key == '[') return 0; /* [sections] group keys for people; they mean nothing here */
  return tern_device_opts_set(arg, key, value, why, whylen);
}

/* The config file first, so that flags override it; ntp flags replace the
 * file's list rather than add to it. */
static int parse(int argc, char **argv, struct tern_device_opts *o, int *print) {
  char err[400], why[160];
  int bad = 0, ntp_flags = 0;
  for (int i = 1; i < argc; i++) {
    const char *v = app_opt(argc, argv, &i, "-c", &bad);
    if (v && tern_conf_load(NULL, v, from_file, o, err, sizeof(err)) != 0) {
      fprintf(stderr, "tern device: %s\n", err);
      return 2;
    }
  }
  for (int i = 1; i < argc && !bad; i++) {
    const char *a = argv[i], *v;
    if (app_is_help(a)) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "-c", &bad))) continue;
    if (!strcmp(a, "--print-config")) {
      *print = 1;
      continue;
    }
    if (!strcmp(a, "--once")) {
      o->once = 1;
      continue;
    }
    int taken = 0;
    for (int k = 0; tern_device_keys[k] && !taken; k++) {
      char flag[64];
      snprintf(flag, sizeof(flag), "--%s", tern_device_keys[k]);
      if (!(v = app_opt(argc, argv, &i, flag, &bad))) continue;
      taken = 1;
      if (!strcmp(tern_device_keys[k], "ntp") && !ntp_flags++) o->nntp = 0;
      if (tern_device_opts_set(o, tern_device_keys[k], v, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern device: %s %s: %s\n", flag, v, why);
        return 2;
      }
    }
    if (!taken && !bad) return app_bad_flag("device", a);
  }
  return bad ? 2 : -1;
}

int cmd_device(int argc, char **argv) {
  struct tern_device_opts o;
  tern_device_opts_init(&o);
  int print = 0, rc = parse(argc, argv, &o, &print);
  if (rc >= 0) return rc;
  if (!o.nntp)
    strcpy(o.ntp[o.nntp++], "pool.ntp.org"); /* for a real device; tests give their own */
  if (!o.session[0]) snprintf(o.session, sizeof(o.session), "%s", o.name);
  if (print) {
    char text[4096];
    tern_device_opts_print(&o, text, sizeof(text));
    fputs(text, stdout);
    return 0;
  }
  o.on_status = print_line;
  o.on_problem = print_problem;
  o.on_led = print_led;
  o.on_done = done;
  struct tern_loop *loop = app_loop_new(NULL);
  if (!loop) return 1;
  tern_log_set(loop, TERN_LOG_WARN, NULL, NULL);
  char why[200];
  int err;
  struct tern_device *d = tern_device_start(loop, &o, &err, why, sizeof(why));
  if (!d) {
    fprintf(stderr, "tern device: %s\n", why);
    tern_loop_free(loop);
    return 2;
  }
  app_signals(loop);
  while (!app_stop) tern_loop_poll(loop, 1000);
  print_line(NULL, "Stopping");
  tern_device_stop(d);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return 0;
}
