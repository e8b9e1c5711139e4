/* mqtt_store_pub URL CLIENT_ID STORE FIRST LAST TOPIC QOS DELAY_US
 * Publishes "FIRST".."LAST" through a client with a tern_store, printing
 * "accepted N" once tern_mqtt_publish took message N (it is in the store
 * then), and "acked N" as acknowledgements come. On restart with the same
 * store, the messages it had accepted are replayed first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/error.h"
#include "tern/mqtt.h"

static void on_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m;
  (void)data;
  (void)arg;
  if (ev == TERN_MQTT_EV_ERROR) fprintf(stderr, "error: %s\n", (const char *)data);
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: mqtt_store_pub URL ID STORE FIRST LAST TOPIC QOS DELAY_US\n");
    return 2;
  }
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_mqtt_opts o = {.url = argv[1],
                             .client_id = argv[2],
                             .store_path = argv[3],
                             .persistent = 1,
                             .on_event = on_event,
                             .reconnect_min_ms = 50,
                             .reconnect_max_ms = 500};
  int err;
  struct tern_mqtt *m = tern_mqtt_new(loop, &o, &err);
  if (!m) {
    fprintf(stderr, "new: %s\n", tern_strerror(err));
    return 1;
  }
  printf("restored %zu\n", tern_mqtt_pending(m));
  fflush(stdout);
  tern_mqtt_connect(m);
  long first = atol(argv[4]), last = atol(argv[5]);
  int qos = atoi(argv[7]);
  int delay_ms = atoi(argv[8]) / 1000;
  for (long i = first; i <= last; i++) {
    char payload[32];
    snprintf(payload, sizeof(payload), "%ld", i);
    int64_t id;
    while ((id = tern_mqtt_publish(m, argv[6], payload, strlen(payload), qos, 0)) == TERN_EFULL)
      tern_loop_poll(loop, 10);
    if (id < 0) {
      fprintf(stderr, "publish: %s\n", tern_strerror((int)id));
      return 1;
    }
    printf("accepted %ld\n", i);
    fflush(stdout);
    /* a sensor-like stream: the loop runs for delay_ms between readings */
    uint32_t t0 = tern_loop_now(loop);
    do tern_loop_poll(loop, delay_ms);
    while ((int)(tern_loop_now(loop) - t0) < delay_ms);
  }
  int rc = tern_mqtt_drain(m, 60000);
  printf("drained %s\n", rc ? tern_strerror(rc) : "ok");
  tern_mqtt_disconnect(m);
  tern_loop_poll(loop, 50);
  tern_mqtt_free(m);
  tern_loop_free(loop);
  return rc ? 1 : 0;
}
