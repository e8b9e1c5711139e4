/* mDNS on the simulated network: the probe and announcement timing of
 * RFC 6762 (three probes 250 ms apart, two announcements 1 s apart) as a
 * listener on the group sees it, and two hosts that want the same name at
 * the same moment ending with two names. */
#include <stdlib.h>
#include "sim.h"
#include "sim_util.h"
#include "test.h"
#include "tern/log.h"
#include "tern/mdns.h"

static struct tern_loop *L[3];

struct capture {
  int n, probes, answers;
  int dev_from_first; /* answers claiming dev.local sent by host 10.0.0.1 */
  uint64_t probe_at[8], answer_at[8];
};

static void capture_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct capture *cap = c->fn_data;
  if (ev != TERN_EV_READ || c->rx.len < 12) return;
  const uint8_t *h = c->rx.data;
  int response = h[2] & 0x80, ns = h[8] << 8 | h[9], qd = h[4] << 8 | h[5];
  if (!response && qd && ns && cap->probes < 8) cap->probe_at[cap->probes++] = sim_now_us();
  if (response && cap->answers < 8) cap->answer_at[cap->answers++] = sim_now_us();
  if (response && c->rx.len > 16 && c->peer.ip[3] == 1 && h[12] == 3 && !memcmp(h + 13, "dev", 3))
    cap->dev_from_first++;
}

static void setup(uint64_t seed) { sim_world_new(L, 3, seed); }
static void teardown(void) { sim_world_free(L, 3); }

static struct tern_mdns *responder(struct tern_loop *loop, const char *name) {
  sim_enter(loop);
  struct tern_mdns_opts o = {.name = name, .ifaces = {"sim0"}};
  int err;
  return tern_mdns_start(loop, &o, &err);
}

static int two_answers(void *arg) { return ((struct capture *)arg)->answers >= 2; }

static int near(uint64_t gap_us, uint64_t want_ms) {
  /* the timers' millisecond ticks and a link latency of slack */
  return gap_us + 2000 >= want_ms * 1000 && gap_us <= want_ms * 1000 + 2000;
}

static void probe_and_announce_timing(void) {
  setup(11);
  struct capture cap = {0};
  struct tern_conn *l = tern_listen(L[1], "udp://0.0.0.0:5353", capture_fn, &cap);
  CHECK(l != NULL);
  uint64_t start = sim_now_us();
  struct tern_mdns *m = responder(L[0], "dev");
  CHECK(m != NULL);
  CHECK(sim_run(L, 2, two_answers, &cap, 10000) == 0);
  CHECK_EQ(cap.probes, 3);
  CHECK(cap.probe_at[0] - start <= 252000); /* a random 0-250 ms wait first */
  CHECK(near(cap.probe_at[1] - cap.probe_at[0], 250));
  CHECK(near(cap.probe_at[2] - cap.probe_at[1], 250));
  CHECK(near(cap.answer_at[0] - cap.probe_at[2], 250));
  CHECK(near(cap.answer_at[1] - cap.answer_at[0], 1000));
  CHECK(tern_mdns_ready(m));
  tern_mdns_stop(m);
  teardown();
}

struct pair {
  struct tern_mdns *a, *b;
};
static int both_ready(void *arg) {
  struct pair *p = arg;
  return tern_mdns_ready(p->a) && tern_mdns_ready(p->b);
}

/* Both start at once (each after its own random 0-250 ms). Whoever probes
 * first, RFC 6762 8.2 decides by the data: host 10.0.0.3 (loop 2) has the
 * later address and keeps the name; 10.0.0.1 defers, loses and renames,
 * and never announces the name it lost. Over several seeds, so that each
 * host is the first to probe in some of them. */
static void simultaneous_probe_tie_break(uint64_t seed) {
  setup(seed);
  struct capture cap = {0};
  CHECK(tern_listen(L[1], "udp://0.0.0.0:5353", capture_fn, &cap) != NULL);
  struct pair p = {responder(L[0], "dev"), responder(L[2], "dev")};
  CHECK(p.a && p.b);
  CHECK(sim_run(L, 3, both_ready, &p, 20000) == 0);
  CHECK_STR(tern_mdns_name(p.b), "dev");
  CHECK_STR(tern_mdns_name(p.a), "dev-2");
  CHECK_EQ(cap.dev_from_first, 0);
  tern_mdns_stop(p.a);
  tern_mdns_stop(p.b);
  teardown();
}

int main(void) {
  probe_and_announce_timing();
  for (uint64_t seed = 12; seed < 20; seed++) simultaneous_probe_tie_break(seed);
  TEST_MAIN_END();
}
