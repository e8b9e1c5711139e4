/* tern pub: publish like mosquitto_pub. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "mqtt_cli.h"
#include "tern/error.h"
#include "tern/log.h"

static const char usage[] =
    "usage: tern pub [-h HOST] [-p PORT] -t TOPIC (-m MSG | -f FILE | -l | -n | -s) [-q QOS] [-r] "
    "...\n"
    "Publishes to an MQTT broker, with mosquitto_pub's flags.\n"
    "  -m MSG         the message\n"
    "  -f FILE        send the file's contents as one message\n"
    "  -l             send each line of standard input as a message (rides out broker restarts)\n"
    "  -s             send all of standard input as one message\n"
    "  -n             send a zero-length message\n"
    "  -r             retain\n"
    "  --repeat N     publish the message N times (-m, -f, -n, -s)\n"
    "  --repeat-delay S  wait S seconds between them (fractions too)\n"
    "  -M N           at most N QoS 1/2 messages unacknowledged at once (default 20)\n";

/* -l: a reader thread hands lines to the loop thread through a small
 * bounded queue, so a slow broker slows the reader instead of using memory. */
#define LINEQ 256
static struct {
  pthread_mutex_t mu;
  pthread_cond_t room;
  char *lines[LINEQ];
  size_t head, n;
  int eof;
} lq = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0, 0};
static struct tern_loop *the_loop;

static void *reader(void *arg) {
  (void)arg;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    if (n && line[n - 1] == '\n') line[--n] = '\0';
    char *copy = malloc((size_t)n + 1);
    if (!copy) break;
    memcpy(copy, line, (size_t)n + 1);
    pthread_mutex_lock(&lq.mu);
    while (lq.n == LINEQ) pthread_cond_wait(&lq.room, &lq.mu);
    lq.lines[(lq.head + lq.n++) % LINEQ] = copy;
    pthread_mutex_unlock(&lq.mu);
    tern_loop_wake(the_loop);
  }
  free(line);
  pthread_mutex_lock(&lq.mu);
  lq.eof = 1;
  pthread_mutex_unlock(&lq.mu);
  tern_loop_wake(the_loop);
  return NULL;
}

static char *read_all(FILE *f, size_t *len) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *b = realloc(buf, cap *= 2);
      if (!b) {
        free(buf);
        return NULL;
      }
      buf = b;
    }
  }
  *len = n;
  return buf;
}

/* MQTT 5: a message the broker refused is said, as mosquitto_pub says it
 * (a warning; the exit code stays 0, as there). */
static void on_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m, (void)arg;
  if (ev == TERN_MQTT_EV_REFUSED) {
    const struct tern_mqtt_refusal *r = data;
    fprintf(stderr, "tern pub: the broker refused message %llu: %s\n", (unsigned long long)r->id,
            tern_mqtt_reason_str(r->reason));
  }
}

int cmd_pub(int argc, char **argv) {
  struct mqtt_cli c;
  memset(&c, 0, sizeof(c));
  c.cmd = "pub";
  const char *msg = NULL, *file = NULL;
  int lines = 0, null_msg = 0, whole_stdin = 0, retain = 0, bad = 0, repeat = 1, inflight = 0;
  double repeat_delay = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i]) && strcmp(argv[i], "-h")) {
      printf("%s%s", usage, mqtt_cli_common_help);
      return 0;
    }
    int r = mqtt_cli_flag(&c, argc, argv, &i);
    if (r == 2) return MQTT_CLI_USAGE;
    if (r == 1) continue;
    if ((v = app_opt(argc, argv, &i, "-m", &bad)) ||
        (v = app_opt(argc, argv, &i, "--message", &bad)))
      msg = v;
    else if ((v = app_opt(argc, argv, &i, "-f", &bad)) ||
             (v = app_opt(argc, argv, &i, "--file", &bad)))
      file = v;
    else if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--stdin-line")) lines = 1;
    else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--null-message")) null_msg = 1;
    else if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--stdin-file")) whole_stdin = 1;
    else if (!strcmp(argv[i], "-r") || !strcmp(argv[i], "--retain")) retain = 1;
    else if ((v = app_opt(argc, argv, &i, "--repeat", &bad))) {
      long n;
      if (app_parse_long(v, 1, 1000000000L, &n)) {
        fprintf(stderr, "tern pub: --repeat %s: want a count from 1\n", v);
        return MQTT_CLI_USAGE;
      }
      repeat = (int)n;
    } else if ((v = app_opt(argc, argv, &i, "--repeat-delay", &bad))) {
      char *end;
      repeat_delay = strtod(v, &end);
      if (end == v || *end || repeat_delay < 0) {
        fprintf(stderr, "tern pub: --repeat-delay %s: want seconds, 0 or more\n", v);
        return MQTT_CLI_USAGE;
      }
    } else if ((v = app_opt(argc, argv, &i, "-M", &bad)) ||
               (v = app_opt(argc, argv, &i, "--max-inflight", &bad))) {
      long n;
      if (app_parse_long(v, 1, 65535, &n)) {
        fprintf(stderr, "tern pub: -M %s: want 1 to 65535\n", v);
        return MQTT_CLI_USAGE;
      }
      inflight = (int)n;
    } else if (bad) return MQTT_CLI_USAGE;
    else {
      app_bad_flag("pub", argv[i]);
      return MQTT_CLI_USAGE;
    }
    if (bad) return MQTT_CLI_USAGE;
  }
  if (c.ntopics != 1) {
    fprintf(stderr, "tern pub: give one topic with -t (or -L)\n");
    return MQTT_CLI_USAGE;
  }
  if ((msg != NULL) + (file != NULL) + lines + null_msg + whole_stdin != 1) {
    fprintf(stderr, "tern pub: give exactly one of -m, -f, -l, -n, -s\n");
    return MQTT_CLI_USAGE;
  }
  const char *topic = c.topics[0];
  struct tern_loop *loop = app_loop_new(NULL);
  if (!loop) return 1;
  tern_log_set(loop, c.debug ? TERN_LOG_DEBUG : TERN_LOG_ERROR, NULL, NULL);
  struct tern_mqtt_opts o;
  mqtt_cli_opts(&c, &o);
  o.on_event = on_event;
  o.inflight = (size_t)(inflight ? inflight : 20); /* mosquitto_pub's default */
  int err;
  struct tern_mqtt *m = tern_mqtt_new(loop, &o, &err);
  if (!m) {
    fprintf(stderr, "tern pub: %s\n", tern_strerror(err));
    tern_loop_free(loop);
    return 1;
  }
  int rc = tern_mqtt_connect_wait(m, 30000);
  if (rc) {
    int code = mqtt_cli_connect_error(&c, rc);
    tern_mqtt_free(m);
    mqtt_cli_free(&c);
    tern_loop_free(loop);
    return code;
  }
  if (c.debug) fprintf(stderr, "connected as %s\n", tern_mqtt_client_id(m));
  int exit_code = 0;
  if (lines) {
    the_loop = loop;
    app_signals(loop);
    pthread_t th;
    pthread_create(&th, NULL, reader, NULL);
    for (;;) {
      pthread_mutex_lock(&lq.mu);
      /* move lines into the client's queue while it has room */
      while (lq.n && tern_mqtt_pending(m) < 1000) {
        char *line = lq.lines[lq.head];
        lq.head = (lq.head + 1) % LINEQ;
        lq.n--;
        pthread_cond_signal(&lq.room);
        pthread_mutex_unlock(&lq.mu);
        int64_t id = tern_mqtt_publish_props(m, topic, line, strlen(line), c.qos, retain,
                                             c.version == TERN_MQTT_V5 ? &c.pub_props : NULL);
        if (id < 0) fprintf(stderr, "tern pub: %s\n", tern_strerror((int)id));
        free(line);
        pthread_mutex_lock(&lq.mu);
      }
      int done = lq.eof && lq.n == 0;
      pthread_mutex_unlock(&lq.mu);
      if ((done && tern_mqtt_pending(m) == 0) || app_stop) break;
      tern_loop_poll(loop, 1000);
    }
    pthread_join(th, NULL);
  } else {
    size_t len = 0;
    char *data = NULL;
    if (file) {
      FILE *f = fopen(file, "rb");
      if (!f) {
        fprintf(stderr, "tern pub: cannot open %s\n", file);
        exit_code = 1;
      } else {
        data = read_all(f, &len);
        fclose(f);
      }
    } else if (whole_stdin) {
      data = read_all(stdin, &len);
    }
    if (!exit_code) {
      const char *payload = msg ? msg : data ? data : "";
      if (msg) len = strlen(msg);
      for (int k = 0; k < repeat && !exit_code && !app_stop; k++) {
        static const int never = 0; /* the loop keeps the connection alive meanwhile */
        if (k && repeat_delay > 0)
          tern_loop_run_until(loop, &never, (uint32_t)(repeat_delay * 1000));
        int64_t id = tern_mqtt_publish_props(m, topic, payload, len, c.qos, retain,
                                             c.version == TERN_MQTT_V5 ? &c.pub_props : NULL);
        rc = id < 0 ? (int)id : tern_mqtt_drain(m, 30000); /* until the broker has it */
        if (rc) {
          fprintf(stderr, "tern pub: publish failed: %s\n", tern_strerror(rc));
          exit_code = 1;
        }
      }
    }
    free(data);
  }
  tern_mqtt_disconnect(m);
  tern_loop_poll(loop, 100);
  tern_mqtt_free(m);
  mqtt_cli_free(&c);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return exit_code;
}
