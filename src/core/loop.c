/* The OS-independent half of the event loop: connection lifetimes, event
 * dispatch, timers, the bus. The port (src/port/...) moves the bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loop_internal.h"
#include "tern/error.h"
#include "tern/url.h"

static char *dup_str(const struct tern_allocator *a, const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *p = tern_alloc(a, n);
  if (p) memcpy(p, s, n);
  return p;
}

struct tern_loop *tern_loop_new(const struct tern_loop_opts *opts) {
  const struct tern_allocator *a = opts && opts->alloc ? opts->alloc : &tern_default_allocator;
  struct tern_loop *loop = tern_alloc(a, sizeof(*loop));
  if (!loop) return NULL;
  loop->alloc = a;
  loop->buf_cap = opts && opts->conn_buf_cap ? opts->conn_buf_cap : TERN_BUF_DEFAULT_CAP;
  loop->connect_timeout_ms =
      opts && opts->connect_timeout_ms ? opts->connect_timeout_ms : TERN_CONNECT_TIMEOUT_MS;
  loop->log_level = TERN_LOG_WARN;
  loop->next_id = 1;
  tern_timers_init(&loop->timers, a);
  if (tern_port_init(loop) != 0) {
    tern_free(a, loop);
    return NULL;
  }
  loop->now = tern_port_millis();
  return loop;
}

static void conn_destroy(struct tern_conn *c);

void tern_loop_free(struct tern_loop *loop) {
  if (!loop) return;
  for (struct tern_conn *c = loop->conns; c; c = c->next) c->is_closing = 1;
  while (loop->conns) conn_destroy(loop->conns);
  tern_loop_set_resolver(loop, NULL, NULL);
  tern_port_free(loop);
  tern_timers_free(&loop->timers);
  tern_free(loop->alloc, loop);
}

const struct tern_allocator *tern_loop_alloc(struct tern_loop *loop) { return loop->alloc; }
uint32_t tern_loop_now(struct tern_loop *loop) { return loop->now = tern_port_millis(); }
size_t tern_loop_conn_count(const struct tern_loop *loop) { return loop->nconns; }
struct tern_conn *tern_loop_conns(struct tern_loop *loop) {
  return loop->conns;
}
void tern_loop_stats(const struct tern_loop *loop, struct tern_loop_stats *out) {
  out->conns = loop->nconns;
  out->conns_peak = loop->nconns_peak;
  out->timers = loop->timers.n;
  out->buf_cap = loop->buf_cap;
}

/* ---- what the OS gives, through the port ---- */
uint64_t tern_loop_micros(struct tern_loop *loop) {
  (void)loop;
  return tern_port_micros();
}
int tern_random(struct tern_loop *loop, void *buf, size_t n) {
  (void)loop;
  return tern_port_random(buf, n);
}
int tern_iface_ipv4(struct tern_loop *loop, const char *ifname, struct tern_addr *out) {
  (void)loop;
  return tern_port_iface_ipv4(ifname, out);
}
int tern_iface_ipv6(struct tern_loop *loop, const char *ifname, struct tern_addr *out) {
  (void)loop;
  return tern_port_iface_ipv6(ifname, out);
}

int tern_ifaces(struct tern_loop *loop, struct tern_iface_info *out, int max) {
  (void)loop;
  return tern_port_ifaces(out, max);
}

int tern_iface_dns_servers(struct tern_loop *loop, struct tern_addr *out, int max) {
  (void)loop;
  return tern_port_dns_servers(out, max);
}

/* ---- the resolver plug-in ---- */
void tern_loop_set_resolver(struct tern_loop *loop, const struct tern_resolver_ops *ops,
                            void *state) {
  if (loop->resolver_ops && loop->resolver_ops->free) loop->resolver_ops->free(loop);
  loop->resolver_ops = ops;
  loop->resolver = state;
}
void *tern_loop_resolver(struct tern_loop *loop) { return loop->resolver; }
int tern_loop_resolve(struct tern_loop *loop, const char *name, int family, tern_resolve_fn fn,
                      void *arg) {
  return loop->resolver_ops ? loop->resolver_ops->resolve(loop, name, family, fn, arg)
                            : TERN_ERESOLVE;
}
void tern_loop_resolve_cancel(struct tern_loop *loop, void *arg) {
  if (loop->resolver_ops) loop->resolver_ops->cancel(loop, arg);
}

struct tern_conn *tern_loop_find_conn(struct tern_loop *loop, unsigned long id) {
  for (struct tern_conn *c = loop->conns; c; c = c->next)
    if (c->id == id) return c->is_closing ? NULL : c;
  return NULL;
}
void tern_loop_stop(struct tern_loop *loop) {
  loop->stop = 1;
  tern_port_wake(loop);
}
int tern_loop_wake(struct tern_loop *loop) { return tern_port_wake(loop); }

void tern_loop_on_wake(struct tern_loop *loop, void (*fn)(void *), void *arg) {
  loop->wake_fn = fn;
  loop->wake_arg = arg;
}

void tern_timer_start(struct tern_loop *loop, struct tern_timer *t, uint32_t delay_ms,
                      uint32_t period_ms, tern_timer_fn fn, void *arg) {
  tern_timers_add(&loop->timers, t, tern_loop_now(loop), delay_ms, period_ms, fn, arg);
}

void tern_timer_stop(struct tern_loop *loop, struct tern_timer *t) {
  tern_timers_cancel(&loop->timers, t);
}

/* ---- connections ---- */

struct tern_conn *tern_conn_alloc(struct tern_loop *loop, tern_conn_fn fn, void *fn_data) {
  if (loop->nconns >= TERN_MAX_CONNS) return NULL;
  struct tern_conn *c = tern_alloc(loop->alloc, sizeof(*c));
  if (!c) return NULL;
  c->loop = loop;
  c->id = loop->next_id++;
  c->fn = fn;
  c->fn_data = fn_data;
  c->fd = -1;
  tern_buf_init(&c->rx, loop->alloc, loop->buf_cap);
  tern_buf_init(&c->tx, loop->alloc, loop->buf_cap);
  c->next = loop->conns;
  if (loop->conns) loop->conns->prev = c;
  loop->conns = c;
  if (++loop->nconns > loop->nconns_peak) loop->nconns_peak = loop->nconns;
  return c;
}

void tern_conn_emit(struct tern_conn *c, int ev, void *ev_data) {
  if (c->fn) c->fn(c, ev, ev_data);
}

static void conn_destroy(struct tern_conn *c) {
  struct tern_loop *loop = c->loop;
  tern_conn_emit(c, TERN_EV_CLOSE, NULL);
  if (c->is_resolving) tern_loop_resolve_cancel(loop, c);
  tern_timer_stop(loop, &c->connect_timer);
  tern_port_close(c);
  if (c->tls) c->tls->ops->free(c);
  if (c->prev) c->prev->next = c->next;
  else loop->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  loop->nconns--;
  /* After a crowd leaves, hand its memory back: thousands of small freed
   * blocks otherwise stay in the process as holes in the heap. */
  if (loop->nconns_peak >= 256 && loop->nconns < loop->nconns_peak / 4) {
    loop->nconns_peak = loop->nconns;
    tern_port_release_memory();
  }
  tern_buf_free(&c->rx);
  tern_buf_free(&c->tx);
  tern_free(loop->alloc, c->host);
  tern_free(loop->alloc, c);
}

void tern_close_now(struct tern_conn *c) { tern_conn_mark_closing(c); }

void tern_close(struct tern_conn *c) {
  c->is_draining = 1;
  if (tern_conn_tx_empty(c)) tern_conn_mark_closing(c);
}

void tern_conn_fail(struct tern_conn *c, int err, const char *reason) {
  if (c->is_closing) return;
  c->err = err;
  tern_conn_emit(c, TERN_EV_ERROR, (void *)(reason ? reason : tern_strerror(err)));
  tern_conn_mark_closing(c);
}

int tern_send(struct tern_conn *c, const void *data, size_t len) {
  if (c->is_closing || c->is_draining) return TERN_ECLOSED;
  int rc = tern_buf_append(&c->tx, data, len);
  if (rc) return rc;
  if (c->tls && !c->is_tls_hs && !c->is_connecting) {
    rc = c->tls->ops->flush(c);
    if (rc < 0) {
      tern_conn_fail(c, rc, NULL);
      return rc;
    }
  }
  tern_port_want_write(c);
  return 0;
}

int tern_sendto(struct tern_conn *c, const struct tern_addr *to, const void *data, size_t len) {
  if (!c->is_udp) return TERN_EINVAL;
  return tern_port_sendto(c, to ? to : &c->peer, data, len);
}

int tern_udp_join(struct tern_conn *c, const char *group, const char *ifname) {
  return c->is_udp ? tern_port_udp_join(c, group, ifname) : TERN_EINVAL;
}

int tern_udp_set_multicast_if(struct tern_conn *c, const char *ifname, int loop_back, int ttl) {
  return c->is_udp ? tern_port_udp_mcast_if(c, ifname, loop_back, ttl) : TERN_EINVAL;
}

/* ---- events from the port ---- */

void tern_core_on_accept(struct tern_conn *listener, struct tern_conn *c) {
  c->listener = listener;
  c->is_accepted = 1;
  if (listener->accept_hook) {
    int rc = listener->accept_hook(listener, c);
    if (rc < 0) {
      tern_conn_fail(c, rc, NULL);
      return;
    }
  }
  tern_conn_emit(c, TERN_EV_ACCEPT, NULL);
}

static void deliver_plaintext(struct tern_conn *c) {
  if (c->rx.len > 0 && !c->is_closing) tern_conn_emit(c, TERN_EV_READ, NULL);
}

void tern_core_on_connected(struct tern_conn *c) {
  c->is_connecting = 0;
  if (c->tls) {
    /* The TLS handshake starts now; CONNECT fires when it completes. */
    int rc = c->tls->ops->on_read(c);
    if (rc < 0) {
      tern_conn_fail(c, rc, NULL);
      return;
    }
    tern_port_want_write(c);
    return;
  }
  tern_timer_stop(c->loop, &c->connect_timer);
  tern_conn_emit(c, TERN_EV_CONNECT, NULL);
  if (c->tx.len) tern_port_want_write(c);
}

void tern_core_on_data(struct tern_conn *c) {
  if (c->tls) {
    int was_hs = c->is_tls_hs;
    int rc = c->tls->ops->on_read(c);
    if (rc < 0) {
      tern_conn_fail(c, rc, NULL);
      return;
    }
    if (was_hs && !c->is_tls_hs) {
      /* Handshake just finished: announce, then flush what waited for it. */
      tern_timer_stop(c->loop, &c->connect_timer);
      if (c->is_client) tern_conn_emit(c, TERN_EV_CONNECT, NULL);
      if (c->tx.len && c->tls->ops->flush(c) < 0) {
        tern_conn_fail(c, TERN_ETLS, NULL);
        return;
      }
    }
    if (c->tls && c->tls->tx.len) tern_port_want_write(c);
    if (c->is_readable_shut) { /* close_notify: the last data, then close */
      tern_core_on_eof(c);
      return;
    }
  }
  deliver_plaintext(c);
}

void tern_core_on_sent(struct tern_conn *c, size_t n) {
  tern_conn_emit(c, TERN_EV_SENT, &n);
  if (c->is_draining && tern_conn_tx_empty(c)) tern_conn_mark_closing(c);
}

void tern_core_on_eof(struct tern_conn *c) {
  /* Half-close: the peer will send no more but may still read. One last READ
   * (rx may be empty) with is_readable_shut set lets the handler answer;
   * then we close once everything queued is out. */
  c->is_readable_shut = 1;
  if (!c->is_closing) tern_conn_emit(c, TERN_EV_READ, NULL);
  tern_close(c);
}

void tern_core_on_datagram(struct tern_conn *c, const struct tern_addr *from, const uint8_t *data,
                           size_t len) {
  c->peer = *from;
  c->rx.len = 0;
  if (tern_buf_append(&c->rx, data, len) != 0) return; /* larger than cap: dropped */
  tern_conn_emit(c, TERN_EV_READ, NULL);
  c->rx.len = 0; /* one datagram per event; the handler never sees two glued */
}

/* ---- listen / connect ---- */

/* Host and port of an endpoint URL; an empty host means "any address". */
static int parse_endpoint(const char *url, struct tern_url *u, char *host, size_t hostlen,
                          int *udp) {
  if (tern_url_parse(url, strlen(url), u) != 0) return TERN_EINVAL;
  if (u->host.len == 0) snprintf(host, hostlen, "0.0.0.0");
  else if (tern_str_copy(u->host, host, hostlen) != 0) return TERN_EINVAL;
  *udp = tern_str_eq(u->scheme, "udp");
  return 0;
}

int tern_listen_error(const struct tern_loop *loop) { return loop->listen_error; }

struct tern_conn *tern_listen(struct tern_loop *loop, const char *url, tern_conn_fn fn,
                              void *fn_data) {
  struct tern_url u;
  char host[256];
  int udp;
  struct tern_addr a;
  loop->listen_error = TERN_EINVAL;
  if (parse_endpoint(url, &u, host, sizeof(host), &udp) != 0 || !u.has_port) {
    TERN_ERR(loop, "listen: bad address '%s' (want tcp://IP:PORT or udp://IP:PORT)", url);
    return NULL;
  }
  if (tern_addr_parse(host, u.port, &a) != 0) {
    TERN_ERR(loop, "listen %s: the address must be numeric", url);
    return NULL;
  }
  struct tern_conn *c = tern_conn_alloc(loop, fn, fn_data);
  loop->listen_error = TERN_ENOMEM;
  if (!c) return NULL;
  c->is_listening = !udp;
  c->is_udp = (unsigned)udp;
  int rc = tern_port_listen(c, &a);
  loop->listen_error = rc;
  if (rc != 0) {
    TERN_ERR(loop, "listen %s: %s", url, tern_strerror(rc));
    c->fn = NULL;
    c->is_closing = 1;
    conn_destroy(c);
    return NULL;
  }
  return c;
}

static void connect_timeout(struct tern_timer *t, void *arg) {
  (void)t;
  tern_conn_fail(arg, TERN_ETIMEDOUT, "connect timed out");
}

static void start_connect(struct tern_conn *c, const struct tern_addr *a) {
  c->peer = *a;
  c->is_connecting = !c->is_udp;
  int rc = tern_port_connect(c, a);
  if (rc != 0) tern_conn_fail(c, rc, NULL);
  else if (c->is_udp) tern_core_on_connected(c);
}

static void on_resolved(struct tern_loop *loop, int err, const struct tern_addr *addrs, size_t n,
                        void *arg) {
  (void)loop;
  struct tern_conn *c = arg;
  c->is_resolving = 0;
  if (err || n == 0) {
    tern_conn_fail(c, err ? err : TERN_ERESOLVE, NULL);
    return;
  }
  struct tern_addr a = addrs[0];
  a.port = c->peer.port;
  start_connect(c, &a);
}

static struct tern_conn *connect_common(struct tern_loop *loop, tern_conn_fn fn, void *fn_data,
                                        int udp) {
  struct tern_conn *c = tern_conn_alloc(loop, fn, fn_data);
  if (!c) return NULL;
  c->is_client = 1;
  c->is_udp = (unsigned)udp;
  tern_timer_start(loop, &c->connect_timer, loop->connect_timeout_ms, 0, connect_timeout, c);
  return c;
}

struct tern_conn *tern_connect_addr(struct tern_loop *loop, const struct tern_addr *a, int udp,
                                    tern_conn_fn fn, void *fn_data) {
  struct tern_conn *c = connect_common(loop, fn, fn_data, udp);
  if (c) start_connect(c, a);
  return c;
}

struct tern_conn *tern_connect(struct tern_loop *loop, const char *url, tern_conn_fn fn,
                               void *fn_data) {
  return tern_connect_from(loop, url, NULL, fn, fn_data);
}

struct tern_conn *tern_connect_from(struct tern_loop *loop, const char *url, const char *local_ip,
                                    tern_conn_fn fn, void *fn_data) {
  struct tern_url u;
  char host[256];
  int udp;
  if (parse_endpoint(url, &u, host, sizeof(host), &udp) != 0 || u.host.len == 0 || u.port == 0) {
    TERN_ERR(loop, "connect: bad address '%s'", url);
    return NULL;
  }
  struct tern_addr local;
  if (local_ip && tern_addr_parse(local_ip, 0, &local) != 0) {
    TERN_ERR(loop, "connect: bad local address '%s' (a numeric address is needed)", local_ip);
    return NULL;
  }
  struct tern_conn *c = connect_common(loop, fn, fn_data, udp);
  if (!c) return NULL;
  if (local_ip) {
    /* c->local is filled by the port once connected; until then it holds
     * the address to bind to, so the choice costs a bit, not an address. */
    c->local = local;
    c->is_bound_local = 1;
  }
  c->host = dup_str(loop->alloc, host);
  struct tern_addr a;
  if (tern_addr_parse(host, u.port, &a) == 0) {
    start_connect(c, &a);
  } else {
    c->peer.port = u.port;
    if (!loop->resolver_ops) {
      TERN_ERR(loop, "connect %s: a host name, and no resolver is attached (tern_dns_attach)", url);
      tern_conn_fail(c, TERN_ERESOLVE, NULL);
      return c;
    }
    c->is_resolving = 1;
    int rc = tern_loop_resolve(loop, host, 0, on_resolved, c);
    if (rc != 0) {
      c->is_resolving = 0;
      tern_conn_fail(c, rc, NULL);
    }
  }
  return c;
}

/* ---- running ---- */

int tern_loop_poll(struct tern_loop *loop, int timeout_ms) {
  loop->now = tern_port_millis();
  int32_t next = tern_timers_next(&loop->timers, loop->now);
  if (next >= 0 && (timeout_ms < 0 || next < timeout_ms)) timeout_ms = (int)next;
  /* Walks over every connection happen once per TERN_SWEEP_MS, not once
   * per wake-up: with thousands of connections and a message per wake-up
   * they were most of the work. Between walks the wait is capped, so the
   * next walk is never late. */
  uint32_t since = loop->now - loop->last_sweep;
  loop->sweep = since >= TERN_SWEEP_MS;
  if (loop->sweep) loop->last_sweep = loop->now;
  else if (timeout_ms < 0 || (uint32_t)timeout_ms > TERN_SWEEP_MS - since)
    timeout_ms = (int)(TERN_SWEEP_MS - since);
  if (loop->closing_pending) timeout_ms = 0; /* reap it now */
  int rc = tern_port_poll(loop, timeout_ms);
  loop->now = tern_port_millis();
  tern_timers_run(&loop->timers, loop->now);
  if (!loop->sweep && !loop->closing_pending) return rc;
  /* POLL lets protocols do housekeeping; then reap closed connections, so
   * no handler ever sees a freed connection during dispatch. */
  struct tern_conn *c, *next_c;
  for (c = loop->sweep ? loop->conns : NULL; c; c = next_c) {
    next_c = c->next;
    if (!c->is_closing) tern_conn_emit(c, TERN_EV_POLL, NULL);
  }
  loop->closing_pending = 0; /* what closes from here on is reaped next time */
  for (c = loop->conns; c; c = next_c) {
    next_c = c->next;
    if (c->is_closing) conn_destroy(c);
  }
  return rc;
}

int tern_loop_run(struct tern_loop *loop) {
  loop->stop = 0;
  while (!loop->stop) {
    int rc = tern_loop_poll(loop, 1000);
    if (rc < 0) return rc;
  }
  return 0;
}

int tern_loop_run_until(struct tern_loop *loop, const volatile int *done, uint32_t timeout_ms) {
  uint32_t start = tern_loop_now(loop);
  while (!*done && !loop->stop) {
    uint32_t elapsed = tern_loop_now(loop) - start;
    if (elapsed >= timeout_ms) return TERN_ETIMEDOUT;
    int rc = tern_loop_poll(loop, (int)(timeout_ms - elapsed));
    if (rc < 0) return rc;
  }
  return *done ? 0 : TERN_ECLOSED;
}

/* ---- event bus ---- */

int tern_bus_subscribe(struct tern_loop *loop, tern_bus_fn fn, void *arg) {
  for (int i = 0; i < TERN_BUS_MAX_LISTENERS; i++) {
    if (!loop->bus[i].fn) {
      loop->bus[i].fn = fn;
      loop->bus[i].arg = arg;
      return 0;
    }
  }
  return TERN_EFULL;
}

void tern_bus_unsubscribe(struct tern_loop *loop, tern_bus_fn fn, void *arg) {
  for (int i = 0; i < TERN_BUS_MAX_LISTENERS; i++)
    if (loop->bus[i].fn == fn && loop->bus[i].arg == arg) loop->bus[i].fn = NULL;
}

void tern_bus_post(struct tern_loop *loop, int ev, const void *data) {
  for (int i = 0; i < TERN_BUS_MAX_LISTENERS; i++)
    if (loop->bus[i].fn) loop->bus[i].fn(loop, ev, data, loop->bus[i].arg);
}
