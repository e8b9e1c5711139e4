/* SNTP and the resolver on the simulated network: a clock 3.5 s behind
 * learns the offset across a 40 ms link; a resolver whose first queries
 * are lost retries and gets its answer, and with no answer at all gives up
 * on time. */
#include <stdlib.h>
#include "sim.h"
#include "sim_util.h"
#include "test.h"
#include "tern/dns.h"
#include "tern/config.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/rtc.h"
#include "tern/sntp.h"

static struct tern_loop *L[2];

static void setup(uint64_t seed) { sim_world_new(L, 2, seed); }
static void teardown(void) { sim_world_free(L, 2); }

static int synced(void *arg) { return tern_sntp_result(arg)->synced; }

static void sntp_offset_and_delay(void) {
  setup(60);
  sim_set_latency_us(40000); /* 40 ms each way */
  sim_set_clock(L[1], -3.5); /* the device's clock is 3.5 s behind */
  struct tern_sntp_server *srv = tern_sntp_server_start(L[0], "udp://0.0.0.0:123", 2);
  CHECK(srv != NULL);
  sim_enter(L[1]);
  struct tern_sntp_opts o = {.servers = {"10.0.0.1:123"}};
  struct tern_sntp *c = tern_sntp_start(L[1], &o);
  CHECK(c != NULL);
  CHECK(sim_run(L, 2, synced, c, 10000) == 0);
  const struct tern_sntp_result *r = tern_sntp_result(c);
  CHECK(r->offset_us > 3498000 && r->offset_us < 3502000);
  CHECK(r->delay_us > 78000 && r->delay_us < 82000);
  CHECK(tern_rtc_synced(L[1]));
  tern_sntp_stop(c);
  tern_sntp_server_stop(srv);
  teardown();
}

/* A DNS server on host 10.0.0.1 that ignores the first 'drop' queries
 * (every one, with drop < 0) and answers the next with 10.0.0.99. */
struct dns_stub {
  int drop, queries;
};
static void dns_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct dns_stub *d = c->fn_data;
  if (ev != TERN_EV_READ || c->rx.len < 12) return;
  d->queries++;
  if (d->drop < 0 || d->queries <= d->drop) return;
  uint8_t r[512];
  size_t n = c->rx.len < 400 ? c->rx.len : 400;
  memcpy(r, c->rx.data, n);
  r[2] = 0x81, r[3] = 0x80, r[6] = 0, r[7] = 1; /* a response, one answer */
  static const uint8_t a[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 99};
  memcpy(r + n, a, sizeof(a));
  tern_sendto(c, &c->peer, r, n + sizeof(a));
}

struct answer {
  int done, err;
  struct tern_addr addr;
  uint64_t at;
};
static void resolved(struct tern_loop *loop, int err, const struct tern_addr *addrs, size_t n,
                     void *arg) {
  (void)loop;
  struct answer *a = arg;
  a->done = 1;
  a->err = err;
  a->at = sim_now_us();
  if (!err && n) a->addr = addrs[0];
}
static int answered(void *arg) { return ((struct answer *)arg)->done; }

static void resolver_retries(int drop) {
  setup(70 + (uint64_t)(drop + 1));
  struct dns_stub d = {drop, 0};
  CHECK(tern_listen(L[0], "udp://0.0.0.0:53", dns_fn, &d) != NULL);
  struct tern_dns_opts o = {.servers = "10.0.0.1:53", .hosts_file = "", .resolv_conf = ""};
  CHECK(tern_dns_attach(L[1], &o) == 0);
  struct answer a = {0};
  uint64_t start = sim_now_us();
  sim_enter(L[1]);
  CHECK(tern_loop_resolve(L[1], "dev.example", 4, resolved, &a) == 0);
  CHECK(sim_run(L, 2, answered, &a, 30000) == 0);
  uint64_t took = a.at - start, per = TERN_DNS_TIMEOUT_MS * 1000ull;
  if (drop < 0) { /* every attempt times out, then it gives up */
    CHECK(a.err != 0);
    CHECK_EQ(d.queries, TERN_DNS_ATTEMPTS);
    CHECK(took >= TERN_DNS_ATTEMPTS * per && took <= TERN_DNS_ATTEMPTS * per + 20000);
  } else { /* the answer to the attempt after the lost ones */
    CHECK_EQ(a.err, 0);
    CHECK_EQ(a.addr.ip[3], 99);
    CHECK_EQ(d.queries, drop + 1);
    CHECK(took >= (uint64_t)drop * per && took <= (uint64_t)drop * per + 20000);
  }
  teardown();
}

/* A run is a function of its seed: the same lossy exchange twice gives
 * the same result at the same virtual time; the faults were really there. */
static uint64_t lossy_run(uint64_t seed, struct sim_stats *st) {
  setup(seed);
  sim_datagram_faults(0.4, 0.3, 0.3, 500);
  struct dns_stub d = {0, 0};
  tern_listen(L[0], "udp://0.0.0.0:53", dns_fn, &d);
  struct tern_dns_opts o = {.servers = "10.0.0.1:53", .hosts_file = "", .resolv_conf = ""};
  tern_dns_attach(L[1], &o);
  struct answer a = {0};
  sim_enter(L[1]);
  tern_loop_resolve(L[1], "dev.example", 4, resolved, &a);
  sim_run(L, 2, answered, &a, 30000);
  sim_get_stats(st);
  uint64_t r = a.at * 1000 + (uint64_t)d.queries * 10 + (uint64_t)(a.err != 0);
  teardown();
  return r;
}

static void deterministic_from_seed(void) {
  struct sim_stats s1, s2, s3;
  uint64_t a = lossy_run(99, &s1), b = lossy_run(99, &s2), c = lossy_run(100, &s3);
  CHECK_EQ(a, b);
  CHECK_EQ(s1.dropped, s2.dropped);
  CHECK_EQ(s1.duplicated, s2.duplicated);
  CHECK(s1.dropped + s1.duplicated + s1.reordered > 0);
  CHECK(a != c || s1.dropped != s3.dropped || s1.duplicated != s3.duplicated);
}

int main(void) {
  sntp_offset_and_delay();
  resolver_retries(2);  /* two queries lost, the third answered */
  resolver_retries(-1); /* no answer at all */
  deterministic_from_seed();
  TEST_MAIN_END();
}
