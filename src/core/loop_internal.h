/* The loop object's insides, shared by the core, the TLS filter and the
 * port. Not a public header: protocols and services use include/tern/. */
#ifndef TERN_LOOP_INTERNAL_H
#define TERN_LOOP_INTERNAL_H
#include "tern/config.h"
#include "tern/loop.h"
#include "tern/log.h"

struct tern_bus_listener {
  tern_bus_fn fn;
  void *arg;
};

struct tern_loop {
  const struct tern_allocator *alloc;
  int listen_error; /* why the last tern_listen() failed */
  struct tern_conn *conns;
  size_t nconns;
  size_t nconns_peak; /* high-water mark since memory was last given back */
  unsigned long next_id;
  size_t buf_cap;
  uint32_t connect_timeout_ms;
  struct tern_timers timers;
  uint32_t now;
  uint32_t last_sweep; /* when every connection was last walked (TERN_SWEEP_MS) */
  int sweep;           /* this iteration walks them: the port refreshes every interest */
  int closing_pending; /* a connection is closing: reap at the end of this iteration */
  int stop;
  int log_level;
  tern_log_sink log_sink;
  void *log_ctx;
  struct tern_bus_listener bus[TERN_BUS_MAX_LISTENERS];
  const struct tern_resolver_ops *resolver_ops; /* NULL: numeric addresses only */
  void *resolver;
  int64_t rtc_offset_us; /* wall clock = monotonic + rtc_offset_us, once synced */
  int rtc_synced;
  void (*wake_fn)(void *);
  void *wake_arg;
  void *port; /* the port layer's private state */
};

/* The TLS filter's entry points, set by whoever attaches TLS to a conn, so
 * the core needs no TLS library (an MCU build can leave it out). */
struct tern_tls_ops {
  int (*on_read)(struct tern_conn *c); /* tls_rx -> rx; drives the handshake */
  int (*flush)(struct tern_conn *c);   /* tx -> tls_tx once the handshake is done */
  void (*free)(struct tern_conn *c);
};
/* Every TLS backend's per-connection state starts with this: the port reads
 * ciphertext into rx and writes it from tx. */
struct tern_tls {
  const struct tern_tls_ops *ops;
  struct tern_buf rx, tx;
};

/* the buffer the port reads into / writes from */
static inline struct tern_buf *tern_conn_wire_rx(struct tern_conn *c) {
  return c->tls ? &c->tls->rx : &c->rx;
}
static inline struct tern_buf *tern_conn_wire_tx(struct tern_conn *c) {
  return c->tls ? &c->tls->tx : &c->tx;
}
/* nothing left to send, plaintext or ciphertext */
static inline int tern_conn_tx_empty(struct tern_conn *c) {
  return c->tx.len == 0 && (!c->tls || c->tls->tx.len == 0);
}

#include "../port/port.h"

/* Every close goes through here: the loop then reaps without waiting for
 * its next walk over the connections (an unreaped socket keeps waking it). */
static inline void tern_conn_mark_closing(struct tern_conn *c) {
  c->is_closing = 1;
  c->loop->closing_pending = 1;
}

#endif
