/* The loop object's insides, shared by the core, the resolver, the TLS
 * filter and the port. Not a public header. */
#ifndef TERN_LOOP_INTERNAL_H
#define TERN_LOOP_INTERNAL_H
#include "tern/config.h"
#include "tern/loop.h"
#include "tern/log.h"

struct tern_resolver;

struct tern_bus_listener { tern_bus_fn fn; void *arg; };

struct tern_loop {
  const struct tern_allocator *alloc;
  int listen_error; /* why the last tern_listen() failed */
  struct tern_conn *conns;
  size_t nconns;
  size_t nconns_peak;  /* high-water mark since memory was last given back */
  unsigned long next_id;
  size_t buf_cap;
  uint32_t connect_timeout_ms;
  struct tern_timers timers;
  uint32_t now;
  int stop;
  int log_level;
  tern_log_sink log_sink;
  void *log_ctx;
  struct tern_bus_listener bus[TERN_BUS_MAX_LISTENERS];
  struct tern_resolver *resolver;
  char *dns_servers;
  char *hosts_file;
  double rtc_offset;   /* wall clock = monotonic + rtc_offset, once synced */
  int rtc_synced;
  void (*wake_fn)(void *);
  void *wake_arg;
  void *port; /* the port layer's private state */
};

/* The TLS filter's entry points, set by whoever attaches TLS to a conn, so
 * the core needs no TLS library (an MCU build can leave it out). */
struct tern_tls_ops {
  int (*on_read)(struct tern_conn *c);     /* tls_rx -> rx; drives the handshake */
  int (*flush)(struct tern_conn *c);       /* tx -> tls_tx once the handshake is done */
  void (*free)(struct tern_conn *c);
};
/* Every TLS backend's per-connection state starts with this: the port reads
 * ciphertext into rx and writes it from tx. */
struct tern_tls {
  const struct tern_tls_ops *ops;
  struct tern_buf rx, tx;
};

/* ---- called by the port ---- */
struct tern_conn *tern_conn_alloc(struct tern_loop *loop, tern_conn_fn fn, void *fn_data);
void tern_conn_emit(struct tern_conn *c, int ev, void *ev_data);
void tern_core_on_accept(struct tern_conn *listener, struct tern_conn *c);
void tern_core_on_connected(struct tern_conn *c);
void tern_core_on_data(struct tern_conn *c);      /* bytes appended to rx or tls_rx */
void tern_core_on_sent(struct tern_conn *c, size_t n);
void tern_core_on_eof(struct tern_conn *c);
void tern_core_on_datagram(struct tern_conn *c, const struct tern_addr *from,
                           const uint8_t *data, size_t len);
/* the buffer the port reads into / writes from */
static inline struct tern_buf *tern_conn_wire_rx(struct tern_conn *c) { return c->tls ? &c->tls->rx : &c->rx; }
static inline struct tern_buf *tern_conn_wire_tx(struct tern_conn *c) { return c->tls ? &c->tls->tx : &c->tx; }
/* nothing left to send, plaintext or ciphertext */
static inline int tern_conn_tx_empty(struct tern_conn *c) { return c->tx.len == 0 && (!c->tls || c->tls->tx.len == 0); }

/* ---- the port's interface (src/port/<name>/) ---- */
int tern_port_init(struct tern_loop *loop);
void tern_port_free(struct tern_loop *loop);
uint32_t tern_port_millis(void);
uint64_t tern_port_micros(void);       /* monotonic, 64-bit */
double tern_port_wall_time(void);      /* the OS clock, Unix seconds; 0 if none */
int tern_port_set_wall_time(double unix_seconds);
int tern_port_random(void *buf, size_t n);
/* Files for the HTTP server: size, modification time (Unix seconds),
 * whether it is a directory. TERN_ENOTFOUND when it does not exist. */
int tern_port_file_stat(const char *path, uint64_t *size, int64_t *mtime, int *is_dir);
/* The first IPv4 address of an interface; TERN_ENOTFOUND if it has none. */
int tern_port_iface_ipv4(const char *ifname, struct tern_addr *out);
int tern_port_iface_ipv6(const char *ifname, struct tern_addr *out);
/* Give freed heap pages back to the system (after many connections left). */
void tern_port_release_memory(void);
int tern_port_poll(struct tern_loop *loop, int timeout_ms);
int tern_port_listen(struct tern_conn *c, const struct tern_addr *a);
int tern_port_connect(struct tern_conn *c, const struct tern_addr *a);
void tern_port_close(struct tern_conn *c);
void tern_port_want_write(struct tern_conn *c); /* tx became non-empty */
int tern_port_wake(struct tern_loop *loop);
int tern_port_sendto(struct tern_conn *c, const struct tern_addr *to, const void *d, size_t n);
int tern_port_udp_join(struct tern_conn *c, const char *group, const char *ifname);
/* Watch an already-open datagram-style fd (netlink) as a connection: each
 * message arrives as one READ. */
struct tern_conn *tern_port_adopt_fd(struct tern_loop *loop, intptr_t fd, tern_conn_fn fn, void *fn_data);
int tern_port_udp_mcast_if(struct tern_conn *c, const char *ifname, int loop_back, int ttl);

/* ---- resolver (src/dns/resolver.c) ---- */
void tern_resolver_free(struct tern_loop *loop);

#endif
