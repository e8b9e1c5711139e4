/* MQTT scenarios on the simulated network: a broker, and clients in
 * loops of their own, on a virtual clock (no sockets, no sleeps). Each
 * scenario is a few lines; a run is reproduced from its seed. */
#define _DEFAULT_SOURCE /* mkstemp */
#include <stdlib.h>
#include <unistd.h>
#include "sim.h"
#include "sim_util.h"
#include "test.h"
#include "tern/broker.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/mqtt.h"

static struct tern_loop *L[3]; /* broker, publisher, subscriber */
static struct tern_broker *broker;

/* A world with a broker on port 1883 (anonymous), loops for clients. */
static void world(uint64_t seed) {
  sim_world_new(L, 3, seed);
  struct tern_broker_opts o = {.listeners = {{.url = "tcp://127.0.0.1:1883"}},
                               .auth = {.allow_anonymous = 1}};
  int err;
  broker = tern_broker_start(L[0], &o, &err);
}

static void world_end(void) {
  tern_broker_stop(broker);
  sim_world_free(L, 3);
}

/* the one stream conn of a client loop */
static struct tern_conn *stream_of(struct tern_loop *loop) {
  for (struct tern_conn *c = tern_loop_conns(loop); c; c = c->next)
    if (!c->is_udp && !c->is_listening && !c->is_closing) return c;
  return NULL;
}

struct probe {
  struct tern_mqtt *m;
  int connected, messages, errors;
  uint64_t error_at[16];
};

static void on_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m, (void)data;
  struct probe *p = arg;
  if (ev == TERN_MQTT_EV_CONNECTED) p->connected++;
  if (ev == TERN_MQTT_EV_ERROR && p->errors < 16) p->error_at[p->errors++] = sim_now_us();
}

static void on_msg(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m, (void)msg;
  ((struct probe *)arg)->messages++;
}

static struct tern_mqtt *client(struct tern_loop *loop, const char *id, struct probe *p) {
  struct tern_mqtt_opts o = {.url = "mqtt://127.0.0.1:1883",
                             .client_id = id,
                             .persistent = 1,
                             .keepalive = 30,
                             .on_event = on_event,
                             .arg = p};
  int err;
  p->m = tern_mqtt_new(loop, &o, &err);
  if (p->m) tern_mqtt_connect(p->m);
  return p->m;
}

static int is_connected(void *arg) { return tern_mqtt_is_connected(((struct probe *)arg)->m); }
static int got_two(void *arg) { return ((struct probe *)arg)->messages >= 2; }
static int got_one(void *arg) { return ((struct probe *)arg)->messages >= 1; }
static int drained(void *arg) { return tern_mqtt_pending(((struct probe *)arg)->m) == 0; }
static int errors_6(void *arg) { return ((struct probe *)arg)->errors >= 6; }

/* Reconnect backoff: with no broker, attempts come at 250, 500, 1000 ...
 * ms apart, each within +-25 % (jitter), plus the refusal's round trip. */
static void reconnect_backoff(void) {
  world(1);
  tern_broker_stop(broker);
  broker = NULL;
  struct probe p = {0};
  client(L[1], "backoff", &p);
  CHECK(sim_run(L, 2, errors_6, &p, 60000) == 0);
  uint64_t base = 250000;
  for (int i = 1; i < p.errors; i++, base *= 2) {
    uint64_t gap = p.error_at[i] - p.error_at[i - 1], rtt = 2000;
    CHECK(gap >= base - base / 4 + rtt && gap <= base + base / 4 + rtt);
  }
  tern_mqtt_free(p.m);
  world_end();
}

/* QoS 1 across a reset: the PUBACK never reaches the publisher; after
 * reconnecting it resends (DUP) and the broker acknowledges: delivered at
 * least once (here twice), nothing left pending. */
static void qos1_redelivery(void) {
  world(2);
  struct probe pub = {0}, sub = {0};
  client(L[1], "pub", &pub);
  client(L[2], "sub", &sub);
  tern_mqtt_subscribe(sub.m, "t/#", 1, on_msg, &sub);
  CHECK(sim_run(L, 3, is_connected, &pub, 5000) == 0);
  CHECK(sim_run(L, 3, is_connected, &sub, 5000) == 0);
  sim_advance(L, 3, 100);        /* the SUBSCRIBE is through */
  sim_stall(stream_of(L[1]), 1); /* the publisher hears nothing back */
  CHECK(tern_mqtt_publish(pub.m, "t/1", "x", 1, 1, 0) > 0);
  CHECK(sim_run(L, 3, got_one, &sub, 5000) == 0);
  CHECK_EQ(tern_mqtt_pending(pub.m), 1); /* the PUBACK did not arrive */
  sim_reset_conn(stream_of(L[1]));
  CHECK(sim_run(L, 3, drained, &pub, 10000) == 0);
  CHECK(sim_run(L, 3, got_two, &sub, 5000) == 0);
  CHECK_EQ(pub.connected, 2);
  tern_mqtt_free(pub.m);
  tern_mqtt_free(sub.m);
  world_end();
}

/* A client that goes silent is dropped by the broker at 1.5 x keepalive:
 * not before 15 s, and by 16 s (the broker looks once a second). */
static void raw_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  uint64_t *closed_at = c->fn_data;
  /* CONNECT, MQTT 3.1.1, clean, keepalive 10, client id "k" */
  static const uint8_t connect[] = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 10, 0, 1, 'k'};
  if (ev == TERN_EV_CONNECT) tern_send(c, connect, sizeof(connect));
  if (ev == TERN_EV_READ) c->rx.len = 0;
  if (ev == TERN_EV_CLOSE) *closed_at = sim_now_us();
}
static int closed(void *arg) { return *(uint64_t *)arg != 0; }

static void keepalive_expiry(void) {
  world(3);
  uint64_t closed_at = 0, start = sim_now_us();
  tern_connect(L[1], "tcp://127.0.0.1:1883", raw_fn, &closed_at);
  CHECK(sim_run(L, 2, closed, &closed_at, 60000) == 0);
  CHECK(closed_at - start >= 15000000 && closed_at - start <= 16100000);
  world_end();
}

/* A will goes out when the link dies without DISCONNECT. */
static void will_on_reset(void) {
  world(4);
  struct probe dev = {0}, sub = {0};
  struct tern_mqtt_opts o = {.url = "mqtt://127.0.0.1:1883",
                             .client_id = "dev",
                             .will_topic = "dev/status",
                             .will_payload = "offline",
                             .will_len = 7,
                             .will_qos = 1,
                             .on_event = on_event,
                             .arg = &dev,
                             .no_reconnect = 1};
  int err;
  dev.m = tern_mqtt_new(L[1], &o, &err);
  tern_mqtt_connect(dev.m);
  client(L[2], "watch", &sub);
  tern_mqtt_subscribe(sub.m, "dev/status", 1, on_msg, &sub);
  CHECK(sim_run(L, 3, is_connected, &dev, 5000) == 0);
  sim_advance(L, 3, 100);
  CHECK_EQ(sub.messages, 0);
  sim_reset_conn(stream_of(L[1]));
  CHECK(sim_run(L, 3, got_one, &sub, 5000) == 0);
  tern_mqtt_free(dev.m);
  tern_mqtt_free(sub.m);
  world_end();
}

/* QoS 2, exactly once, whatever step of the flow the link dies in: with a
 * 10 ms latency, PUBLISH lands at 10 ms, PUBREC at 20, PUBREL at 30,
 * PUBCOMP at 40; the reset comes at 5, 15, 25 or 35 ms. */
static void qos2_exactly_once(void) {
  for (int step = 0; step < 4; step++) {
    world(20 + (uint64_t)step);
    sim_set_latency_us(10000);
    struct probe pub = {0}, sub = {0};
    client(L[1], "pub2", &pub);
    client(L[2], "sub2", &sub);
    tern_mqtt_subscribe(sub.m, "q2/#", 2, on_msg, &sub);
    CHECK(sim_run(L, 3, is_connected, &pub, 5000) == 0);
    CHECK(sim_run(L, 3, is_connected, &sub, 5000) == 0);
    sim_advance(L, 3, 200);
    CHECK(tern_mqtt_publish(pub.m, "q2/x", "once", 4, 2, 0) > 0);
    sim_advance(L, 3, 5 + 10 * (uint32_t)step);
    sim_reset_conn(stream_of(L[1]));
    CHECK(sim_run(L, 3, drained, &pub, 20000) == 0);
    sim_advance(L, 3, 1000); /* anything late would have come by now */
    CHECK_EQ(sub.messages, 1);
    tern_mqtt_free(pub.m);
    tern_mqtt_free(sub.m);
    world_end();
  }
}

/* The offline queue survives a crash: QoS 1 messages published while no
 * broker is there wait in the client's store; the process "dies" (the
 * client is dropped without a word); a new one on the same store sends
 * them once a broker appears. */
static void store_replay_after_crash(void) {
  world(30);
  tern_broker_stop(broker);
  broker = NULL;
  char path[] = "/tmp/tern-sim-store-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  struct probe a = {0};
  struct tern_mqtt_opts o = {.url = "mqtt://127.0.0.1:1883",
                             .client_id = "keep",
                             .persistent = 1,
                             .store_path = path,
                             .on_event = on_event,
                             .arg = &a};
  int err;
  a.m = tern_mqtt_new(L[1], &o, &err);
  tern_mqtt_connect(a.m);
  for (int i = 0; i < 5; i++) CHECK(tern_mqtt_publish(a.m, "s/x", "v", 1, 1, 0) > 0);
  sim_advance(L, 2, 1000);
  CHECK_EQ(tern_mqtt_pending(a.m), 5);
  tern_mqtt_free(a.m); /* the crash: no DISCONNECT, the store stays */
  struct tern_broker_opts bo = {.listeners = {{.url = "tcp://127.0.0.1:1883"}},
                                .auth = {.allow_anonymous = 1}};
  broker = tern_broker_start(L[0], &bo, &err);
  struct probe sub = {0}, b = {0};
  client(L[2], "watch", &sub);
  tern_mqtt_subscribe(sub.m, "s/#", 1, on_msg, &sub);
  sim_advance(L, 3, 500);
  o.arg = &b;
  b.m = tern_mqtt_new(L[1], &o, &err);
  CHECK_EQ(tern_mqtt_pending(b.m), 5); /* restored from the store */
  tern_mqtt_connect(b.m);
  CHECK(sim_run(L, 3, drained, &b, 10000) == 0);
  sim_advance(L, 3, 500);
  CHECK_EQ(sub.messages, 5);
  tern_mqtt_free(b.m);
  tern_mqtt_free(sub.m);
  unlink(path);
  world_end();
}

/* Session takeover: a second connection with the same client id wins;
 * the first is closed, and its will is not published. */
static int taken_over(void *arg) {
  struct probe *p = arg;
  return p[0].connected && p[1].connected && !tern_mqtt_is_connected(p[0].m);
}
static void session_takeover(void) {
  world(40);
  struct probe p[2] = {{0}, {0}}, sub = {0};
  client(L[2], "watch", &sub);
  tern_mqtt_subscribe(sub.m, "tw/#", 1, on_msg, &sub);
  struct tern_mqtt_opts o = {.url = "mqtt://127.0.0.1:1883",
                             .client_id = "same",
                             .will_topic = "tw/will",
                             .will_payload = "gone",
                             .will_len = 4,
                             .no_reconnect = 1,
                             .on_event = on_event,
                             .arg = &p[0]};
  int err;
  p[0].m = tern_mqtt_new(L[1], &o, &err);
  tern_mqtt_connect(p[0].m);
  CHECK(sim_run(L, 3, is_connected, &p[0], 5000) == 0);
  o.arg = &p[1];
  p[1].m = tern_mqtt_new(L[1], &o, &err);
  tern_mqtt_connect(p[1].m);
  CHECK(sim_run(L, 3, taken_over, p, 5000) == 0);
  CHECK(tern_mqtt_is_connected(p[1].m));
  sim_advance(L, 3, 1000);
  CHECK_EQ(sub.messages, 0); /* no will for a takeover */
  tern_mqtt_free(p[0].m);
  tern_mqtt_free(p[1].m);
  tern_mqtt_free(sub.m);
  world_end();
}

/* The link goes down for a while (the client backs off to seconds); when
 * it comes back (TERN_BUS_NET_UP) the client reconnects at once instead of
 * waiting out its backoff. */
static void reconnect_on_link_up(void) {
  world(50);
  struct probe p = {0};
  client(L[1], "linkup", &p);
  CHECK(sim_run(L, 3, is_connected, &p, 5000) == 0);
  sim_link(L[1], 0);
  sim_advance(L, 3, 20000); /* attempts fail meanwhile; the backoff grows past 4 s */
  CHECK(!tern_mqtt_is_connected(p.m));
  CHECK(p.errors >= 4);
  uint64_t up = sim_now_us();
  sim_link(L[1], 1);
  CHECK(sim_run(L, 3, is_connected, &p, 10000) == 0);
  CHECK(sim_now_us() - up < 50000);
  tern_mqtt_free(p.m);
  world_end();
}

/* A client that publishes and then half-closes (FIN right behind its
 * PUBLISH) still has its message delivered: what came before the EOF is
 * taken, not lost with the socket. */
static void half_close_after_publish(void) {
  world(51);
  struct probe sub = {0};
  client(L[2], "hc-sub", &sub);
  tern_mqtt_subscribe(sub.m, "hc/#", 0, on_msg, &sub);
  CHECK(sim_run(L, 3, is_connected, &sub, 5000) == 0);
  sim_advance(L, 3, 100);
  uint64_t closed_at = 0;
  struct tern_conn *c = tern_connect(L[1], "tcp://127.0.0.1:1883", raw_fn, &closed_at);
  sim_advance(L, 3, 10); /* connected; CONNECT sent */
  static const uint8_t pub[] = {0x30, 7, 0, 4, 'h', 'c', '/', '1', 'x'};
  tern_send(c, pub, sizeof(pub));
  tern_loop_poll(L[1], 0); /* the PUBLISH is on its way */
  sim_half_close(c);
  CHECK(sim_run(L, 3, got_one, &sub, 5000) == 0);
  tern_mqtt_free(sub.m);
  world_end();
}

/* The steady state allocates nothing per message, in the broker or in the
 * clients: once warm (the broker's message and queue-item caches, the
 * publisher's message cache filled), 2,000 QoS 1 and 2,000 QoS 0 messages
 * from one client to another cost each loop's allocator at most one call
 * per 100 messages (a connection's buffer grows again after it drained and
 * was given back): sent in bursts of 100 for the broker and the
 * subscriber, and at a device's pace (each acknowledged before the next)
 * for the publisher, whose cache holds TERN_MQTT_MSG_CACHE. Without the
 * caches it is two calls per QoS 1 message in the broker, one per QoS 0,
 * and one per message in the publisher. */
struct alloc_calls {
  size_t calls;
};
static void *counting(void *ctx, void *p, size_t n) {
  if (!n) {
    free(p);
    return NULL;
  }
  ((struct alloc_calls *)ctx)->calls++;
  return realloc(p, n);
}
static struct alloc_calls calls[3]; /* the broker's, the publisher's, the subscriber's loop */
static int got_n(void *arg) {
  return ((struct probe *)arg)->messages >= ((struct probe *)arg)->errors;
}

/* allocator calls per loop while n messages at qos cross, burst at a
 * time, into used[3] */
static void run_batch(struct probe *pub, struct probe *sub, int qos, int n, int burst,
                      size_t used[3]) {
  size_t before[3];
  for (int i = 0; i < 3; i++) before[i] = calls[i].calls;
  sub->errors = sub->messages + n; /* got_n's target */
  char payload[64] = "21.5";
  for (int i = 0; i < n; i++) {
    CHECK(tern_mqtt_publish(pub->m, i % 2 ? "s/temp" : "s/humidity", payload, 4 + (size_t)(i % 40),
                            qos, 0) > 0);
    if (i % burst == burst - 1) CHECK(sim_run(L, 3, drained, pub, 20000) == 0);
  }
  CHECK(sim_run(L, 3, got_n, sub, 20000) == 0);
  for (int i = 0; i < 3; i++) used[i] = calls[i].calls - before[i];
}

static void steady_state_allocations(void) {
  static const struct tern_allocator al[3] = {
      {counting, &calls[0]}, {counting, &calls[1]}, {counting, &calls[2]}};
  sim_reset(10);
  for (int i = 0; i < 3; i++) {
    struct tern_loop_opts lo = {.alloc = &al[i]};
    L[i] = tern_loop_new(&lo);
    tern_log_set(L[i], TERN_LOG_NONE, NULL, NULL);
  }
  struct tern_broker_opts o = {.listeners = {{.url = "tcp://127.0.0.1:1883"}},
                               .auth = {.allow_anonymous = 1}};
  int err;
  broker = tern_broker_start(L[0], &o, &err);
  struct probe pub = {0}, sub = {0};
  client(L[1], "pub", &pub);
  client(L[2], "sub", &sub);
  tern_mqtt_subscribe(sub.m, "s/#", 1, on_msg, &sub);
  CHECK(sim_run(L, 3, is_connected, &pub, 5000) == 0);
  CHECK(sim_run(L, 3, is_connected, &sub, 5000) == 0);
  sim_advance(L, 3, 100);
  size_t q1[3], q0[3], d1[3], d0[3];
  run_batch(&pub, &sub, 1, 2000, 100, q1); /* warm-up */
  run_batch(&pub, &sub, 0, 2000, 100, q0);
  run_batch(&pub, &sub, 1, 2000, 100, q1);
  run_batch(&pub, &sub, 0, 2000, 100, q0);
  run_batch(&pub, &sub, 1, 2000, 1, d1);
  run_batch(&pub, &sub, 0, 2000, 1, d0);
  static const char *const who[3] = {"broker", "publisher", "subscriber"};
  for (int i = 0; i < 3; i++) {
    printf("# %s: allocator calls for 2,000 messages: bursts of 100 QoS 1 %zu, QoS 0 %zu; one "
           "at a time QoS 1 %zu, QoS 0 %zu\n",
           who[i], q1[i], q0[i], d1[i], d0[i]);
    if (i != 1) CHECK(q1[i] <= 20 && q0[i] <= 20);
    CHECK(d1[i] <= 20 && d0[i] <= 20);
  }
  tern_mqtt_free(pub.m);
  tern_mqtt_free(sub.m);
  world_end();
}

int main(void) {
  reconnect_backoff();
  qos1_redelivery();
  keepalive_expiry();
  will_on_reset();
  qos2_exactly_once();
  store_replay_after_crash();
  session_takeover();
  reconnect_on_link_up();
  half_close_after_publish();
  steady_state_allocations();
  TEST_MAIN_END();
}
