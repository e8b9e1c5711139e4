/* Binary min-heap of caller-owned timers. Each timer stores its heap slot,
 * so cancel is O(log n) with no search. */
#include <string.h>
#include "tern/error.h"
#include "tern/timer.h"

void tern_timers_init(struct tern_timers *ts, const struct tern_allocator *a) {
  memset(ts, 0, sizeof(*ts));
  ts->alloc = a ? a : &tern_default_allocator;
}

void tern_timers_free(struct tern_timers *ts) {
  for (size_t i = 0; i < ts->n; i++) ts->heap[i]->idx = 0;
  tern_free(ts->alloc, ts->heap);
  ts->heap = NULL;
  ts->n = ts->size = 0;
}

static void place(struct tern_timers *ts, size_t i, struct tern_timer *t) {
  ts->heap[i] = t;
  t->idx = i + 1;
}

static void sift_up(struct tern_timers *ts, size_t i) {
  struct tern_timer *t = ts->heap[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!tern_time_before(t->due, ts->heap[parent]->due)) break;
    place(ts, i, ts->heap[parent]);
    i = parent;
  }
  place(ts, i, t);
}

static void sift_down(struct tern_timers *ts, size_t i) {
  struct tern_timer *t = ts->heap[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= ts->n) break;
    if (child + 1 < ts->n && tern_time_before(ts->heap[child + 1]->due, ts->heap[child]->due))
      child++;
    if (!tern_time_before(ts->heap[child]->due, t->due)) break;
    place(ts, i, ts->heap[child]);
    i = child;
  }
  place(ts, i, t);
}

static int insert(struct tern_timers *ts, struct tern_timer *t) {
  if (ts->n == ts->size) {
    size_t size = ts->size ? ts->size * 2 : 16;
    struct tern_timer **h = ts->alloc->realloc(ts->alloc->ctx, ts->heap, size * sizeof(*h));
    if (!h) return TERN_ENOMEM;
    ts->heap = h;
    ts->size = size;
  }
  ts->heap[ts->n] = t;
  sift_up(ts, ts->n++);
  return 0;
}

void tern_timers_cancel(struct tern_timers *ts, struct tern_timer *t) {
  if (!t->idx) return;
  size_t i = t->idx - 1;
  t->idx = 0;
  struct tern_timer *last = ts->heap[--ts->n];
  if (i == ts->n) return;
  place(ts, i, last);
  sift_up(ts, i);
  sift_down(ts, last->idx - 1);
}

int tern_timers_add(struct tern_timers *ts, struct tern_timer *t, uint32_t now, uint32_t delay_ms,
                    uint32_t period_ms, tern_timer_fn fn, void *arg) {
  tern_timers_cancel(ts, t);
  t->due = now + delay_ms;
  t->period = period_ms;
  t->fn = fn;
  t->arg = arg;
  return insert(ts, t);
}

int32_t tern_timers_next(const struct tern_timers *ts, uint32_t now) {
  if (ts->n == 0) return -1;
  int32_t d = (int32_t)(ts->heap[0]->due - now);
  return d < 0 ? 0 : d;
}

int tern_timers_run(struct tern_timers *ts, uint32_t now) {
  int fired = 0;
  while (ts->n > 0 && !tern_time_before(now, ts->heap[0]->due)) {
    struct tern_timer *t = ts->heap[0];
    tern_timers_cancel(ts, t);
    if (t->period) {
      /* Next due from the previous due, not from now: no drift. If we fell
       * more than a period behind, skip the missed ticks instead of bursting. */
      t->due += t->period;
      if (tern_time_before(t->due, now)) t->due = now + t->period - (now - t->due) % t->period;
      insert(ts, t);
    }
    fired++;
    t->fn(t, t->arg); /* may cancel or re-arm t, or free other timers */
  }
  return fired;
}
