/* mDNS responder and one-shot browser (RFC 6762 / RFC 6763), on the DNS
 * codec. One UDP socket per interface, bound to port 5353 and joined to
 * 224.0.0.251 on that interface only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/mdns.h"

#define MDNS_GROUP "224.0.0.251"
#define MDNS_PORT 5353
#define TTL_HOST 120 /* records with a host name or address (RFC 6762 10) */
#define TTL_OTHER 4500
#define CLASS_FLUSH 0x8000u
#define QU_BIT 0x8000u

enum { ST_PROBING, ST_ANNOUNCING, ST_READY };
/* our record kinds; services add PTR/SRV/TXT/ENUM per service */
enum { R_A, R_REV, R_PTR, R_SRV, R_TXT, R_ENUM, R_AAAA, R_KINDS };

struct svc {
  char type[64]; /* "_http._tcp" */
  uint16_t port;
  uint8_t txt[256];
  size_t txt_len;
  int used;
};

struct iface {
  char name[32];
  struct tern_conn *udp;
  struct tern_addr addr, addr6;
  int has_addr, has_addr6;
  /* when each record last went out by multicast: at most once a second */
  uint32_t last_sent[R_KINDS][TERN_MDNS_MAX_SERVICES + 1];
  uint8_t pending[TERN_DNS_MSG_MAX]; /* a delayed answer with shared records */
  int pending_len;
  struct tern_timer pending_timer;
  struct tern_mdns *m;
};

struct tern_mdns {
  struct tern_loop *loop;
  struct tern_mdns_opts o;
  char base[48], label[64];
  int suffix;
  struct iface ifs[TERN_MDNS_MAX_IFACES];
  int nif;
  struct svc svcs[TERN_MDNS_MAX_SERVICES];
  int state, step;
  int announced; /* our records went out at least once: goodbyes owed */
  struct tern_timer timer;
};

static void host_name(struct tern_mdns *m, char *out, size_t n) {
  snprintf(out, n, "%s.local", m->label);
}
static void instance_name(struct tern_mdns *m, const struct svc *s, char *out, size_t n) {
  snprintf(out, n, "%s.%s.local", m->label, s->type);
}
static void reverse_name(const struct tern_addr *a, char *out, size_t n) {
  snprintf(out, n, "%u.%u.%u.%u.in-addr.arpa", a->ip[3], a->ip[2], a->ip[1], a->ip[0]);
}

/* Write one of our records. ttl < 0: the record's own. flush: set the
 * cache-flush bit (unique records, not in legacy answers or goodbyes). */
static void put_record(struct tern_mdns *m, struct tern_dns_writer *w, int section,
                       struct iface *ifc, int kind, const struct svc *s, int ttl, int flush) {
  char name[300], target[300];
  size_t at;
  uint16_t cls = TERN_DNS_IN;
  switch (kind) {
  case R_AAAA:
    if (!ifc->has_addr6) return;
    host_name(m, name, sizeof(name));
    tern_dns_put_rr(w, section, name, TERN_DNS_AAAA, (uint16_t)(cls | (flush ? CLASS_FLUSH : 0)),
                    ttl < 0 ? TTL_HOST : (uint32_t)ttl, ifc->addr6.ip, 16);
    return;
  case R_A:
    if (!ifc->has_addr) return;
    host_name(m, name, sizeof(name));
    tern_dns_put_rr(w, section, name, TERN_DNS_A, (uint16_t)(cls | (flush ? CLASS_FLUSH : 0)),
                    ttl < 0 ? TTL_HOST : (uint32_t)ttl, ifc->addr.ip, 4);
    return;
  case R_REV:
    if (!ifc->has_addr) return;
    reverse_name(&ifc->addr, name, sizeof(name));
    host_name(m, target, sizeof(target));
    tern_dns_rr_begin(w, section, name, TERN_DNS_PTR, (uint16_t)(cls | (flush ? CLASS_FLUSH : 0)),
                      ttl < 0 ? TTL_HOST : (uint32_t)ttl, &at);
    tern_dns_put_name(w, target, 1);
    tern_dns_rr_end(w, at);
    return;
  case R_PTR: /* shared: never the cache-flush bit */
    snprintf(name, sizeof(name), "%.*s.local", (int)sizeof(s->type), s->type);
    instance_name(m, s, target, sizeof(target));
    tern_dns_rr_begin(w, section, name, TERN_DNS_PTR, cls, ttl < 0 ? TTL_OTHER : (uint32_t)ttl,
                      &at);
    tern_dns_put_name(w, target, 1);
    tern_dns_rr_end(w, at);
    return;
  case R_ENUM:
    snprintf(target, sizeof(target), "%.*s.local", (int)sizeof(s->type), s->type);
    tern_dns_rr_begin(w, section, "_services._dns-sd._udp.local", TERN_DNS_PTR, cls,
                      ttl < 0 ? TTL_OTHER : (uint32_t)ttl, &at);
    tern_dns_put_name(w, target, 1);
    tern_dns_rr_end(w, at);
    return;
  case R_SRV:
    instance_name(m, s, name, sizeof(name));
    host_name(m, target, sizeof(target));
    tern_dns_rr_begin(w, section, name, TERN_DNS_SRV, (uint16_t)(cls | (flush ? CLASS_FLUSH : 0)),
                      ttl < 0 ? TTL_HOST : (uint32_t)ttl, &at);
    tern_dns_put_u16(w, 0);
    tern_dns_put_u16(w, 0);
    tern_dns_put_u16(w, s->port);
    tern_dns_put_name(w, target, 1);
    tern_dns_rr_end(w, at);
    return;
  case R_TXT:
    instance_name(m, s, name, sizeof(name));
    tern_dns_put_rr(w, section, name, TERN_DNS_TXT, (uint16_t)(cls | (flush ? CLASS_FLUSH : 0)),
                    ttl < 0 ? TTL_OTHER : (uint32_t)ttl, s->txt, (uint16_t)s->txt_len);
    return;
  }
}

static void send_mcast(struct iface *ifc, const uint8_t *pkt, int len) {
  if (len <= 0 || !ifc->udp) return;
  struct tern_addr group;
  tern_addr_parse(MDNS_GROUP, MDNS_PORT, &group);
  tern_sendto(ifc->udp, &group, pkt, (size_t)len);
}

/* Every record we hold, as an announcement (ttl -1) or goodbye (ttl 0). */
static void announce(struct tern_mdns *m, struct iface *ifc, int ttl) {
  uint8_t buf[TERN_DNS_MSG_MAX];
  struct tern_dns_writer w;
  tern_dns_writer_init(&w, buf, sizeof(buf), 0, TERN_DNS_FLAG_QR | TERN_DNS_FLAG_AA);
  put_record(m, &w, TERN_DNS_ANSWER, ifc, R_A, NULL, ttl, 1);
  put_record(m, &w, TERN_DNS_ANSWER, ifc, R_AAAA, NULL, ttl, 1);
  put_record(m, &w, TERN_DNS_ANSWER, ifc, R_REV, NULL, ttl, 1);
  for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++) {
    if (!m->svcs[i].used) continue;
    put_record(m, &w, TERN_DNS_ANSWER, ifc, R_PTR, &m->svcs[i], ttl, 0);
    put_record(m, &w, TERN_DNS_ANSWER, ifc, R_SRV, &m->svcs[i], ttl, 1);
    put_record(m, &w, TERN_DNS_ANSWER, ifc, R_TXT, &m->svcs[i], ttl, 1);
    put_record(m, &w, TERN_DNS_ANSWER, ifc, R_ENUM, &m->svcs[i], ttl, 0);
  }
  send_mcast(ifc, buf, tern_dns_writer_finish(&w));
}

static void send_probe(struct tern_mdns *m, struct iface *ifc) {
  uint8_t buf[TERN_DNS_MSG_MAX];
  char name[300];
  struct tern_dns_writer w;
  tern_dns_writer_init(&w, buf, sizeof(buf), 0, 0);
  host_name(m, name, sizeof(name));
  /* the first probe asks for unicast replies (QU), the rest multicast */
  uint16_t cls = (uint16_t)(TERN_DNS_IN | (m->step == 0 ? QU_BIT : 0));
  tern_dns_put_question(&w, name, TERN_DNS_ANY, cls);
  for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++) {
    if (!m->svcs[i].used) continue;
    instance_name(m, &m->svcs[i], name, sizeof(name));
    tern_dns_put_question(&w, name, TERN_DNS_ANY, cls);
  }
  /* our proposed data, for simultaneous-probe tie-breaking */
  put_record(m, &w, TERN_DNS_AUTHORITY, ifc, R_A, NULL, -1, 0);
  for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++)
    if (m->svcs[i].used) put_record(m, &w, TERN_DNS_AUTHORITY, ifc, R_SRV, &m->svcs[i], -1, 0);
  send_mcast(ifc, buf, tern_dns_writer_finish(&w));
}

static void step(struct tern_timer *t, void *arg);

static void start_probing(struct tern_mdns *m, uint32_t delay) {
  m->state = ST_PROBING;
  m->step = 0;
  for (int i = 0; i < m->nif; i++) {
    m->ifs[i].has_addr = tern_iface_ipv4(m->loop, m->ifs[i].name, &m->ifs[i].addr) == 0;
    m->ifs[i].has_addr6 = tern_iface_ipv6(m->loop, m->ifs[i].name, &m->ifs[i].addr6) == 0;
  }
  /* RFC 6762 8.1: wait a random 0-250 ms before the first probe */
  uint32_t r = 0;
  tern_random(m->loop, &r, sizeof(r));
  tern_timer_start(m->loop, &m->timer, delay + r % 250, 0, step, m);
}

static void step(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_mdns *m = arg;
  if (m->state == ST_PROBING) {
    if (m->step < 3) {
      for (int i = 0; i < m->nif; i++) send_probe(m, &m->ifs[i]);
      m->step++;
      tern_timer_start(m->loop, &m->timer, 250, 0, step, m);
      return;
    }
    /* three probes, no objection: the name is ours */
    m->state = ST_ANNOUNCING;
    m->step = 0;
    if (m->o.fn) m->o.fn(TERN_MDNS_EV_NAME, m->label, m->o.arg);
  }
  if (m->state == ST_ANNOUNCING) {
    for (int i = 0; i < m->nif; i++) announce(m, &m->ifs[i], -1);
    m->announced = 1;
    if (++m->step < 2) {
      tern_timer_start(m->loop, &m->timer, 1000, 0, step, m);
      return;
    }
    m->state = ST_READY;
  }
}

static void rename_after_conflict(struct tern_mdns *m) {
  if (m->o.fn) m->o.fn(TERN_MDNS_EV_CONFLICT, m->label, m->o.arg);
  m->suffix++;
  snprintf(m->label, sizeof(m->label), "%s-%d", m->base, m->suffix & 0xffff);
  TERN_INFO(m->loop, "mdns: name conflict; trying %s.local", m->label);
  start_probing(m, 0);
}

/* Do we own this name? Returns a mask of the kinds matching it. */
static int names_ours(struct tern_mdns *m, struct iface *ifc, const char *q, int *svc_index) {
  char n[300];
  *svc_index = -1;
  host_name(m, n, sizeof(n));
  if (tern_dns_name_eq(q, n)) return 1 << R_A | 1 << R_AAAA;
  if (ifc->has_addr) {
    reverse_name(&ifc->addr, n, sizeof(n));
    if (tern_dns_name_eq(q, n)) return 1 << R_REV;
  }
  if (tern_dns_name_eq(q, "_services._dns-sd._udp.local")) return 1 << R_ENUM;
  for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++) {
    if (!m->svcs[i].used) continue;
    snprintf(n, sizeof(n), "%s.local", m->svcs[i].type);
    if (tern_dns_name_eq(q, n)) {
      *svc_index = i;
      return 1 << R_PTR;
    }
    instance_name(m, &m->svcs[i], n, sizeof(n));
    if (tern_dns_name_eq(q, n)) {
      *svc_index = i;
      return 1 << R_SRV | 1 << R_TXT;
    }
  }
  return 0;
}

static int kind_type(int kind) {
  static const int types[] = {TERN_DNS_A,   TERN_DNS_PTR, TERN_DNS_PTR, TERN_DNS_SRV,
                              TERN_DNS_TXT, TERN_DNS_PTR, TERN_DNS_AAAA};
  return types[kind];
}

static int have(struct iface *ifc, int kind) {
  return (kind != R_A && kind != R_REV && kind != R_AAAA) ||
         (kind == R_AAAA ? ifc->has_addr6 : ifc->has_addr);
}

/* RFC 6762 6.2: a record goes out by multicast at most once a second. */
static int recently_sent(struct tern_mdns *m, struct iface *ifc, int kind, int si) {
  uint32_t last = ifc->last_sent[kind][si + 1];
  return last && tern_loop_now(m->loop) - last < 1000;
}

/* Someone else's packet: conflicts while probing or after. */
static void check_conflict(struct tern_mdns *m, struct iface *ifc, const uint8_t *msg, size_t len,
                           int is_response) {
  struct tern_dns_reader r;
  struct tern_dns_record rec;
  char name[300];
  if (tern_dns_reader_init(&r, msg, len) != 0) return;
  while (tern_dns_reader_next(&r, &rec) == 1) {
    if (rec.section == TERN_DNS_QUESTION) continue;
    if (!is_response && rec.section != TERN_DNS_AUTHORITY) continue;
    if (rec.type != TERN_DNS_A && rec.type != TERN_DNS_SRV) continue;
    if (tern_dns_name_decode(msg, len, rec.name_off, name, sizeof(name), NULL) != 0) continue;
    int si;
    int mask = names_ours(m, ifc, name, &si);
    if (!(mask & (1 << R_A | 1 << R_SRV))) continue;
    /* identical data is ourselves (multicast loopback), not a rival */
    if (rec.type == TERN_DNS_A && rec.rdlen == 4 && ifc->has_addr &&
        !memcmp(msg + rec.rdata_off, ifc->addr.ip, 4))
      continue;
    if (rec.type == TERN_DNS_SRV && rec.rdlen >= 6 && si >= 0) {
      uint16_t port = (uint16_t)(msg[rec.rdata_off + 4] << 8 | msg[rec.rdata_off + 5]);
      char target[300], mine[300];
      host_name(m, mine, sizeof(mine));
      if (port == m->svcs[si].port &&
          tern_dns_name_decode(msg, len, rec.rdata_off + 6, target, sizeof(target), NULL) == 0 &&
          tern_dns_name_eq(target, mine))
        continue;
    }
    if (is_response) {
      rename_after_conflict(m);
      return;
    }
    if (m->state == ST_PROBING && rec.type == TERN_DNS_A && rec.rdlen == 4 && ifc->has_addr &&
        memcmp(msg + rec.rdata_off, ifc->addr.ip, 4) > 0) {
      /* simultaneous probe, and theirs is lexicographically later: we
       * defer one second and probe again (RFC 6762 8.2) */
      start_probing(m, 1000);
      return;
    }
  }
}

static void flush_pending(struct tern_timer *t, void *arg) {
  (void)t;
  struct iface *ifc = arg;
  send_mcast(ifc, ifc->pending, ifc->pending_len);
  ifc->pending_len = 0;
}

/* Is our record listed in the query's known answers with at least half its TTL? */
static int known(struct tern_mdns *m, struct iface *ifc, const uint8_t *msg, size_t len, int kind,
                 const struct svc *s) {
  struct tern_dns_reader r;
  struct tern_dns_record rec;
  uint8_t mine[512];
  struct tern_dns_writer w;
  tern_dns_writer_init(&w, mine, sizeof(mine), 0, 0);
  put_record(m, &w, TERN_DNS_ANSWER, ifc, kind, s, -1, 0);
  int ml = tern_dns_writer_finish(&w);
  struct tern_dns_reader mr;
  struct tern_dns_record my;
  if (ml <= 0 || tern_dns_reader_init(&mr, mine, (size_t)ml) || tern_dns_reader_next(&mr, &my) != 1)
    return 0;
  char myname[300], name[300];
  tern_dns_name_decode(mine, (size_t)ml, my.name_off, myname, sizeof(myname), NULL);
  if (tern_dns_reader_init(&r, msg, len) != 0) return 0;
  while (tern_dns_reader_next(&r, &rec) == 1) {
    if (rec.section != TERN_DNS_ANSWER || rec.type != my.type || rec.ttl < my.ttl / 2) continue;
    if (tern_dns_name_decode(msg, len, rec.name_off, name, sizeof(name), NULL) ||
        !tern_dns_name_eq(name, myname))
      continue;
    if (rec.type == TERN_DNS_PTR) { /* compare the target names, compression aside */
      char a[300], b[300];
      if (!tern_dns_name_decode(msg, len, rec.rdata_off, a, sizeof(a), NULL) &&
          !tern_dns_name_decode(mine, (size_t)ml, my.rdata_off, b, sizeof(b), NULL) &&
          tern_dns_name_eq(a, b))
        return 1;
    } else if (rec.rdlen == my.rdlen &&
               !memcmp(msg + rec.rdata_off, mine + my.rdata_off, my.rdlen)) {
      return 1;
    }
  }
  return 0;
}

static void answer_query(struct tern_mdns *m, struct iface *ifc, const struct tern_addr *from,
                         const uint8_t *msg, size_t len) {
  struct tern_dns_reader r;
  struct tern_dns_record rec;
  if (tern_dns_reader_init(&r, msg, len) != 0) return;
  int legacy = from->port != MDNS_PORT;
  uint8_t buf[TERN_DNS_MSG_MAX];
  struct tern_dns_writer w;
  tern_dns_writer_init(&w, buf, sizeof(buf), legacy ? r.h.id : 0,
                       TERN_DNS_FLAG_QR | TERN_DNS_FLAG_AA);
  int answers = 0, unique = 0, unicast = legacy, all_qu = 1;
  char qname[300];
  /* multicast or unicast is known before answering: QU on every question,
   * or a legacy query, means unicast */
  struct tern_dns_reader pre = r;
  while (tern_dns_reader_next(&pre, &rec) == 1 && rec.section == TERN_DNS_QUESTION)
    if (!(rec.cls & QU_BIT)) all_qu = 0;
  int multicast = !unicast && !all_qu;
  int sent_kind[R_KINDS][TERN_MDNS_MAX_SERVICES + 1];
  memset(sent_kind, 0, sizeof(sent_kind));
  /* legacy replies echo the questions (RFC 6762 6.7) */
  struct tern_dns_reader qr = r;
  while (legacy && tern_dns_reader_next(&qr, &rec) == 1 && rec.section == TERN_DNS_QUESTION) {
    if (tern_dns_name_decode(msg, len, rec.name_off, qname, sizeof(qname), NULL) == 0)
      tern_dns_put_question(&w, qname, rec.type, rec.cls & 0x7fff);
  }
  int add_srv[TERN_MDNS_MAX_SERVICES] = {0}, add_a = 0;
  int ttl_cap = legacy ? 10 : -1;
  while (tern_dns_reader_next(&r, &rec) == 1 && rec.section == TERN_DNS_QUESTION) {
    if ((rec.cls & 0x7fff) != TERN_DNS_IN && (rec.cls & 0x7fff) != 255) continue;
    if (tern_dns_name_decode(msg, len, rec.name_off, qname, sizeof(qname), NULL) != 0) continue;
    int si;
    int mask = names_ours(m, ifc, qname, &si);
    if (!mask) continue;
    int found = 0;
    for (int kind = R_A; kind < R_KINDS; kind++) {
      if (!(mask & (1 << kind))) continue;
      if (rec.type != TERN_DNS_ANY && rec.type != kind_type(kind)) continue;
      if (kind == R_ENUM) {
        for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++) {
          if (!m->svcs[i].used || known(m, ifc, msg, len, R_ENUM, &m->svcs[i])) continue;
          put_record(m, &w, TERN_DNS_ANSWER, ifc, R_ENUM, &m->svcs[i], ttl_cap, 0);
          answers++;
        }
        found = 1;
        continue;
      }
      const struct svc *s = si >= 0 ? &m->svcs[si] : NULL;
      if (!have(ifc, kind)) continue;
      found = 1;
      if (known(m, ifc, msg, len, kind, s)) continue; /* known-answer suppression */
      if (multicast && recently_sent(m, ifc, kind, si)) continue;
      sent_kind[kind][si + 1] = 1;
      int is_unique = kind != R_PTR;
      put_record(m, &w, TERN_DNS_ANSWER, ifc, kind, s, ttl_cap, is_unique && !legacy);
      answers++;
      unique |= is_unique;
      if (kind == R_PTR && si >= 0) add_srv[si] = 1;
      if (kind == R_SRV) add_a = 1;
    }
    if (!found && mask & (1 << R_A) && (rec.type == TERN_DNS_AAAA || rec.type == TERN_DNS_A)) {
      /* we have no record of that type: say so with an NSEC listing what we
       * have (RFC 6762 6.1); the next-name field is never compressed */
      char name[300];
      size_t at;
      host_name(m, name, sizeof(name));
      tern_dns_rr_begin(&w, TERN_DNS_ANSWER, name, TERN_DNS_NSEC,
                        (uint16_t)(TERN_DNS_IN | (legacy ? 0 : CLASS_FLUSH)),
                        legacy ? 10 : TTL_HOST, &at);
      tern_dns_put_name(&w, name, 0);
      /* window 0: bit 1 is A (byte 0, 0x40), bit 28 is AAAA (byte 3, 0x08) */
      uint8_t bitmap[6] = {0, 4, (uint8_t)(ifc->has_addr ? 0x40 : 0),
                           0, 0, (uint8_t)(ifc->has_addr6 ? 0x08 : 0)};
      tern_dns_put_bytes(&w, bitmap, sizeof(bitmap));
      tern_dns_rr_end(&w, at);
      answers++;
      unique = 1;
    }
  }
  if (!answers) return;
  for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++) {
    if (!add_srv[i]) continue;
    put_record(m, &w, TERN_DNS_ADDITIONAL, ifc, R_SRV, &m->svcs[i], ttl_cap, !legacy);
    put_record(m, &w, TERN_DNS_ADDITIONAL, ifc, R_TXT, &m->svcs[i], ttl_cap, !legacy);
    add_a = 1;
  }
  if (add_a) {
    put_record(m, &w, TERN_DNS_ADDITIONAL, ifc, R_A, NULL, ttl_cap, !legacy);
    put_record(m, &w, TERN_DNS_ADDITIONAL, ifc, R_AAAA, NULL, ttl_cap, !legacy);
  }
  int n = tern_dns_writer_finish(&w);
  if (n <= 0) return;
  if (multicast) { /* remember what went out, for the once-a-second rule */
    uint32_t now = tern_loop_now(m->loop) | 1;
    for (int k = 0; k < R_KINDS; k++)
      for (int i = 0; i <= TERN_MDNS_MAX_SERVICES; i++)
        if (sent_kind[k][i]) ifc->last_sent[k][i] = now;
  }
  if (!multicast) {
    tern_sendto(ifc->udp, from, buf, (size_t)n);
    return;
  }
  if (unique) {
    send_mcast(ifc, buf, n);
    return;
  }
  /* only shared records: a random 20-120 ms delay, so many responders do
   * not answer at once (RFC 6762 6) */
  if (ifc->pending_len) return; /* one already on its way */
  memcpy(ifc->pending, buf, (size_t)n);
  ifc->pending_len = n;
  uint32_t rnd = 0;
  tern_random(m->loop, &rnd, sizeof(rnd));
  tern_timer_start(m->loop, &ifc->pending_timer, 20 + rnd % 101, 0, flush_pending, ifc);
}

static void on_udp(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev != TERN_EV_READ) return;
  struct iface *ifc = c->fn_data;
  struct tern_mdns *m = ifc->m;
  struct tern_dns_reader r;
  if (tern_dns_reader_init(&r, c->rx.data, c->rx.len) != 0) return; /* malformed: dropped */
  int is_response = (r.h.flags & TERN_DNS_FLAG_QR) != 0;
  if (TERN_DNS_RCODE(r.h.flags) != 0 || (r.h.flags & 0x7800)) return; /* opcode must be 0 */
  check_conflict(m, ifc, c->rx.data, c->rx.len, is_response);
  if (!is_response && m->state != ST_PROBING) answer_query(m, ifc, &c->peer, c->rx.data, c->rx.len);
}

static void on_bus(struct tern_loop *loop, int ev, const void *data, void *arg) {
  (void)loop;
  (void)data;
  /* a link back or a new address: claim and announce again (RFC 6762 13) */
  if (ev == TERN_BUS_NET_UP || ev == TERN_BUS_ADDR_CHANGED) start_probing(arg, 0);
}

struct tern_mdns *tern_mdns_start(struct tern_loop *loop, const struct tern_mdns_opts *o,
                                  int *err) {
  if (!o->name || !*o->name || strlen(o->name) > 40 || !o->ifaces[0]) {
    *err = TERN_EINVAL;
    return NULL;
  }
  struct tern_mdns *m = tern_alloc(tern_loop_alloc(loop), sizeof(*m));
  if (!m) {
    *err = TERN_ENOMEM;
    return NULL;
  }
  m->loop = loop;
  m->o = *o;
  m->suffix = 1;
  snprintf(m->base, sizeof(m->base), "%s", o->name);
  snprintf(m->label, sizeof(m->label), "%s", o->name);
  for (int i = 0; i < TERN_MDNS_MAX_IFACES && o->ifaces[i]; i++) {
    struct iface *ifc = &m->ifs[m->nif];
    snprintf(ifc->name, sizeof(ifc->name), "%s", o->ifaces[i]);
    ifc->m = m;
    char url[32];
    snprintf(url, sizeof(url), "udp://0.0.0.0:%d", MDNS_PORT);
    ifc->udp = tern_listen(loop, url, on_udp, ifc);
    int rc = ifc->udp ? tern_udp_join(ifc->udp, MDNS_GROUP, ifc->name) : TERN_EDENIED;
    if (!rc) rc = tern_udp_set_multicast_if(ifc->udp, ifc->name, 1, 255);
    if (rc) {
      TERN_ERR(loop, "mdns: %s: %s", ifc->name, tern_strerror(rc));
      *err = rc;
      m->nif++;
      tern_mdns_stop(m);
      return NULL;
    }
    m->nif++;
  }
  for (int i = 0; i < TERN_MDNS_MAX_IFACES; i++) m->o.ifaces[i] = NULL;
  m->o.name = NULL;
  tern_bus_subscribe(loop, on_bus, m);
  start_probing(m, 0);
  *err = 0;
  return m;
}

int tern_mdns_add_service(struct tern_mdns *m, const struct tern_mdns_service *svc) {
  if (!svc->type || strlen(svc->type) >= sizeof(m->svcs[0].type)) return TERN_EINVAL;
  for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++) {
    struct svc *s = &m->svcs[i];
    if (s->used) continue;
    memset(s, 0, sizeof(*s));
    snprintf(s->type, sizeof(s->type), "%s", svc->type);
    s->port = svc->port;
    for (int k = 0; k < TERN_MDNS_MAX_TXT && svc->txt[k]; k++) {
      size_t l = strlen(svc->txt[k]);
      if (l > 255 || s->txt_len + l + 1 > sizeof(s->txt)) return TERN_EFULL;
      s->txt[s->txt_len++] = (uint8_t)l;
      memcpy(s->txt + s->txt_len, svc->txt[k], l);
      s->txt_len += l;
    }
    if (!s->txt_len) s->txt[s->txt_len++] = 0; /* an empty TXT is one empty string (RFC 6763 6.1) */
    s->used = 1;
    start_probing(m, 0); /* the instance name is unique: probe it, then announce */
    return 0;
  }
  return TERN_EFULL;
}

static void goodbye_service(struct tern_mdns *m, struct svc *s) {
  for (int i = 0; i < m->nif; i++) {
    uint8_t buf[TERN_DNS_MSG_MAX];
    struct tern_dns_writer w;
    tern_dns_writer_init(&w, buf, sizeof(buf), 0, TERN_DNS_FLAG_QR | TERN_DNS_FLAG_AA);
    put_record(m, &w, TERN_DNS_ANSWER, &m->ifs[i], R_PTR, s, 0, 0);
    put_record(m, &w, TERN_DNS_ANSWER, &m->ifs[i], R_SRV, s, 0, 0);
    put_record(m, &w, TERN_DNS_ANSWER, &m->ifs[i], R_TXT, s, 0, 0);
    send_mcast(&m->ifs[i], buf, tern_dns_writer_finish(&w));
  }
}

int tern_mdns_remove_service(struct tern_mdns *m, const char *type) {
  for (int i = 0; i < TERN_MDNS_MAX_SERVICES; i++) {
    if (!m->svcs[i].used || strcmp(m->svcs[i].type, type)) continue;
    goodbye_service(m, &m->svcs[i]);
    m->svcs[i].used = 0;
    return 0;
  }
  return TERN_ENOTFOUND;
}

void tern_mdns_stop(struct tern_mdns *m) {
  if (!m) return;
  tern_bus_unsubscribe(m->loop, on_bus, m);
  tern_timer_stop(m->loop, &m->timer);
  for (int i = 0; i < m->nif; i++) {
    struct iface *ifc = &m->ifs[i];
    if (m->announced) { /* goodbyes: TTL 0 (with a fresh address: re-probing does not cancel them)
                         */
      ifc->has_addr = tern_iface_ipv4(m->loop, ifc->name, &ifc->addr) == 0;
      announce(m, ifc, 0);
    }
    tern_timer_stop(m->loop, &ifc->pending_timer);
    if (ifc->udp) {
      ifc->udp->fn = NULL;
      tern_close(ifc->udp);
    }
  }
  tern_free(tern_loop_alloc(m->loop), m);
}

const char *tern_mdns_name(const struct tern_mdns *m) { return m->label; }
int tern_mdns_ready(const struct tern_mdns *m) { return m->state != ST_PROBING; }
