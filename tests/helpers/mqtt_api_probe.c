/* mqtt_api_probe URL: the client API against a real broker. Per-subscription
 * handlers, unsubscribe, the blocking layer. Prints "ok NAME" / "FAIL NAME". */
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/mqtt.h"

static int got_a, got_b, got_default;
static void on_a(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)msg;
  (void)arg;
  got_a++;
}
static void on_b(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)msg;
  (void)arg;
  got_b++;
}
static void on_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m;
  (void)data;
  (void)arg;
  if (ev == TERN_MQTT_EV_MESSAGE) got_default++;
}

static int failed;
static void check(const char *name, int ok) {
  printf("%s %s\n", ok ? "ok" : "FAIL", name);
  fflush(stdout); /* a crash later must not take these lines with it */
  failed |= !ok;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_mqtt_opts o = {.url = argv[1], .on_event = on_event};
  int err;
  struct tern_mqtt *m = tern_mqtt_new(loop, &o, &err);
  check("connect_wait", m && tern_mqtt_connect_wait(m, 5000) == 0);
  tern_mqtt_subscribe(m, "api/a/#", 1, on_a, NULL);
  tern_mqtt_subscribe(m, "api/+/x", 1, on_b, NULL);
  tern_mqtt_subscribe(m, "api/other", 1, NULL, NULL); /* no handler: the event callback gets it */
  tern_mqtt_check_msg(m);
  tern_mqtt_publish_wait(m, "api/a/x", "1", 1, 1, 0, 5000);
  for (int i = 0; i < 20 && got_a + got_b < 2; i++) tern_mqtt_wait_msg(m, 100);
  check("both matching handlers get the message", got_a == 1 && got_b == 1);
  tern_mqtt_publish_wait(m, "api/other", "2", 1, 1, 0, 5000);
  for (int i = 0; i < 20 && !got_default; i++) tern_mqtt_wait_msg(m, 100);
  check("no handler: delivered as an event", got_default == 1);
  tern_mqtt_unsubscribe(m, "api/a/#");
  tern_mqtt_publish_wait(m, "api/a/y", "3", 1, 1, 0, 5000);
  tern_mqtt_wait_msg(m, 700);
  check("after unsubscribe nothing arrives", got_a == 1);
  check("unsubscribe of a filter not subscribed here: sent (a persistent session may hold it)",
        tern_mqtt_unsubscribe(m, "nope") == 0);
  check("invalid topic refused", tern_mqtt_publish(m, "a/+", "x", 1, 0, 0) == TERN_EINVAL);
  check("invalid filter refused", tern_mqtt_subscribe(m, "a/#/b", 0, NULL, NULL) == TERN_EINVAL);
  check("wait_msg times out when nothing comes", tern_mqtt_wait_msg(m, 200) == TERN_ETIMEDOUT);
  tern_mqtt_disconnect(m);
  tern_loop_poll(loop, 50);
  check("... and an error when not connected", tern_mqtt_unsubscribe(m, "nope") == TERN_ENOTFOUND);
  tern_mqtt_free(m);
  tern_loop_free(loop);
  return failed;
}
