/* The broker's durability on tern_store. What is logged: retained messages,
 * persistent sessions, their subscriptions, and every QoS 1/2 message queued
 * for a persistent session until its acknowledgement. A record is written
 * before the PUBACK/PUBREC/SUBACK that promises it, so kill -9 at any moment
 * loses nothing the broker acknowledged. */
#include <stdio.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "broker_internal.h"
#include "tern/error.h"

enum {
  REC_RETAIN = 'R',
  REC_SESSION = 'S',
  REC_SESSION_DEL = 'D',
  REC_SUB = 'B',
  REC_UNSUB = 'U',
  REC_MSG = 'M',
  REC_MSG_DONE = 'A',
  /* MQTT 5: the same with what a message carries besides (its properties,
   * after the payload; what is left of its expiry; its Subscription Id) */
  REC_RETAIN5 = 'r',
  REC_MSG5 = 'm'
};

struct wbuf {
  uint8_t *p;
  size_t n, cap;
  int err;
};
static void w_bytes(struct wbuf *w, const void *d, size_t n) {
  if (w->n + n > w->cap) {
    w->err = 1;
    return;
  }
  memcpy(w->p + w->n, d, n);
  w->n += n;
}
static void w_u8(struct wbuf *w, uint8_t v) { w_bytes(w, &v, 1); }
static void w_u16(struct wbuf *w, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  w_bytes(w, b, 2);
}
static void w_u32(struct wbuf *w, uint32_t v) {
  for (int i = 3; i >= 0; i--) w_u8(w, (uint8_t)(v >> (i * 8)));
}
static void w_u64(struct wbuf *w, uint64_t v) {
  for (int i = 7; i >= 0; i--) w_u8(w, (uint8_t)(v >> (i * 8)));
}
static void w_str(struct wbuf *w, const char *s, size_t n) {
  w_u16(w, (uint16_t)n);
  w_bytes(w, s, n);
}

struct rbuf {
  const uint8_t *p;
  size_t n;
  int err;
};
static const uint8_t *r_bytes(struct rbuf *r, size_t n) {
  if (r->n < n) {
    r->err = 1;
    return NULL;
  }
  const uint8_t *p = r->p;
  r->p += n;
  r->n -= n;
  return p;
}
static uint8_t r_u8(struct rbuf *r) {
  const uint8_t *p = r_bytes(r, 1);
  return p ? *p : 0;
}
static uint16_t r_u16(struct rbuf *r) {
  const uint8_t *p = r_bytes(r, 2);
  return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}
static uint32_t r_u32(struct rbuf *r) {
  uint32_t hi = r_u16(r);
  return hi << 16 | r_u16(r);
}
static uint64_t r_u64(struct rbuf *r) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | r_u8(r);
  return v;
}
/* a length-prefixed string copied into out as a C string */
static int r_str(struct rbuf *r, char *out, size_t outlen) {
  uint16_t n = r_u16(r);
  const uint8_t *p = r_bytes(r, n);
  if (!p || n >= outlen) {
    r->err = 1;
    return -1;
  }
  memcpy(out, p, n);
  out[n] = '\0';
  return n;
}

struct extras {
  size_t props_len;
  uint64_t expires_us;
  uint32_t sub_id;
};
/* What w_extras wrote; the properties' length is checked against what follows. */
static void r_extras(struct tern_broker *b, struct rbuf *r, struct extras *e) {
  e->props_len = r_u32(r);
  uint32_t left = r_u32(r);
  e->sub_id = r_u32(r);
  if (e->props_len > r->n) r->err = 1;
  e->expires_us = left == 0xFFFFFFFFu ? 0 : tern_loop_micros(b->loop) + left * 1000000ull;
}

static void append(struct tern_broker *b, uint8_t type, struct wbuf *w, const void *tail,
                   size_t tlen) {
  if (!b->store || w->err) return;
  int rc = tern_store_append(b->store, type, w->p, w->n, tail, tlen);
  if (rc) TERN_ERR(b->loop, "store: write failed: %s", tern_strerror(rc));
}

#define WBUF(name, size)                                                                           \
  uint8_t name##_mem[size];                                                                        \
  struct wbuf name = {name##_mem, 0, sizeof(name##_mem), 0}

/* A message's 5.0 extras after its topic: properties' length, seconds left
 * to live (0xFFFFFFFF: no expiry), Subscription Identifier. */
static int has_extras(const struct bmsg *m, uint32_t sub_id) {
  return m->props_len || m->expires_us || sub_id;
}
static void w_extras(struct tern_broker *b, struct wbuf *w, const struct bmsg *m, uint32_t sub_id) {
  uint64_t now = tern_loop_micros(b->loop);
  uint32_t left = !m->expires_us         ? 0xFFFFFFFFu
                  : m->expires_us <= now ? 0
                                         : (uint32_t)((m->expires_us - now) / 1000000u + 1);
  w_u32(w, (uint32_t)m->props_len);
  w_u32(w, left);
  w_u32(w, sub_id);
}

void tern_broker_bstore_retain(struct tern_broker *b, const struct bmsg *m) {
  WBUF(w, TERN_MQTT_MAX_TOPIC + 8);
  w_u8(&w, m->qos);
  w_str(&w, m->topic, m->topic_len);
  int x = has_extras(m, 0);
  if (x) w_extras(b, &w, m, 0);
  /* payload and properties are contiguous in m: one tail */
  append(b, x ? REC_RETAIN5 : REC_RETAIN, &w, m->payload, m->payload_len + m->props_len);
}

void tern_broker_bstore_session(struct tern_broker *b, const struct session *s, int alive) {
  WBUF(w, 160);
  w_str(&w, s->client_id, strlen(s->client_id));
  if (alive) w_u32(&w, s->expiry_s); /* 5.0's; a record without it is 3.1.1's "never" */
  append(b, alive ? REC_SESSION : REC_SESSION_DEL, &w, NULL, 0);
}

void tern_broker_bstore_sub(struct tern_broker *b, const struct session *s, const char *filter,
                            size_t flen, uint8_t qos, uint32_t sub_id, int add) {
  WBUF(w, TERN_MQTT_MAX_TOPIC + 200);
  w_u8(&w, qos);
  w_str(&w, s->client_id, strlen(s->client_id));
  w_str(&w, filter, flen);
  if (add && sub_id) w_u32(&w, sub_id); /* 5.0's Subscription Identifier; older have none */
  append(b, add ? REC_SUB : REC_UNSUB, &w, NULL, 0);
}

void tern_broker_bstore_msg(struct tern_broker *b, const struct session *s, struct qitem *q) {
  if (!b->store) return;
  q->store_id = ++b->next_store_id;
  WBUF(w, TERN_MQTT_MAX_TOPIC + 200);
  w_u64(&w, q->store_id);
  w_u8(&w, q->qos);
  w_u8(&w, q->retain);
  w_str(&w, s->client_id, strlen(s->client_id));
  w_str(&w, q->msg->topic, q->msg->topic_len);
  int x = has_extras(q->msg, q->sub_id);
  if (x) w_extras(b, &w, q->msg, q->sub_id);
  append(b, x ? REC_MSG5 : REC_MSG, &w, q->msg->payload, q->msg->payload_len + q->msg->props_len);
}

void tern_broker_bstore_msg_done(struct tern_broker *b, struct qitem *q) {
  if (!q->store_id || !b->store) return;
  WBUF(w, 16);
  w_u64(&w, q->store_id);
  append(b, REC_MSG_DONE, &w, NULL, 0);
}

/* ---- replay ---- */

struct replay_ctx {
  struct tern_broker *b;
  size_t msgs;
};

static struct qitem *find_item(struct tern_broker *b, uint64_t id, struct session **owner) {
  /* Acks come roughly in queue order, so the match is almost always a head. */
  for (int i = 0; i < TERN_BROKER_SESSION_BUCKETS; i++)
    for (struct session *s = b->sessions[i]; s; s = s->hash_next)
      for (struct qitem *q = s->queue_head; q; q = q->next)
        if (q->store_id == id) {
          *owner = s;
          return q;
        }
  return NULL;
}

static void drop_item(struct tern_broker *b, struct session *s, struct qitem *q) {
  struct qitem **pp = &s->queue_head, *prev = NULL;
  while (*pp != q) {
    prev = *pp;
    pp = &(*pp)->next;
  }
  *pp = q->next;
  if (s->queue_tail == q) s->queue_tail = prev;
  s->nqueued--;
  b->st.queued--;
  tern_broker_item_free(b, q);
}

static void on_record(void *arg, uint8_t type, const uint8_t *data, size_t len) {
  struct replay_ctx *ctx = arg;
  struct tern_broker *b = ctx->b;
  struct rbuf r = {data, len, 0};
  char cid[128], topic[TERN_MQTT_MAX_TOPIC + 1];
  struct session *s;
  switch (type) {
  case REC_RETAIN:
  case REC_RETAIN5: {
    uint8_t qos = r_u8(&r);
    int tl = r_str(&r, topic, sizeof(topic));
    struct extras e = {0, 0, 0};
    if (type == REC_RETAIN5) r_extras(b, &r, &e);
    if (r.err) break;
    struct bmsg *m = tern_broker_bmsg_new_raw(b, topic, (size_t)tl, r.p, r.n - e.props_len, qos, 1,
                                              r.p + r.n - e.props_len, e.props_len, e.expires_us);
    if (m) {
      tern_broker_retain_set(b, m, 0);
      tern_broker_bmsg_unref(b, m);
    }
    return;
  }
  case REC_SESSION:
    if (r_str(&r, cid, sizeof(cid)) < 0) break;
    s = tern_broker_session_get(b, cid, 1);
    if (!s) return;
    s->clean = 0;
    s->expiry_s = r.n >= 4 ? r_u32(&r) : 0xFFFFFFFFu;
    /* offline from now: the interval starts again at the restart */
    s->expires_us =
        s->expiry_s == 0xFFFFFFFFu ? 0 : tern_loop_micros(b->loop) + s->expiry_s * 1000000ull;
    return;
  case REC_SESSION_DEL:
    if (r_str(&r, cid, sizeof(cid)) < 0) break;
    s = tern_broker_session_get(b, cid, 0);
    if (s) {
      tern_broker_tree_remove_session(b, s);
      while (s->queue_head) drop_item(b, s, s->queue_head);
    }
    return;
  case REC_SUB:
  case REC_UNSUB: {
    uint8_t qos = r_u8(&r);
    r_str(&r, cid, sizeof(cid));
    int fl = r_str(&r, topic, sizeof(topic));
    if (r.err) break;
    s = tern_broker_session_get(b, cid, 1);
    if (!s) return;
    uint32_t sub_id = r.n >= 4 ? r_u32(&r) : 0;
    if (type == REC_SUB) tern_broker_tree_subscribe(b, s, topic, (size_t)fl, qos, sub_id);
    else tern_broker_tree_unsubscribe(b, s, topic, (size_t)fl);
    return;
  }
  case REC_MSG:
  case REC_MSG5: {
    uint64_t id = r_u64(&r);
    uint8_t qos = r_u8(&r), retain = r_u8(&r);
    r_str(&r, cid, sizeof(cid));
    int tl = r_str(&r, topic, sizeof(topic));
    struct extras e = {0, 0, 0};
    if (type == REC_MSG5) r_extras(b, &r, &e);
    if (r.err) break;
    if (id > b->next_store_id) b->next_store_id = id;
    s = tern_broker_session_get(b, cid, 1);
    struct bmsg *m =
        s ? tern_broker_bmsg_new_raw(b, topic, (size_t)tl, r.p, r.n - e.props_len, qos, retain,
                                     r.p + r.n - e.props_len, e.props_len, e.expires_us)
          : NULL;
    if (!m) return;
    b->via_sub_id = e.sub_id;
    struct qitem *q = tern_broker_session_enqueue(b, s, m, qos, retain);
    b->via_sub_id = 0;
    if (q) {
      q->store_id = id;
      ctx->msgs++;
    }
    tern_broker_bmsg_unref(b, m);
    return;
  }
  case REC_MSG_DONE: {
    uint64_t id = r_u64(&r);
    if (r.err) break;
    struct qitem *q = find_item(b, id, &s);
    if (q) {
      drop_item(b, s, q);
      ctx->msgs--;
    }
    return;
  }
  }
  TERN_WARN(b->loop, "store: skipping a record of type '%c' that does not parse", type);
}

int tern_broker_bstore_open(struct tern_broker *b) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", b->opts.persist_dir,
           b->opts.persist_file ? b->opts.persist_file : "tern-broker.db");
  struct replay_ctx ctx = {b, 0};
  int rc = tern_store_open(b->loop, path, b->opts.fsync ? TERN_STORE_FSYNC : TERN_STORE_OS,
                           on_record, &ctx, &b->store);
  if (rc) {
    TERN_ERR(b->loop, "persistence: cannot open %s: %s", path,
             rc == TERN_ENOTFOUND ? "no such directory (create it first)"
             : rc == TERN_EDENIED ? "permission denied"
                                  : tern_strerror(rc));
    return rc;
  }
  TERN_INFO(b->loop, "restored %zu retained messages and %zu queued messages from %s", b->nretained,
            ctx.msgs, path);
  return 0;
}

void tern_broker_bstore_close(struct tern_broker *b) {
  if (!b->store) return;
  tern_store_flush(b->store);
  tern_store_close(b->store);
  b->store = NULL;
}

/* Rewrite the log as a snapshot of what is live now. */
static void compact(struct tern_broker *b) {
  if (tern_store_rewrite_begin(b->store) != 0) return;
  for (size_t i = 0; i < b->nretained; i++) tern_broker_bstore_retain(b, b->retained[i]);
  char filter[TERN_MQTT_MAX_TOPIC + 1];
  for (int i = 0; i < TERN_BROKER_SESSION_BUCKETS; i++) {
    for (struct session *s = b->sessions[i]; s; s = s->hash_next) {
      if (s->clean) continue;
      tern_broker_bstore_session(b, s, 1);
      for (struct sub *x = s->subs; x; x = x->session_next) {
        size_t fl = tern_broker_tree_filter(x, filter, sizeof(filter));
        tern_broker_bstore_sub(b, s, filter, fl, x->opts, x->sub_id, 1);
      }
      struct qitem *lists[2] = {s->inflight_head, s->queue_head};
      for (int k = 0; k < 2; k++)
        for (struct qitem *q = lists[k]; q; q = q->next) tern_broker_bstore_msg(b, s, q);
    }
  }
  if (tern_store_rewrite_commit(b->store) != 0)
    TERN_ERR(b->loop, "store: compaction failed; the old log stays");
  else TERN_INFO(b->loop, "store: compacted to %zu bytes", tern_store_size(b->store));
}

void tern_broker_bstore_flush(struct tern_broker *b) {
  if (!b->store) return;
  tern_store_flush(b->store);
  if (tern_store_size(b->store) > TERN_STORE_COMPACT_BYTES) compact(b);
}
