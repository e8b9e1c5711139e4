/* Shared by the state-machine fuzz targets (fuzz_sim_*.c): a server on
 * the simulated port, a hostile client that sends the input in pieces,
 * and a well-behaved client that must still be served afterwards. Memory
 * goes through a counting allocator: what the loop holds at its peak must
 * stay under a bound, and all of it comes back when the loop is freed. */
#ifndef TERN_SIM_FUZZ_H
#define TERN_SIM_FUZZ_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sim.h"
#include "tern/buf.h"
#include "tern/log.h"
#include "tern/loop.h"

#define FUZZ_PEAK_MAX (8u << 20) /* what one hostile connection may cost, at most */

static size_t fz_live, fz_peak;
static void *fz_realloc(void *ctx, void *p, size_t n) {
  (void)ctx;
  size_t old = p ? ((size_t *)p)[-2] : 0;
  if (n == 0) {
    if (p) free((size_t *)p - 2), fz_live -= old;
    return NULL;
  }
  size_t *q = realloc(p ? (size_t *)p - 2 : NULL, n + 2 * sizeof(size_t));
  if (!q) return NULL;
  q[0] = n;
  fz_live += n - old;
  if (fz_live > fz_peak) fz_peak = fz_live;
  return q + 2;
}
static const struct tern_allocator fz_alloc = {fz_realloc, NULL};

static struct tern_loop *fz_loop(void) {
  sim_reset(1);
  fz_live = fz_peak = 0;
  struct tern_loop_opts o = {.alloc = &fz_alloc};
  struct tern_loop *loop = tern_loop_new(&o);
  if (loop) tern_log_set(loop, TERN_LOG_NONE, NULL, NULL);
  return loop;
}

static void fz_done(struct tern_loop *loop) {
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  sim_reset(0);
  if (fz_live != 0) __builtin_trap();            /* a leak the allocator saw */
  if (fz_peak > FUZZ_PEAK_MAX) __builtin_trap(); /* memory not bounded */
}

/* The hostile client: sends the input in pieces (sizes from its bytes),
 * a millisecond apart, then closes. */
struct fz_hostile {
  const uint8_t *data;
  size_t len, off;
  struct tern_conn *c;
};
static inline void fz_hostile_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_READ) c->rx.len = 0; /* whatever it is told */
  if (ev == TERN_EV_CLOSE) ((struct fz_hostile *)c->fn_data)->c = NULL;
}
static inline void fz_hostile_run(struct tern_loop *loop, struct fz_hostile *h, const char *url) {
  h->c = tern_connect(loop, url, fz_hostile_fn, h);
  sim_advance(&loop, 1, 5);
  while (h->c && h->off < h->len) {
    size_t n = 1 + h->data[h->off] % 97;
    if (n > h->len - h->off) n = h->len - h->off;
    tern_send(h->c, h->data + h->off, n);
    h->off += n;
    sim_advance(&loop, 1, 1);
  }
  if (h->c) tern_close(h->c);
  sim_advance(&loop, 1, 5);
}
#endif
