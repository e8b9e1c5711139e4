/* client_tern HOST PORT QOS N | client_tern HOST PORT mem CLIENTS */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "tern/mqtt.h"

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: HOST PORT QOS N | HOST PORT mem CLIENTS\n");
    return 2;
  }
  char url[256];
  snprintf(url, sizeof(url), "mqtt://%s:%s", argv[1], argv[2]);
  struct tern_loop *loop = tern_loop_new(NULL);
  if (!strcmp(argv[3], "mem")) {
    int n = atoi(argv[4]);
    size_t before = bench_heap();
    struct tern_mqtt **ms = calloc((size_t)n, sizeof(*ms));
    for (int i = 0; i < n; i++) {
      struct tern_mqtt_opts o = {.url = url};
      int err;
      ms[i] = tern_mqtt_new(loop, &o, &err);
      tern_mqtt_connect(ms[i]);
    }
    for (int k = 0; k < 200; k++) {
      int up = 0;
      for (int i = 0; i < n; i++) up += tern_mqtt_is_connected(ms[i]);
      if (up == n) break;
      tern_loop_poll(loop, 20);
    }
    printf("tern clients=%d heap_bytes_per_client=%zu\n", n, (bench_heap() - before) / (size_t)n);
    return 0;
  }
  int qos = atoi(argv[3]);
  long n = atol(argv[4]);
  struct tern_mqtt_opts o = {.url = url, .inflight = 20, .queue_max = 1000};
  int err;
  struct tern_mqtt *m = tern_mqtt_new(loop, &o, &err);
  if (tern_mqtt_connect_wait(m, 5000)) return 1;
  char payload[32];
  memset(payload, 'x', sizeof(payload));
  double t0 = bench_now();
  for (long i = 0; i < n; i++) {
    while (tern_mqtt_publish(m, "bench/x", payload, sizeof(payload), qos, 0) == -3 /* TERN_EFULL */)
      tern_loop_poll(loop, 1);
  }
  /* QoS 0: a QoS 1 marker acked by the broker means it has read everything before it */
  if (qos == 0) tern_mqtt_publish(m, "bench/x", "end", 3, 1, 0);
  tern_mqtt_drain(m, 120000);
  bench_report("tern", qos, n, bench_now() - t0);
  return 0;
}
