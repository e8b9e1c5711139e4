/* mqtt_load HOST PORT MODE [N]: one load generator for any broker.
 * Modes: one2one, fanin (100 -> 1), fanout (1 -> 100), qos1 (window 20),
 * latency (QoS 1, one message in flight: p50/p99 of publish -> delivery),
 * idle CLIENTS BROKER_PID (resident memory per idle client). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "tern/mqtt.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long received;
static double last_sent_at, *lat;
static long nlat;

static void on_msg(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)msg;
  (void)arg;
  received++;
  if (lat) lat[nlat++] = now_s() - last_sent_at;
}

static struct tern_mqtt *client(struct tern_loop *loop, const char *url) {
  struct tern_mqtt_opts o = {.url = url, .inflight = 20, .queue_max = 2000, .keepalive = 600};
  int err;
  struct tern_mqtt *m = tern_mqtt_new(loop, &o, &err);
  if (!m) exit(1);
  tern_mqtt_connect(m);
  return m;
}

static void wait_connected(struct tern_loop *loop, struct tern_mqtt **ms, int n) {
  for (int k = 0; k < 2000; k++) {
    int up = 0;
    for (int i = 0; i < n; i++) up += tern_mqtt_is_connected(ms[i]);
    if (up == n) return;
    tern_loop_poll(loop, 10);
  }
  fprintf(stderr, "clients did not connect\n");
  exit(1);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static long rss_kb(int pid) {
  char path[64], line[256];
  snprintf(path, sizeof(path), "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  long kb = -1;
  while (f && fgets(line, sizeof(line), f))
    if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: mqtt_load HOST PORT MODE [N]\n");
    return 2;
  }
  char url[256];
  snprintf(url, sizeof(url), "mqtt://%s:%s", argv[1], argv[2]);
  const char *mode = argv[3];
  long n = argc > 4 ? atol(argv[4]) : 100000;
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  struct tern_loop *loop = tern_loop_new(NULL);
  int npub = 1, nsub = 1, qos = 0;
  if (!strcmp(mode, "fanin")) npub = 100;
  else if (!strcmp(mode, "fanout")) nsub = 100;
  else if (!strcmp(mode, "qos1") || !strcmp(mode, "latency")) qos = 1;
  else if (!strcmp(mode, "idle")) {
    int pid = atoi(argv[5]);
    long before = rss_kb(pid);
    struct tern_mqtt **ms = calloc((size_t)n, sizeof(*ms));
    for (long i = 0; i < n; i++) ms[i] = client(loop, url);
    wait_connected(loop, ms, (int)n);
    long after = rss_kb(pid);
    printf("idle clients=%ld broker_rss_kb_before=%ld after=%ld bytes_per_client=%ld\n", n, before,
           after, (after - before) * 1024 / n);
    return 0;
  } else if (strcmp(mode, "one2one")) {
    fprintf(stderr, "unknown mode\n");
    return 2;
  }

  struct tern_mqtt *subs[100], *pubs[100];
  for (int i = 0; i < nsub; i++) {
    subs[i] = client(loop, url);
    tern_mqtt_subscribe(subs[i], "load/#", qos, on_msg, NULL);
  }
  for (int i = 0; i < npub; i++) pubs[i] = client(loop, url);
  wait_connected(loop, subs, nsub);
  wait_connected(loop, pubs, npub);
  for (int k = 0; k < 20; k++) tern_loop_poll(loop, 10); /* SUBACKs */
  char payload[32];
  memset(payload, 'x', sizeof(payload));
  if (!strcmp(mode, "latency")) {
    lat = calloc((size_t)n, sizeof(double));
    for (long i = 0; i < n; i++) {
      long want = received + 1;
      last_sent_at = now_s();
      tern_mqtt_publish(pubs[0], "load/l", payload, sizeof(payload), 1, 0);
      while (received < want) tern_loop_poll(loop, 100);
    }
    qsort(lat, (size_t)nlat, sizeof(double), cmp);
    printf("latency messages=%ld p50_us=%.0f p99_us=%.0f\n", nlat, lat[nlat / 2] * 1e6,
           lat[nlat * 99 / 100] * 1e6);
    return 0;
  }
  long want = n * nsub;
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    struct tern_mqtt *p = pubs[i % npub];
    while (tern_mqtt_publish(p, "load/t", payload, sizeof(payload), qos, 0) < 0)
      tern_loop_poll(loop, 1);
    if (i % 64 == 0) tern_loop_poll(loop, 0);
  }
  double deadline = now_s() + 60;
  while (received < want && now_s() < deadline) tern_loop_poll(loop, 10);
  double secs = now_s() - t0;
  printf("%s messages=%ld delivered=%ld seconds=%.3f deliveries_per_s=%.0f\n", mode, n, received,
         secs, received / secs);
  return 0;
}
