/* tern sub: subscribe like mosquitto_sub. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "mqtt_cli.h"
#include "tern/error.h"
#include "tern/log.h"

static const char usage[] =
    "usage: tern sub [-h HOST] [-p PORT] -t TOPIC [-t TOPIC...] [-q QOS] [-v] [-C COUNT] [-W "
    "SECONDS] ...\n"
    "Subscribes to an MQTT broker and prints what arrives, with mosquitto_sub's flags.\n"
    "  -v             print 'topic payload'\n"
    "  -C COUNT       exit after COUNT messages\n"
    "  -W SECONDS     exit after SECONDS (exit code 27)\n"
    "  -R             do not print stale (retained) messages\n"
    "  -N             no newline after each payload\n"
    "  -E             exit once the subscriptions are acknowledged\n";

struct sub_state {
  int verbose, no_retained, no_newline, count, got, subacks, want_subacks;
};

static void on_message(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct sub_state *s = arg;
  if (s->no_retained && msg->retain) return;
  if (s->count && s->got >= s->count) return;
  if (s->verbose) printf("%.*s ", (int)msg->topic_len, msg->topic);
  fwrite(msg->payload, 1, msg->len, stdout);
  if (!s->no_newline) putchar('\n');
  fflush(stdout);
  s->got++;
}

static void on_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m;
  struct sub_state *s = arg;
  if (ev == TERN_MQTT_EV_SUBACK) {
    const uint8_t *codes = data;
    if (codes[0] == 0x80) fprintf(stderr, "tern sub: the broker refused a subscription\n");
    s->subacks++;
  } else if (ev == TERN_MQTT_EV_DISCONNECTED && !strcmp(data, "connection lost")) {
    fprintf(stderr, "tern sub: %s; reconnecting\n", (const char *)data);
  }
}

int cmd_sub(int argc, char **argv) {
  struct mqtt_cli c;
  memset(&c, 0, sizeof(c));
  c.cmd = "sub";
  struct sub_state st = {0};
  int timeout = 0, exit_after_sub = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i]) && strcmp(argv[i], "-h")) {
      printf("%s%s", usage, mqtt_cli_common_help);
      return 0;
    }
    int r = mqtt_cli_flag(&c, argc, argv, &i);
    if (r == 2) return 2;
    if (r == 1) continue;
    if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) st.verbose = 1;
    else if ((v = app_opt(argc, argv, &i, "-C", &bad))) st.count = atoi(v);
    else if ((v = app_opt(argc, argv, &i, "-W", &bad))) timeout = atoi(v);
    else if (!strcmp(argv[i], "-R") || !strcmp(argv[i], "--remove-retained")) st.no_retained = 1;
    else if (!strcmp(argv[i], "-N")) st.no_newline = 1;
    else if (!strcmp(argv[i], "-E")) exit_after_sub = 1;
    else if (bad) return 2;
    else return app_bad_flag("sub", argv[i]);
    if (bad) return 2;
  }
  if (c.ntopics == 0) {
    fprintf(stderr, "tern sub: give at least one topic with -t\n");
    return 2;
  }
  struct tern_loop *loop = app_loop_new(NULL);
  if (!loop) return 1;
  tern_log_set(loop, c.debug ? TERN_LOG_DEBUG : TERN_LOG_ERROR, NULL, NULL);
  struct tern_mqtt_opts o;
  mqtt_cli_opts(&c, &o);
  o.on_event = on_event;
  o.arg = &st;
  int err;
  struct tern_mqtt *m = tern_mqtt_new(loop, &o, &err);
  if (!m) {
    fprintf(stderr, "tern sub: %s\n", tern_strerror(err));
    tern_loop_free(loop);
    return 1;
  }
  for (int i = 0; i < c.ntopics; i++) {
    if (tern_mqtt_subscribe(m, c.topics[i], c.qos, on_message, &st) != 0) {
      fprintf(stderr, "tern sub: invalid topic filter '%s'\n", c.topics[i]);
      tern_mqtt_free(m);
      tern_loop_free(loop);
      return 2;
    }
  }
  int rc = tern_mqtt_connect_wait(m, 30000);
  if (rc) {
    int code = mqtt_cli_connect_error(&c, rc);
    tern_mqtt_free(m);
    tern_loop_free(loop);
    return code;
  }
  app_signals(loop);
  uint32_t start = tern_loop_now(loop);
  int exit_code = 0;
  for (;;) {
    if (app_stop) break;
    if (st.count && st.got >= st.count) break;
    if (exit_after_sub && st.subacks > 0) break;
    if (timeout && tern_loop_now(loop) - start >= (uint32_t)timeout * 1000u) {
      exit_code = 27; /* as mosquitto_sub -W */
      break;
    }
    tern_loop_poll(loop, 500);
  }
  tern_mqtt_disconnect(m);
  tern_loop_poll(loop, 50);
  tern_mqtt_free(m);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return exit_code;
}
