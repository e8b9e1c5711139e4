/* Adafruit IO style: MQTT over TLS with a user name and key; publish "200"
 * to USER/feeds/sms-feed, subscribe to USER/feeds/ifttt-info with a
 * callback and poll it with check_msg.
 *   adafruit_io URL [SECONDS]    URL = mqtts://USER:KEY@io.adafruit.com:8883
 * TERN_CAFILE names a CA bundle (for a local stand-in broker). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/error.h"
#include "tern/mqtt.h"
#include "tern/tls.h"
#include "tern/url.h"

static void on_info(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)arg;
  printf("%.*s: %.*s\n", (int)msg->topic_len, msg->topic, (int)msg->len,
         (const char *)msg->payload);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : getenv("TERN_MQTT_URL");
  int seconds = argc > 2 ? atoi(argv[2]) : 10;
  struct tern_url u;
  char user[128];
  if (!url || tern_url_parse(url, strlen(url), &u) != 0 ||
      tern_str_copy(u.user, user, sizeof(user)) != 0 || !user[0]) {
    fprintf(stderr, "usage: adafruit_io mqtts://USER:KEY@HOST:8883 [SECONDS]\n");
    return 2;
  }
  char sms[200], info[200];
  snprintf(sms, sizeof(sms), "%s/feeds/sms-feed", user);
  snprintf(info, sizeof(info), "%s/feeds/ifttt-info", user);

  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_tls_opts tls = {.ca_file = getenv("TERN_CAFILE")};
  struct tern_mqtt_opts opts = {.url = url, .tls = &tls};
  int err;
  struct tern_mqtt *mqtt = tern_mqtt_new(loop, &opts, &err);
  if (!mqtt) {
    fprintf(stderr, "setup: %s\n", tern_strerror(err));
    return 1;
  }
  tern_mqtt_subscribe(mqtt, info, 1, on_info, NULL);
  if ((err = tern_mqtt_connect_wait(mqtt, 10000)) != 0) {
    fprintf(stderr, "cannot connect: %s\n", tern_strerror(err));
    return 1;
  }
  if (tern_mqtt_publish_wait(mqtt, sms, "200", 3, 1, 0, 10000) == 0)
    printf("sent 200 to %s\n", sms);
  fflush(stdout);
  for (int i = 0; i < seconds * 10; i++) {
    tern_mqtt_check_msg(mqtt);     /* handlers run for what has arrived */
    tern_mqtt_wait_msg(mqtt, 100); /* or wait up to 100 ms for the next */
  }
  tern_mqtt_disconnect(mqtt);
  tern_loop_poll(loop, 100);
  tern_mqtt_free(mqtt);
  tern_loop_free(loop);
  return 0;
}
