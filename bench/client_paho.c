/* client_paho HOST PORT QOS N | ... mem CLIENTS  (Debian's Paho C, async API) */
#include <MQTTAsync.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"

static volatile long acked;
static volatile int connected;
static void on_ok(void *ctx, MQTTAsync_successData *r) {
  (void)ctx;
  (void)r;
  __sync_fetch_and_add(&acked, 1);
}
static void on_conn(void *ctx, MQTTAsync_successData *r) {
  (void)ctx;
  (void)r;
  __sync_fetch_and_add(&connected, 1);
}

static MQTTAsync make(const char *uri, int i) {
  MQTTAsync c;
  char id[32];
  snprintf(id, sizeof(id), "paho-bench-%d-%d", (int)getpid(), i);
  MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
  co.maxBufferedMessages = 1000;
  MQTTAsync_createWithOptions(&c, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
  MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
  o.keepAliveInterval = 60;
  o.cleansession = 1;
  o.maxInflight = getenv("PAHO_INFLIGHT") ? atoi(getenv("PAHO_INFLIGHT")) : 20;
  o.onSuccess = on_conn;
  MQTTAsync_connect(c, &o);
  return c;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: HOST PORT QOS N | HOST PORT mem CLIENTS\n");
    return 2;
  }
  char uri[256];
  snprintf(uri, sizeof(uri), "tcp://%s:%s", argv[1], argv[2]);
  if (!strcmp(argv[3], "mem")) {
    int n = atoi(argv[4]);
    size_t before = bench_heap();
    for (int i = 0; i < n; i++) make(uri, i);
    while (connected < n) usleep(1000);
    printf("paho clients=%d heap_bytes_per_client=%zu\n", n, (bench_heap() - before) / (size_t)n);
    return 0;
  }
  int qos = atoi(argv[3]);
  long n = atol(argv[4]);
  MQTTAsync c = make(uri, 0);
  while (!connected) usleep(1000);
  char payload[32];
  memset(payload, 'x', sizeof(payload));
  MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
  ro.onSuccess = on_ok;
  double t0 = bench_now();
  for (long i = 0; i < n; i++) {
    while (MQTTAsync_send(c, "bench/x", sizeof(payload), payload, qos, 0, &ro) != MQTTASYNC_SUCCESS)
      usleep(50);
  }
  MQTTAsync_send(c, "bench/x", 3, "end", 1, 0, &ro);
  while (acked < n + 1) usleep(200);
  bench_report("paho", qos, n, bench_now() - t0);
  return 0;
}
