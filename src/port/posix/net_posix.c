/* POSIX port: sockets, readiness (epoll on Linux, poll elsewhere), the
 * monotonic clock and randomness. It reads into and writes from the
 * connection's buffers; everything above sees only data events. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#if TERN_USE_EPOLL
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
#if defined(__linux__)
#include <sys/random.h>
#endif
#include "../../core/loop_internal.h"
#include "tern/error.h"

enum { WANT_READ = 1, WANT_WRITE = 2 };

struct port {
  int wake_rd, wake_wr; /* eventfd (both the same) or a pipe */
  /* Conns with bytes to send, in the order they first had some: written
   * before the next wait, so a delivery queued before its ack leaves first. */
  struct tern_conn *tx_head, *tx_tail;
#if TERN_USE_EPOLL
  int epfd;
#else
  struct pollfd *pfds;
  struct tern_conn **pconns;
  size_t cap;
#endif
};

static int errno_to_tern(int e) {
  switch (e) {
  case ECONNREFUSED: return TERN_ECONNREFUSED;
  case ECONNRESET:
  case EPIPE: return TERN_ECONNRESET;
  case ETIMEDOUT: return TERN_ETIMEDOUT;
  case ENETUNREACH:
  case EHOSTUNREACH: return TERN_EUNREACH;
  case ENOMEM:
  case ENOBUFS: return TERN_ENOMEM;
  case EMFILE:
  case ENFILE: return TERN_ELIMIT;
  case EADDRINUSE: return TERN_EADDRINUSE;
  case EADDRNOTAVAIL: return TERN_EADDRNOTAVAIL;
  case EACCES: return TERN_EDENIED;
  default: return TERN_EIO;
  }
}

static socklen_t to_sockaddr(const struct tern_addr *a, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof(*ss));
  if (a->is_ip6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->ip, 16);
    return sizeof(*s6);
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  s4->sin_family = AF_INET;
  s4->sin_port = htons(a->port);
  memcpy(&s4->sin_addr, a->ip, 4);
  return sizeof(*s4);
}

static void from_sockaddr(const struct sockaddr_storage *ss, struct tern_addr *a) {
  memset(a, 0, sizeof(*a));
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    a->is_ip6 = 1;
    a->port = ntohs(s6->sin6_port);
    memcpy(a->ip, &s6->sin6_addr, 16);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    a->port = ntohs(s4->sin_port);
    memcpy(a->ip, &s4->sin_addr, 4);
  }
}

static void fill_local(struct tern_conn *c) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (getsockname((int)c->fd, (struct sockaddr *)&ss, &len) == 0) from_sockaddr(&ss, &c->local);
}

static int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

uint32_t tern_port_millis(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

uint64_t tern_port_micros(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t tern_port_wall_micros(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int tern_port_set_wall_micros(int64_t unix_us) {
  int64_t sec = unix_us / 1000000, us = unix_us % 1000000;
  if (us < 0) sec--, us += 1000000; /* before 1970: tv_nsec must stay positive */
  struct timespec ts = {(time_t)sec, (long)us * 1000};
  return clock_settime(CLOCK_REALTIME, &ts) == 0 ? 0 : TERN_EDENIED;
}

int tern_port_random(void *buf, size_t n) {
#if defined(__linux__)
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return TERN_EIO;
    }
    p += got;
    n -= (size_t)got;
  }
  return 0;
#else
  FILE *f = fopen("/dev/urandom", "rb");
  if (!f) return TERN_EIO;
  size_t got = fread(buf, 1, n, f);
  fclose(f);
  return got == n ? 0 : TERN_EIO;
#endif
}

void tern_port_log(const char *line) {
  fprintf(stderr, "%s\n", line); /* one write: lines of several programs do not mix */
}

void tern_port_release_memory(void) {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

/* ---- readiness backend ---- */

static void watch(struct tern_loop *loop, struct tern_conn *c, uint32_t want) {
  if (c->fd < 0 || c->events_watched == want) return;
#if TERN_USE_EPOLL
  struct port *p = loop->port;
  struct epoll_event ev = {0};
  ev.events = (want & WANT_READ ? EPOLLIN : 0) | (want & WANT_WRITE ? EPOLLOUT : 0);
  ev.data.ptr = c;
  int op = c->events_watched == 0xffffffffu ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (epoll_ctl(p->epfd, op, (int)c->fd, &ev) != 0)
    TERN_WARN(loop, "epoll_ctl: %s", strerror(errno));
#else
  (void)loop;
#endif
  c->events_watched = want;
}

static uint32_t wanted(struct tern_conn *c) {
  uint32_t w = 0;
  struct tern_buf *rx = tern_conn_wire_rx(c);
  /* Backpressure: stop reading while the receive buffer is at its cap. */
  if (!c->is_readable_shut && (c->is_listening || c->is_udp || rx->len < rx->cap)) w |= WANT_READ;
  if (c->is_connecting || tern_conn_wire_tx(c)->len > 0) w |= WANT_WRITE;
  return w;
}

/* No epoll_ctl here: asking for POLLOUT on every send and dropping it after
 * the write cost two syscalls per reply. The conn joins the write queue;
 * only bytes the kernel does not take make us wait for POLLOUT. */
void tern_port_want_write(struct tern_conn *c) {
  struct port *p = c->loop->port;
  if (c->is_tx_queued || c->fd < 0) return;
  c->is_tx_queued = 1;
  c->tx_next = NULL;
  if (p->tx_tail) p->tx_tail->tx_next = c;
  else p->tx_head = c;
  p->tx_tail = c;
}

static void tx_unqueue(struct port *p, struct tern_conn *c) {
  struct tern_conn **pp = &p->tx_head, *prev = NULL;
  for (; *pp; prev = *pp, pp = &(*pp)->tx_next)
    if (*pp == c) {
      *pp = c->tx_next;
      if (p->tx_tail == c) p->tx_tail = prev;
      break;
    }
  c->is_tx_queued = 0;
}

int tern_port_init(struct tern_loop *loop) {
  struct port *p = tern_alloc(loop->alloc, sizeof(*p));
  if (!p) return TERN_ENOMEM;
  /* A write to a socket the peer closed must not kill the process. */
  signal(SIGPIPE, SIG_IGN);
  /* Descriptors up to the hard limit, as Go's runtime does: the soft 1024
   * is a relic of select(), which tern never uses; brokers and fleets hold
   * thousands of connections. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
#if TERN_USE_EPOLL
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  p->wake_rd = p->wake_wr = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p->epfd < 0 || p->wake_rd < 0) goto fail;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->wake_rd, &ev);
#else
  int fds[2];
  if (pipe(fds) != 0) goto fail;
  p->wake_rd = fds[0];
  p->wake_wr = fds[1];
  set_nonblock(fds[0]);
  set_nonblock(fds[1]);
#endif
  loop->port = p;
  return 0;
fail:
  tern_free(loop->alloc, p);
  return TERN_EIO;
}

void tern_port_free(struct tern_loop *loop) {
  struct port *p = loop->port;
  if (!p) return;
#if TERN_USE_EPOLL
  close(p->epfd);
#else
  tern_free(loop->alloc, p->pfds);
  tern_free(loop->alloc, p->pconns);
  if (p->wake_wr != p->wake_rd) close(p->wake_wr);
#endif
  close(p->wake_rd);
  tern_free(loop->alloc, p);
  loop->port = NULL;
}

int tern_port_wake(struct tern_loop *loop) {
  struct port *p = loop->port;
  uint64_t one = 1;
  /* async-signal-safe: a single write */
  ssize_t n = write(p->wake_wr, &one, p->wake_wr == p->wake_rd ? sizeof(one) : 1);
  return n > 0 || errno == EAGAIN ? 0 : TERN_EIO;
}

static void drain_wake(struct tern_loop *loop) {
  struct port *p = loop->port;
  char buf[64];
  while (read(p->wake_rd, buf, sizeof(buf)) > 0) {}
  if (loop->wake_fn) loop->wake_fn(loop->wake_arg);
}

/* ---- sockets ---- */

static int new_socket(const struct tern_addr *a, int udp) {
  int fd = socket(a->is_ip6 ? AF_INET6 : AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (set_nonblock(fd) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int tern_port_listen(struct tern_conn *c, const struct tern_addr *a) {
  int fd = new_socket(a, c->is_udp);
  if (fd < 0) return errno_to_tern(errno);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (c->is_udp) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)); /* mDNS shares 5353 */
  struct sockaddr_storage ss;
  socklen_t len = to_sockaddr(a, &ss);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0 || (!c->is_udp && listen(fd, 511) != 0)) {
    int e = errno;
    close(fd);
    return errno_to_tern(e);
  }
  c->fd = fd;
  fill_local(c);
  c->events_watched = 0xffffffffu;
  watch(c->loop, c, wanted(c));
  return 0;
}

int tern_port_connect(struct tern_conn *c, const struct tern_addr *a) {
  int fd = new_socket(a, c->is_udp);
  if (fd < 0) return errno_to_tern(errno);
  c->fd = fd;
  c->events_watched = 0xffffffffu; /* not in the epoll set yet, even if connect fails now */
  if (!c->is_udp) {
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  }
  struct sockaddr_storage ss;
  socklen_t len;
  if (c->is_bound_local) {
    if (c->local.is_ip6 != a->is_ip6) return TERN_EINVAL; /* one family per socket */
    len = to_sockaddr(&c->local, &ss);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) return errno_to_tern(errno);
  }
  len = to_sockaddr(a, &ss);
  int rc;
  do rc = connect(fd, (struct sockaddr *)&ss, len);
  while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EINPROGRESS) return errno_to_tern(errno);
  fill_local(c);
  c->events_watched = 0xffffffffu;
  watch(c->loop, c, wanted(c));
  return 0;
}

void tern_port_close(struct tern_conn *c) {
  if (c->fd < 0) return;
  struct port *p = c->loop->port;
  if (c->is_tx_queued) tx_unqueue(p, c);
#if TERN_USE_EPOLL
  if (c->events_watched != 0xffffffffu) epoll_ctl(p->epfd, EPOLL_CTL_DEL, (int)c->fd, NULL);
#endif
  close((int)c->fd);
  c->fd = -1;
}

int tern_port_sendto(struct tern_conn *c, const struct tern_addr *to, const void *d, size_t n) {
  struct sockaddr_storage ss;
  socklen_t len = to_sockaddr(to, &ss);
  ssize_t sent;
  do sent = sendto((int)c->fd, d, n, MSG_NOSIGNAL, (struct sockaddr *)&ss, len);
  while (sent < 0 && errno == EINTR);
  return sent < 0 ? errno_to_tern(errno) : 0;
}

int tern_port_udp_join(struct tern_conn *c, const char *group, const char *ifname) {
  struct ip_mreqn mr;
  memset(&mr, 0, sizeof(mr));
  if (inet_pton(AF_INET, group, &mr.imr_multiaddr) != 1) return TERN_EINVAL;
  if (ifname && *ifname) {
    mr.imr_ifindex = (int)if_nametoindex(ifname);
    if (mr.imr_ifindex == 0) return TERN_ENOTFOUND;
  }
  if (setsockopt((int)c->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
    return errno_to_tern(errno);
#ifdef IP_MULTICAST_ALL
  /* only the groups this socket joined, on the interfaces it joined them on */
  int off = 0;
  setsockopt((int)c->fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof(off));
#endif
  return 0;
}

int tern_port_udp_mcast_if(struct tern_conn *c, const char *ifname, int loop_back, int ttl) {
  struct ip_mreqn mr;
  memset(&mr, 0, sizeof(mr));
  if (ifname && *ifname) {
    mr.imr_ifindex = (int)if_nametoindex(ifname);
    if (mr.imr_ifindex == 0) return TERN_ENOTFOUND;
  }
  unsigned char lb = (unsigned char)(loop_back != 0), t = (unsigned char)ttl;
  if (setsockopt((int)c->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) != 0 ||
      setsockopt((int)c->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &lb, sizeof(lb)) != 0 ||
      setsockopt((int)c->fd, IPPROTO_IP, IP_MULTICAST_TTL, &t, sizeof(t)) != 0)
    return errno_to_tern(errno);
  return 0;
}

struct tern_conn *tern_port_adopt_fd(struct tern_loop *loop, intptr_t fd, tern_conn_fn fn,
                                     void *fn_data) {
  struct tern_conn *c = tern_conn_alloc(loop, fn, fn_data);
  if (!c) return NULL;
  set_nonblock((int)fd);
  c->fd = fd;
  c->is_udp = 1;
  c->events_watched = 0xffffffffu;
  watch(loop, c, wanted(c));
  return c;
}

/* ---- I/O on readiness ---- */

static void do_accept(struct tern_conn *lc) {
  /* Bounded per wake-up so one busy listener cannot starve the others. */
  for (int i = 0; i < 128; i++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = accept4((int)lc->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
        TERN_WARN(lc->loop, "accept: %s", strerror(errno));
      return;
    }
    struct tern_conn *c = tern_conn_alloc(lc->loop, lc->fn, lc->fn_data);
    if (!c) {
      TERN_WARN(lc->loop, "accept: connection limit reached, refusing");
      close(fd);
      continue;
    }
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    c->fd = fd;
    from_sockaddr(&ss, &c->peer);
    fill_local(c);
    c->events_watched = 0xffffffffu;
    tern_core_on_accept(lc, c);
    watch(c->loop, c, wanted(c));
  }
}

static void do_read_udp(struct tern_conn *c) {
  uint8_t buf[TERN_DNS_MSG_MAX > 9000 ? TERN_DNS_MSG_MAX : 9000];
  for (int i = 0; i < 64 && !c->is_closing; i++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    ssize_t n = recvfrom((int)c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &len);
    if (n < 0) {
      if (errno == EINTR) continue;
      /* ICMP port unreachable on a connected UDP socket shows up here. */
      if (errno == ECONNREFUSED && c->is_client) c->err = TERN_ECONNREFUSED;
      return;
    }
    struct tern_addr from;
    from_sockaddr(&ss, &from);
    tern_core_on_datagram(c, &from, buf, (size_t)n);
  }
}

static void do_read(struct tern_conn *c) {
  struct tern_buf *rx = tern_conn_wire_rx(c);
  size_t room = rx->cap - rx->len;
  if (room == 0) return;
  if (room > TERN_IO_CHUNK) room = TERN_IO_CHUNK;
  if (tern_buf_reserve(rx, room) != 0) return;
  ssize_t n;
  do n = recv((int)c->fd, rx->data + rx->len, room, 0);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    rx->len += (size_t)n;
    tern_core_on_data(c);
  } else if (n == 0) {
    tern_core_on_eof(c);
  } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
    tern_conn_fail(c, errno_to_tern(errno), strerror(errno));
  }
}

static void do_write(struct tern_conn *c) {
  if (c->is_connecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt((int)c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
      tern_conn_fail(c, errno_to_tern(err), strerror(err));
      return;
    }
    fill_local(c);
    tern_core_on_connected(c);
    if (c->is_closing) return;
  }
  struct tern_buf *tx = tern_conn_wire_tx(c);
  if (tx->len == 0) return;
  ssize_t n;
  do n = send((int)c->fd, tx->data, tx->len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    tern_buf_consume(tx, (size_t)n);
    tern_core_on_sent(c, (size_t)n);
  } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    tern_conn_fail(c, errno_to_tern(errno), strerror(errno));
  }
}

static void handle(struct tern_conn *c, int readable, int writable, int hangup) {
  if (c->is_closing) return;
  if (c->is_listening) {
    if (readable) do_accept(c);
    return;
  }
  if (c->is_udp) {
    if (readable) do_read_udp(c);
    return;
  }
  if (writable || (hangup && c->is_connecting)) do_write(c);
  if ((readable || hangup) && !c->is_closing && !c->is_connecting) do_read(c);
  if (!c->is_closing) watch(c->loop, c, wanted(c)); /* between sweeps too */
}

int tern_port_poll(struct tern_loop *loop, int timeout_ms) {
  struct port *p = loop->port;
  /* What handlers queued goes out now, optimistically: a socket is nearly
   * always writable, and waiting for epoll to say so costs a round of
   * epoll_ctl + epoll_wait per reply (the one-in-flight round trip pays it
   * twice). Only what the kernel does not take waits for POLLOUT. Then
   * refresh interest: buffers may have been consumed or filled. */
  struct tern_conn *c, *next = p->tx_head; /* one write each: SENT may queue more */
  p->tx_head = p->tx_tail = NULL;
  while ((c = next)) {
    next = c->tx_next;
    c->is_tx_queued = 0;
    if (!c->is_closing && !c->is_connecting && !c->is_listening && !c->is_udp && c->fd >= 0 &&
        tern_conn_wire_tx(c)->len) {
      do_write(c);
      if (!c->is_closing) watch(loop, c, wanted(c)); /* POLLOUT for what the kernel left */
    }
  }
  /* A protocol that wrote into c->tx without tern_send() never queued
   * the conn: one pass catches it (no syscall for the others); interest
   * follows buffers the protocols consumed. Once per TERN_SWEEP_MS. */
  for (c = loop->sweep ? loop->conns : NULL; c; c = c->next) {
    if (!c->is_tx_queued && !c->is_closing && !c->is_connecting && !c->is_listening && !c->is_udp &&
        c->fd >= 0 && tern_conn_wire_tx(c)->len)
      do_write(c);
    watch(loop, c, wanted(c));
  }
  /* SENT handlers above may have queued more (a subscriber's window opened):
   * it must not wait for the next event or the sweep, up to 10 ms away */
  if (p->tx_head) timeout_ms = 0;
#if TERN_USE_EPOLL
  struct epoll_event evs[256];
  int n = epoll_wait(p->epfd, evs, 256, timeout_ms);
  if (n < 0) return errno == EINTR ? 0 : TERN_EIO;
  for (int i = 0; i < n; i++) {
    struct tern_conn *c = evs[i].data.ptr;
    if (!c) {
      drain_wake(loop);
      continue;
    }
    uint32_t e = evs[i].events;
    handle(c, (e & EPOLLIN) != 0, (e & EPOLLOUT) != 0, (e & (EPOLLHUP | EPOLLERR)) != 0);
  }
  return n;
#else
  size_t need = loop->nconns + 1;
  if (need > p->cap) {
    size_t cap = need * 2;
    struct pollfd *pf = loop->alloc->realloc(loop->alloc->ctx, p->pfds, cap * sizeof(*pf));
    if (!pf) return TERN_ENOMEM;
    p->pfds = pf;
    struct tern_conn **pc = loop->alloc->realloc(loop->alloc->ctx, p->pconns, cap * sizeof(*pc));
    if (!pc) return TERN_ENOMEM;
    p->pconns = pc;
    p->cap = cap;
  }
  size_t k = 0;
  p->pfds[k].fd = p->wake_rd;
  p->pfds[k].events = POLLIN;
  p->pconns[k++] = NULL;
  for (struct tern_conn *c = loop->conns; c; c = c->next) {
    if (c->fd < 0) continue;
    p->pfds[k].fd = (int)c->fd;
    p->pfds[k].events = (short)((c->events_watched & WANT_READ ? POLLIN : 0) |
                                (c->events_watched & WANT_WRITE ? POLLOUT : 0));
    p->pconns[k++] = c;
  }
  int n = poll(p->pfds, (nfds_t)k, timeout_ms);
  if (n < 0) return errno == EINTR ? 0 : TERN_EIO;
  for (size_t i = 0; i < k; i++) {
    short re = p->pfds[i].revents;
    if (!re) continue;
    if (!p->pconns[i]) {
      drain_wake(loop);
      continue;
    }
    handle(p->pconns[i], (re & POLLIN) != 0, (re & POLLOUT) != 0, (re & (POLLHUP | POLLERR)) != 0);
  }
  return n;
#endif
}
