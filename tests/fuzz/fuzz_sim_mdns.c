/* The mDNS responder's state machine on any datagrams: the input, cut
 * into datagrams (a length byte before each), reaches the responder on the
 * group while it probes, announces and answers; afterwards it must still
 * answer a well-formed query for its name, and its memory stays bounded
 * and comes back whole. */
#include "sim_fuzz.h"
#include "tern/mdns.h"

static int answered;
static void listener_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev == TERN_EV_READ && c->rx.len > 12 && (c->rx.data[2] & 0x80) && c->rx.data[7] > 0)
    answered = 1;
}
static int got_answer(void *arg) { return (void)arg, answered; }
static int ready(void *arg) { return tern_mdns_ready(arg); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_loop *loop = fz_loop();
  struct tern_mdns_opts o = {.name = "dev", .ifaces = {"sim0"}};
  int err;
  struct tern_mdns *m = tern_mdns_start(loop, &o, &err);
  if (!m) __builtin_trap();
  struct tern_mdns_service svc = {.type = "_http._tcp", .port = 80, .txt = {"path=/"}};
  tern_mdns_add_service(m, &svc);
  struct tern_conn *peer = tern_connect(loop, "udp://224.0.0.251:5353", listener_fn, NULL);
  for (size_t off = 0; off < size && peer;) {
    size_t n = data[off++];
    if (n > size - off) n = size - off;
    tern_sendto(peer, NULL, data + off, n);
    off += n;
    sim_advance(&loop, 1, 30);
  }
  /* then a plain question for dev.local A, once the name is settled */
  sim_run(&loop, 1, ready, m, 20000);
  static const uint8_t query[] = {0,   0,   0, 0,   0,   1,   0,   0,   0, 0, 0, 0, 3, 'd',
                                  'e', 'v', 5, 'l', 'o', 'c', 'a', 'l', 0, 0, 1, 0, 1};
  answered = 0;
  const char *name = tern_mdns_name(m);
  if (!strcmp(name, "dev")) { /* (a hostile input may make it rename itself: allowed) */
    tern_sendto(peer, NULL, query, sizeof(query));
    if (sim_run(&loop, 1, got_answer, NULL, 3000) != 0) __builtin_trap();
  }
  tern_mdns_stop(m);
  fz_done(loop);
  return 0;
}
