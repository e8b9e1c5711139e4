/* The MQTT client's whole state machine against a hostile broker, through
 * the simulated network. The input's first byte picks the client's options
 * (5.0 or 3.1.1, the fall back to 3.1.1, a bridge's 0x84, a persistent
 * session); the rest is what the "broker" sends, in pieces a millisecond
 * apart, to whichever connection the client has open: CONNACKs, PUBLISHes,
 * acks for ids never used, DISCONNECTs, garbage. The client keeps
 * reconnecting (10-50 ms) with messages queued at each QoS. It must not
 * crash, its memory stays bounded, and all of it comes back when freed. */
#include "sim_fuzz.h"
#include "tern/mqtt.h"
#include "tern/mqtt_codec.h"

static void evil_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_READ) c->rx.len = 0; /* whatever the client says */
}

static void on_msg(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m, (void)arg;
  if (msg->topic_len > 65535 || (msg->len && !msg->payload)) __builtin_trap();
}

/* the broker side of the client's current connection, if any */
static struct tern_conn *evil_conn(struct tern_loop *loop) {
  for (struct tern_conn *c = tern_loop_conns(loop); c; c = c->next)
    if (c->is_accepted && c->fn == evil_fn && !c->is_closing) return c;
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t opt = data[0];
  struct tern_loop *loop = fz_loop();
  struct tern_conn *srv = tern_listen(loop, "tcp://127.0.0.1:1883", evil_fn, NULL);
  if (!srv) __builtin_trap();
  struct tern_mqtt_opts o = {.url = "mqtt://127.0.0.1:1883",
                             .client_id = "fz",
                             .keepalive = 5,
                             .persistent = opt & 1,
                             .version = opt & 2 ? 5 : 4,
                             .fallback_311 = (opt & 4) != 0,
                             .bridge = (opt & 8) != 0,
                             .reconnect_min_ms = 10,
                             .reconnect_max_ms = 50,
                             .queue_max = 64};
  int err;
  struct tern_mqtt *m = tern_mqtt_new(loop, &o, &err);
  if (!m) __builtin_trap();
  tern_mqtt_subscribe(m, "a/#", 1 | (opt & 2 ? TERN_MQTT_SUB_NO_LOCAL : 0), on_msg, NULL);
  struct tern_mqtt_props pr;
  memset(&pr, 0, sizeof(pr));
  TERN_MQTT_SET(&pr, TERN_MQTT_PROP_MESSAGE_EXPIRY);
  pr.message_expiry = 1;
  for (int q = 0; q < 3; q++) tern_mqtt_publish_props(m, "a/b", "v", 1, q, q == 1, &pr);
  tern_mqtt_connect(m);
  size_t off = 1;
  /* at most 20 s of simulated time: a client that stopped trying ends it */
  for (int quiet = 0, steps = 0; (off < size || quiet < 200) && steps < 20000; steps++) {
    struct tern_conn *c = evil_conn(loop);
    if (c && off < size) {
      size_t n = 1 + data[off] % 97;
      if (n > size - off) n = size - off;
      tern_send(c, data + off, n);
      off += n;
    } else if (off >= size) {
      quiet++; /* the input is spent: the client runs on a while */
      if (c) tern_close(c);
    }
    sim_advance(&loop, 1, 1);
    if (tern_mqtt_pending(m) > 64) __builtin_trap(); /* its queue stays within queue_max */
  }
  tern_mqtt_free(m);
  tern_close_now(srv);
  fz_done(loop);
  return 0;
}
