/* Helpers the scenarios (and the state-machine fuzzers) share: a world of
 * n loops with logging off, and a client that asks GET /hello. */
#ifndef TERN_SIM_UTIL_H
#define TERN_SIM_UTIL_H
#include <string.h>
#include "sim.h"
#include "tern/log.h"
#include "tern/loop.h"

/* A fresh world from seed, with n loops (hosts 10.0.0.1 ... in order). */
static inline void sim_world_new(struct tern_loop **loops, int n, uint64_t seed) {
  sim_reset(seed);
  for (int i = 0; i < n; i++) {
    loops[i] = tern_loop_new(NULL);
    tern_log_set(loops[i], TERN_LOG_NONE, NULL, NULL);
  }
}

/* Frees the loops, then lets go of what was still in flight. */
static inline void sim_world_free(struct tern_loop **loops, int n) {
  for (int i = 0; i < n; i++) {
    tern_loop_poll(loops[i], 0);
    tern_loop_free(loops[i]);
  }
  sim_reset(0);
}

/* conn handler (fn_data: int *ok): GET /hello, *ok = 1 on a 200 */
static inline void sim_get_hello(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  static const char get[] = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (ev == TERN_EV_CONNECT) tern_send(c, get, sizeof(get) - 1);
  if (ev == TERN_EV_READ) {
    if (c->rx.len >= 12 && !memcmp(c->rx.data, "HTTP/1.1 200", 12)) *(int *)c->fn_data = 1;
    c->rx.len = 0;
  }
}
#endif
