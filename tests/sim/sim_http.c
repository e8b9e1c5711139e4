/* The HTTP server on the simulated network: a slowloris crowd fills it,
 * the oldest unfinished request makes room for a new client, and the rest
 * get 408 once their time is up (no sleeps: virtual time). */
#include <stdlib.h>
#include "sim.h"
#include "sim_util.h"
#include "test.h"
#include "tern/http.h"
#include "tern/log.h"

static struct tern_loop *L[2];

struct slow {
  int closed, got408;
  uint64_t started, answered_at;
};

static void slow_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct slow *s = c->fn_data;
  static const char part[] = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  if (ev == TERN_EV_CONNECT) {
    tern_send(c, part, sizeof(part) - 1);
    s->started = sim_now_us();
  }
  if (ev == TERN_EV_READ) {
    if (c->rx.len >= 12 && !memcmp(c->rx.data, "HTTP/1.1 408", 12) && !s->got408) {
      s->got408 = 1;
      s->answered_at = sim_now_us();
    }
    c->rx.len = 0;
  }
  if (ev == TERN_EV_CLOSE) s->closed = 1;
}

static int good_ok;
static int served(void *arg) { return (void)arg, good_ok; }
static int all_answered(void *arg) {
  struct slow *s = arg;
  for (int i = 1; i < 4; i++)
    if (!s[i].got408) return 0;
  return 1;
}

static void hello(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply_text(req, 200, "text/plain", "hello\n");
}

static void slowloris_crowd(void) {
  sim_world_new(L, 2, 50);
  struct tern_http_server_opts o = {
      .listen = "tcp://127.0.0.1:8080", .max_conns = 4, .request_ms = 5000};
  int err;
  struct tern_http_server *srv = tern_http_server_start(L[0], &o, &err);
  CHECK(srv != NULL);
  tern_http_route(srv, "GET", "/hello", 0, hello, NULL);
  struct slow s[4] = {{0}};
  for (int i = 0; i < 4; i++) { /* four unfinished requests, 10 ms apart */
    tern_connect(L[1], "tcp://127.0.0.1:8080", slow_fn, &s[i]);
    sim_advance(L, 2, 10);
  }
  sim_advance(L, 2, 100);
  CHECK(!s[0].closed && !s[3].closed);
  good_ok = 0;
  tern_connect(L[1], "tcp://127.0.0.1:8080", sim_get_hello, &good_ok);
  CHECK(sim_run(L, 2, served, NULL, 1000) == 0); /* a full server still serves a new client */
  CHECK(s[0].closed);                            /* by evicting the oldest slow request */
  CHECK(!s[1].closed && !s[2].closed && !s[3].closed);
  CHECK(sim_run(L, 2, all_answered, s, 10000) == 0);
  for (int i = 1; i < 4; i++) { /* 408 once request_ms passed (checked each second) */
    uint64_t waited = s[i].answered_at - s[i].started;
    CHECK(waited >= 5000000 && waited <= 6100000);
  }
  tern_http_server_stop(srv);
  sim_world_free(L, 2);
}

int main(void) {
  slowloris_crowd();
  TEST_MAIN_END();
}
