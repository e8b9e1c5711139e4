/* tern sub: subscribe like mosquitto_sub, with its flags and output. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "mqtt_cli.h"
#include "sub_format.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/mqtt_codec.h"
#include "tern/rtc.h"

static const char usage[] =
    "usage: tern sub [-h HOST] [-p PORT] -t TOPIC [-t TOPIC...] [-q QOS] [-v | -F FORMAT]\n"
    "                [-C COUNT] [-W SECONDS] [-R | --retained-only] [--remove-retained]\n"
    "                [-T FILTER...] [-U TOPIC...] [-N] [-E] ...\n"
    "Subscribes to an MQTT broker and prints what arrives, with mosquitto_sub's flags.\n"
    "  -v             print 'topic payload'\n"
    "  -F FORMAT      print as FORMAT says: %t topic, %p payload, %q QoS, %r retained,\n"
    "                 %m message id, %l length, %x/%X payload in hex, %I ISO-8601 time,\n"
    "                 %U Unix time, %j/%J JSON, @H strftime's %H, \\n \\t \\0 ...;\n"
    "                 widths: %10t, %-10t, %05l, %.8t (at most 8)\n"
    "  -C COUNT       exit after COUNT messages\n"
    "  -W SECONDS     exit after SECONDS (exit code 27)\n"
    "  -R             do not print stale (retained) messages\n"
    "  --retained-only  print only retained messages; exit at the first live one\n"
    "  --remove-retained  clear each retained message received (an empty retained\n"
    "                 publish on its topic; -T keeps some)\n"
    "  -T FILTER      leave out messages whose topic matches FILTER (repeatable)\n"
    "  -U TOPIC       unsubscribe from TOPIC (a persistent session's, with -c)\n"
    "  -N             no newline after each message\n"
    "  -E             exit once the subscriptions are acknowledged\n"
    "  --quiet        no error messages\n";

#define MAX_FILTERS 32

struct sub_state {
  struct tern_mqtt *m;
  struct tern_loop *loop;
  int verbose, no_retained, retained_only, remove_retained, no_newline, count, got, subacks;
  int done;
  const char *format;
  const char *filter_out[MAX_FILTERS];
  int nfilter_out;
};

static int filtered_out(const struct sub_state *s, const struct tern_mqtt_message *msg) {
  for (int i = 0; i < s->nfilter_out; i++)
    if (tern_mqtt_topic_matches(s->filter_out[i], strlen(s->filter_out[i]), msg->topic,
                                msg->topic_len))
      return 1;
  return 0;
}

static void on_message(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  struct sub_state *s = arg;
  if (s->done || (s->count && s->got >= s->count)) return;
  if (filtered_out(s, msg)) return;
  if (s->remove_retained && msg->retain && msg->len) {
    char topic[1024];
    snprintf(topic, sizeof(topic), "%.*s", (int)msg->topic_len, msg->topic);
    tern_mqtt_publish(m, topic, "", 0, 0, 1); /* an empty retained message clears it */
  }
  if (s->retained_only && !msg->retain) { /* the first live message: done */
    s->done = 1;
    return;
  }
  if (s->no_retained && msg->retain) return;
  if (s->format) {
    int64_t now = tern_rtc_micros(s->loop);
    struct sub_msg f = {msg->topic,  msg->topic_len, msg->payload, msg->len,  msg->qos,
                        msg->retain, msg->packet_id, now * 1000,   msg->props};
    if (sub_format(stdout, s->format, &f) != 0) return;
  } else {
    if (s->verbose) printf("%.*s ", (int)msg->topic_len, msg->topic);
    fwrite(msg->payload, 1, msg->len, stdout);
  }
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

/* mosquitto_sub refuses "abc" and 0 with exit 1 */
static int count_flag(const char *what, const char *v, int *out) {
  long n;
  if (app_parse_long(v, 1, 2147483647L, &n)) {
    fprintf(stderr, "tern sub: invalid %s \"%s\"\n", what, v);
    return 1;
  }
  *out = (int)n;
  return 0;
}

int cmd_sub(int argc, char **argv) {
  struct mqtt_cli c;
  memset(&c, 0, sizeof(c));
  c.cmd = "sub";
  struct sub_state st = {0};
  const char *unsub[MAX_FILTERS];
  int nunsub = 0, timeout = 0, exit_after_sub = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i]) && strcmp(argv[i], "-h")) {
      printf("%s%s", usage, mqtt_cli_common_help);
      return 0;
    }
    int r = mqtt_cli_flag(&c, argc, argv, &i);
    if (r == 2) return MQTT_CLI_USAGE;
    if (r == 1) continue;
    if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) st.verbose = 1;
    else if ((v = app_opt(argc, argv, &i, "-C", &bad))) {
      if (count_flag("message count", v, &st.count)) return MQTT_CLI_USAGE;
    } else if ((v = app_opt(argc, argv, &i, "-W", &bad))) {
      if (count_flag("timeout", v, &timeout)) return MQTT_CLI_USAGE;
    } else if ((v = app_opt(argc, argv, &i, "-F", &bad))) st.format = v;
    else if ((v = app_opt(argc, argv, &i, "-T", &bad)) ||
             (v = app_opt(argc, argv, &i, "--filter-out", &bad))) {
      if (st.nfilter_out == MAX_FILTERS) {
        app_bad_flag("sub", "-T (too many)");
        return MQTT_CLI_USAGE;
      }
      st.filter_out[st.nfilter_out++] = v;
    } else if ((v = app_opt(argc, argv, &i, "-U", &bad)) ||
               (v = app_opt(argc, argv, &i, "--unsubscribe", &bad))) {
      if (nunsub == MAX_FILTERS) {
        app_bad_flag("sub", "-U (too many)");
        return MQTT_CLI_USAGE;
      }
      unsub[nunsub++] = v;
    } else if (!strcmp(argv[i], "-R") || !strcmp(argv[i], "--no-retained")) st.no_retained = 1;
    else if (!strcmp(argv[i], "--retained-only")) st.retained_only = 1;
    else if (!strcmp(argv[i], "--remove-retained")) st.remove_retained = 1;
    else if (!strcmp(argv[i], "-N")) st.no_newline = 1;
    else if (!strcmp(argv[i], "-E")) exit_after_sub = 1;
    else if (bad) return MQTT_CLI_USAGE;
    else {
      app_bad_flag("sub", argv[i]);
      return MQTT_CLI_USAGE;
    }
    if (bad) return MQTT_CLI_USAGE;
  }
  if (c.ntopics == 0 && nunsub == 0) {
    fprintf(stderr, "tern sub: give at least one topic with -t\n");
    return MQTT_CLI_USAGE;
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
  st.m = m;
  st.loop = loop;
  for (int i = 0; i < c.ntopics; i++) {
    if (tern_mqtt_subscribe_props(m, c.topics[i], c.qos, &c.sub_props, on_message, &st) != 0) {
      fprintf(stderr, "tern sub: invalid topic filter '%s'\n", c.topics[i]);
      tern_mqtt_free(m);
      mqtt_cli_free(&c);
      tern_loop_free(loop);
      return 1;
    }
  }
  if (c.debug) fprintf(stderr, "tern sub: connecting to %s\n", c.url);
  int rc = tern_mqtt_connect_wait(m, 30000);
  if (rc) {
    int code = mqtt_cli_connect_error(&c, rc);
    tern_mqtt_free(m);
    mqtt_cli_free(&c);
    tern_loop_free(loop);
    return code;
  }
  if (c.debug) fprintf(stderr, "tern sub: connected; waiting for messages\n");
  for (int i = 0; i < nunsub; i++) tern_mqtt_unsubscribe(m, unsub[i]);
  app_signals(loop);
  uint32_t start = tern_loop_now(loop);
  int exit_code = 0;
  for (;;) {
    if (app_stop || st.done) break;
    if (st.count && st.got >= st.count) break;
    if (exit_after_sub && st.subacks >= c.ntopics) break;
    if (!c.ntopics && nunsub) break; /* only unsubscribing: done once sent */
    if (timeout && tern_loop_now(loop) - start >= (uint32_t)timeout * 1000u) {
      exit_code = 27; /* as mosquitto_sub -W */
      break;
    }
    tern_loop_poll(loop, 500);
  }
  tern_mqtt_drain(m, 2000); /* what --remove-retained and -U sent goes out first */
  tern_mqtt_disconnect(m);
  tern_loop_poll(loop, 50);
  tern_mqtt_free(m);
  mqtt_cli_free(&c);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return exit_code;
}
