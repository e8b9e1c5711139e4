/* The simulated port (sim.h): streams and datagrams between loops in one
 * process, through a queue of deliveries ordered by virtual time. A loop's
 * poll never blocks: it writes what its conns queued (each write becomes a
 * delivery one latency later) and hands over every delivery that is due.
 * sim_run() moves the clock to the next due delivery or timer when no loop
 * has anything to do now. Randomness (faults, tern_random) comes from one
 * seeded generator, so a run is reproduced from its seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../core/loop_internal.h"
#include "sim.h"
#include "tern/error.h"

enum { D_CONNECTED, D_DATA, D_FIN, D_RST, D_DGRAM };

struct end; /* one side of a stream, or a datagram socket */
struct delivery {
  struct delivery *next;
  uint64_t at;  /* virtual microseconds */
  uint64_t seq; /* ties at the same time keep the order they were made in */
  int kind;
  struct end *to;
  struct tern_addr from; /* datagrams */
  size_t len, off;       /* data: bytes, and how many the reader took */
  uint8_t data[];
};

struct end {
  struct tern_conn *c; /* NULL once its conn closed */
  struct end *peer;    /* streams */
  int stalled, fin_sent, dead;
  int pending; /* deliveries still aimed at it: freed when 0 and closed */
};

#define SIM_MAX_BOUND 256

static struct world {
  uint64_t now_us, seq, rng;
  uint32_t latency_us;
  double drop, dup, reorder;
  uint32_t extra_us;
  int partitioned;
  struct delivery *queue, *held; /* held: while partitioned */
  struct tern_loop *down[16];    /* loops whose link is down */
  int ndown;
  struct sim_stats st;
  uint16_t next_bound_port, next_client_port; /* ephemeral ports, per world */
  struct tern_loop *hosts[16];                /* loop i is host 10.0.0.(i + 1) */
  double clock_off[16];                       /* each host's wall clock error, seconds */
  int nhosts;
  struct tern_conn *bound[SIM_MAX_BOUND]; /* listeners and datagram sockets, every loop's */
  struct tern_loop *current; /* the host whose code runs now (for the interface calls) */
} W = {.latency_us = 1000};

/* xorshift64*: small, fast, good enough for fault injection */
static uint64_t rnd(void) {
  W.rng ^= W.rng >> 12;
  W.rng ^= W.rng << 25;
  W.rng ^= W.rng >> 27;
  return W.rng * 2685821657736338717ull;
}
static double chance(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static void end_release(struct end *e);

static void drop_all(struct delivery **list) {
  while (*list) {
    struct delivery *d = *list;
    *list = d->next;
    if (d->to) d->to->pending--, end_release(d->to);
    free(d);
  }
}

/* (call after freeing the last world's loops: their ends go with what was
 * still in flight to them) */
void sim_reset(uint64_t seed) {
  drop_all(&W.queue);
  drop_all(&W.held);
  memset(&W, 0, sizeof(W));
  W.latency_us = 1000;
  W.rng = seed ? seed : 0x9e3779b97f4a7c15ull;
  W.now_us = 1000000; /* not 0: some code treats 0 as "never" */
  W.next_bound_port = 40000;
  W.next_client_port = 50000;
}

uint64_t sim_now_us(void) { return W.now_us; }
void sim_set_latency_us(uint32_t us) { W.latency_us = us; }
void sim_datagram_faults(double drop, double dup, double reorder, uint32_t extra_us) {
  W.drop = drop, W.dup = dup, W.reorder = reorder, W.extra_us = extra_us;
}
void sim_get_stats(struct sim_stats *st) { *st = W.st; }

static int is_down(struct tern_loop *loop) {
  for (int i = 0; i < W.ndown; i++)
    if (W.down[i] == loop) return 1;
  return 0;
}

static void enqueue(struct delivery *d) {
  d->seq = W.seq++;
  if (d->to) d->to->pending++;
  struct delivery **pp = &W.queue;
  while (*pp && ((*pp)->at < d->at || ((*pp)->at == d->at && (*pp)->seq < d->seq)))
    pp = &(*pp)->next;
  d->next = *pp;
  *pp = d;
}

static struct delivery *make(int kind, struct end *to, const void *data, size_t len) {
  struct delivery *d = calloc(1, sizeof(*d) + len);
  if (!d) return NULL;
  d->kind = kind;
  d->to = to;
  d->len = len;
  if (len) memcpy(d->data, data, len);
  d->at = W.now_us + W.latency_us;
  return d;
}

static void send_stream(struct end *to, int kind, const void *data, size_t len) {
  struct delivery *d = make(kind, to, data, len);
  if (!d) return;
  W.st.segments++;
  if (W.partitioned && kind != D_RST) { /* TCP keeps it and retries: held until healed */
    d->seq = W.seq++;
    to->pending++;
    d->next = W.held;
    W.held = d;
    return;
  }
  enqueue(d);
}

static void end_release(struct end *e) {
  if (e && !e->c && e->pending == 0) free(e);
}

/* ---- the port ---- */

int tern_port_init(struct tern_loop *loop) {
  loop->port = NULL;
  if (W.nhosts < 16) W.hosts[W.nhosts++] = loop;
  W.current = loop;
  return 0;
}

/* Each loop is a host of its own: 10.0.0.1, 10.0.0.2 ... in order of creation. */
static struct tern_addr host_addr(struct tern_loop *loop) {
  struct tern_addr a;
  int i = 0;
  while (i < W.nhosts && W.hosts[i] != loop) i++;
  char ip[16];
  snprintf(ip, sizeof(ip), "10.0.0.%d", (i < W.nhosts ? i : 0) + 1);
  tern_addr_parse(ip, 0, &a);
  return a;
}

void sim_enter(struct tern_loop *loop) { W.current = loop; }

void tern_port_free(struct tern_loop *loop) {
  for (int i = 0; i < W.nhosts; i++)
    if (W.hosts[i] == loop) W.hosts[i] = NULL; /* the address stays taken */
  if (W.current == loop) W.current = NULL;
}

int tern_port_wake(struct tern_loop *loop) {
  (void)loop;
  return 0; /* one thread: nothing to wake */
}

static int bind_conn(struct tern_conn *c, const struct tern_addr *a) {
  uint16_t port = a->port;
  if (port == 0) { /* an ephemeral port nobody has */
    port = W.next_bound_port++;
  }
  for (int i = 0; i < SIM_MAX_BOUND; i++)
    if (W.bound[i] && W.bound[i]->local.port == port && W.bound[i]->is_udp == c->is_udp &&
        !(c->is_udp && port == 5353))
      return TERN_EADDRINUSE;
  for (int i = 0; i < SIM_MAX_BOUND; i++)
    if (!W.bound[i]) {
      W.bound[i] = c;
      c->local = *a;
      c->local.port = port;
      return 0;
    }
  return TERN_ELIMIT;
}

int tern_port_listen(struct tern_conn *c, const struct tern_addr *a) {
  struct end *e = calloc(1, sizeof(*e));
  if (!e) return TERN_ENOMEM;
  int rc = bind_conn(c, a);
  if (rc) {
    free(e);
    return rc;
  }
  e->c = c;
  c->fd = (intptr_t)e;
  return 0;
}

int tern_port_connect(struct tern_conn *c, const struct tern_addr *a) {
  struct tern_addr me = host_addr(c->loop);
  /* each simulated host has one address: only that one (or any) binds */
  static const uint8_t any[16];
  if (c->is_bound_local && memcmp(c->local.ip, me.ip, 16) != 0 && memcmp(c->local.ip, any, 16))
    return TERN_EADDRNOTAVAIL;
  struct end *e = calloc(1, sizeof(*e));
  if (!e) return TERN_ENOMEM;
  e->c = c;
  c->fd = (intptr_t)e;
  c->local = me;
  c->local.port = W.next_client_port++;
  if (c->is_udp) { /* a "connected" datagram socket: it may receive replies on its port */
    for (int i = 0; i < SIM_MAX_BOUND; i++)
      if (!W.bound[i]) {
        W.bound[i] = c;
        break;
      }
    c->is_connecting = 0;
    return 0;
  }
  if (is_down(c->loop)) return TERN_EUNREACH;
  struct tern_conn *l = NULL;
  for (int i = 0; i < SIM_MAX_BOUND && !l; i++)
    if (W.bound[i] && !W.bound[i]->is_udp && W.bound[i]->is_listening &&
        W.bound[i]->local.port == a->port && !W.bound[i]->is_closing && !is_down(W.bound[i]->loop))
      l = W.bound[i];
  if (!l) {
    /* refused: the RST comes back after one round trip */
    struct delivery *d = make(D_RST, e, NULL, 0);
    if (!d) return TERN_ENOMEM;
    d->at += W.latency_us;
    enqueue(d);
    return 0;
  }
  /* The server side is accepted at once (a simplification: no SYN in
   * flight), the client learns it is connected one latency later. */
  struct tern_conn *s = tern_conn_alloc(l->loop, l->fn, l->fn_data);
  if (!s) return TERN_ENOMEM;
  struct end *se = calloc(1, sizeof(*se));
  if (!se) return TERN_ENOMEM;
  se->c = s;
  s->fd = (intptr_t)se;
  s->local = host_addr(l->loop);
  s->local.port = l->local.port;
  s->peer = host_addr(c->loop);
  s->peer.port = c->local.port;
  e->peer = se;
  se->peer = e;
  tern_core_on_accept(l, s);
  /* one latency, like the server's first bytes at the earliest: those are
   * enqueued after this, so CONNECTED always comes first */
  struct delivery *d = make(D_CONNECTED, e, NULL, 0);
  if (!d) return TERN_ENOMEM;
  enqueue(d);
  return 0;
}

void tern_port_close(struct tern_conn *c) {
  if (c->fd < 0) return;
  struct end *e = (struct end *)c->fd;
  for (int i = 0; i < SIM_MAX_BOUND; i++)
    if (W.bound[i] == c) W.bound[i] = NULL;
  if (e->peer && !e->dead && !e->fin_sent) { /* closing sends FIN (its data went first) */
    send_stream(e->peer, D_FIN, NULL, 0);
    e->fin_sent = 1;
  }
  if (e->peer) e->peer->peer = NULL, e->peer = NULL;
  e->c = NULL;
  c->fd = -1;
  end_release(e);
}

void tern_port_want_write(struct tern_conn *c) { (void)c; /* written at the next poll */ }

static void deliver_dgram(struct tern_conn *to, const struct tern_addr *from, const void *d,
                          size_t n) {
  struct end *e = (struct end *)to->fd;
  struct delivery *x = make(D_DGRAM, e, d, n);
  if (!x) return;
  x->from = *from;
  x->at += W.extra_us;
  W.st.datagrams++;
  if (W.partitioned || chance() < W.drop) {
    W.st.dropped++;
    free(x);
    return;
  }
  if (chance() < W.reorder) { /* held back behind the next one */
    x->at += W.latency_us;
    W.st.reordered++;
  }
  if (chance() < W.dup) {
    struct delivery *y = make(D_DGRAM, e, d, n);
    if (y) {
      y->from = *from;
      y->at = x->at + 1;
      enqueue(y);
      W.st.duplicated++;
    }
  }
  enqueue(x);
}

int tern_port_sendto(struct tern_conn *c, const struct tern_addr *to, const void *d, size_t n) {
  if (is_down(c->loop)) return TERN_EUNREACH;
  int multicast = !to->is_ip6 && to->ip[0] >= 224 && to->ip[0] <= 239;
  for (int i = 0; i < SIM_MAX_BOUND; i++) {
    struct tern_conn *b = W.bound[i];
    if (!b || !b->is_udp || b->local.port != to->port || b->is_closing || is_down(b->loop))
      continue;
    if (b == c && !multicast) continue;
    struct tern_addr from = host_addr(c->loop);
    from.port = c->local.port;
    deliver_dgram(b, &from, d, n);
    if (!multicast) break;
  }
  return 0;
}

int tern_port_udp_join(struct tern_conn *c, const char *group, const char *ifname) {
  (void)c, (void)group, (void)ifname;
  return 0; /* every datagram socket on a multicast port hears the group */
}

int tern_port_udp_mcast_if(struct tern_conn *c, const char *ifname, int loop_back, int ttl) {
  (void)c, (void)ifname, (void)loop_back, (void)ttl;
  return 0;
}

struct tern_conn *tern_port_adopt_fd(struct tern_loop *loop, intptr_t fd, tern_conn_fn fn,
                                     void *fn_data) {
  (void)loop, (void)fd, (void)fn, (void)fn_data;
  return NULL; /* no OS descriptors here */
}

uint32_t tern_port_millis(void) { return (uint32_t)(W.now_us / 1000); }
uint64_t tern_port_micros(void) { return W.now_us; }
static int host_index(struct tern_loop *loop) {
  for (int i = 0; i < W.nhosts; i++)
    if (W.hosts[i] == loop) return i;
  return -1;
}

/* 2026-01-01 plus virtual time, plus the host's own clock error */
int64_t tern_port_wall_micros(void) {
  int i = host_index(W.current);
  return 1767225600000000 + (int64_t)W.now_us + (i >= 0 ? (int64_t)(W.clock_off[i] * 1e6) : 0);
}

void sim_set_clock(struct tern_loop *loop, double offset_s) {
  int i = host_index(loop);
  if (i >= 0) W.clock_off[i] = offset_s;
}
int tern_port_set_wall_micros(int64_t unix_us) {
  (void)unix_us;
  return TERN_EUNSUPPORTED;
}

int tern_port_random(void *buf, size_t n) {
  uint8_t *p = buf;
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(rnd() >> 56);
  return 0;
}

int tern_port_dns_servers(struct tern_addr *out, int max) {
  (void)out, (void)max;
  return 0; /* the simulated hosts name their servers in tern_dns_opts */
}

int tern_port_ifaces(struct tern_iface_info *out, int max) {
  if (max < 1) return 0;
  memset(out, 0, sizeof(*out));
  strcpy(out->name, "sim0");
  out->addr = host_addr(W.current);
  out->up = out->multicast = 1;
  return 1;
}

int tern_port_iface_ipv4(const char *ifname, struct tern_addr *out) {
  if (ifname && strcmp(ifname, "sim0")) return TERN_ENOTFOUND;
  *out = host_addr(W.current);
  return 0;
}

int tern_port_iface_ipv6(const char *ifname, struct tern_addr *out) {
  (void)ifname, (void)out;
  return TERN_ENOTFOUND;
}

void tern_port_release_memory(void) {}
void tern_port_log(const char *line) { fprintf(stderr, "%s\n", line); }

/* Write what c queued: it becomes one delivery to the peer. */
static int flush_one(struct tern_conn *c) {
  struct end *e = (struct end *)c->fd;
  struct tern_buf *tx = tern_conn_wire_tx(c);
  if (!tx->len || c->is_connecting || !e->peer || e->fin_sent) return 0;
  size_t n = tx->len;
  send_stream(e->peer, D_DATA, tx->data, n);
  tern_buf_consume(tx, n);
  tern_core_on_sent(c, n);
  return 1;
}

/* A due delivery, handed to its conn; 1 if something happened. */
static int hand_over(struct delivery *d) {
  struct end *e = d->to;
  struct tern_conn *c = e ? e->c : NULL;
  if (!c || c->is_closing) return 1; /* its conn is gone: dropped */
  switch (d->kind) {
  case D_CONNECTED: tern_core_on_connected(c); return 1;
  case D_RST:
    e->dead = 1;
    W.st.resets++;
    tern_conn_fail(c, c->is_connecting ? TERN_ECONNREFUSED : TERN_ECONNRESET,
                   c->is_connecting ? "connection refused" : "connection reset by peer");
    return 1;
  case D_FIN: tern_core_on_eof(c); return 1;
  case D_DGRAM: tern_core_on_datagram(c, &d->from, d->data, d->len); return 1;
  case D_DATA: {
    struct tern_buf *rx = tern_conn_wire_rx(c);
    size_t room = rx->cap - rx->len, n = d->len - d->off;
    if (n > room) n = room;
    if (n == 0 || tern_buf_append(rx, d->data + d->off, n) != 0) return 0;
    d->off += n;
    tern_core_on_data(c);
    return 1;
  }
  }
  return 0;
}

/* The deliveries due now, for conns of this loop, in order. A data
 * delivery that does not fit (the reader is behind) waits, and so does
 * everything after it on the same end. */
int tern_port_poll(struct tern_loop *loop, int timeout_ms) {
  (void)timeout_ms;
  int n = 0;
  W.current = loop;
  for (struct tern_conn *c = loop->conns; c; c = c->next)
    if (c->fd >= 0 && !c->is_listening && !c->is_udp && !c->is_closing) n += flush_one(c);
  struct delivery **pp = &W.queue;
  while (*pp && (*pp)->at <= W.now_us) {
    struct delivery *d = *pp;
    struct end *e = d->to;
    int mine = e && e->c && e->c->loop == loop;
    int blocked = 0;
    if (mine && e->stalled) blocked = 1;
    /* an earlier delivery to the same end still waiting keeps this one back */
    for (struct delivery *q = W.queue; q != d && !blocked; q = q->next)
      if (q->to == e && q->at <= W.now_us) blocked = 1;
    if (!e || !e->c || (mine && !blocked)) {
      int done = e && e->c ? hand_over(d) : 1;
      if (d->kind == D_DATA && d->off < d->len && e && e->c) {
        pp = &d->next; /* partly taken: the rest waits for room */
        n += done;
        continue;
      }
      *pp = d->next;
      if (e) e->pending--, end_release(e);
      free(d);
      n += done;
      continue;
    }
    pp = &d->next;
  }
  return n;
}

/* ---- faults ---- */

void sim_reset_conn(struct tern_conn *c) {
  struct end *e = c->fd >= 0 ? (struct end *)c->fd : NULL;
  if (!e) return;
  if (e->peer) {
    struct delivery *d = make(D_RST, e->peer, NULL, 0);
    if (d) {
      d->at = W.now_us; /* at once: the network is what failed */
      enqueue(d);
    }
    e->peer->peer = NULL;
    e->peer->dead = 1;
    e->peer = NULL;
  }
  e->dead = 1;
  W.st.resets++;
  tern_conn_fail(c, TERN_ECONNRESET, "connection reset (simulated)");
}

void sim_half_close(struct tern_conn *c) {
  struct end *e = c->fd >= 0 ? (struct end *)c->fd : NULL;
  if (e && e->peer && !e->fin_sent) {
    send_stream(e->peer, D_FIN, NULL, 0);
    e->fin_sent = 1;
  }
}

void sim_stall(struct tern_conn *c, int stalled) {
  if (c->fd >= 0) ((struct end *)c->fd)->stalled = stalled;
}

void sim_partition(int on) {
  W.partitioned = on;
  if (on) return;
  while (W.held) { /* healed: what waited goes, in the order it was sent */
    struct delivery *d = W.held, **last = &W.held;
    while (d->next) last = &d->next, d = d->next;
    *last = NULL;
    d->to->pending--;
    d->at = W.now_us + W.latency_us;
    enqueue(d);
  }
}

void sim_link(struct tern_loop *loop, int up) {
  if (!up && !is_down(loop) && W.ndown < 16) {
    W.down[W.ndown++] = loop;
    for (struct tern_conn *c = loop->conns; c; c = c->next)
      if (c->fd >= 0 && !c->is_listening && !c->is_udp) sim_reset_conn(c);
    tern_bus_post(loop, TERN_BUS_NET_DOWN, NULL);
  } else if (up && is_down(loop)) {
    for (int i = 0; i < W.ndown; i++)
      if (W.down[i] == loop) W.down[i] = W.down[--W.ndown];
    tern_bus_post(loop, TERN_BUS_NET_UP, NULL);
  }
}

/* ---- running ---- */

static uint64_t next_due(struct tern_loop **loops, int n) {
  uint64_t next = UINT64_MAX;
  for (struct delivery *d = W.queue; d; d = d->next)
    if (d->at > W.now_us && d->at < next) {
      next = d->at;
      break; /* sorted */
    }
  for (int i = 0; i < n; i++) {
    uint32_t now = tern_port_millis();
    int32_t t = tern_timers_next(&loops[i]->timers, now);
    if (t >= 0) {
      uint64_t at = ((uint64_t)now + (uint64_t)t) * 1000;
      if (at <= W.now_us) at = W.now_us + 1000;
      if (at < next) next = at;
    }
  }
  return next;
}

/* Bytes a handler or timer queued and the next poll will write. */
static int has_tx(struct tern_loop *loop) {
  for (struct tern_conn *c = loop->conns; c; c = c->next)
    if (c->fd >= 0 && !c->is_listening && !c->is_udp && !c->is_closing && !c->is_connecting &&
        tern_conn_wire_tx(c)->len && ((struct end *)c->fd)->peer)
      return 1;
  return 0;
}

int sim_run(struct tern_loop **loops, int n, int (*done)(void *arg), void *arg, uint32_t limit_ms) {
  uint64_t end = W.now_us + (uint64_t)limit_ms * 1000;
  for (;;) {
    int busy;
    int rounds = 0;
    do { /* settle: everything due now, until nothing moves */
      busy = 0;
      for (int i = 0; i < n; i++) busy += tern_loop_poll(loops[i], 0) > 0;
      for (int i = 0; i < n && !busy; i++) busy = has_tx(loops[i]);
      if (done && done(arg)) return 0;
    } while (busy && ++rounds < 100000);
    uint64_t next = next_due(loops, n);
    /* a program's loop wakes at least once a second (tern_loop_run polls
     * with a 1 s timeout): housekeeping on POLL sees time pass */
    if (next > W.now_us + 1000000) next = W.now_us + 1000000;
    if (next == UINT64_MAX || next > end) {
      W.now_us = end;
      for (int i = 0; i < n; i++) tern_loop_poll(loops[i], 0);
      return done && done(arg) ? 0 : TERN_ETIMEDOUT;
    }
    W.now_us = next;
  }
}

void sim_advance(struct tern_loop **loops, int n, uint32_t ms) {
  sim_run(loops, n, NULL, NULL, ms);
}
