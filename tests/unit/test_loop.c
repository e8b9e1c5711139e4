/* The event loop over real loopback sockets: 1,000 concurrent echo
 * connections with every byte checked, UDP, timers, wake-up from another
 * thread, refused connects, peer reset and half-close, connecting from a
 * chosen local address. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "test.h"
#include "tern/error.h"
#include "tern/loop.h"

#define NCONN 1000
#define PAYLOAD 8192

static uint8_t pattern[PAYLOAD * 2];

struct client {
  size_t sent, got;
  int ok, done, connected;
};
static struct client clients[NCONN];
static int finished, errors;

static void echo_server(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_READ) {
    tern_send(c, c->rx.data, c->rx.len);
    tern_buf_consume(&c->rx, c->rx.len);
  }
}

static void echo_client(struct tern_conn *c, int ev, void *ev_data) {
  struct client *cl = c->fn_data;
  size_t idx = (size_t)(cl - clients);
  if (ev == TERN_EV_CONNECT) {
    cl->connected = 1;
    /* each client sends its own slice of the pattern, in two writes */
    tern_send(c, pattern + idx, PAYLOAD / 2);
    tern_send(c, pattern + idx + PAYLOAD / 2, PAYLOAD / 2);
  } else if (ev == TERN_EV_READ) {
    if (memcmp(c->rx.data, pattern + idx + cl->got, c->rx.len) != 0) cl->ok = 0;
    cl->got += c->rx.len;
    tern_buf_consume(&c->rx, c->rx.len);
    if (cl->got == PAYLOAD && !cl->done) {
      cl->done = 1;
      finished++;
      tern_close(c);
    }
  } else if (ev == TERN_EV_ERROR) {
    errors++;
    fprintf(stderr, "client %zu: %s\n", idx, (const char *)ev_data);
  }
}

static void test_echo_1000(void) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2 * NCONN + 64) {
    rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  for (size_t i = 0; i < sizeof(pattern); i++) pattern[i] = (uint8_t)(i * 7 + (i >> 8));
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_conn *l = tern_listen(loop, "tcp://127.0.0.1:0", echo_server, NULL);
  CHECK(l != NULL);
  if (!l) return;
  struct tern_addr a = l->local;
  for (int i = 0; i < NCONN; i++) {
    clients[i].ok = 1;
    CHECK(tern_connect_addr(loop, &a, 0, echo_client, &clients[i]) != NULL);
  }
  uint32_t start = tern_loop_now(loop);
  while (finished + errors < NCONN && tern_loop_now(loop) - start < 60000)
    tern_loop_poll(loop, 100);
  int all_ok = 1;
  for (int i = 0; i < NCONN; i++) all_ok &= clients[i].ok && clients[i].got == PAYLOAD;
  CHECK_EQ(errors, 0);
  CHECK_EQ(finished, NCONN);
  CHECK(all_ok);
  /* the clients closed; the server side follows on EOF */
  start = tern_loop_now(loop);
  while (tern_loop_conn_count(loop) > 1 && tern_loop_now(loop) - start < 10000)
    tern_loop_poll(loop, 50);
  CHECK_EQ(tern_loop_conn_count(loop), 1);
  tern_loop_free(loop);
}

/* ---- refused connect, reset and half-close ---- */
static int got_err, got_close;
static void expect_error(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_ERROR) got_err = c->err;
  if (ev == TERN_EV_CLOSE) got_close = 1;
}

static void test_refused(void) {
  struct tern_loop *loop = tern_loop_new(NULL);
  /* a port we bound and never listened on refuses connections */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&sin, sizeof(sin));
  socklen_t len = sizeof(sin);
  getsockname(fd, (struct sockaddr *)&sin, &len);
  char url[64];
  snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", ntohs(sin.sin_port));
  got_err = got_close = 0;
  tern_connect(loop, url, expect_error, NULL);
  for (int i = 0; i < 50 && !got_close; i++) tern_loop_poll(loop, 100);
  CHECK_EQ(got_err, TERN_ECONNREFUSED);
  CHECK(got_close);
  close(fd);
  tern_loop_free(loop);
}

static int half_got;
static void half_server(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  /* answer only after the client has shut down its sending side */
  if (ev != TERN_EV_READ) return;
  half_got += (int)c->rx.len;
  tern_buf_consume(&c->rx, c->rx.len);
  if (c->is_readable_shut && half_got == 5) tern_send(c, "reply", 5);
}

static void test_half_close(void) {
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_conn *l = tern_listen(loop, "tcp://127.0.0.1:0", half_server, NULL);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_port = htons(l->local.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK_EQ(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
  CHECK_EQ(write(fd, "hello", 5), 5);
  shutdown(fd, SHUT_WR);
  char buf[16] = {0};
  ssize_t n = 0;
  for (int i = 0; i < 50 && n <= 0; i++) {
    tern_loop_poll(loop, 50);
    n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  }
  CHECK_EQ(n, 5);
  CHECK_STR(buf, "reply");
  close(fd);
  tern_loop_free(loop);
}

static int reset_seen;
static void reset_server(struct tern_conn *c, int ev, void *ev_data) {
  (void)c;
  (void)ev_data;
  if (ev == TERN_EV_CLOSE) reset_seen = 1;
}

static void test_reset(void) {
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_conn *l = tern_listen(loop, "tcp://127.0.0.1:0", reset_server, NULL);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_port = htons(l->local.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  connect(fd, (struct sockaddr *)&sin, sizeof(sin));
  tern_loop_poll(loop, 100);
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(fd); /* RST */
  for (int i = 0; i < 50 && !reset_seen; i++) tern_loop_poll(loop, 50);
  CHECK(reset_seen);
  CHECK_EQ(tern_loop_conn_count(loop), 1); /* the listener lives on */
  tern_loop_free(loop);
}

/* A listener whose accept queue is full drops new SYNs, so a connect to it
 * hangs: the loop's connect timeout must end it. */
static void test_connect_timeout(void) {
  struct tern_loop_opts o = {.connect_timeout_ms = 300};
  struct tern_loop *loop = tern_loop_new(&o);
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(lfd, (struct sockaddr *)&sin, sizeof(sin));
  listen(lfd, 0);
  socklen_t len = sizeof(sin);
  getsockname(lfd, (struct sockaddr *)&sin, &len);
  int fill[4];
  for (int i = 0; i < 4; i++) { /* fill the queue (never accepted) */
    fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
  }
  char url[64];
  snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", ntohs(sin.sin_port));
  got_err = got_close = 0;
  uint32_t start = tern_loop_now(loop);
  struct tern_conn *c = tern_connect(loop, url, expect_error, NULL);
  CHECK(c != NULL);
  for (int i = 0; i < 100 && !got_close; i++) tern_loop_poll(loop, 100);
  uint32_t took = tern_loop_now(loop) - start;
  CHECK(got_close);
  /* either the timeout fired, or the kernel refused outright; never a hang */
  CHECK(got_err == TERN_ETIMEDOUT || got_err == TERN_ECONNREFUSED);
  if (got_err == TERN_ETIMEDOUT) CHECK(took >= 250 && took < 3000);
  for (int i = 0; i < 4; i++) close(fill[i]);
  close(lfd);
  tern_loop_free(loop);
}

/* ---- UDP ---- */
static int udp_got;
static void udp_server(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_READ) tern_sendto(c, &c->peer, c->rx.data, c->rx.len); /* echo to the sender */
}
static void udp_client(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_READ && c->rx.len == 4 && memcmp(c->rx.data, "ping", 4) == 0) udp_got++;
}

static void test_udp(void) {
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_conn *s = tern_listen(loop, "udp://127.0.0.1:0", udp_server, NULL);
  CHECK(s != NULL);
  struct tern_conn *c = tern_connect_addr(loop, &s->local, 1, udp_client, NULL);
  CHECK(c != NULL);
  tern_sendto(c, NULL, "ping", 4);
  tern_sendto(c, NULL, "ping", 4);
  for (int i = 0; i < 50 && udp_got < 2; i++) tern_loop_poll(loop, 50);
  CHECK_EQ(udp_got, 2); /* two datagrams, two events, never glued */
  tern_loop_free(loop);
}

/* ---- timers through the loop, and wake-up from a thread ---- */
static int ticks;
static void on_tick(struct tern_timer *t, void *arg) {
  struct tern_loop *loop = arg;
  if (++ticks == 3) tern_timer_stop(loop, t);
}
static int woken;
static void on_wake(void *arg) {
  (void)arg;
  woken = 1;
}
static void *waker(void *arg) {
  usleep(50000);
  tern_loop_wake(arg);
  return NULL;
}

static void test_timers_and_wake(void) {
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_timer t = {0};
  tern_timer_start(loop, &t, 10, 10, on_tick, loop);
  for (int i = 0; i < 100 && ticks < 3; i++) tern_loop_poll(loop, 1000);
  CHECK_EQ(ticks, 3);
  tern_loop_poll(loop, 50);
  CHECK_EQ(ticks, 3); /* stopped from inside its own callback */
  tern_loop_on_wake(loop, on_wake, NULL);
  pthread_t th;
  pthread_create(&th, NULL, waker, loop);
  uint32_t start = tern_loop_now(loop);
  tern_loop_poll(loop, 5000); /* returns early because of the wake-up */
  CHECK(woken);
  CHECK(tern_loop_now(loop) - start < 4000);
  pthread_join(th, NULL);
  tern_loop_free(loop);
}

/* ---- connecting from a chosen local address (mosquitto_pub -A) ---- */
static struct tern_addr from_peer;
static int from_connected;
static void from_server(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_ACCEPT) from_peer = c->peer;
}
static void from_client(struct tern_conn *c, int ev, void *ev_data) {
  (void)c, (void)ev_data;
  if (ev == TERN_EV_CONNECT) from_connected = 1;
}

static void test_connect_from(void) {
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_conn *l = tern_listen(loop, "tcp://127.0.0.1:0", from_server, NULL);
  CHECK(l != NULL);
  if (!l) return;
  char url[64];
  snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", l->local.port);
  struct tern_conn *c = tern_connect_from(loop, url, "127.0.0.2", from_client, NULL);
  CHECK(c != NULL);
  for (int i = 0; i < 50 && !(from_connected && from_peer.port); i++) tern_loop_poll(loop, 100);
  CHECK(from_connected);
  /* the server sees the chosen address, and so does the client's own end */
  CHECK_EQ(from_peer.ip[3], 2);
  CHECK_EQ(from_peer.ip[0], 127);
  if (c) CHECK_EQ(c->local.ip[3], 2);
  /* not numeric: refused at once; an address this host lacks: ERROR */
  CHECK(tern_connect_from(loop, url, "localhost", from_client, NULL) == NULL);
  got_err = got_close = 0;
  CHECK(tern_connect_from(loop, url, "192.0.2.1", expect_error, NULL) != NULL);
  for (int i = 0; i < 50 && !got_close; i++) tern_loop_poll(loop, 100);
  CHECK_EQ(got_err, TERN_EADDRNOTAVAIL);
  got_err = got_close = 0;
  CHECK(tern_connect_from(loop, url, "::1", expect_error, NULL) != NULL);
  for (int i = 0; i < 50 && !got_close; i++) tern_loop_poll(loop, 100);
  CHECK_EQ(got_err, TERN_EINVAL); /* one family per socket */
  tern_loop_free(loop);
}

int main(void) {
  test_echo_1000();
  test_refused();
  test_half_close();
  test_reset();
  test_connect_timeout();
  test_udp();
  test_timers_and_wake();
  test_connect_from();
  TEST_MAIN_END();
}
