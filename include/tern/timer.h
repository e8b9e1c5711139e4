/* Timers in a binary min-heap. Times are 32-bit milliseconds compared by
 * signed difference, so the heap survives the counter wrapping (every 49.7
 * days) as long as no timer is more than 24 days away. */
#ifndef TERN_TIMER_H
#define TERN_TIMER_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct tern_timer;
typedef void (*tern_timer_fn)(struct tern_timer *t, void *arg);

/* Caller-owned: no allocation per timer. */
struct tern_timer {
  uint32_t due;
  uint32_t period; /* 0 = one-shot */
  tern_timer_fn fn;
  void *arg;
  size_t idx; /* position in the heap + 1; 0 = not armed */
};

struct tern_timers {
  struct tern_timer **heap;
  size_t n, size;
  const struct tern_allocator *alloc;
};

/* a is before b, wrap-around safe */
static inline int tern_time_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* An empty heap whose array comes from a. */
void tern_timers_init(struct tern_timers *ts, const struct tern_allocator *a);
/* Frees the heap's array; the timers (the callers' memory) are left alone. */
void tern_timers_free(struct tern_timers *ts);
/* Arms t (re-arming it if armed): fn(t, arg) at now + delay_ms, then every
 * period_ms (0: once). 0 or TERN_ENOMEM (the heap could not grow). */
int tern_timers_add(struct tern_timers *ts, struct tern_timer *t, uint32_t now, uint32_t delay_ms,
                    uint32_t period_ms, tern_timer_fn fn, void *arg);
/* Disarms t; safe on a timer that is not armed. */
void tern_timers_cancel(struct tern_timers *ts, struct tern_timer *t);
/* ms until the next timer is due (0 if overdue), or -1 when none is armed */
int32_t tern_timers_next(const struct tern_timers *ts, uint32_t now);
/* Fire every timer due at 'now'. Returns how many fired. */
int tern_timers_run(struct tern_timers *ts, uint32_t now);

#pragma GCC visibility pop
#endif
