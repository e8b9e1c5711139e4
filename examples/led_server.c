/* The LED web server: a page with ON and OFF buttons that request /?LED=ON
 * and /?LED=OFF. The LED here is simulated (a variable; a board would set a pin).
 *   led_server [PORT]      (default 8080, on 127.0.0.1) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/http.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}
static int led_on;

static void page(struct tern_http_request *req, void *arg) {
  (void)arg;
  char v[8], html[512];
  if (tern_form_get(req->query, "LED", v, sizeof(v)) == 0) {
    led_on = !strcmp(v, "ON");
    printf("LED %s\n", led_on ? "on" : "off");
    fflush(stdout);
  }
  snprintf(html, sizeof(html),
           "<!doctype html><title>LED</title><h1>LED is <span id=led>%s</span></h1>"
           "<form action=/><button id=on name=LED value=ON>ON</button>"
           "<button id=off name=LED value=OFF>OFF</button></form>\n",
           led_on ? "ON" : "OFF");
  tern_http_reply_text(req, 200, "text/html; charset=utf-8", html);
}

int main(int argc, char **argv) {
  char url[64];
  snprintf(url, sizeof(url), "tcp://127.0.0.1:%s", argc > 1 ? argv[1] : "8080");
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_http_server_opts opts = {.listen = url};
  int err;
  struct tern_http_server *server = tern_http_server_start(loop, &opts, &err);
  if (!server) {
    fprintf(stderr, "led_server: %s\n", tern_strerror(err));
    return 1;
  }
  tern_http_route(server, "GET", "/", 0, page, NULL);
  printf("LED page on http://127.0.0.1:%u/\n", tern_http_server_port(server));
  fflush(stdout);
  while (!stop) tern_loop_poll(loop, 500);
  tern_http_server_stop(server);
  tern_loop_free(loop);
  return 0;
}
