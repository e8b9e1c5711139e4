/* The event loop: one object owns the allocator, the connections, the
 * timers, the resolver and the event bus. Connections see data events, not
 * readiness: the port reads into c->rx and writes from c->tx. */
#ifndef TERN_LOOP_H
#define TERN_LOOP_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "timer.h"

struct tern_loop;
struct tern_conn;
struct tern_tls;
struct tern_tls_opts;

/* An address without any OS type in it. */
struct tern_addr {
  uint8_t ip[16]; /* IPv4 in the first 4 bytes */
  uint16_t port;  /* host byte order */
  uint8_t is_ip6;
};
/* A numeric address ("1.2.3.4", "::1", "[::1]") with port into out; no
 * name resolution. 0, or TERN_EINVAL for anything else. */
int tern_addr_parse(const char *ip, uint16_t port, struct tern_addr *out);
/* "1.2.3.4:80" or "[::1]:80"; returns buf */
char *tern_addr_str(const struct tern_addr *a, char *buf, size_t len, int with_port);

/* What a connection's handler is told, with what ev_data points to. */
enum tern_ev {
  TERN_EV_ACCEPT = 1, /* a listener accepted this connection */
  TERN_EV_CONNECT,    /* outbound connection (and its TLS handshake) done */
  TERN_EV_READ,       /* bytes were appended to c->rx; consume what you use.
                       * With c->is_readable_shut set, the peer has finished
                       * sending (rx may be empty); answer now, then it closes. */
  TERN_EV_SENT,       /* ev_data: size_t * bytes that left c->tx */
  TERN_EV_ERROR,      /* ev_data: const char * reason; c->err holds the code */
  TERN_EV_CLOSE,      /* last event; c is freed after it */
  TERN_EV_POLL        /* housekeeping: every TERN_SWEEP_MS (10 ms), not every wake-up */
};

typedef void (*tern_conn_fn)(struct tern_conn *c, int ev, void *ev_data);

struct tern_conn {
  struct tern_conn *next, *prev;
  struct tern_loop *loop;
  unsigned long id;
  struct tern_buf rx; /* plaintext received, not yet consumed */
  struct tern_buf tx; /* plaintext queued to send */
  struct tern_addr local, peer;
  tern_conn_fn fn;
  void *fn_data;        /* the application's, per connection */
  void *proto;          /* the protocol driver's, per connection */
  struct tern_tls *tls; /* TLS filter, or NULL */
  struct tern_timer connect_timer;
  int err;     /* last TERN_E code */
  intptr_t fd; /* port handle */
  char *host;  /* host name given to tern_connect (SNI), or NULL */
  unsigned is_listening : 1, is_client : 1, is_udp : 1, is_connecting : 1, is_resolving : 1,
      is_closing : 1, is_draining : 1, is_tls_hs : 1, is_readable_shut : 1, is_writable : 1,
      is_accepted : 1, is_tx_queued : 1,
      is_bound_local : 1;     /* connect from local (tern_connect_from), not any address */
  struct tern_conn *listener; /* for accepted connections */
  /* listener: called for each accepted connection (TLS attaches here) */
  int (*accept_hook)(struct tern_conn *listener, struct tern_conn *c);
  void *accept_hook_arg;
  uint32_t events_watched;   /* port bookkeeping */
  struct tern_conn *tx_next; /* port bookkeeping: the queue of conns with bytes to send */
};

struct tern_loop_opts {
  const struct tern_allocator *alloc; /* NULL: malloc */
  size_t conn_buf_cap;                /* per-connection rx/tx cap; 0: TERN_BUF_DEFAULT_CAP */
  uint32_t connect_timeout_ms;        /* 0: TERN_CONNECT_TIMEOUT_MS */
};

/* A loop with these options (NULL: the defaults), and the port started
 * under it; NULL when the port cannot start (no memory, no network device).
 * Free it with tern_loop_free. */
struct tern_loop *tern_loop_new(const struct tern_loop_opts *opts);
void tern_loop_free(struct tern_loop *loop); /* closes every connection */
/* The allocator everything on this loop uses (never NULL): modules
 * allocate and free through it, and so may the application. */
const struct tern_allocator *tern_loop_alloc(struct tern_loop *loop);

/* Wait at most timeout_ms for I/O, dispatch events, run due timers. */
int tern_loop_poll(struct tern_loop *loop, int timeout_ms);
int tern_loop_run(struct tern_loop *loop); /* until tern_loop_stop() */
/* Makes tern_loop_run return after the current round (from a handler). */
void tern_loop_stop(struct tern_loop *loop);
/* Blocking convenience for short programs: poll until *done != 0 or the
 * timeout passes. Never call it from inside a handler. */
int tern_loop_run_until(struct tern_loop *loop, const volatile int *done, uint32_t timeout_ms);
/* The one call another thread (or a signal handler) may make. */
int tern_loop_wake(struct tern_loop *loop);
/* Called on the loop thread after a wake-up. */
void tern_loop_on_wake(struct tern_loop *loop, void (*fn)(void *), void *arg);
uint32_t tern_loop_now(struct tern_loop *loop); /* monotonic ms, wraps */
/* Connections open now (listeners included). */
size_t tern_loop_conn_count(const struct tern_loop *loop);
/* The live connection with this id, or NULL once it is gone (keep ids, not
 * pointers, for connections you write to later). */
struct tern_conn *tern_loop_find_conn(struct tern_loop *loop, unsigned long id);

/* Runs fn(t, arg) after delay_ms, then every period_ms (0: once). The timer
 * is the caller's memory, kept until stopped or fired; starting a running
 * timer restarts it. */
void tern_timer_start(struct tern_loop *loop, struct tern_timer *t, uint32_t delay_ms,
                      uint32_t period_ms, tern_timer_fn fn, void *arg);
/* Safe to repeat, and on a timer never started (zeroed). */
void tern_timer_stop(struct tern_loop *loop, struct tern_timer *t);

/* URLs: tcp://HOST:PORT, udp://HOST:PORT, tls://HOST:PORT (or any scheme
 * with a port; host names are resolved asynchronously). */
struct tern_conn *tern_listen(struct tern_loop *loop, const char *url, tern_conn_fn fn,
                              void *fn_data);
/* Why the last tern_listen() on this loop returned NULL (a TERN_E... code),
 * so a server can say "address already in use" rather than guess. */
int tern_listen_error(const struct tern_loop *loop);
/* An outbound connection to url; fn gets CONNECT when it is up (or ERROR,
 * then CLOSE). A host name is resolved first (a resolver must be attached:
 * tern_dns_attach). NULL only for a malformed url or no memory; every
 * later failure comes as ERROR. The loop owns c: it is freed after CLOSE. */
struct tern_conn *tern_connect(struct tern_loop *loop, const char *url, tern_conn_fn fn,
                               void *fn_data);
/* Same, from a chosen local address: the socket is bound to local_ip (numeric,
 * port 0) before it connects, as mosquitto_pub -A does; NULL local_ip is
 * tern_connect. NULL also for a local_ip that is not a numeric address. A
 * local address this host does not have, or of the other family than the
 * peer's, fails as ERROR (TERN_EADDRNOTAVAIL, TERN_EINVAL). */
struct tern_conn *tern_connect_from(struct tern_loop *loop, const char *url, const char *local_ip,
                                    tern_conn_fn fn, void *fn_data);
/* Same, with a numeric address (no resolver). */
struct tern_conn *tern_connect_addr(struct tern_loop *loop, const struct tern_addr *a, int udp,
                                    tern_conn_fn fn, void *fn_data);
/* Appends to c's send buffer (copied; the port writes it when it can).
 * 0; TERN_EFULL when the buffer's cap would be passed (nothing appended:
 * wait for SENT); TERN_ECLOSED once c is closing. */
int tern_send(struct tern_conn *c, const void *data, size_t len);
/* One UDP datagram to to (a listener's or a connected UDP socket). 0 or TERN_E... */
int tern_sendto(struct tern_conn *c, const struct tern_addr *to, const void *data, size_t len);
/* Close after tx drains; CLOSE follows. Safe to repeat. */
void tern_close(struct tern_conn *c);
/* Close now, dropping what tx still holds (a reset when unread bytes are
 * left, as the sockets API does); CLOSE follows. Safe to repeat. */
void tern_close_now(struct tern_conn *c);
/* Report an error on c (ERROR event), then close it. */
void tern_conn_fail(struct tern_conn *c, int err, const char *reason);
/* UDP multicast: join group (IPv4 dotted) on the named interface. */
int tern_udp_join(struct tern_conn *c, const char *group, const char *ifname);
/* Multicast sent on c leaves by ifname, with this TTL; loop_back 1 lets this
 * host's own sockets hear it. 0 or TERN_E... (TERN_ENOTFOUND: no such interface). */
int tern_udp_set_multicast_if(struct tern_conn *c, const char *ifname, int loop_back, int ttl);

/* The loop's connections, for a server closing its own: the first, then
 * follow c->next (skip those whose fn is not the server's). */
struct tern_conn *tern_loop_conns(struct tern_loop *loop);
/* What the loop holds now (the console's "mem" command). */
struct tern_loop_stats {
  size_t conns, conns_peak, timers, buf_cap;
};
/* Fills out with the counts above. */
void tern_loop_stats(const struct tern_loop *loop, struct tern_loop_stats *out);

/* ---- what the OS gives, through the port (src/port/port.h) ---- */
uint64_t tern_loop_micros(struct tern_loop *loop); /* monotonic microseconds, 64-bit */
int tern_random(struct tern_loop *loop, void *buf,
                size_t n); /* cryptographic quality; loop may be NULL */
/* The first IPv4 address of a network interface; TERN_ENOTFOUND if none. */
int tern_iface_ipv4(struct tern_loop *loop, const char *ifname, struct tern_addr *out);
/* The first IPv6 address of a network interface; TERN_ENOTFOUND if none. */
int tern_iface_ipv6(struct tern_loop *loop, const char *ifname, struct tern_addr *out);
/* Every address of every network interface, one entry each (ifconfig). */
struct tern_iface_info {
  char name[16];
  struct tern_addr addr;
  int up, multicast, loopback;
};
int tern_ifaces(struct tern_loop *loop, struct tern_iface_info *out, int max); /* count, or error */
/* The DNS servers the network named (DHCP's on a board; 0 on Linux, where
 * the resolver reads /etc/resolv.conf). The count. */
int tern_iface_dns_servers(struct tern_loop *loop, struct tern_addr *out, int max);

/* ---- name resolution: a plug-in, so the core links without DNS ----
 * tern_dns_attach() (dns.h) installs tern's resolver; the MQTT, HTTP and
 * SNTP clients attach it when they start. Without one, tern_connect()
 * takes numeric addresses only. */
typedef void (*tern_resolve_fn)(struct tern_loop *loop, int err, const struct tern_addr *addrs,
                                size_t n, void *arg);
struct tern_resolver_ops {
  int (*resolve)(struct tern_loop *loop, const char *name, int family, tern_resolve_fn fn,
                 void *arg);
  void (*cancel)(struct tern_loop *loop, void *arg); /* every query made with arg */
  void (*free)(struct tern_loop *loop);              /* at tern_loop_free */
};
/* Installs a resolver (ops and its state, kept until tern_loop_free calls
 * ops->free); replaces any before it. */
void tern_loop_set_resolver(struct tern_loop *loop, const struct tern_resolver_ops *ops,
                            void *state);
void *tern_loop_resolver(struct tern_loop *loop); /* the state given, or NULL */
/* Through whichever resolver is attached; TERN_ERESOLVE when none is. */
int tern_loop_resolve(struct tern_loop *loop, const char *name, int family, tern_resolve_fn fn,
                      void *arg);
/* Forgets every query made with arg: its fn is not called. */
void tern_loop_resolve_cancel(struct tern_loop *loop, void *arg);

/* ---- event bus: system events, so services react without calling each other ---- */
enum tern_bus_ev {
  TERN_BUS_NET_UP = 1,
  TERN_BUS_NET_DOWN,
  TERN_BUS_ADDR_CHANGED,
  TERN_BUS_TIME_SYNCED,
  TERN_BUS_USER = 100
};
typedef void (*tern_bus_fn)(struct tern_loop *loop, int ev, const void *data, void *arg);
/* fn(loop, ev, data, arg) for every event posted from now on; 0, or
 * TERN_EFULL past TERN_BUS_MAX_LISTENERS. */
int tern_bus_subscribe(struct tern_loop *loop, tern_bus_fn fn, void *arg);
/* Removes the (fn, arg) pair; safe from inside fn. */
void tern_bus_unsubscribe(struct tern_loop *loop, tern_bus_fn fn, void *arg);
/* Calls every subscriber now, in the poster's stack; data is borrowed for
 * the calls (TERN_BUS_NET_UP, ADDR_CHANGED: the address as text). */
void tern_bus_post(struct tern_loop *loop, int ev, const void *data);

#pragma GCC visibility pop
#endif
