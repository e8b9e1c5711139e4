/* The device side of the seed: publish 100 samples "t,sin(t/10)" on
 * SESSION/data, then "create the plot" on SESSION/plot once every sample
 * is acknowledged.
 *   publish_samples [BROKER_URL] [SESSION]      (default mqtt://127.0.0.1:1883 demo)
 * TERN_MQTT_URL and TERN_SESSION in the environment work too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/error.h"
#include "tern/mqtt.h"

static const char *arg_or_env(int argc, char **argv, int i, const char *env, const char *def) {
  if (argc > i) return argv[i];
  return getenv(env) ? getenv(env) : def;
}

int main(int argc, char **argv) {
  const char *url = arg_or_env(argc, argv, 1, "TERN_MQTT_URL", "mqtt://127.0.0.1:1883");
  const char *session = arg_or_env(argc, argv, 2, "TERN_SESSION", "demo");
  char data_topic[128], plot_topic[128];
  snprintf(data_topic, sizeof(data_topic), "%s/data", session);
  snprintf(plot_topic, sizeof(plot_topic), "%s/plot", session);

  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_mqtt_opts opts = {.url = url};
  int err;
  struct tern_mqtt *mqtt = tern_mqtt_new(loop, &opts, &err);
  if (!mqtt || (err = tern_mqtt_connect_wait(mqtt, 10000)) != 0) {
    fprintf(stderr, "cannot connect to %s: %s\n", url, tern_strerror(err));
    return 1;
  }
  for (int t = 0; t < 100; t++) {
    char payload[32];
    int n = snprintf(payload, sizeof(payload), "%d,%.7g", t, sin(t / 10.0));
    tern_mqtt_publish(mqtt, data_topic, payload, (size_t)n, 1, 0); /* queued, sent in order */
  }
  if (tern_mqtt_drain(mqtt, 30000) != 0) {
    fprintf(stderr, "samples not acknowledged\n");
    return 1;
  }
  tern_mqtt_publish_wait(mqtt, plot_topic, "create the plot", 15, 1, 0, 10000);
  printf("published 100 samples on %s and the plot request on %s\n", data_topic, plot_topic);
  tern_mqtt_disconnect(mqtt);
  tern_loop_poll(loop, 100);
  tern_mqtt_free(mqtt);
  tern_loop_free(loop);
  return 0;
}
