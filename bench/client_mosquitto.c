/* client_mosquitto HOST PORT QOS N | ... mem CLIENTS  (Debian's libmosquitto) */
#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

static long acked;
static int connected;
static void on_publish(struct mosquitto *m, void *o, int mid) {
  (void)m;
  (void)o;
  (void)mid;
  acked++;
}
static void on_connect(struct mosquitto *m, void *o, int rc) {
  (void)m;
  (void)o;
  if (!rc) connected++;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: HOST PORT QOS N | HOST PORT mem CLIENTS\n");
    return 2;
  }
  mosquitto_lib_init();
  int port = atoi(argv[2]);
  if (!strcmp(argv[3], "mem")) {
    int n = atoi(argv[4]);
    size_t before = bench_heap();
    struct mosquitto **ms = calloc((size_t)n, sizeof(*ms));
    for (int i = 0; i < n; i++) {
      ms[i] = mosquitto_new(NULL, true, NULL);
      mosquitto_connect_callback_set(ms[i], on_connect);
      mosquitto_connect(ms[i], argv[1], port, 60);
    }
    for (int k = 0; k < 200 && connected < n; k++)
      for (int i = 0; i < n; i++) mosquitto_loop(ms[i], 1, 1);
    printf("libmosquitto clients=%d heap_bytes_per_client=%zu\n", n,
           (bench_heap() - before) / (size_t)n);
    return 0;
  }
  int qos = atoi(argv[3]);
  long n = atol(argv[4]);
  struct mosquitto *m = mosquitto_new(NULL, true, NULL);
  mosquitto_publish_callback_set(m, on_publish);
  mosquitto_connect_callback_set(m, on_connect);
  mosquitto_max_inflight_messages_set(m, 20);
  if (mosquitto_connect(m, argv[1], port, 60) != MOSQ_ERR_SUCCESS) return 1;
  while (!connected) mosquitto_loop(m, 100, 1);
  char payload[32];
  memset(payload, 'x', sizeof(payload));
  double t0 = bench_now();
  for (long i = 0; i < n; i++) {
    mosquitto_publish(m, NULL, "bench/x", sizeof(payload), payload, qos, false);
    if (i % 20 == 0) mosquitto_loop(m, 0, 1);
  }
  if (qos == 0) mosquitto_publish(m, NULL, "bench/x", 3, "end", 1, false);
  long want = qos == 0 ? n + 1 : n;
  while (acked < want) mosquitto_loop(m, 100, 1);
  bench_report("libmosquitto", qos, n, bench_now() - t0);
  return 0;
}
