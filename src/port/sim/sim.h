/* The simulated port: a second implementation of port.h for tests. Every
 * loop in the process shares one simulated world: in-memory stream and
 * datagram links, a virtual clock that jumps to the next thing due, and
 * faults on demand. A run is a pure function of its seed: no sockets, no
 * wall clock, no sleeps.
 *
 * The world is process-wide state on purpose (port.h's clock takes no loop):
 * this port is for test programs only, never for libtern itself.
 *
 * Addresses: each loop is a host of its own, 10.0.0.1, 10.0.0.2 ... in
 * order of creation, with one interface, "sim0". A connect to any address
 * with port P reaches the listener on P. Datagrams go to the conn bound to
 * the destination port (or to every member of a multicast group). */
#ifndef TERN_SIM_H
#define TERN_SIM_H
#include <stddef.h>
#include <stdint.h>

struct tern_loop;
struct tern_conn;

/* A fresh world (call before creating loops, and after freeing the last
 * world's, which lets go of what was still in flight). */
void sim_reset(uint64_t seed);
uint64_t sim_now_us(void);

/* Code about to run for loop's host outside its poll (starting a service
 * that asks for its interface's address): say which host it is. */
void sim_enter(struct tern_loop *loop);

/* loop's host reads a wall clock this far off (seconds; others read the
 * world's time, 2026-01-01 plus virtual time). */
void sim_set_clock(struct tern_loop *loop, double offset_s);

/* One-way latency of every link (default 1 ms). */
void sim_set_latency_us(uint32_t us);

/* Run the loops, jumping the clock from one due thing to the next, until
 * done(arg) is true or limit_ms of virtual time passed: 0 or TERN_ETIMEDOUT. */
int sim_run(struct tern_loop **loops, int n, int (*done)(void *arg), void *arg, uint32_t limit_ms);
/* Run for exactly ms of virtual time. */
void sim_advance(struct tern_loop **loops, int n, uint32_t ms);

/* ---- faults ---- */
/* Datagrams: each is dropped, duplicated or held back (reordered behind
 * the next) with these probabilities (0..1), and delayed by extra_us. */
void sim_datagram_faults(double drop, double dup, double reorder, uint32_t extra_us);
/* Streams: c's connection is reset (both ends see ECONNRESET at once). */
void sim_reset_conn(struct tern_conn *c);
/* c's peer gets EOF (c will send nothing more); c can still read. */
void sim_half_close(struct tern_conn *c);
/* Bytes for c stop being delivered (a reader that stops reading), or go on. */
void sim_stall(struct tern_conn *c, int stalled);
/* Everything in flight and sent while partitioned is held (TCP keeps
 * retrying); healing delivers it. Datagrams sent meanwhile are lost. */
void sim_partition(int on);
/* loop's network goes down (TERN_BUS_NET_DOWN; its connections are reset,
 * new ones refused) or comes back (TERN_BUS_NET_UP). */
void sim_link(struct tern_loop *loop, int up);

/* Counters for assertions. */
struct sim_stats {
  uint64_t segments, datagrams, dropped, duplicated, reordered, resets;
};
void sim_get_stats(struct sim_stats *st);

#endif
