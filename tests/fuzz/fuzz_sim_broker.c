/* The broker's whole connection state machine on any bytes: a client
 * sends the input (any mix of valid and broken MQTT) through the simulated
 * network; afterwards a well-behaved client must still connect and get its
 * PINGRESP, and the broker's memory stays bounded and comes back whole. */
#include "sim_fuzz.h"
#include "tern/broker.h"

static int good_state; /* 1: CONNACK seen, 2: PINGRESP seen */
static void good_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  static const uint8_t connect[] = {0x10, 14, 0, 4,  'M', 'Q', 'T', 'T',
                                    4,    2,  0, 30, 0,   2,   'o', 'k'};
  static const uint8_t ping[] = {0xc0, 0};
  if (ev == TERN_EV_CONNECT) tern_send(c, connect, sizeof(connect));
  if (ev != TERN_EV_READ) return;
  while (c->rx.len >= 2) {
    if (c->rx.data[0] == 0x20 && c->rx.len >= 4) {
      good_state = 1;
      tern_send(c, ping, sizeof(ping));
      tern_buf_consume(&c->rx, 4);
    } else if (c->rx.data[0] == 0xd0) {
      good_state = 2;
      tern_buf_consume(&c->rx, 2);
    } else {
      tern_buf_consume(&c->rx, c->rx.len);
    }
  }
}
static int served(void *arg) { return (void)arg, good_state == 2; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_loop *loop = fz_loop();
  struct tern_broker_opts o = {.listeners = {{.url = "tcp://127.0.0.1:1883"}},
                               .auth = {.allow_anonymous = 1}};
  int err;
  struct tern_broker *b = tern_broker_start(loop, &o, &err);
  if (!b) __builtin_trap();
  struct fz_hostile h = {data, size, 0, NULL};
  fz_hostile_run(loop, &h, "tcp://127.0.0.1:1883");
  good_state = 0;
  tern_connect(loop, "tcp://127.0.0.1:1883", good_fn, NULL);
  if (sim_run(&loop, 1, served, NULL, 5000) != 0) __builtin_trap(); /* others still served */
  tern_broker_stop(b);
  fz_done(loop);
  return 0;
}
