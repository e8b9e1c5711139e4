/* The SNTP client: every round asks all servers at once over UDP, keeps the
 * answer with the lowest round-trip delay, and sets the device clock.
 * Kiss-o'-Death RATE skips a server for a while, DENY/RSTR for good. */
#include <stdio.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/sntp.h"

struct server {
  char name[80];
  struct tern_conn *udp;
  tern_ntp_time sent; /* our transmit timestamp, the reply's origin */
  int64_t t1;         /* wall clock at send, Unix us */
  uint64_t t1_us;     /* monotonic at send */
  int denied, rate_skip, answered;
};

struct tern_sntp {
  struct tern_loop *loop;
  struct tern_sntp_opts o;
  struct server servers[TERN_SNTP_MAX_SERVERS];
  int nservers;
  struct tern_timer timer;
  int in_round, failures;
  struct tern_sntp_result result, best;
  int have_best;
  char why[200];
};

static void on_udp(struct tern_conn *c, int ev, void *ev_data);

static uint32_t end_round(struct tern_sntp *s) {
  s->in_round = 0;
  for (int i = 0; i < s->nservers; i++) {
    struct server *sv = &s->servers[i];
    if (sv->udp) {
      sv->udp->fn = NULL;
      tern_close_now(sv->udp);
      sv->udp = NULL;
    }
  }
  uint32_t next;
  if (s->have_best) {
    s->result = s->best;
    s->result.synced = 1;
    s->result.error[0] = '\0';
    tern_rtc_adjust(s->loop, s->best.offset_us);
    if (s->o.step_system_clock && tern_rtc_set_system(s->loop) != 0)
      TERN_WARN(s->loop, "sntp: not allowed to set the system clock; keeping tern's own");
    tern_bus_post(s->loop, TERN_BUS_TIME_SYNCED, &s->result);
    s->failures = 0;
    next = (s->o.poll_s ? s->o.poll_s : 1024) * 1000u;
  } else {
    snprintf(s->result.error, sizeof(s->result.error), "%.95s",
             s->why[0] ? s->why : "no server answered");
    /* back off: 2, 4, 8 ... up to the poll interval */
    uint32_t poll = (s->o.poll_s ? s->o.poll_s : 1024) * 1000u;
    next = 2000u << (s->failures < 9 ? s->failures : 9);
    if (next > poll) next = poll;
    s->failures++;
  }
  for (int i = 0; i < s->nservers; i++)
    if (s->servers[i].rate_skip > 0) s->servers[i].rate_skip--;
  return next;
}

static void round_timeout(struct tern_timer *t, void *arg);
static void start_round(struct tern_sntp *s);

static void next_round(struct tern_timer *t, void *arg) {
  (void)t;
  start_round(arg);
}

static void finish_round(struct tern_sntp *s) {
  uint32_t next = end_round(s);
  tern_timer_start(s->loop, &s->timer, next, 0, next_round, s);
}

static void round_timeout(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_sntp *s = arg;
  if (!s->have_best && !s->why[0])
    snprintf(s->why, sizeof(s->why), "no answer within %u ms", (unsigned)s->o.timeout_ms);
  finish_round(s);
}

static void start_round(struct tern_sntp *s) {
  s->in_round = 1;
  s->have_best = 0;
  s->why[0] = '\0';
  int asked = 0;
  for (int i = 0; i < s->nservers; i++) {
    struct server *sv = &s->servers[i];
    sv->answered = 0;
    if (sv->denied || sv->rate_skip) continue;
    char url[128];
    snprintf(url, sizeof(url), "udp://%s", sv->name);
    sv->udp = tern_connect(s->loop, url, on_udp, s);
    if (!sv->udp) continue;
    /* The transmit timestamp is our send time with random low bits, so a
     * forged answer cannot guess the origin it must echo. */
    uint16_t r;
    tern_random(s->loop, &r, sizeof(r));
    sv->t1 = tern_rtc_micros(s->loop);
    sv->t1_us = tern_loop_micros(s->loop);
    sv->sent = (tern_ntp_from_unix_us(sv->t1) & ~(tern_ntp_time)0xfff) | (r & 0xfff);
    struct tern_sntp_packet p;
    memset(&p, 0, sizeof(p));
    p.version = 4;
    p.mode = TERN_SNTP_MODE_CLIENT;
    p.transmit = sv->sent;
    uint8_t pkt[48];
    tern_sntp_encode(&p, pkt);
    tern_sendto(sv->udp, NULL, pkt, sizeof(pkt));
    asked++;
  }
  if (!asked) {
    snprintf(s->why, sizeof(s->why),
             "every server refused us (Kiss-o'-Death) or could not be reached");
    finish_round(s);
    return;
  }
  tern_timer_start(s->loop, &s->timer, s->o.timeout_ms, 0, round_timeout, s);
}

static void on_reply(struct tern_sntp *s, struct server *sv, const uint8_t *data, size_t len) {
  uint64_t t4_us = tern_loop_micros(s->loop);
  struct tern_sntp_packet p;
  if (tern_sntp_decode(data, len, &p) != 0) {
    snprintf(s->why, sizeof(s->why), "%.60s: truncated reply", sv->name);
    return;
  }
  int rc = tern_sntp_check_reply(&p, sv->sent);
  if (rc == TERN_EPROTO) {
    snprintf(s->why, sizeof(s->why), "%.60s: reply does not match our request (dropped)", sv->name);
    return;
  }
  sv->answered = 1;
  if (rc == TERN_ELIMIT) {
    sv->rate_skip = 4;
    snprintf(s->why, sizeof(s->why), "%.60s: Kiss-o'-Death RATE (backing off)", sv->name);
  } else if (rc == TERN_EDENIED) {
    sv->denied = 1;
    snprintf(s->why, sizeof(s->why), "%.60s: Kiss-o'-Death %.4s (not asking again)", sv->name,
             (const char *)p.ref_id);
  } else if (rc == TERN_EAGAIN) {
    snprintf(s->why, sizeof(s->why), "%.60s: server not synchronised (stratum %d, leap %d)",
             sv->name, p.stratum, p.li);
  } else {
    /* t4 from the monotonic clock: the wall clock may not jump mid-exchange */
    tern_ntp_time t4 = tern_ntp_from_unix_us(sv->t1 + (int64_t)(t4_us - sv->t1_us));
    tern_ntp_time t1 = tern_ntp_from_unix_us(sv->t1);
    int64_t offset, delay;
    tern_sntp_offset_delay(t1, p.receive, p.transmit, t4, &offset, &delay);
    if (delay < 0) delay = 0;
    if (!s->have_best || delay < s->best.delay_us) {
      s->have_best = 1;
      s->best.offset_us = offset;
      s->best.delay_us = delay;
      s->best.stratum = p.stratum;
      tern_addr_str(&sv->udp->peer, s->best.server, sizeof(s->best.server), 1);
    }
  }
  if (sv->udp) {
    sv->udp->fn = NULL;
    tern_close_now(sv->udp);
    sv->udp = NULL;
  }
  int pending = 0;
  for (int i = 0; i < s->nservers; i++) pending += s->servers[i].udp != NULL;
  if (!pending) {
    tern_timer_stop(s->loop, &s->timer);
    finish_round(s);
  }
}

static void on_udp(struct tern_conn *c, int ev, void *ev_data) {
  struct tern_sntp *s = c->fn_data;
  struct server *sv = NULL;
  for (int i = 0; i < s->nservers; i++)
    if (s->servers[i].udp == c) sv = &s->servers[i];
  if (!sv) return;
  if (ev == TERN_EV_READ) on_reply(s, sv, c->rx.data, c->rx.len);
  else if (ev == TERN_EV_ERROR) {
    snprintf(s->why, sizeof(s->why), "%.60s: %.100s", sv->name, (const char *)ev_data);
    sv->udp = NULL;
  }
}

struct tern_sntp *tern_sntp_start(struct tern_loop *loop, const struct tern_sntp_opts *o) {
  if (tern_dns_attach(loop, NULL) != 0) return NULL; /* server names resolve */
  struct tern_sntp *s = tern_alloc(tern_loop_alloc(loop), sizeof(*s));
  if (!s) return NULL;
  s->loop = loop;
  s->o = *o;
  if (!s->o.timeout_ms) s->o.timeout_ms = 2000;
  for (int i = 0; i < TERN_SNTP_MAX_SERVERS && o->servers[i]; i++) {
    const char *n = o->servers[i];
    /* a bare name gets the NTP port */
    const char *colon = strrchr(n, ':');
    int has_port = colon && (n[0] != '[' || colon > strchr(n, ']'));
    snprintf(s->servers[i].name, sizeof(s->servers[i].name), has_port ? "%s" : "%s:123", n);
    s->o.servers[i] = NULL;
    s->nservers++;
  }
  start_round(s);
  return s;
}

void tern_sntp_stop(struct tern_sntp *s) {
  if (!s) return;
  tern_timer_stop(s->loop, &s->timer);
  for (int i = 0; i < s->nservers; i++)
    if (s->servers[i].udp) {
      s->servers[i].udp->fn = NULL;
      tern_close_now(s->servers[i].udp);
    }
  tern_free(tern_loop_alloc(s->loop), s);
}

const struct tern_sntp_result *tern_sntp_result(const struct tern_sntp *s) { return &s->result; }

int tern_sntp_sync(struct tern_loop *loop, const struct tern_sntp_opts *o, uint32_t timeout_ms,
                   struct tern_sntp_result *r) {
  struct tern_sntp *s = tern_sntp_start(loop, o);
  if (!s) return TERN_ENOMEM;
  uint32_t start = tern_loop_now(loop);
  /* until the first round ends (synced or not), or the time is up */
  while (s->in_round && tern_loop_now(loop) - start < timeout_ms)
    tern_loop_poll(loop, (int)(timeout_ms - (tern_loop_now(loop) - start)));
  if (s->in_round) {
    snprintf(s->result.error, sizeof(s->result.error), "%.95s", s->why[0] ? s->why : "timed out");
    s->result.synced = 0;
  }
  *r = s->result;
  tern_sntp_stop(s);
  tern_loop_poll(loop, 0);
  return r->synced ? 0 : TERN_ETIMEDOUT;
}
