/* The HTTP server's whole connection state machine on any bytes, WebSocket
 * upgrade included: a client sends the input through the simulated
 * network; afterwards a well-behaved client must still get its 200, and
 * the server's memory stays bounded and comes back whole. */
#include "sim_fuzz.h"
#include "sim_util.h"
#include "tern/http.h"
#include "tern/ws.h"

static void hello(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply_text(req, 200, "text/plain", "hello\n");
}
static void echo_ws(struct tern_conn *c, int opcode, const void *data, size_t len, void *arg) {
  (void)arg;
  if (opcode == TERN_WS_TEXT || opcode == TERN_WS_BINARY) tern_ws_send(c, opcode, data, len);
}
static void ws(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_ws_upgrade(req, echo_ws, NULL);
}
static void echo(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply(req, 200, NULL, req->body.p, req->body.len);
}

static int good_ok;
static int served(void *arg) { return (void)arg, good_ok; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_loop *loop = fz_loop();
  struct tern_http_server_opts o = {.listen = "tcp://127.0.0.1:8080", .max_conns = 4};
  int err;
  struct tern_http_server *s = tern_http_server_start(loop, &o, &err);
  if (!s) __builtin_trap();
  tern_http_route(s, "GET", "/hello", 0, hello, NULL);
  tern_http_route(s, "GET", "/ws", 0, ws, NULL);
  tern_http_route(s, "POST", "/echo", 0, echo, NULL);
  struct fz_hostile h = {data, size, 0, NULL};
  fz_hostile_run(loop, &h, "tcp://127.0.0.1:8080");
  good_ok = 0;
  tern_connect(loop, "tcp://127.0.0.1:8080", sim_get_hello, &good_ok);
  if (sim_run(&loop, 1, served, NULL, 5000) != 0) __builtin_trap(); /* others still served */
  tern_http_server_stop(s);
  fz_done(loop);
  return 0;
}
