/* Asynchronous stub resolver: /etc/hosts, then a small TTL cache, then UDP
 * queries to the configured servers with per-attempt timeouts, rotating
 * through servers. Never blocks the loop (no getaddrinfo). On a board
 * without files (TERN_DNS_SYSTEM_FILES 0) the servers are the network's
 * (DHCP's) and there is no hosts file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/file.h"

struct cache_entry {
  char name[TERN_DNS_NAME_MAX + 1];
  int family;
  uint32_t expires;
  size_t n;
  struct tern_addr addrs[TERN_DNS_MAX_ADDRS];
};

struct query {
  struct query *next;
  struct tern_loop *loop;
  char name[TERN_DNS_NAME_MAX + 1];
  int family;     /* what the caller asked for */
  uint16_t qtype; /* what is being asked now */
  uint16_t id;
  int attempt;
  struct tern_conn *udp;
  struct tern_timer timer;
  tern_resolve_fn fn;
  void *arg;
};

struct tern_resolver {
  struct tern_addr servers[TERN_DNS_MAX_SERVERS];
  int nservers;
  int fixed; /* the servers came from tern_dns_opts: never replaced */
#if TERN_DNS_SYSTEM_FILES
  char hosts_file[256]; /* "" for none */
#endif
  struct query *queries;
  struct cache_entry cache[TERN_DNS_CACHE_SIZE];
  unsigned cache_next;
};

/* Split off the next token (strtok_r is POSIX, not C11). */
static char *next_token(char **p, const char *delims) {
  char *s = *p + strspn(*p, delims);
  if (!*s) {
    *p = s;
    return NULL;
  }
  char *end = s + strcspn(s, delims);
  if (*end) *end++ = '\0';
  *p = end;
  return s;
}

#if TERN_DNS_SYSTEM_FILES
/* The next line of text in *p (cut at '\n'); NULL at the end. */
static char *next_line(char **p) {
  if (!**p) return NULL;
  char *line = *p, *nl = strchr(line, '\n');
  if (nl) {
    *nl = '\0';
    *p = nl + 1;
  } else *p = line + strlen(line);
  return line;
}
#endif

static void load_servers(struct tern_loop *loop, struct tern_resolver *r,
                         const struct tern_dns_opts *o) {
  if (o && o->servers) {
    /* "ip[:port],ip[:port]" */
    char list[256];
    snprintf(list, sizeof(list), "%s", o->servers);
    char *rest = list;
    for (char *tok = next_token(&rest, ", "); tok && r->nservers < TERN_DNS_MAX_SERVERS;
         tok = next_token(&rest, ", ")) {
      uint16_t port = 53;
      char *colon = strrchr(tok, ':');
      if (colon && strchr(tok, ':') == colon) {
        *colon = '\0';
        port = (uint16_t)atoi(colon + 1);
      }
      if (tern_addr_parse(tok, port, &r->servers[r->nservers]) == 0) r->nservers++;
    }
    r->fixed = 1;
    return;
  }
#if TERN_DNS_SYSTEM_FILES
  char *text, *rest;
  if (tern_file_load(tern_loop_alloc(loop),
                     o && o->resolv_conf ? o->resolv_conf : TERN_DNS_RESOLV_CONF, 64 * 1024, &text,
                     NULL) != 0)
    return;
  rest = text;
  for (char *line = next_line(&rest); line && r->nservers < TERN_DNS_MAX_SERVERS;
       line = next_line(&rest)) {
    char ip[64];
    size_t n;
    line += strspn(line, " \t");
    if (strncmp(line, "nameserver", 10) || !strchr(" \t", line[10]) || !line[10]) continue;
    line += 10 + strspn(line + 10, " \t");
    if ((n = strcspn(line, " \t\r#;")) == 0 || n >= sizeof(ip)) continue;
    memcpy(ip, line, n);
    ip[n] = '\0';
    if (tern_addr_parse(ip, 53, &r->servers[r->nservers]) == 0) r->nservers++;
  }
  tern_free(tern_loop_alloc(loop), text);
#else
  (void)loop;
#endif
}

#if !TERN_DNS_SYSTEM_FILES
/* The network's servers now (a renewed lease may name others). A query in
 * flight keeps rotating through the list; an empty answer keeps the last. */
static void refresh_servers(struct tern_loop *loop, struct tern_resolver *r) {
  struct tern_addr now[TERN_DNS_MAX_SERVERS];
  int n = r->fixed || r->queries ? 0 : tern_iface_dns_servers(loop, now, TERN_DNS_MAX_SERVERS);
  if (n > 0) {
    memcpy(r->servers, now, (size_t)n * sizeof(now[0]));
    r->nservers = n;
  }
}
#endif

static void resolver_free(struct tern_loop *loop) {
  struct tern_resolver *r = tern_loop_resolver(loop);
  while (r->queries) {
    struct query *q = r->queries;
    r->queries = q->next;
    tern_timer_stop(loop, &q->timer);
    if (q->udp) {
      q->udp->fn = NULL;
      tern_close_now(q->udp);
    }
    tern_free(tern_loop_alloc(loop), q);
  }
  tern_free(tern_loop_alloc(loop), r);
}

static int resolve(struct tern_loop *loop, const char *name, int family, tern_resolve_fn fn,
                   void *arg);
static void cancel(struct tern_loop *loop, void *arg);
static const struct tern_resolver_ops resolver_ops = {resolve, cancel, resolver_free};

int tern_dns_attach(struct tern_loop *loop, const struct tern_dns_opts *opts) {
  struct tern_resolver *old = tern_loop_resolver(loop);
  if (old && !opts) return 0; /* keep what is there */
  struct tern_resolver *r = tern_alloc(tern_loop_alloc(loop), sizeof(*r));
  if (!r) return TERN_ENOMEM;
  load_servers(loop, r, opts);
#if TERN_DNS_SYSTEM_FILES
  const char *hosts = opts && opts->hosts_file ? opts->hosts_file : TERN_DNS_HOSTS_FILE;
  if (strlen(hosts) >= sizeof(r->hosts_file)) {
    tern_free(tern_loop_alloc(loop), r);
    return TERN_EINVAL;
  }
  strcpy(r->hosts_file, hosts);
#endif
  tern_loop_set_resolver(loop, &resolver_ops, r);
  return 0;
}

#if TERN_DNS_SYSTEM_FILES
static int family_ok(int family, const struct tern_addr *a) {
  return family == TERN_RESOLVE_ANY || (family == TERN_RESOLVE_IP6) == (a->is_ip6 != 0);
}

/* /etc/hosts: "ADDRESS NAME [ALIAS...]" */
static size_t lookup_hosts(struct tern_loop *loop, struct tern_resolver *r, const char *name,
                           int family, struct tern_addr *out) {
  char *text, *rest;
  if (!r->hosts_file[0] ||
      tern_file_load(tern_loop_alloc(loop), r->hosts_file, 1024 * 1024, &text, NULL) != 0)
    return 0;
  size_t n = 0;
  rest = text;
  for (char *line = next_line(&rest); line && n < TERN_DNS_MAX_ADDRS; line = next_line(&rest)) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *save = line, *ip = next_token(&save, " \t\r\n");
    if (!ip) continue;
    struct tern_addr a;
    if (tern_addr_parse(ip, 0, &a) != 0 || !family_ok(family, &a)) continue;
    for (char *h = next_token(&save, " \t\r\n"); h; h = next_token(&save, " \t\r\n")) {
      if (tern_dns_name_eq(h, name)) {
        out[n++] = a;
        break;
      }
    }
  }
  tern_free(tern_loop_alloc(loop), text);
  return n;
}
#endif

static struct cache_entry *cache_find(struct tern_loop *loop, struct tern_resolver *r,
                                      const char *name, int family) {
  uint32_t now = tern_loop_now(loop);
  for (int i = 0; i < TERN_DNS_CACHE_SIZE; i++) {
    struct cache_entry *e = &r->cache[i];
    if (e->n && e->family == family && tern_dns_name_eq(e->name, name)) {
      if (tern_time_before(now, e->expires)) return e;
      e->n = 0; /* expired */
    }
  }
  return NULL;
}

static void cache_put(struct tern_loop *loop, struct tern_resolver *r, const char *name, int family,
                      const struct tern_addr *addrs, size_t n, uint32_t ttl) {
  if (ttl == 0 || n == 0) return;
  if (ttl > TERN_DNS_CACHE_MAX_TTL) ttl = TERN_DNS_CACHE_MAX_TTL;
  struct cache_entry *e = &r->cache[r->cache_next++ % TERN_DNS_CACHE_SIZE];
  snprintf(e->name, sizeof(e->name), "%s", name);
  e->family = family;
  e->expires = tern_loop_now(loop) + ttl * 1000u;
  e->n = n;
  memcpy(e->addrs, addrs, n * sizeof(*addrs));
}

static void query_free(struct query *q) {
  struct tern_loop *loop = q->loop;
  struct tern_resolver *r = tern_loop_resolver(loop);
  for (struct query **pp = &r->queries; *pp; pp = &(*pp)->next)
    if (*pp == q) {
      *pp = q->next;
      break;
    }
  tern_timer_stop(loop, &q->timer);
  if (q->udp) {
    q->udp->fn = NULL;
    tern_close_now(q->udp);
  }
  tern_free(tern_loop_alloc(loop), q);
}

static void query_done(struct query *q, int err, const struct tern_addr *addrs, size_t n) {
  tern_resolve_fn fn = q->fn;
  void *arg = q->arg;
  struct tern_loop *loop = q->loop;
  query_free(q);
  fn(loop, err, addrs, n, arg);
}

static void send_attempt(struct query *q);

static void on_udp(struct tern_conn *c, int ev, void *ev_data);

static void attempt_timeout(struct tern_timer *t, void *arg) {
  (void)t;
  struct query *q = arg;
  q->attempt++;
  send_attempt(q);
}

static void send_attempt(struct query *q) {
  struct tern_loop *loop = q->loop;
  struct tern_resolver *r = tern_loop_resolver(loop);
  if (q->attempt >= TERN_DNS_ATTEMPTS * (r->nservers > 1 ? r->nservers : 1)) {
    query_done(q, TERN_ETIMEDOUT, NULL, 0);
    return;
  }
  if (q->udp) {
    q->udp->fn = NULL;
    tern_close_now(q->udp);
    q->udp = NULL;
  }
  /* A new socket (new source port) and a new random id for each attempt. */
  tern_random(q->loop, &q->id, sizeof(q->id));
  const struct tern_addr *server = &r->servers[q->attempt % r->nservers];
  q->udp = tern_connect_addr(loop, server, 1, on_udp, q);
  if (!q->udp) {
    query_done(q, TERN_ENOMEM, NULL, 0);
    return;
  }
  uint8_t buf[TERN_DNS_NAME_MAX + 32];
  struct tern_dns_writer w;
  tern_dns_writer_init(&w, buf, sizeof(buf), q->id, TERN_DNS_FLAG_RD);
  tern_dns_put_question(&w, q->name, q->qtype, TERN_DNS_IN);
  int len = tern_dns_writer_finish(&w);
  if (len < 0) {
    query_done(q, len, NULL, 0);
    return;
  }
  tern_timer_start(loop, &q->timer, TERN_DNS_TIMEOUT_MS, 0, attempt_timeout, q);
  if (tern_sendto(q->udp, NULL, buf, (size_t)len) != 0) {
    /* Unreachable server: let the timer move on to the next one. */
  }
}

/* Parse an answer for q. Returns 1 when q was finished, 0 to ignore it. */
static int handle_reply(struct query *q, const uint8_t *msg, size_t len) {
  struct tern_dns_reader rd;
  struct tern_dns_record rec;
  if (tern_dns_reader_init(&rd, msg, len) != 0) return 0;
  if (rd.h.id != q->id || !(rd.h.flags & TERN_DNS_FLAG_QR) || rd.h.qdcount != 1) return 0;
  char name[TERN_DNS_NAME_MAX + 1];
  /* The question must be ours: a reply to something else is not an answer. */
  if (tern_dns_reader_next(&rd, &rec) != 1 ||
      tern_dns_name_decode(msg, len, rec.name_off, name, sizeof(name), NULL) != 0 ||
      !tern_dns_name_eq(name, q->name) || rec.type != q->qtype)
    return 0;
  unsigned rcode = TERN_DNS_RCODE(rd.h.flags);
  if (rcode == 3) {
    query_done(q, TERN_ERESOLVE, NULL, 0);
    return 1;
  }                         /* NXDOMAIN */
  if (rcode != 0) return 0; /* SERVFAIL, REFUSED: the timer tries the next server */
  struct tern_addr addrs[TERN_DNS_MAX_ADDRS];
  size_t n = 0;
  uint32_t ttl = UINT32_MAX;
  int rc;
  while ((rc = tern_dns_reader_next(&rd, &rec)) == 1 && n < TERN_DNS_MAX_ADDRS) {
    if (rec.section != TERN_DNS_ANSWER || (rec.cls & 0x7fff) != TERN_DNS_IN) continue;
    /* Follows CNAME chains implicitly: the server puts the target's
     * records in the same answer, and we take any address of our type. */
    if (rec.type == TERN_DNS_A && q->qtype == TERN_DNS_A && rec.rdlen == 4) {
      memset(&addrs[n], 0, sizeof(addrs[n]));
      memcpy(addrs[n].ip, msg + rec.rdata_off, 4);
    } else if (rec.type == TERN_DNS_AAAA && q->qtype == TERN_DNS_AAAA && rec.rdlen == 16) {
      memset(&addrs[n], 0, sizeof(addrs[n]));
      memcpy(addrs[n].ip, msg + rec.rdata_off, 16);
      addrs[n].is_ip6 = 1;
    } else {
      continue;
    }
    if (rec.ttl < ttl) ttl = rec.ttl;
    n++;
  }
  if (rc < 0) return 0;
  if (n == 0 && q->family == TERN_RESOLVE_ANY && q->qtype == TERN_DNS_A) {
    /* No IPv4 address: ask for IPv6 before giving up. */
    q->qtype = TERN_DNS_AAAA;
    q->attempt = 0;
    send_attempt(q);
    return 1;
  }
  if (n == 0) {
    query_done(q, TERN_ERESOLVE, NULL, 0);
    return 1;
  }
  cache_put(q->loop, tern_loop_resolver(q->loop), q->name, q->family, addrs, n, ttl);
  query_done(q, 0, addrs, n);
  return 1;
}

static void on_udp(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct query *q = c->fn_data;
  if (ev == TERN_EV_READ) handle_reply(q, c->rx.data, c->rx.len);
}

static int resolve(struct tern_loop *loop, const char *name, int family, tern_resolve_fn fn,
                   void *arg) {
  struct tern_resolver *r = tern_loop_resolver(loop);
  size_t len = strlen(name);
  if (len == 0 || len > TERN_DNS_NAME_MAX) return TERN_EINVAL;
  struct tern_addr addrs[TERN_DNS_MAX_ADDRS];
  if (tern_addr_parse(name, 0, &addrs[0]) == 0) {
    fn(loop, 0, addrs, 1, arg);
    return 0;
  }
#if TERN_DNS_SYSTEM_FILES
  size_t n = lookup_hosts(loop, r, name, family, addrs);
  if (n) {
    fn(loop, 0, addrs, n, arg);
    return 0;
  }
#endif
  struct cache_entry *e = cache_find(loop, r, name, family);
  if (e) {
    fn(loop, 0, e->addrs, e->n, arg);
    return 0;
  }
#if !TERN_DNS_SYSTEM_FILES
  refresh_servers(loop, r);
#endif
  if (r->nservers == 0) return TERN_ERESOLVE;
  struct query *q = tern_alloc(tern_loop_alloc(loop), sizeof(*q));
  if (!q) return TERN_ENOMEM;
  q->loop = loop;
  memcpy(q->name, name, len + 1);
  q->family = family;
  q->qtype = family == TERN_RESOLVE_IP6 ? TERN_DNS_AAAA : TERN_DNS_A;
  q->fn = fn;
  q->arg = arg;
  q->next = r->queries;
  r->queries = q;
  send_attempt(q);
  return 0;
}

static void cancel(struct tern_loop *loop, void *arg) {
  struct tern_resolver *r = tern_loop_resolver(loop);
  struct query *q = r->queries, *next;
  for (; q; q = next) {
    next = q->next;
    if (q->arg == arg) query_free(q);
  }
}

/* The public calls go through the loop, so a resolver of the program's own
 * attached instead of this one is the one that answers. */
int tern_resolve(struct tern_loop *loop, const char *name, int family, tern_resolve_fn fn,
                 void *arg) {
  int rc = tern_dns_attach(loop, NULL);
  return rc ? rc : tern_loop_resolve(loop, name, family, fn, arg);
}

void tern_resolve_cancel(struct tern_loop *loop, void *arg) { tern_loop_resolve_cancel(loop, arg); }
