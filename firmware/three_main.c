/* The comparison image for make size: only what Mongoose's "MQTT client,
 * HTTP server and SNTP" figure holds, on tern: TCP/IP and DHCP (lwIP), the
 * loop, an MQTT client publishing a reading, an HTTP server with one route,
 * and SNTP. It runs (QEMU, user networking: the host at 10.0.2.2), but it
 * exists to be measured; the device is main.c. */
#include <stdio.h>
#include <string.h>
#include "board/board.h"
#include "tern/http.h"
#include "tern/mqtt.h"
#include "tern/sntp.h"

static void hello(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply_text(req, 200, "text/plain", "ok\n");
}

static void tick(struct tern_timer *t, void *arg) {
  (void)t;
  static int n;
  char v[16];
  int len = snprintf(v, sizeof(v), "%d", n++);
  tern_mqtt_publish(arg, "three/data", v, (size_t)len, 1, 0);
}

int main(void) {
  tern_board_init();
  struct tern_loop_opts lo = {.conn_buf_cap = 4096};
  struct tern_loop *loop = tern_loop_new(&lo);
  if (!loop) return 1;
  struct tern_sntp_opts so = {.servers = {"10.0.2.2"}};
  tern_sntp_start(loop, &so);
  struct tern_http_server_opts ho = {.listen = "tcp://0.0.0.0:80"};
  int err;
  struct tern_http_server *http = tern_http_server_start(loop, &ho, &err);
  if (http) tern_http_route(http, "GET", "/", 0, hello, NULL);
  struct tern_mqtt_opts mo = {.url = "mqtt://10.0.2.2:1883", .client_id = "three"};
  struct tern_mqtt *m = tern_mqtt_new(loop, &mo, &err);
  if (m) tern_mqtt_connect(m);
  struct tern_timer t;
  tern_timer_start(loop, &t, 1000, 1000, tick, m);
  for (;;) tern_loop_poll(loop, 1000);
}
