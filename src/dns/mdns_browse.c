/* One-shot mDNS queries (RFC 6762 5.1): sent from an ordinary port, so
 * responders answer by unicast; repeated each second until the timeout, on
 * one interface or on every multicast one at once (a socket each). */
#include <stdio.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/mdns.h"

#define MAX_SEEN 64

struct seen {
  char name[256], target[256];
  uint16_t type, port;
  struct tern_addr addr;
  const char *iface; /* the interface it came in on */
};

struct query {
  const char *qname;
  uint16_t qtype;
  struct seen seen[MAX_SEEN];
  int nseen;
  const char *iface; /* while reading one socket's answers */
};

/* TXT rdata (length-prefixed strings) as avahi-browse -p shows it:
 * "a=1" "b=2", quotes and backslashes escaped */
static void txt_text(const uint8_t *p, size_t n, char *out, size_t outlen) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n;) {
    size_t len = p[i++];
    if (len > n - i) break;
    if (len == 0) {
      i += len;
      continue;
    }
    if (o + 3 >= outlen) break;
    if (o) out[o++] = ' ';
    out[o++] = '"';
    for (size_t k = 0; k < len && o + 3 < outlen; k++) {
      char c = (char)p[i + k];
      if (c == '"' || c == '\\') out[o++] = '\\';
      out[o++] = (unsigned char)c < 0x20 ? '?' : c;
    }
    out[o++] = '"';
    out[o] = '\0';
    i += len;
  }
}

static void remember(struct query *q, const uint8_t *msg, size_t len) {
  struct tern_dns_reader r;
  struct tern_dns_record rec;
  if (tern_dns_reader_init(&r, msg, len) != 0 || !(r.h.flags & TERN_DNS_FLAG_QR)) return;
  while (tern_dns_reader_next(&r, &rec) == 1 && q->nseen < MAX_SEEN) {
    if (rec.section == TERN_DNS_QUESTION || rec.ttl == 0) continue; /* goodbyes are not answers */
    struct seen *s = &q->seen[q->nseen];
    memset(s, 0, sizeof(*s));
    if (tern_dns_name_decode(msg, len, rec.name_off, s->name, sizeof(s->name), NULL) != 0) continue;
    s->type = rec.type;
    if (rec.type == TERN_DNS_A && rec.rdlen == 4) memcpy(s->addr.ip, msg + rec.rdata_off, 4);
    else if (rec.type == TERN_DNS_PTR) {
      if (tern_dns_name_decode(msg, len, rec.rdata_off, s->target, sizeof(s->target), NULL))
        continue;
    } else if (rec.type == TERN_DNS_TXT) {
      txt_text(msg + rec.rdata_off, rec.rdlen, s->target, sizeof(s->target));
    } else if (rec.type == TERN_DNS_SRV && rec.rdlen > 6) {
      s->port = (uint16_t)(msg[rec.rdata_off + 4] << 8 | msg[rec.rdata_off + 5]);
      if (tern_dns_name_decode(msg, len, rec.rdata_off + 6, s->target, sizeof(s->target), NULL))
        continue;
    } else continue;
    int dup = 0;
    for (int i = 0; i < q->nseen; i++)
      dup |= q->seen[i].type == s->type && tern_dns_name_eq(q->seen[i].name, s->name) &&
             tern_dns_name_eq(q->seen[i].target, s->target) &&
             !memcmp(q->seen[i].addr.ip, s->addr.ip, 4);
    s->iface = q->iface;
    if (!dup) q->nseen++;
  }
}

/* one socket per interface asked */
struct asker {
  struct query *q;
  char iface[16];
};

static void on_reply(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct asker *a = c->fn_data;
  a->q->iface = a->iface;
  if (ev == TERN_EV_READ) remember(a->q, c->rx.data, c->rx.len);
}

static int run_query(struct tern_loop *loop, struct query *q, const char *iface,
                     uint32_t timeout_ms, int (*enough)(struct query *)) {
  struct asker askers[TERN_MDNS_MAX_IFACES]; /* live while the query runs */
  struct tern_conn *conns[TERN_MDNS_MAX_IFACES];
  int n = 0;
  if (iface) {
    snprintf(askers[n++].iface, sizeof(askers[0].iface), "%.15s", iface);
  } else { /* every interface that is up, multicast and not loopback */
    struct tern_iface_info all[32];
    int count = tern_ifaces(loop, all, 32);
    for (int i = 0; i < count && n < TERN_MDNS_MAX_IFACES; i++)
      if (!all[i].addr.is_ip6 && all[i].up && all[i].multicast && !all[i].loopback)
        snprintf(askers[n++].iface, sizeof(askers[0].iface), "%.15s", all[i].name);
    if (!n) return TERN_ENOTFOUND;
  }
  int open = 0, rc = 0;
  for (int i = 0; i < n; i++) {
    askers[i].q = q;
    conns[open] = tern_listen(loop, "udp://0.0.0.0:0", on_reply, &askers[i]);
    if (!conns[open]) continue;
    rc = tern_udp_set_multicast_if(conns[open], askers[i].iface, 1, 255);
    if (rc) tern_close_now(conns[open]);
    else open++;
  }
  if (!open) {
    tern_loop_poll(loop, 0);
    return rc ? rc : TERN_EIO;
  }
  struct tern_addr group;
  tern_addr_parse("224.0.0.251", 5353, &group);
  uint32_t start = tern_loop_now(loop), last = 0;
  int sent = 0;
  while (tern_loop_now(loop) - start < timeout_ms) {
    if (!sent || tern_loop_now(loop) - last >= 1000) {
      uint8_t buf[512];
      struct tern_dns_writer w;
      uint16_t id;
      tern_random(loop, &id, sizeof(id));
      tern_dns_writer_init(&w, buf, sizeof(buf), id, 0);
      tern_dns_put_question(&w, q->qname, q->qtype, TERN_DNS_IN);
      int len = tern_dns_writer_finish(&w);
      for (int i = 0; i < open && len > 0; i++) tern_sendto(conns[i], &group, buf, (size_t)len);
      sent = 1;
      last = tern_loop_now(loop);
    }
    tern_loop_poll(loop, 100);
    if (enough && enough(q)) break;
  }
  for (int i = 0; i < open; i++) {
    conns[i]->fn = NULL;
    tern_close_now(conns[i]);
  }
  tern_loop_poll(loop, 0);
  return 0;
}

static int has_a(struct query *q) {
  for (int i = 0; i < q->nseen; i++)
    if (q->seen[i].type == TERN_DNS_A && tern_dns_name_eq(q->seen[i].name, q->qname)) return 1;
  return 0;
}

int tern_mdns_resolve(struct tern_loop *loop, const char *name, const char *iface,
                      uint32_t timeout_ms, struct tern_addr *addrs, size_t max, size_t *n) {
  static struct query q;
  memset(&q, 0, sizeof(q));
  q.qname = name;
  q.qtype = TERN_DNS_A;
  *n = 0;
  int rc = run_query(loop, &q, iface, timeout_ms, has_a);
  if (rc) return rc;
  for (int i = 0; i < q.nseen && *n < max; i++)
    if (q.seen[i].type == TERN_DNS_A && tern_dns_name_eq(q.seen[i].name, name))
      addrs[(*n)++] = q.seen[i].addr;
  return *n ? 0 : TERN_ETIMEDOUT;
}

int tern_mdns_browse(struct tern_loop *loop, const char *type, const char *iface,
                     uint32_t timeout_ms, struct tern_mdns_instance *out, size_t max, size_t *n) {
  static struct query q;
  char qname[128];
  snprintf(qname, sizeof(qname), "%s.local", type);
  memset(&q, 0, sizeof(q));
  q.qname = qname;
  q.qtype = TERN_DNS_PTR;
  *n = 0;
  int rc = run_query(loop, &q, iface, timeout_ms, NULL);
  if (rc) return rc;
  for (int i = 0; i < q.nseen && *n < max; i++) {
    if (q.seen[i].type != TERN_DNS_PTR || !tern_dns_name_eq(q.seen[i].name, qname)) continue;
    struct tern_mdns_instance *it = &out[*n];
    memset(it, 0, sizeof(*it));
    const char *inst = q.seen[i].target;
    size_t il = strlen(inst), ql = strlen(qname);
    snprintf(it->instance, sizeof(it->instance), "%.*s", (int)(il > ql + 1 ? il - ql - 1 : il),
             inst);
    snprintf(it->type, sizeof(it->type), "%s", type);
    for (int k = 0; k < q.nseen; k++) {
      if (q.seen[k].type == TERN_DNS_SRV && tern_dns_name_eq(q.seen[k].name, inst)) {
        size_t tl = strlen(q.seen[k].target);
        if (tl >= sizeof(it->host)) continue; /* a host name too long to hold: never cut it */
        it->port = q.seen[k].port;
        memcpy(it->host, q.seen[k].target, tl + 1);
      }
    }
    for (int k = 0; k < q.nseen && it->host[0]; k++)
      if (q.seen[k].type == TERN_DNS_A && tern_dns_name_eq(q.seen[k].name, it->host))
        it->addr = q.seen[k].addr;
    for (int k = 0; k < q.nseen; k++)
      if (q.seen[k].type == TERN_DNS_TXT && tern_dns_name_eq(q.seen[k].name, inst))
        snprintf(it->txt, sizeof(it->txt), "%s", q.seen[k].target);
    if (q.seen[i].iface) snprintf(it->iface, sizeof(it->iface), "%s", q.seen[i].iface);
    int dup = 0;
    for (size_t k = 0; k < *n; k++) dup |= !strcmp(out[k].instance, it->instance);
    if (!dup) (*n)++;
  }
  return *n ? 0 : TERN_ETIMEDOUT;
}

static int has_ptr(struct query *q) {
  for (int i = 0; i < q->nseen; i++)
    if (q->seen[i].type == TERN_DNS_PTR && tern_dns_name_eq(q->seen[i].name, q->qname)) return 1;
  return 0;
}

int tern_mdns_resolve_addr(struct tern_loop *loop, const struct tern_addr *addr, const char *iface,
                           uint32_t timeout_ms, char *name, size_t namelen) {
  static struct query q;
  char qname[64];
  if (addr->is_ip6) return TERN_EUNSUPPORTED;
  snprintf(qname, sizeof(qname), "%u.%u.%u.%u.in-addr.arpa", addr->ip[3], addr->ip[2], addr->ip[1],
           addr->ip[0]);
  memset(&q, 0, sizeof(q));
  q.qname = qname;
  q.qtype = TERN_DNS_PTR;
  int rc = run_query(loop, &q, iface, timeout_ms, has_ptr);
  if (rc) return rc;
  for (int i = 0; i < q.nseen; i++)
    if (q.seen[i].type == TERN_DNS_PTR && tern_dns_name_eq(q.seen[i].name, qname))
      return snprintf(name, namelen, "%s", q.seen[i].target) < (int)namelen ? 0 : TERN_EFULL;
  return TERN_ETIMEDOUT;
}
