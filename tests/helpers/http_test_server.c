/* http_test_server PORT ROOT [USER:PASS] [CERT KEY]: the server driver with
 * routes the tests need. Prints "listening PORT" once ready. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/error.h"
#include "tern/http.h"
#include "tern/tls.h"
#include "tern/ws.h"

static void hello(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply_text(req, 200, NULL, "hello\n");
}
static void echo(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply(req, 200, "Content-Type: application/octet-stream\r\n", req->body.p,
                  req->body.len);
}
static void form(struct tern_http_request *req, void *arg) {
  (void)arg;
  char v[256], out[300];
  struct tern_str src = req->body.len ? req->body : req->query;
  if (tern_form_get(src, "name", v, sizeof(v)) != 0) strcpy(v, "(none)");
  snprintf(out, sizeof(out), "name=%s\n", v);
  tern_http_reply_text(req, 200, NULL, out);
}
static void secret(struct tern_http_request *req, void *arg) {
  (void)arg;
  char out[128];
  snprintf(out, sizeof(out), "welcome %s\n", req->user);
  tern_http_reply_text(req, 200, NULL, out);
}
static struct tern_conn *sse_conn;
static void sse(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_sse_start(req);
  tern_http_sse_send(req->conn, "tick", "1");
  tern_http_sse_send(req->conn, NULL, "two\nlines");
  sse_conn = req->conn;
}

/* The browser test: a page whose button requests /press?X=ON; /state tells. */
static char pressed[32] = "none";
static void page(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply_text(req, 200, "text/html; charset=utf-8",
                       "<!doctype html><title>tern test</title>"
                       "<button id=on onclick=\"fetch('/press?X=ON').then(r=>r.text()).then(t=>"
                       "document.getElementById('state').textContent=t)\">ON</button>"
                       "<p id=state>none</p>");
}
static void press(struct tern_http_request *req, void *arg) {
  (void)arg;
  if (tern_form_get(req->query, "X", pressed, sizeof(pressed)) != 0) strcpy(pressed, "?");
  tern_http_reply_text(req, 200, NULL, pressed);
}
static void state(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply_text(req, 200, NULL, pressed);
}

/* Chunked streaming: the body arrives in pieces, the last one from a timer. */
static struct tern_timer stream_timer;
static struct tern_conn *stream_conn;
static void stream_tick(struct tern_timer *t, void *arg) {
  (void)t;
  (void)arg;
  tern_http_chunk(stream_conn, "third\n", 6);
  tern_http_chunk_end(stream_conn);
}
static void stream(struct tern_http_request *req, void *arg) {
  struct tern_loop *loop = arg;
  tern_http_reply_chunked(req, 200, "Content-Type: text/plain\r\n");
  tern_http_chunk(req->conn, "first ", 6);
  tern_http_chunk(req->conn, "second ", 7);
  stream_conn = req->conn;
  tern_timer_start(loop, &stream_timer, 50, 0, stream_tick, NULL);
}

/* WebSocket echo: each message comes back as it came */
static void ws_msg(struct tern_conn *c, int opcode, const void *data, size_t len, void *arg) {
  (void)arg;
  if (opcode == TERN_WS_TEXT || opcode == TERN_WS_BINARY) tern_ws_send(c, opcode, data, len);
}
static void ws(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_ws_upgrade(req, ws_msg, NULL);
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  struct tern_loop *loop = tern_loop_new(NULL);
  char url[64], user[128] = "";
  snprintf(url, sizeof(url), "tcp://127.0.0.1:%s", argv[1]);
  struct tern_http_server_opts o = {
      .listen = url, .root = argv[2], .max_conns = 64, .request_ms = 3000};
  if (argc > 3 && strchr(argv[3], ':')) {
    snprintf(user, sizeof(user), "%s", argv[3]);
    *strchr(user, ':') = '\0';
    o.auth_user = user;
    o.auth_pass = strchr(argv[3], ':') + 1;
  }
  if (argc > 5) {
    char msg[200];
    struct tern_tls_opts to = {.cert_file = argv[4], .key_file = argv[5]};
    o.tls = tern_tls_ctx_new(loop, &to, 1, msg, sizeof(msg));
    if (!o.tls) {
      fprintf(stderr, "%s\n", msg);
      return 1;
    }
  }
  int err;
  struct tern_http_server *s = tern_http_server_start(loop, &o, &err);
  if (!s) {
    fprintf(stderr, "start: %s\n", tern_strerror(err));
    return 1;
  }
  tern_http_route(s, "GET", "/hello", 0, hello, NULL);
  tern_http_route(s, "POST", "/echo", 0, echo, NULL);
  tern_http_route(s, NULL, "/form", 0, form, NULL);
  tern_http_route(s, "GET", "/secret", 1, secret, NULL);
  tern_http_route(s, "GET", "/events", 0, sse, NULL);
  tern_http_route(s, "GET", "/ws", 0, ws, NULL);
  tern_http_route(s, "GET", "/page", 0, page, NULL);
  tern_http_route(s, "GET", "/stream", 0, stream, loop);
  tern_http_route(s, "GET", "/press", 0, press, NULL);
  tern_http_route(s, "GET", "/state", 0, state, NULL);
  printf("listening %u\n", tern_http_server_port(s));
  fflush(stdout);
  tern_loop_run(loop);
  return 0;
}
