/* The one seam between tern and the OS (or the bare hardware). A port is a
 * folder src/port/NAME/ that implements every function declared here; the
 * core (src/core/) is the only caller. Nothing above the core calls a
 * tern_port_* function or includes a system header for sockets, files or
 * time: it uses the public API in include/tern/ (a check in `make test`,
 * tests/integration/layers.sh, keeps it so). docs/PORTING.md walks through
 * writing a port.
 *
 * The model is "data events, not readiness": the port reads bytes into a
 * connection's receive buffer and tells the core (tern_core_on_data), and
 * writes from its send buffer when tern_port_want_write() says there is
 * something to send, telling the core how much left (tern_core_on_sent).
 * Everything runs on the loop's one thread. */
#ifndef TERN_PORT_H
#define TERN_PORT_H
#include <stddef.h>
#include <stdint.h>
#include "tern/loop.h"

/* ==== What the port implements ==== */

/* ---- the loop ---- */
int tern_port_init(struct tern_loop *loop); /* per-loop state in loop->port */
void tern_port_free(struct tern_loop *loop);
/* Wait at most timeout_ms for I/O (-1: until something happens), move the
 * bytes, and report through the tern_core_on_* calls below. */
int tern_port_poll(struct tern_loop *loop, int timeout_ms);
/* Make a tern_port_poll() that is waiting now return early; the one call
 * that may come from another thread or an interrupt. */
int tern_port_wake(struct tern_loop *loop);

/* ---- TCP and UDP ---- */
/* Bind (and for TCP listen) c, which the core made; accepted connections
 * are reported with tern_core_on_accept(). */
int tern_port_listen(struct tern_conn *c, const struct tern_addr *a);
/* Start connecting c; report tern_core_on_connected() or fail the conn. */
int tern_port_connect(struct tern_conn *c, const struct tern_addr *a);
void tern_port_close(struct tern_conn *c);
void tern_port_want_write(struct tern_conn *c); /* c's send buffer became non-empty */
int tern_port_sendto(struct tern_conn *c, const struct tern_addr *to, const void *d, size_t n);
/* Multicast: join group (IPv4 dotted) on the named interface; choose the
 * interface, loopback and TTL of what c sends. */
int tern_port_udp_join(struct tern_conn *c, const char *group, const char *ifname);
int tern_port_udp_mcast_if(struct tern_conn *c, const char *ifname, int loop_back, int ttl);
/* Watch an already-open datagram-style descriptor (netlink) as a
 * connection: each message arrives as one READ. Ports without one return NULL. */
struct tern_conn *tern_port_adopt_fd(struct tern_loop *loop, intptr_t fd, tern_conn_fn fn,
                                     void *fn_data);

/* ---- time and randomness ---- */
uint32_t tern_port_millis(void);     /* monotonic; wraps after 49 days (timers survive it) */
uint64_t tern_port_micros(void);     /* monotonic, 64-bit */
int64_t tern_port_wall_micros(void); /* the OS clock, Unix us; 0 when there is none */
int tern_port_set_wall_micros(int64_t unix_us); /* TERN_EDENIED / TERN_EUNSUPPORTED */
int tern_port_random(void *buf, size_t n);      /* cryptographic quality, or an error */

/* ---- network interfaces ---- */
/* The first IPv4 / IPv6 address of an interface; TERN_ENOTFOUND if none. */
int tern_port_iface_ipv4(const char *ifname, struct tern_addr *out);
int tern_port_iface_ipv6(const char *ifname, struct tern_addr *out);
/* Every address of every interface (one entry each), at most max; the count. */
int tern_port_ifaces(struct tern_iface_info *out, int max);
/* The DNS servers the network configuration named (DHCP's, on a board), at
 * most max; the count. 0 where the OS keeps them in /etc/resolv.conf, which
 * the resolver reads itself (TERN_DNS_SYSTEM_FILES). */
int tern_port_dns_servers(struct tern_addr *out, int max);
/* (Link events: the port posts TERN_BUS_NET_UP/DOWN/ADDR_CHANGED on the
 * loop's bus; on Linux, src/port/posix/wlan_linux.c implements wlan.h.) */

/* ---- storage ---- */
/* Files (file.h): stat, sequential reads by offset, and an all-or-nothing
 * replace. A port without a file system serves them from flash or memory. */
struct tern_file;
int tern_port_file_stat(const char *path, uint64_t *size, int64_t *mtime, int *is_dir);
int tern_port_file_open(const char *path, struct tern_file **out);
/* fn(arg, name) for each entry of dir but . and .., in no order; stops at fn's error. */
int tern_port_file_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg);
long tern_port_file_read(struct tern_file *f, uint64_t offset, void *buf, size_t n);
void tern_port_file_close(struct tern_file *f);
int tern_port_file_replace(const char *path, const void *data, size_t len);
/* The record log (store.h: tern_store_*) is implemented by the port too:
 * an append-only file on POSIX (store_file.c), a flash partition on a board. */

/* Give freed heap pages back to the system after a crowd of connections
 * left (malloc_trim on glibc); a no-op elsewhere. */
void tern_port_release_memory(void);
/* Where a log line goes when the program set no sink: stderr on POSIX, the
 * UART on a board. One line, without its newline. */
void tern_port_log(const char *line);

/* ==== What the port calls in the core ==== */
struct tern_conn *tern_conn_alloc(struct tern_loop *loop, tern_conn_fn fn, void *fn_data);
void tern_conn_emit(struct tern_conn *c, int ev, void *ev_data);
void tern_core_on_accept(struct tern_conn *listener, struct tern_conn *c);
void tern_core_on_connected(struct tern_conn *c);
void tern_core_on_data(struct tern_conn *c); /* bytes appended to the wire rx buffer */
void tern_core_on_sent(struct tern_conn *c, size_t n);
void tern_core_on_eof(struct tern_conn *c);
void tern_core_on_datagram(struct tern_conn *c, const struct tern_addr *from, const uint8_t *data,
                           size_t len);

#endif
