/* The MQTT 3.1.1 broker: connections, sessions, QoS flows, retained
 * messages, wills, keepalive, $SYS. Packets are decoded by the shared codec;
 * routing goes through the subscription tree (broker_tree.c); durability
 * through tern_store (broker_store.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "broker_internal.h"
#include "mqtt_props.h"
#include "tern/creds.h"
#include "tern/error.h"
#include "tern/tls.h"

/* For log lines: the client id once known, else the address. The loop is
 * single-threaded, so one static buffer is enough. */
static const char *peer_name(const struct bconn *bc) {
  static char buf[64];
  if (bc->session) return bc->session->client_id;
  return tern_addr_str(&bc->conn->peer, buf, sizeof(buf), 1);
}
#define LOG_PEER(bc) peer_name(bc)

/* ---- messages ---- */

struct bmsg *tern_broker_bmsg_new(struct tern_broker *b, const char *topic, size_t tlen,
                                  const void *payload, size_t plen, uint8_t qos, uint8_t retain) {
  return tern_broker_bmsg_new5(b, topic, tlen, payload, plen, qos, retain, NULL);
}

/* The size class (TERN_BROKER_MSG_CLASSES) of a message of n bytes in all,
 * or -1 for one too large to be kept for reuse. */
static int msg_class(size_t n) {
  for (int k = 0; k < TERN_BROKER_MSG_CLASSES; k++)
    if (n <= (size_t)128 << k) return k;
  return -1;
}
static size_t msg_bytes(size_t tlen, size_t plen, size_t props_len) {
  return sizeof(struct bmsg) + tlen + 1 + plen + props_len;
}

/* One allocation: the header, topic (NUL-terminated), payload and room for
 * props_len bytes of properties after it (the caller writes them). Taken
 * from the cache when one of its size class was freed before. */
static struct bmsg *bmsg_alloc(struct tern_broker *b, const char *topic, size_t tlen,
                               const void *payload, size_t plen, uint8_t qos, uint8_t retain,
                               size_t props_len) {
  size_t n = msg_bytes(tlen, plen, props_len);
  int k = msg_class(n);
  struct bmsg *m;
  if (k >= 0 && b->nmsg_cache[k]) m = b->msg_cache[k][--b->nmsg_cache[k]];
  else if (!(m = tern_alloc(tern_loop_alloc(b->loop), k >= 0 ? (size_t)128 << k : n))) return NULL;
  m->refs = 1;
  m->qos = qos;
  m->retain = retain;
  m->topic_len = (uint16_t)tlen;
  m->payload_len = plen;
  m->topic = m->data;
  memcpy(m->topic, topic, tlen);
  m->topic[tlen] = '\0';
  m->payload = (uint8_t *)m->data + tlen + 1;
  if (plen) memcpy(m->payload, payload, plen);
  m->props = m->payload + plen;
  m->props_len = props_len;
  m->expires_us = 0;
  return m;
}

struct bmsg *tern_broker_bmsg_new5(struct tern_broker *b, const char *topic, size_t tlen,
                                   const void *payload, size_t plen, uint8_t qos, uint8_t retain,
                                   const struct tern_mqtt_props *props) {
  /* what goes on to subscribers as it came: not the Topic Alias (per
   * connection), Subscription Identifiers (per subscriber), the expiry
   * (counted down), nor what only a will carries */
  struct tern_mqtt_props pass;
  size_t pl = 0;
  if (props && !props->has && !props->user.len) props = NULL; /* none: the usual case */
  if (props) {
    pass = *props;
    pass.has &= (uint64_t)1 << TERN_MQTT_PROP_PAYLOAD_FORMAT |
                (uint64_t)1 << TERN_MQTT_PROP_CONTENT_TYPE |
                (uint64_t)1 << TERN_MQTT_PROP_RESPONSE_TOPIC |
                (uint64_t)1 << TERN_MQTT_PROP_CORRELATION_DATA;
    pass.nsub_ids = 0;
    pass.raw = (struct tern_str){NULL, 0};
    pl = tern_mqtt_props_size(&pass, TERN_MQTT_PUBLISH);
  }
  struct bmsg *m = bmsg_alloc(b, topic, tlen, payload, plen, qos, retain, pl);
  if (!m) return NULL;
  if (pl) tern_mqtt_props_write_body(m->props, &pass, TERN_MQTT_PUBLISH);
  if (props && TERN_MQTT_HAS(props, TERN_MQTT_PROP_MESSAGE_EXPIRY))
    m->expires_us = tern_loop_micros(b->loop) + (uint64_t)props->message_expiry * 1000000u;
  return m;
}

struct bmsg *tern_broker_bmsg_new_raw(struct tern_broker *b, const char *topic, size_t tlen,
                                      const void *payload, size_t plen, uint8_t qos, uint8_t retain,
                                      const void *props, size_t props_len, uint64_t expires_us) {
  struct bmsg *m = bmsg_alloc(b, topic, tlen, payload, plen, qos, retain, props_len);
  if (!m) return NULL;
  if (props_len) memcpy(m->props, props, props_len);
  m->expires_us = expires_us;
  return m;
}

void tern_broker_bmsg_unref(struct tern_broker *b, struct bmsg *m) {
  if (!m || --m->refs) return;
  int k = msg_class(msg_bytes(m->topic_len, m->payload_len, m->props_len));
  if (k >= 0 && b->nmsg_cache[k] < TERN_BROKER_MSG_CACHE) b->msg_cache[k][b->nmsg_cache[k]++] = m;
  else tern_free(tern_loop_alloc(b->loop), m);
}

static struct qitem *item_new(struct tern_broker *b) {
  struct qitem *q = b->item_cache;
  if (!q) return tern_alloc(tern_loop_alloc(b->loop), sizeof(*q));
  b->item_cache = q->next;
  b->nitem_cache--;
  memset(q, 0, sizeof(*q));
  return q;
}

void tern_broker_item_free(struct tern_broker *b, struct qitem *q) {
  tern_broker_bmsg_unref(b, q->msg);
  if (b->nitem_cache < TERN_BROKER_ITEM_CACHE) {
    q->next = b->item_cache;
    b->item_cache = q;
    b->nitem_cache++;
  } else {
    tern_free(tern_loop_alloc(b->loop), q);
  }
}

/* Gives the caches' memory back (at stop). */
static void caches_free(struct tern_broker *b) {
  const struct tern_allocator *al = tern_loop_alloc(b->loop);
  for (int k = 0; k < TERN_BROKER_MSG_CLASSES; k++)
    while (b->nmsg_cache[k]) tern_free(al, b->msg_cache[k][--b->nmsg_cache[k]]);
  while (b->item_cache) {
    struct qitem *q = b->item_cache;
    b->item_cache = q->next;
    tern_free(al, q);
  }
  b->nitem_cache = 0;
}

/* ---- sessions ---- */

static unsigned hash_str(const char *s) {
  unsigned h = 5381;
  while (*s) h = h * 33 + (unsigned char)*s++;
  return h % TERN_BROKER_SESSION_BUCKETS;
}

static char *dup_n(struct tern_broker *b, const char *s, size_t n) {
  char *p = tern_alloc(tern_loop_alloc(b->loop), n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

struct session *tern_broker_session_get(struct tern_broker *b, const char *client_id, int create) {
  unsigned h = hash_str(client_id);
  for (struct session *s = b->sessions[h]; s; s = s->hash_next)
    if (strcmp(s->client_id, client_id) == 0) return s;
  if (!create) return NULL;
  struct session *s = tern_alloc(tern_loop_alloc(b->loop), sizeof(*s));
  if (!s) return NULL;
  s->client_id = dup_n(b, client_id, strlen(client_id));
  if (!s->client_id) {
    tern_free(tern_loop_alloc(b->loop), s);
    return NULL;
  }
  s->next_packet_id = 1;
  s->hash_next = b->sessions[h];
  b->sessions[h] = s;
  return s;
}

static void free_items(struct tern_broker *b, struct qitem *q) {
  while (q) {
    struct qitem *n = q->next;
    tern_broker_item_free(b, q);
    q = n;
  }
}

static void broker_conn_fn(struct tern_conn *c, int ev, void *ev_data);

/* How far behind an online subscriber may fall before its publishers wait. */
static size_t pause_at(const struct tern_broker *b) {
  return b->opts.max_queued < TERN_BROKER_PAUSE_QUEUED ? b->opts.max_queued
                                                       : TERN_BROKER_PAUSE_QUEUED;
}

static void resume_blocked(struct tern_timer *t, void *arg);

/* A full session stops being full once it is back to half the threshold
 * (hysteresis, so publishers do not flap between paused and running). */
static void update_full(struct tern_broker *b, struct session *s) {
  if (!s->full || s->nqueued > pause_at(b) / 2 || s->queued_bytes > TERN_BROKER_PAUSE_BYTES / 2)
    return;
  s->full = 0;
  /* its publishers go on now, not at the next sweep (10 ms later: at a
   * subscriber's pace that was most of the time); from a timer, so no
   * handler runs inside another */
  tern_timer_start(b->loop, &b->resume_timer, 0, 0, resume_blocked, b);
}

static void route(struct tern_broker *b, struct bmsg *m);
static void pump(struct tern_broker *b, struct session *s);

/* MQTT 5.0 4.8.2: a member's session ends with messages of a shared
 * subscription not acknowledged: they go to another member (those it has
 * acknowledged with PUBREC it has, and stay done). */
static void redistribute(struct tern_broker *b, struct session *s) {
  struct qitem *lists[2] = {s->inflight_head, s->queue_head};
  for (int l = 0; l < 2; l++)
    for (struct qitem *q = lists[l]; q; q = q->next) {
      if (!q->group || q->state == QS_WAIT_COMP) continue;
      struct sub *x = tern_broker_group_pick(q->group, s);
      if (!x) continue; /* the group has no one else: it goes with the session */
      struct session *to = x->session;
      uint8_t sub_qos = x->opts & TERN_MQTT_SUB_QOS_MASK;
      b->via_group = q->group;
      b->via_sub_id = x->sub_id;
      struct qitem *n =
          tern_broker_session_enqueue(b, to, q->msg, q->qos < sub_qos ? q->qos : sub_qos, 0);
      b->via_group = NULL;
      b->via_sub_id = 0;
      if (!n) continue;
      if (!to->clean && n->qos) tern_broker_bstore_msg(b, to, n);
      TERN_DEBUG(b->loop, "shared: '%s' goes from %s to %s", q->msg->topic, s->client_id,
                 to->client_id);
      pump(b, to);
    }
}

void tern_broker_group_gone(struct tern_broker *b, struct sgroup *g) {
  /* rare (the group's last member left): every queued message forgets it */
  for (int i = 0; i < TERN_BROKER_SESSION_BUCKETS; i++)
    for (struct session *s = b->sessions[i]; s; s = s->hash_next) {
      struct qitem *lists[2] = {s->inflight_head, s->queue_head};
      for (int l = 0; l < 2; l++)
        for (struct qitem *q = lists[l]; q; q = q->next)
          if (q->group == g) q->group = NULL;
    }
}

static void session_free(struct tern_broker *b, struct session *s) {
  /* no publisher may wait for a session that is gone */
  for (struct tern_conn *c = tern_loop_conns(b->loop); c; c = c->next) {
    struct bconn *bc = c->fn == broker_conn_fn && c->fn_data == b ? c->proto : NULL;
    if (bc && bc->blocked_by == s) bc->blocked_by = NULL;
  }
  unsigned h = hash_str(s->client_id);
  struct session **pp = &b->sessions[h];
  while (*pp != s) pp = &(*pp)->hash_next;
  *pp = s->hash_next;
  if (!b->stopping) redistribute(b, s);
  if (s->will) { /* the session ends before the will's delay: it goes now [MQTT-3.1.3-9] */
    struct bmsg *w = s->will;
    s->will = NULL;
    if (!b->stopping) route(b, w); /* not while the broker itself stops */
    tern_broker_bmsg_unref(b, w);
  }
  tern_broker_tree_remove_session(b, s);
  b->st.queued -= s->nqueued;
  free_items(b, s->inflight_head);
  free_items(b, s->queue_head);
  tern_free(tern_loop_alloc(b->loop), s->qos2_in);
  tern_free(tern_loop_alloc(b->loop), s->username);
  tern_free(tern_loop_alloc(b->loop), s->client_id);
  tern_free(tern_loop_alloc(b->loop), s);
}

/* ---- sending ---- */

static int send_packet(struct bconn *bc, struct tern_mqtt_packet *p) {
  struct tern_conn *c = bc->conn;
  size_t before = c->tx.len;
  p->version = bc->version;
  int rc = tern_mqtt_encode(&c->tx, p);
  if (rc) return rc;
  bc->broker->st.bytes_sent += c->tx.len - before;
  if (bc->ws && (rc = tern_broker_ws_frame(bc, before)) != 0) return rc;
  tern_send(c, NULL, 0); /* wake the writer */
  return 0;
}

/* An ack; in 5.0 with its reason code (3.1.1 has none to give). */
static void send_ack_rc(struct bconn *bc, int type, uint16_t id, uint8_t reason) {
  struct tern_mqtt_packet p;
  memset(&p, 0, offsetof(struct tern_mqtt_packet, filters));
  p.type = (uint8_t)type;
  p.packet_id = id;
  p.reason_code = reason;
  send_packet(bc, &p);
}
static void send_ack(struct bconn *bc, int type, uint16_t id) { send_ack_rc(bc, type, id, 0); }

/* 1 when m's Message Expiry Interval has passed: it is never delivered. */
static int expired(struct tern_broker *b, const struct bmsg *m) {
  return m->expires_us && tern_loop_micros(b->loop) > m->expires_us;
}

/* 5.0 Topic Alias toward a client that allows them: a topic sent before
 * goes as its alias alone; a new one takes a free alias (then stays). */
static void alias_out(struct bconn *bc, struct tern_mqtt_packet *p) {
  const struct tern_allocator *al = tern_loop_alloc(bc->broker->loop);
  if (!bc->aliases_out &&
      !(bc->aliases_out = tern_alloc(al, ((size_t)bc->alias_out_max + 1) * sizeof(char *))))
    return;
  int known;
  uint16_t a = tern_mqtt_alias_for(bc->aliases_out, bc->alias_out_max, p->topic, al, &known);
  if (known) p->topic.len = 0;
  if (!a) return;
  TERN_MQTT_SET(&p->props, TERN_MQTT_PROP_TOPIC_ALIAS);
  p->props.topic_alias = a;
}

/* TERN_ELIMIT when the packet would be larger than the client's Maximum
 * Packet Size: not sent, and counted as dropped [MQTT-3.1.2-25]. */
static int send_publish(struct bconn *bc, const struct bmsg *m, uint8_t qos, uint8_t retain,
                        uint16_t id, int dup, uint32_t sub_id) {
  struct tern_broker *b = bc->broker;
  struct tern_mqtt_packet p;
  memset(&p, 0, offsetof(struct tern_mqtt_packet, filters));
  p.type = TERN_MQTT_PUBLISH;
  p.version = bc->version;
  p.qos = qos;
  p.retain = retain;
  p.dup = (uint8_t)dup;
  p.packet_id = id;
  p.topic = (struct tern_str){m->topic, m->topic_len};
  p.payload = (struct tern_str){(const char *)m->payload, m->payload_len};
  if (bc->version == TERN_MQTT_V5) {
    p.props.raw = (struct tern_str){(const char *)m->props, m->props_len};
    if (sub_id) {
      p.props.sub_ids[0] = sub_id;
      p.props.nsub_ids = 1;
    }
    if (m->expires_us) { /* what is left of its lifetime, in whole seconds */
      TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_MESSAGE_EXPIRY);
      p.props.message_expiry = tern_mqtt_expiry_left(m->expires_us, tern_loop_micros(b->loop));
    }
    if (bc->max_packet && tern_mqtt_encoded_size(&p) > bc->max_packet) {
      b->st.msgs_dropped++;
      TERN_WARN(b->loop, "not sent to %s: a message on '%s' is over its Maximum Packet Size %u",
                LOG_PEER(bc), m->topic, (unsigned)bc->max_packet);
      return TERN_ELIMIT;
    }
    if (bc->alias_out_max) alias_out(bc, &p);
  }
  int rc = send_packet(bc, &p);
  if (rc == 0) b->st.msgs_sent++;
  return rc;
}

static uint16_t next_id(struct session *s) {
  for (;;) {
    uint16_t id = s->next_packet_id++;
    if (s->next_packet_id == 0) s->next_packet_id = 1;
    int used = 0;
    for (struct qitem *q = s->inflight_head; q; q = q->next) used |= q->packet_id == id;
    if (!used) return id;
  }
}

/* Move queued messages into the inflight window while there is room. */
static void pump(struct tern_broker *b, struct session *s) {
  struct bconn *bc = s->conn;
  if (!bc) return;
  size_t window = b->opts.max_inflight;
  if (bc->receive_max && bc->receive_max < window) window = bc->receive_max; /* 5.0 */
  while (s->queue_head && (s->queue_head->qos == 0 || s->ninflight < window)) {
    /* Keep a slow reader's buffer bounded: stop while it is full. */
    if (bc->conn->tx.len > bc->conn->tx.cap / 2) break;
    struct qitem *q = s->queue_head;
    s->queue_head = q->next;
    if (!s->queue_head) s->queue_tail = NULL;
    s->nqueued--;
    s->queued_bytes -= q->msg->payload_len;
    b->st.queued--;
    q->next = NULL;
    /* expired while it waited [MQTT-3.3.2-5], or too large for this
     * client: never sent, and done with (also in the store) */
    int gone = expired(b, q->msg);
    if (q->qos == 0 || gone) { /* QoS 0 waited only for room in the socket: no ack to wait for */
      if (!gone) send_publish(bc, q->msg, 0, q->retain, 0, 0, q->sub_id);
      if (q->store_id && !s->clean) tern_broker_bstore_msg_done(b, q);
      tern_broker_item_free(b, q);
      continue;
    }
    q->packet_id = next_id(s);
    if (send_publish(bc, q->msg, q->qos, q->retain, q->packet_id, 0, q->sub_id) == TERN_ELIMIT) {
      if (q->store_id && !s->clean) tern_broker_bstore_msg_done(b, q);
      tern_broker_item_free(b, q);
      continue;
    }
    q->state = QS_WAIT_ACK;
    if (s->inflight_tail) s->inflight_tail->next = q;
    else s->inflight_head = q;
    s->inflight_tail = q;
    s->ninflight++;
  }
  update_full(b, s); /* caught up: its publishers go on */
}

/* A message not delivered to s: counted in $SYS, logged at most once per
 * client per 10 s with how many went since the last line. */
static void count_drop(struct tern_broker *b, struct session *s, const struct bmsg *m) {
  b->st.msgs_dropped++;
  s->drops_unlogged++;
  uint32_t now = tern_loop_now(b->loop);
  if (!s->drop_logged || now - s->last_drop_log >= 10000) {
    s->drop_logged = 1;
    TERN_WARN(b->loop, "'%s' is %zu messages behind: dropped %llu message(s), the last on '%s'",
              s->client_id, s->nqueued, (unsigned long long)s->drops_unlogged, m->topic);
    s->drops_unlogged = 0;
    s->last_drop_log = now;
  }
}

struct qitem *tern_broker_session_enqueue(struct tern_broker *b, struct session *s, struct bmsg *m,
                                          uint8_t qos, uint8_t retain) {
  if (s->nqueued >= b->opts.max_queued) {
    /* Full (an offline session, or nobody to pause): the newest message is
     * dropped and counted, so the backlog keeps its order and memory stays
     * bounded. Logged at most once per client per 10 s, with the count. */
    count_drop(b, s, m);
    return NULL;
  }
  struct qitem *q = item_new(b);
  if (!q) return NULL;
  m->refs++;
  q->msg = m;
  q->qos = qos;
  q->retain = retain;
  q->group = b->via_group;
  q->sub_id = b->via_sub_id;
  if (s->queue_tail) s->queue_tail->next = q;
  else s->queue_head = q;
  s->queue_tail = q;
  s->nqueued++;
  s->queued_bytes += m->payload_len;
  b->st.queued++;
  if (s->conn && (s->nqueued >= pause_at(b) || s->queued_bytes >= TERN_BROKER_PAUSE_BYTES)) {
    if (!s->full) s->last_progress = tern_loop_now(b->loop); /* the slow-subscriber clock starts */
    s->full = 1;
    if (s != b->publisher && !b->hit_full) b->hit_full = s;
  }
  return q;
}

/* The ACL of the listener s connected through (the broker's when shared). */
static int acl_ok(struct tern_broker *b, const struct session *s, const char *topic, size_t len,
                  int access) {
  const struct bauth *a = s->auth ? s->auth : &b->auth;
  return !a->has_acl ||
         tern_broker_acl_check(a->acl, s->username, s->client_id, topic, len, access);
}

static void deliver_one(struct tern_broker *b, struct session *s, uint8_t opts, struct bmsg *m);

/* One copy per Subscription Identifier when several matching subscriptions
 * carry one (5.0 3.3.4: each copy with its own), else one copy. */
static void deliver(struct tern_broker *b, struct session *s, uint8_t opts, void *arg) {
  uint8_t n = s->match_nids;
  for (uint8_t k = 0; k < (n ? n : 1); k++) {
    b->via_sub_id = n ? s->match_ids[k] : 0;
    deliver_one(b, s, opts, arg);
  }
  b->via_sub_id = 0;
}

static void deliver_one(struct tern_broker *b, struct session *s, uint8_t opts, struct bmsg *m) {
  uint8_t sub_qos = opts & TERN_MQTT_SUB_QOS_MASK;
  uint8_t qos = m->qos < sub_qos ? m->qos : sub_qos; /* downgrade to the subscription's QoS */
  /* Retain As Published keeps the flag on live messages; else it is 0 */
  uint8_t retain = (opts & TERN_MQTT_SUB_RETAIN_AS_PUBLISHED) ? m->retain : 0;
  if (!acl_ok(b, s, m->topic, m->topic_len, ACL_READ)) return;
  if (s == b->publisher && s->conn && s->conn->is_bridge) return;   /* a bridge's own message */
  if (s == b->publisher && (opts & TERN_MQTT_SUB_NO_LOCAL)) return; /* No Local [MQTT-3.8.3-3] */
  b->matched = 1;
  if (expired(b, m)) return;
  if (qos == 0) {
    /* QoS 0 goes only to the connected: at once while its socket takes it,
     * else queued behind what waits (and its publishers paused if it falls
     * far behind), never dropped while it keeps reading. */
    struct bconn *bc = s->conn;
    if (!bc) return;
    if (!s->queue_head && bc->conn->tx.len + m->payload_len <= bc->conn->tx.cap / 2) {
      send_publish(bc, m, 0, retain, 0, 0, b->via_sub_id);
      return;
    }
    if (s->stalled) { /* not reading at all: QoS 0 promises nothing, so it goes */
      count_drop(b, s, m);
      return;
    }
    if (tern_broker_session_enqueue(b, s, m, 0, retain)) pump(b, s);
    return;
  }
  struct qitem *q = tern_broker_session_enqueue(b, s, m, qos, retain);
  if (!q) return;
  if (!s->clean) tern_broker_bstore_msg(b, s, q);
  pump(b, s);
}

/* ---- retained messages ---- */

void tern_broker_retain_set(struct tern_broker *b, struct bmsg *m, int persist) {
  size_t i;
  for (i = 0; i < b->nretained; i++)
    if (strcmp(b->retained[i]->topic, m->topic) == 0) break;
  if (persist) tern_broker_bstore_retain(b, m);
  if (m->payload_len == 0) { /* an empty retained message clears [MQTT-3.3.1-10] */
    if (i < b->nretained) {
      tern_broker_bmsg_unref(b, b->retained[i]);
      b->retained[i] = b->retained[--b->nretained];
    }
    b->st.retained = b->nretained;
    return;
  }
  m->refs++;
  if (i < b->nretained) {
    tern_broker_bmsg_unref(b, b->retained[i]);
    b->retained[i] = m;
    return;
  }
  if (b->nretained == b->retained_cap) {
    size_t cap = b->retained_cap ? b->retained_cap * 2 : 64;
    struct bmsg **r = tern_loop_alloc(b->loop)->realloc(tern_loop_alloc(b->loop)->ctx, b->retained,
                                                        cap * sizeof(*r));
    if (!r) {
      m->refs--;
      return;
    }
    b->retained = r;
    b->retained_cap = cap;
  }
  b->retained[b->nretained++] = m;
  b->st.retained = b->nretained;
}

/* A message entering the broker: retained store, then every subscriber. */
static void route(struct tern_broker *b, struct bmsg *m) {
  if (m->retain) tern_broker_retain_set(b, m, 1);
  tern_broker_tree_match(b, m->topic, m->topic_len, deliver, m);
  if (b->nbridges) tern_broker_bridges_out(b, m);
}

int tern_broker_route_from(struct tern_broker *b, struct bbridge *from, const char *topic,
                           size_t tlen, const void *payload, size_t len, uint8_t qos,
                           uint8_t retain, const struct tern_mqtt_props *props) {
  struct bmsg *m = tern_broker_bmsg_new5(b, topic, tlen, payload, len, qos, retain, props);
  if (!m) return TERN_ENOMEM;
  b->st.msgs_received++;
  b->from_bridge = from;
  route(b, m);
  b->from_bridge = NULL;
  b->hit_full = NULL; /* upstream is not paused by a slow local subscriber: queued */
  tern_broker_bmsg_unref(b, m);
  tern_broker_bstore_flush(b); /* before the client acknowledges it upstream */
  return 0;
}

/* ---- connection handling ---- */

static void close_with(struct bconn *bc, const char *why) {
  TERN_INFO(bc->broker->loop, "closing %s: %s", LOG_PEER(bc), why);
  tern_close(bc->conn);
}

/* 5.0: the server says why it closes (DISCONNECT with a reason code, and
 * the reason string when the client welcomes them); 3.1.1 just closes. */
static void disconnect_with(struct bconn *bc, uint8_t reason, const char *why) {
  if (bc->version == TERN_MQTT_V5 && bc->got_connect && bc->session && !bc->conn->is_closing) {
    struct tern_mqtt_packet p;
    memset(&p, 0, offsetof(struct tern_mqtt_packet, filters));
    p.type = TERN_MQTT_DISCONNECT;
    p.reason_code = reason;
    if (bc->problem_info) {
      TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_REASON_STRING);
      p.props.reason_string = (struct tern_str){why, strlen(why)};
    }
    send_packet(bc, &p);
  }
  close_with(bc, why);
}

/* 3.1.1's CONNACK return codes as 5.0 reason codes. */
static uint8_t reason_of(int rc) {
  static const uint8_t map[] = {TERN_MQTT_RC_SUCCESS,
                                TERN_MQTT_RC_UNSUPPORTED_VERSION,
                                TERN_MQTT_RC_CLIENT_ID_NOT_VALID,
                                TERN_MQTT_RC_SERVER_UNAVAILABLE,
                                TERN_MQTT_RC_BAD_USER_OR_PASSWORD,
                                TERN_MQTT_RC_NOT_AUTHORIZED};
  return rc >= 0 && rc < 6 ? map[rc] : (uint8_t)rc;
}

/* CONNACK: a 3.1.1 return code (0..5) or a 5.0 reason; props NULL: none. */
static void send_connack5(struct bconn *bc, int sp, int rc, const struct tern_mqtt_props *props) {
  struct tern_mqtt_packet p;
  memset(&p, 0, offsetof(struct tern_mqtt_packet, filters));
  p.type = TERN_MQTT_CONNACK;
  p.session_present = (uint8_t)sp;
  p.return_code = (uint8_t)rc;
  p.reason_code = reason_of(rc);
  if (props) p.props = *props;
  send_packet(bc, &p);
}
static void send_connack(struct bconn *bc, int sp, int rc) { send_connack5(bc, sp, rc, NULL); }

/* 0 or a CONNACK code; *user gets the name the session goes by. */
static int authenticate(struct bconn *bc, const struct tern_mqtt_packet *p, char *cn,
                        size_t cnlen) {
  const struct bauth *a = bc->listener->auth;
  cn[0] = '\0';
  if (bc->listener->cfg->use_identity_as_username) {
    /* the certificate vouches for the client: its CN is the user name, and
     * no password is asked (as in Mosquitto) */
    return tern_tls_peer_name(bc->conn, cn, cnlen) == 0 ? 0 : TERN_MQTT_REFUSED_NOT_AUTHORIZED;
  }
  if (!p->has_username) return a->cfg->allow_anonymous ? 0 : TERN_MQTT_REFUSED_NOT_AUTHORIZED;
  if (!a->pw) return a->cfg->allow_anonymous ? 0 : TERN_MQTT_REFUSED_NOT_AUTHORIZED;
  char user[256], pass[256];
  if (p->username.len >= sizeof(user) || p->password.len >= sizeof(pass))
    return TERN_MQTT_REFUSED_BAD_AUTH;
  memcpy(user, p->username.p, p->username.len);
  user[p->username.len] = '\0';
  memcpy(pass, p->password.p, p->password.len);
  pass[p->password.len] = '\0';
  int ok = p->has_password && memchr(pass, 0, p->password.len) == NULL &&
           tern_pwfile_check(a->pw, user, pass) == 0;
  memset(pass, 0, sizeof(pass));
  return ok ? 0 : TERN_MQTT_REFUSED_BAD_AUTH;
}

static void resend_inflight(struct bconn *bc) {
  /* On reconnect, unacknowledged messages go again, in order, with DUP
   * [MQTT-4.4.0-1]; those past PUBREC get their PUBREL again. */
  for (struct qitem *q = bc->session->inflight_head; q; q = q->next) {
    if (q->state == QS_WAIT_COMP) send_ack(bc, TERN_MQTT_PUBREL, q->packet_id);
    else send_publish(bc, q->msg, q->qos, q->retain, q->packet_id, 1, q->sub_id);
  }
}

static int on_connect(struct bconn *bc, const struct tern_mqtt_packet *p) {
  struct tern_broker *b = bc->broker;
  if (bc->got_connect) return TERN_EPROTO; /* a second CONNECT [MQTT-3.1.0-2] */
  bc->got_connect = 1;
  /* 0x83/0x84: a Mosquitto-style bridge (try_private): it does not get
   * its own messages back, so nothing loops between two brokers */
  bc->is_bridge = (p->protocol_level & 0x80) != 0;
  uint8_t level = p->protocol_level & 0x7f;
  if (level != 4 && level != 3 && level != TERN_MQTT_V5) {
    send_connack(bc, 0, TERN_MQTT_REFUSED_PROTOCOL);
    close_with(bc, "unsupported protocol level");
    return 0;
  }
  int v5 = p->version == TERN_MQTT_V5;
  bc->version = v5 ? TERN_MQTT_V5 : TERN_MQTT_V311;
  struct tern_mqtt_props ack; /* 5.0's CONNACK properties */
  memset(&ack, 0, sizeof(ack));
  if (v5) {
    const struct tern_mqtt_props *cp = &p->props;
    bc->receive_max = TERN_MQTT_HAS(cp, TERN_MQTT_PROP_RECEIVE_MAX) ? cp->receive_max : 65535;
    bc->max_packet = cp->max_packet_size; /* 0 when absent: no limit */
    bc->alias_out_max = !b->opts.topic_aliases_out ? 0
                        : cp->topic_alias_max < TERN_BROKER_TOPIC_ALIAS_MAX
                            ? cp->topic_alias_max
                            : TERN_BROKER_TOPIC_ALIAS_MAX;
    bc->session_expiry = cp->session_expiry;
    bc->problem_info =
        !TERN_MQTT_HAS(cp, TERN_MQTT_PROP_REQUEST_PROBLEM_INFO) || cp->request_problem_info;
    bc->will_delay_s = p->has_will ? p->will_props.will_delay : 0;
    if (TERN_MQTT_HAS(cp, TERN_MQTT_PROP_AUTH_METHOD)) {
      /* enhanced authentication (SCRAM, Kerberos ...): not offered here */
      send_connack(bc, 0, TERN_MQTT_RC_BAD_AUTH_METHOD);
      close_with(bc, "enhanced authentication is not supported");
      return 0;
    }
    /* what this broker offers, so the client need not guess */
    TERN_MQTT_SET(&ack, TERN_MQTT_PROP_RECEIVE_MAX);
    ack.receive_max = TERN_BROKER_MAX_QOS2_IN;
    TERN_MQTT_SET(&ack, TERN_MQTT_PROP_TOPIC_ALIAS_MAX);
    ack.topic_alias_max = TERN_BROKER_TOPIC_ALIAS_MAX;
    TERN_MQTT_SET(&ack, TERN_MQTT_PROP_MAX_PACKET_SIZE);
    ack.max_packet_size = (uint32_t)b->opts.max_packet + 5;
    TERN_MQTT_SET(&ack, TERN_MQTT_PROP_SUB_ID_AVAILABLE);
    ack.sub_id_available = 1;
    TERN_MQTT_SET(&ack, TERN_MQTT_PROP_SHARED_SUB_AVAILABLE);
    ack.shared_sub_available = 1;
  }
  char id[128];
  if (p->client_id.len == 0) {
    if (!p->clean_session && !v5) { /* [MQTT-3.1.3-8]; 5.0 assigns one and says which */
      send_connack(bc, 0, TERN_MQTT_REFUSED_ID);
      close_with(bc, "empty client id needs a clean session");
      return 0;
    }
    uint8_t r[8];
    tern_random(b->loop, r, sizeof(r));
    snprintf(id, sizeof(id), "tern-auto-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7]);
    if (v5) {
      TERN_MQTT_SET(&ack, TERN_MQTT_PROP_ASSIGNED_CLIENT_ID);
      ack.assigned_client_id = (struct tern_str){id, strlen(id)};
    }
  } else if (p->client_id.len >= sizeof(id) || memchr(p->client_id.p, 0, p->client_id.len)) {
    send_connack(bc, 0, TERN_MQTT_REFUSED_ID);
    close_with(bc, "client id too long");
    return 0;
  } else {
    memcpy(id, p->client_id.p, p->client_id.len);
    id[p->client_id.len] = '\0';
  }
  char cn[256];
  int auth = authenticate(bc, p, cn, sizeof(cn));
  uint16_t keepalive = p->keepalive;
  if (v5 && b->opts.max_keepalive && (keepalive == 0 || keepalive > b->opts.max_keepalive)) {
    /* 5.0 tells the client the keepalive to use instead (Server Keep Alive) */
    keepalive = (uint16_t)b->opts.max_keepalive;
    TERN_MQTT_SET(&ack, TERN_MQTT_PROP_SERVER_KEEPALIVE);
    ack.server_keepalive = keepalive;
  }
  if (!auth && b->opts.max_keepalive && keepalive > b->opts.max_keepalive) {
    /* 3.1.1 has no way to lower it (MQTT 5's server keepalive): refuse, as Mosquitto */
    TERN_WARN(b->loop, "client %s asks for keepalive %u, over max_keepalive %u", id, p->keepalive,
              b->opts.max_keepalive);
    auth = TERN_MQTT_REFUSED_ID;
  }
  if (auth) {
    send_connack(bc, 0, auth);
    TERN_WARN(b->loop, "refused %s (%s): %s", id, peer_name(bc), tern_mqtt_connack_str(auth));
    tern_close(bc->conn);
    return 0;
  }
  struct session *s = tern_broker_session_get(b, id, 0);
  if (s && s->conn) {
    /* Takeover [MQTT-3.1.4-2]: the old connection goes (told why in 5.0,
     * 0x8E), without its will. */
    struct bconn *old = s->conn;
    tern_broker_bmsg_unref(b, old->will);
    old->will = NULL;
    TERN_INFO(b->loop, "client %s taken over by a new connection", id);
    disconnect_with(old, TERN_MQTT_RC_SESSION_TAKEN_OVER, "session taken over");
    old->session = NULL;
    s->conn = NULL;
  }
  if (s && s->will) { /* back before its delayed will went: it never goes [MQTT-3.1.3-9] */
    tern_broker_bmsg_unref(b, s->will);
    s->will = NULL;
  }
  int present = 0;
  if (s && p->clean_session) {
    if (!s->clean) tern_broker_bstore_session(b, s, 0);
    session_free(b, s);
    s = NULL;
  }
  if (s) present = 1;
  else {
    s = tern_broker_session_get(b, id, 1);
    if (!s) return TERN_ENOMEM;
  }
  /* 3.1.1: clean session or kept forever; 5.0: kept as long as the client's
   * Session Expiry Interval says (0: ends with the connection) */
  uint32_t expiry = v5 ? p->props.session_expiry : p->clean_session ? 0 : 0xFFFFFFFFu;
  int was_kept = present && !s->clean;
  s->clean = expiry == 0;
  s->expiry_s = expiry;
  s->expires_us = 0;
  if (!s->clean) tern_broker_bstore_session(b, s, 1);
  else if (was_kept) tern_broker_bstore_session(b, s, 0);
  tern_free(tern_loop_alloc(b->loop), s->username);
  s->username = cn[0]             ? dup_n(b, cn, strlen(cn))
                : p->has_username ? dup_n(b, p->username.p, p->username.len)
                                  : NULL;
  s->auth = bc->listener->auth;
  s->conn = bc;
  bc->session = s;
  bc->keepalive = keepalive;
  if (p->has_will) {
    bc->will = tern_broker_bmsg_new5(b, p->will_topic.p, p->will_topic.len, p->will_payload.p,
                                     p->will_payload.len, p->will_qos, p->will_retain,
                                     v5 ? &p->will_props : NULL);
  }
  b->st.clients_connected++;
  b->st.clients_total++;
  char from[64];
  if (!b->opts.quiet_connections)
    TERN_INFO(b->loop, "client %s connected from %s (MQTT %s, clean %d, keepalive %u%s)", id,
              tern_addr_str(&bc->conn->peer, from, sizeof(from), 1),
              v5           ? "5.0"
              : level == 3 ? "3.1"
                           : "3.1.1",
              p->clean_session, keepalive, bc->is_bridge ? ", a bridge" : "");
  send_connack5(bc, present, TERN_MQTT_ACCEPTED, v5 ? &ack : NULL);
  resend_inflight(bc);
  pump(b, s);
  return 0;
}

static int qos2_seen(struct session *s, uint16_t id) {
  for (size_t i = 0; i < s->nqos2_in; i++)
    if (s->qos2_in[i] == id) return 1;
  return 0;
}

/* 5.0 Topic Alias (3.3.2.3.4): a topic with an alias sets it, an alias
 * alone names the topic set before. 0, or the reason to disconnect with. */
static int resolve_alias(struct bconn *bc, struct tern_mqtt_packet *p) {
  if (!TERN_MQTT_HAS(&p->props, TERN_MQTT_PROP_TOPIC_ALIAS)) return 0;
  uint16_t a = p->props.topic_alias;
  if (a > TERN_BROKER_TOPIC_ALIAS_MAX) return TERN_MQTT_RC_TOPIC_ALIAS_INVALID; /* [MQTT-3.3.2-9] */
  const struct tern_allocator *al = tern_loop_alloc(bc->broker->loop);
  if (!bc->aliases) {
    bc->aliases = tern_alloc(al, (TERN_BROKER_TOPIC_ALIAS_MAX + 1) * sizeof(char *));
    if (!bc->aliases) return TERN_MQTT_RC_IMPLEMENTATION_SPECIFIC;
  }
  if (p->topic.len) {
    char *t = tern_alloc(al, p->topic.len + 1);
    if (!t) return TERN_MQTT_RC_IMPLEMENTATION_SPECIFIC;
    memcpy(t, p->topic.p, p->topic.len);
    tern_free(al, bc->aliases[a]);
    bc->aliases[a] = t;
    TERN_DEBUG(bc->broker->loop, "client %s: Topic Alias %u is '%s'", LOG_PEER(bc), a, t);
    return 0;
  }
  if (!bc->aliases[a]) return TERN_MQTT_RC_PROTOCOL_ERROR; /* an alias never set */
  TERN_DEBUG(bc->broker->loop, "client %s: Topic Alias %u used", LOG_PEER(bc), a);
  p->topic = (struct tern_str){bc->aliases[a], strlen(bc->aliases[a])};
  return 0;
}

static int on_publish(struct bconn *bc, struct tern_mqtt_packet *p) {
  struct tern_broker *b = bc->broker;
  struct session *s = bc->session;
  b->st.msgs_received++;
  if (bc->version == TERN_MQTT_V5) {
    int why = resolve_alias(bc, p);
    if (why) {
      disconnect_with(bc, (uint8_t)why,
                      why == TERN_MQTT_RC_TOPIC_ALIAS_INVALID ? "Topic Alias over the maximum"
                                                              : "Topic Alias never set");
      return 0;
    }
  }
  uint8_t reason = 0; /* 5.0's PUBACK/PUBREC reason */
  int allowed = acl_ok(b, s, p->topic.p, p->topic.len, ACL_WRITE);
  if (p->qos == 2 && qos2_seen(s, p->packet_id)) {
    /* a resent QoS 2 message we already took: acknowledge, do not route again */
    send_ack(bc, TERN_MQTT_PUBREC, p->packet_id);
    return 0;
  }
  if (bc->version == TERN_MQTT_V5 && p->qos == 2 && s->nqos2_in >= TERN_BROKER_MAX_QOS2_IN) {
    /* more QoS 2 flows open than the Receive Maximum we gave [MQTT-3.3.4-9]
     * (QoS 1 is acknowledged within the read that brings it) */
    disconnect_with(bc, TERN_MQTT_RC_RECEIVE_MAX_EXCEEDED, "Receive Maximum exceeded");
    return 0;
  }
  if (b->opts.max_payload && p->payload.len > b->opts.max_payload) {
    /* acknowledged and not routed, as Mosquitto does: counted and logged */
    b->st.msgs_dropped++;
    TERN_WARN(b->loop,
              "dropped a PUBLISH from %s to '%.*s': %zu bytes, over message_size_limit %zu",
              s->client_id, (int)p->topic.len, p->topic.p, p->payload.len, b->opts.max_payload);
    reason = TERN_MQTT_RC_QUOTA_EXCEEDED;
  } else if (!allowed) {
    TERN_WARN(b->loop, "denied: %s may not publish to '%.*s'", s->client_id, (int)p->topic.len,
              p->topic.p);
    reason = TERN_MQTT_RC_NOT_AUTHORIZED;
  } else {
    struct bmsg *m =
        tern_broker_bmsg_new5(b, p->topic.p, p->topic.len, p->payload.p, p->payload.len, p->qos,
                              p->retain, bc->version == TERN_MQTT_V5 ? &p->props : NULL);
    if (!m) return TERN_ENOMEM;
    b->publisher = s;
    b->hit_full = NULL;
    b->matched = 0;
    route(b, m);
    if (!b->matched) reason = TERN_MQTT_RC_NO_MATCHING_SUBSCRIBERS;
    /* a subscriber it feeds is far behind: hold this client's next PUBLISH
     * packets until it catches up (this one is queued, so it is acked) */
    if (b->hit_full) bc->blocked_by = b->hit_full;
    b->publisher = b->hit_full = NULL;
    tern_broker_bmsg_unref(b, m);
  }
  /* Acks only go to the socket after on_read() has flushed the store: the
   * promise they make is kept before it is made (group commit per read). */
  if (p->qos == 1) {
    send_ack_rc(bc, TERN_MQTT_PUBACK, p->packet_id, reason);
  } else if (p->qos == 2 && reason >= 0x80) {
    /* refused: nothing to release later (5.0 says why; 3.1.1 just acks) */
    send_ack_rc(bc, TERN_MQTT_PUBREC, p->packet_id, reason);
  } else if (p->qos == 2) {
    if (s->nqos2_in >= TERN_BROKER_MAX_QOS2_IN) return TERN_ELIMIT;
    uint16_t *ids = tern_loop_alloc(b->loop)->realloc(tern_loop_alloc(b->loop)->ctx, s->qos2_in,
                                                      (s->nqos2_in + 1) * sizeof(*ids));
    if (!ids) return TERN_ENOMEM;
    s->qos2_in = ids;
    ids[s->nqos2_in++] = p->packet_id;
    send_ack_rc(bc, TERN_MQTT_PUBREC, p->packet_id, reason);
  }
  return 0;
}

static struct qitem *take_inflight(struct session *s, uint16_t id, int state, int remove) {
  struct qitem **pp = &s->inflight_head, *prev = NULL;
  for (; *pp; prev = *pp, pp = &(*pp)->next) {
    struct qitem *q = *pp;
    if (q->packet_id != id || q->state != state) continue;
    if (remove) {
      *pp = q->next;
      if (s->inflight_tail == q) s->inflight_tail = prev;
      s->ninflight--;
    }
    return q;
  }
  return NULL;
}

static void on_ack(struct bconn *bc, const struct tern_mqtt_packet *p) {
  struct tern_broker *b = bc->broker;
  struct session *s = bc->session;
  struct qitem *q;
  if (p->type != TERN_MQTT_PUBREL) {
    s->last_progress = tern_loop_now(b->loop);
    s->stalled = 0;
  }
  switch (p->type) {
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBCOMP:
    q = take_inflight(s, p->packet_id, p->type == TERN_MQTT_PUBACK ? QS_WAIT_ACK : QS_WAIT_COMP, 1);
    if (!q) return; /* unknown id: ignore, as the spec allows */
    if (!s->clean) tern_broker_bstore_msg_done(b, q);
    tern_broker_item_free(b, q);
    pump(b, s);
    return;
  case TERN_MQTT_PUBREC:
    q = take_inflight(s, p->packet_id, QS_WAIT_ACK, 0);
    if (q && q->qos == 2) q->state = QS_WAIT_COMP;
    send_ack(bc, TERN_MQTT_PUBREL, p->packet_id);
    return;
  case TERN_MQTT_PUBREL:
    for (size_t i = 0; i < s->nqos2_in; i++)
      if (s->qos2_in[i] == p->packet_id) {
        s->qos2_in[i] = s->qos2_in[--s->nqos2_in];
        break;
      }
    send_ack(bc, TERN_MQTT_PUBCOMP, p->packet_id);
    return;
  }
}

static void send_retained(struct tern_broker *b, struct session *s, const char *f, size_t flen,
                          uint8_t qos, uint32_t sub_id) {
  for (size_t i = 0; i < b->nretained; i++) {
    struct bmsg *m = b->retained[i];
    if (!tern_mqtt_topic_matches(f, flen, m->topic, m->topic_len)) continue;
    if (!acl_ok(b, s, m->topic, m->topic_len, ACL_READ)) continue;
    uint8_t q = m->qos < qos ? m->qos : qos;
    if (q == 0) {
      send_publish(s->conn, m, 0, 1, 0, 0, sub_id);
      continue;
    }
    b->via_sub_id = sub_id;
    struct qitem *it = tern_broker_session_enqueue(b, s, m, q, 1);
    b->via_sub_id = 0;
    if (it && !s->clean) tern_broker_bstore_msg(b, s, it);
  }
  pump(b, s);
}

/* 1 when s already holds a subscription to exactly this filter. */
static int has_sub(const struct session *s, const char *f, size_t len) {
  char buf[TERN_MQTT_MAX_TOPIC + 1];
  for (const struct sub *x = s->subs; x; x = x->session_next) {
    size_t n = tern_broker_tree_filter(x, buf, sizeof(buf));
    if (n == len && memcmp(buf, f, len) == 0) return 1;
  }
  return 0;
}

static int on_subscribe(struct bconn *bc, const struct tern_mqtt_packet *p) {
  struct tern_broker *b = bc->broker;
  struct session *s = bc->session;
  int v5 = bc->version == TERN_MQTT_V5;
  uint32_t sub_id = v5 && p->props.nsub_ids ? p->props.sub_ids[0] : 0; /* one per SUBSCRIBE */
  struct tern_mqtt_packet ack;
  memset(&ack, 0, sizeof(ack));
  ack.type = TERN_MQTT_SUBACK;
  ack.packet_id = p->packet_id;
  ack.count = p->count;
  uint8_t send_ret[TERN_MQTT_MAX_FILTERS];
  for (size_t i = 0; i < p->count; i++) {
    const struct tern_str *f = &p->filters[i];
    uint8_t opts = p->qos_list[i], qos = opts & TERN_MQTT_SUB_QOS_MASK;
    int handling = opts >> TERN_MQTT_SUB_RETAIN_HANDLING_SHIFT;
    send_ret[i] = 0;
    if (!acl_ok(b, s, f->p, f->len, ACL_READ)) {
      TERN_WARN(b->loop, "denied: %s may not subscribe to '%.*s'", s->client_id, (int)f->len, f->p);
      ack.qos_list[i] = v5 ? TERN_MQTT_RC_NOT_AUTHORIZED : TERN_MQTT_SUBACK_FAILURE;
      continue;
    }
    int existed = handling == 1 && has_sub(s, f->p, f->len);
    int rc = tern_broker_tree_subscribe(b, s, f->p, f->len, opts, sub_id);
    ack.qos_list[i] = rc < 0 ? (v5 ? TERN_MQTT_RC_UNSPECIFIED : TERN_MQTT_SUBACK_FAILURE) : qos;
    if (rc >= 0 && !s->clean) tern_broker_bstore_sub(b, s, f->p, f->len, opts, sub_id, 1);
    if (rc >= 0)
      TERN_INFO(b->loop, "client %s subscribed to '%.*s' (QoS %d)", s->client_id, (int)f->len, f->p,
                qos);
    /* Retain Handling: 0 send the retained, 1 only for a new subscription, 2 never */
    send_ret[i] = rc >= 0 && handling != 2 && !existed;
  }
  send_packet(bc, &ack);
  for (size_t i = 0; i < p->count; i++)
    if (send_ret[i])
      send_retained(b, s, p->filters[i].p, p->filters[i].len, ack.qos_list[i], sub_id);
  return 0;
}

static int on_unsubscribe(struct bconn *bc, const struct tern_mqtt_packet *p) {
  struct session *s = bc->session;
  struct tern_mqtt_packet ack;
  memset(&ack, 0, sizeof(ack));
  ack.type = TERN_MQTT_UNSUBACK;
  ack.packet_id = p->packet_id;
  ack.count = p->count; /* 5.0: a reason code per filter */
  for (size_t i = 0; i < p->count; i++) {
    int had = tern_broker_tree_unsubscribe(bc->broker, s, p->filters[i].p, p->filters[i].len);
    if (had && !s->clean)
      tern_broker_bstore_sub(bc->broker, s, p->filters[i].p, p->filters[i].len, 0, 0, 0);
    ack.qos_list[i] = had ? TERN_MQTT_RC_SUCCESS : TERN_MQTT_RC_NO_SUBSCRIPTION_EXISTED;
  }
  send_packet(bc, &ack);
  return 0;
}

static int handle_packet(struct bconn *bc, struct tern_mqtt_packet *p) {
  if (!bc->got_connect && p->type != TERN_MQTT_CONNECT) return TERN_EPROTO; /* [MQTT-3.1.0-1] */
  switch (p->type) {
  case TERN_MQTT_CONNECT: return on_connect(bc, p);
  case TERN_MQTT_PUBLISH: return on_publish(bc, p);
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC:
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP: on_ack(bc, p); return 0;
  case TERN_MQTT_SUBSCRIBE: return on_subscribe(bc, p);
  case TERN_MQTT_UNSUBSCRIBE: return on_unsubscribe(bc, p);
  case TERN_MQTT_PINGREQ: {
    struct tern_mqtt_packet r;
    memset(&r, 0, offsetof(struct tern_mqtt_packet, filters));
    r.type = TERN_MQTT_PINGRESP;
    return send_packet(bc, &r);
  }
  case TERN_MQTT_DISCONNECT:
    if (TERN_MQTT_HAS(&p->props, TERN_MQTT_PROP_SESSION_EXPIRY)) {
      /* a session that was to end with the connection cannot be kept now
       * [MQTT-3.14.2-2]; otherwise the new interval holds */
      if (bc->session_expiry == 0 && p->props.session_expiry != 0) {
        disconnect_with(bc, TERN_MQTT_RC_PROTOCOL_ERROR, "Session Expiry set at DISCONNECT");
        return 0;
      }
      bc->session_expiry = p->props.session_expiry;
      if (bc->session) {
        bc->session->expiry_s = p->props.session_expiry;
        if (p->props.session_expiry == 0 && !bc->session->clean) {
          bc->session->clean = 1;
          tern_broker_bstore_session(bc->broker, bc->session, 0);
        } else if (!bc->session->clean) {
          tern_broker_bstore_session(bc->broker, bc->session, 1); /* the new interval */
        }
      }
    }
    bc->got_disconnect = 1;
    /* a clean goodbye discards the will [MQTT-3.14.4-3], unless 5.0's
     * "Disconnect with Will Message" (0x04) asks for it */
    if (p->reason_code != TERN_MQTT_RC_DISCONNECT_WITH_WILL) {
      tern_broker_bmsg_unref(bc->broker, bc->will);
      bc->will = NULL;
    }
    tern_close(bc->conn);
    return 0;
  case TERN_MQTT_AUTH: /* no enhanced authentication was agreed: nothing to continue */
    disconnect_with(bc, TERN_MQTT_RC_PROTOCOL_ERROR, "AUTH without an authentication method");
    return 0;
  default: return TERN_EPROTO;
  }
}

static int is_ack_or_ping(int type) {
  return type == TERN_MQTT_PUBACK || type == TERN_MQTT_PUBREC || type == TERN_MQTT_PUBREL ||
         type == TERN_MQTT_PUBCOMP || type == TERN_MQTT_PINGREQ;
}

static void on_read(struct bconn *bc) {
  struct tern_conn *c = bc->conn;
  struct tern_broker *b = bc->broker;
  static struct tern_mqtt_packet p; /* large (filter table); the loop is single-threaded */
  bc->last_rx = tern_loop_now(b->loop);
  /* Over WebSocket, MQTT bytes come out of frames into ws->in first. */
  struct tern_buf *in = &c->rx;
  if (bc->ws) {
    const char *why = NULL;
    if (tern_broker_ws_unwrap(bc, &why) != 0) {
      close_with(bc, why);
      return;
    }
    in = &bc->ws->in;
  }
  /* While paused (blocked_by), packets are held at the front of the input in
   * order, except the acks and pings behind them, which are handled at
   * once: a client that publishes and subscribes cannot deadlock on its own
   * acks, and a DISCONNECT never overtakes the PUBLISH packets sent before
   * it. Held bytes count against its cap: a publisher that keeps sending
   * meets TCP backpressure. */
  size_t off = 0, held = 0;
  while (off < in->len && !c->is_closing && !c->is_draining) {
    p.type = p.version = 0; /* p is shared: nothing stale is read after a failure */
    int n = tern_mqtt_decode_v(in->data + off, in->len - off, b->opts.max_packet,
                               TERN_MQTT_FROM_CLIENT, bc->version, &p);
    if (n == TERN_EAGAIN) break;
    /* once the client has closed its side, nothing more can come: what it
     * sent is taken now (bounded by rx's cap), not lost with the socket */
    if (n > 0 && bc->blocked_by && !c->is_readable_shut && !is_ack_or_ping(p.type)) {
      if (off != held) memmove(in->data + held, in->data + off, (size_t)n);
      held += (size_t)n;
      off += (size_t)n;
      continue;
    }
    if (n < 0) {
      char why[96];
      snprintf(why, sizeof(why), "malformed packet (%s: %s)", tern_strerror(n),
               tern_mqtt_reason_str(p.reason_code));
      if (!bc->got_connect && p.version == TERN_MQTT_V5 && p.type == TERN_MQTT_CONNECT) {
        bc->version = TERN_MQTT_V5; /* a 5.0 CONNECT refused: CONNACK says why */
        send_connack(bc, 0, p.reason_code);
      }
      disconnect_with(bc, p.reason_code, why);
      off = in->len;
      break;
    }
    b->st.bytes_received += (uint64_t)n;
    int rc = handle_packet(bc, &p);
    off += (size_t)n;
    if (rc < 0) {
      char why[96];
      snprintf(why, sizeof(why), "%s: %s", tern_mqtt_type_name(p.type), tern_strerror(rc));
      disconnect_with(bc,
                      rc == TERN_EPROTO   ? TERN_MQTT_RC_PROTOCOL_ERROR
                      : rc == TERN_ELIMIT ? TERN_MQTT_RC_QUOTA_EXCEEDED
                                          : TERN_MQTT_RC_UNSPECIFIED,
                      why);
      off = in->len;
    }
  }
  bc->holding = held > 0;
  if (held) { /* keep the held packets, then what is not parsed yet */
    memmove(in->data + held, in->data + off, in->len - off);
    in->len = held + (in->len - off);
  } else {
    tern_buf_consume(in, off);
  }
  /* Everything acknowledged in this batch reaches the store before the acks
   * leave: they sit in c->tx until the port writes after this handler. */
  tern_broker_bstore_flush(b);
}

static void on_close(struct bconn *bc) {
  struct tern_broker *b = bc->broker;
  struct session *s = bc->session;
  if (s) {
    b->st.clients_connected--;
    s->conn = NULL;
    s->full = 0; /* flow control is for online clients: offline, max_queued bounds it */
    if (!b->opts.quiet_connections)
      TERN_INFO(b->loop, "client %s disconnected%s", s->client_id,
                bc->got_disconnect ? "" : " (no DISCONNECT)");
  }
  if (bc->will && s && !s->clean && bc->will_delay_s) {
    /* 5.0 Will Delay Interval: it waits, unless the client is back first */
    s->will = bc->will;
    s->will_at_us = tern_loop_micros(b->loop) + (uint64_t)bc->will_delay_s * 1000000u;
  } else if (bc->will) { /* the link died without DISCONNECT: publish the will [MQTT-3.1.2-8] */
    route(b, bc->will);
    tern_broker_bmsg_unref(b, bc->will);
  }
  if (s && !s->clean && s->expiry_s != 0xFFFFFFFFu) /* 5.0: kept for its expiry interval */
    s->expires_us = tern_loop_micros(b->loop) + (uint64_t)s->expiry_s * 1000000u;
  if (bc->aliases) {
    tern_mqtt_aliases_free(bc->aliases, TERN_BROKER_TOPIC_ALIAS_MAX, tern_loop_alloc(b->loop));
    tern_free(tern_loop_alloc(b->loop), bc->aliases);
  }
  if (bc->aliases_out) {
    tern_mqtt_aliases_free(bc->aliases_out, bc->alias_out_max, tern_loop_alloc(b->loop));
    tern_free(tern_loop_alloc(b->loop), bc->aliases_out);
  }
  if (s && s->clean) session_free(b, s);
  tern_broker_bstore_flush(b);
  bc->listener->nconns--;
  tern_broker_ws_free(bc);
  tern_free(tern_loop_alloc(b->loop), bc);
}

/* s is behind and has taken nothing for TERN_BROKER_STALL_MS: it is not
 * reading. Its queued QoS 0 messages go (counted), and more while it stays
 * so; what is acknowledged (QoS 1/2) waits for it. If that frees the
 * queue, its publishers go on. */
static void stall(struct tern_broker *b, struct session *s) {
  s->stalled = 1;
  struct qitem **pp = &s->queue_head, *last = NULL;
  while (*pp) {
    struct qitem *q = *pp;
    if (q->qos != 0) {
      last = q;
      pp = &q->next;
      continue;
    }
    *pp = q->next;
    s->nqueued--;
    s->queued_bytes -= q->msg->payload_len;
    b->st.queued--;
    count_drop(b, s, q->msg);
    tern_broker_item_free(b, q);
  }
  s->queue_tail = last;
  update_full(b, s);
}

static void check_timeouts(struct bconn *bc) {
  uint32_t now = tern_loop_now(bc->broker->loop);
  if (!bc->got_connect) {
    if (now - bc->connected_at > TERN_BROKER_CONNECT_TIMEOUT_MS)
      close_with(bc, "no CONNECT in time");
    return;
  }
  struct session *s = bc->session;
  if (s && s->full && !s->stalled && now - s->last_progress > TERN_BROKER_STALL_MS)
    stall(bc->broker, s);
  if (s && s->full && now - s->last_progress > bc->broker->opts.slow_subscriber_s * 1000u) {
    char why[96];
    snprintf(why, sizeof(why), "slow subscriber: %zu messages behind, nothing taken for %u s",
             s->nqueued, bc->broker->opts.slow_subscriber_s);
    close_with(bc, why);
    return;
  }
  /* [MQTT-3.1.2-24]: nothing for 1.5 x keepalive means the client is gone;
   * not while the broker itself holds the client's packets */
  if (bc->keepalive && !bc->blocked_by && now - bc->last_rx > (uint32_t)bc->keepalive * 1500u) {
    TERN_INFO(bc->broker->loop, "client %s: keepalive expired", LOG_PEER(bc));
    if (bc->version == TERN_MQTT_V5) /* told why (0x8D), in the few bytes the socket takes */
      disconnect_with(bc, TERN_MQTT_RC_KEEPALIVE_TIMEOUT, "keepalive expired");
    else tern_close_now(bc->conn);
  }
}

static void broker_conn_fn(struct tern_conn *c, int ev, void *ev_data) {
  struct tern_broker *b = c->fn_data;
  struct bconn *bc = c->proto;
  switch (ev) {
  case TERN_EV_ACCEPT: {
    struct blistener *l = NULL;
    for (int i = 0; i < b->nlisteners; i++)
      if (b->listeners[i].conn == c->listener) l = &b->listeners[i];
    if (!l || b->shutting_down) {
      tern_close_now(c);
      return;
    }
    if (b->st.clients_connected >= b->opts.max_clients ||
        (l->cfg->max_connections && l->nconns >= l->cfg->max_connections)) {
      TERN_WARN(b->loop, "connection limit (%zu) reached: refusing",
                l->cfg->max_connections && l->nconns >= l->cfg->max_connections
                    ? l->cfg->max_connections
                    : b->opts.max_clients);
      tern_close_now(c);
      return;
    }
    bc = tern_alloc(tern_loop_alloc(b->loop), sizeof(*bc));
    if (bc && l->cfg->websockets) {
      bc->ws = tern_alloc(tern_loop_alloc(b->loop), sizeof(*bc->ws));
      if (bc->ws) tern_buf_init(&bc->ws->in, tern_loop_alloc(b->loop), c->rx.cap);
      else tern_free(tern_loop_alloc(b->loop), bc), bc = NULL;
    }
    if (!bc) {
      tern_close_now(c);
      return;
    }
    l->nconns++;
    bc->listener = l;
    bc->broker = b;
    bc->conn = c;
    bc->connected_at = bc->last_rx = tern_loop_now(b->loop);
    c->proto = bc;
    break;
  }
  case TERN_EV_READ:
    if (bc) on_read(bc);
    break;
  case TERN_EV_SENT:
    if (bc && bc->session) {
      bc->session->last_progress = tern_loop_now(b->loop);
      bc->session->stalled = 0;
      pump(b, bc->session);
    }
    break;
  case TERN_EV_POLL:
    if (!bc) break;
    /* the subscriber caught up, or left: the held packets go on */
    if (bc->blocked_by && !bc->blocked_by->full) bc->blocked_by = NULL;
    if (bc->holding && !bc->blocked_by) on_read(bc);
    if (!c->is_closing) check_timeouts(bc);
    break;
  case TERN_EV_ERROR:
    if (bc) TERN_INFO(b->loop, "connection %s: %s", LOG_PEER(bc), (const char *)ev_data);
    break;
  case TERN_EV_CLOSE:
    if (bc) on_close(bc);
    c->proto = NULL;
    break;
  }
}

/* update_full's timer: every publisher held for a session that caught up
 * goes on, its held packets first. */
static void resume_blocked(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_broker *b = arg;
  for (struct tern_conn *c = tern_loop_conns(b->loop); c; c = c->next) {
    struct bconn *bc = c->fn == broker_conn_fn && c->fn_data == b ? c->proto : NULL;
    if (!bc || !bc->blocked_by || bc->blocked_by->full) continue;
    bc->blocked_by = NULL;
    if (bc->holding && !c->is_closing) on_read(bc);
  }
}

/* ---- $SYS ---- */

static void sys_publish(struct tern_broker *b, const char *topic, const char *fmt,
                        unsigned long long v) {
  char payload[64];
  int n = snprintf(payload, sizeof(payload), fmt, v);
  struct bmsg *m = tern_broker_bmsg_new(b, topic, strlen(topic), payload, (size_t)n, 0, 1);
  if (!m) return;
  tern_broker_retain_set(b, m, 0);
  tern_broker_tree_match(b, m->topic, m->topic_len, deliver, m);
  tern_broker_bmsg_unref(b, m);
}

static void sys_tick(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_broker *b = arg;
  sys_publish(b, "$SYS/broker/uptime", "%llu seconds",
              (tern_loop_now(b->loop) - b->started) / 1000u);
  sys_publish(b, "$SYS/broker/clients/connected", "%llu", b->st.clients_connected);
  sys_publish(b, "$SYS/broker/clients/total", "%llu", b->st.clients_total);
  sys_publish(b, "$SYS/broker/messages/received", "%llu", b->st.msgs_received);
  sys_publish(b, "$SYS/broker/messages/sent", "%llu", b->st.msgs_sent);
  sys_publish(b, "$SYS/broker/messages/dropped", "%llu", b->st.msgs_dropped);
  sys_publish(b, "$SYS/broker/publish/messages/dropped", "%llu", b->st.msgs_dropped);
  sys_publish(b, "$SYS/broker/subscriptions/count", "%llu", b->st.subscriptions);
  sys_publish(b, "$SYS/broker/retained messages/count", "%llu", b->st.retained);
  sys_publish(b, "$SYS/broker/store/messages/count", "%llu", b->st.queued);
  sys_publish(b, "$SYS/broker/bytes/received", "%llu", b->st.bytes_received);
  sys_publish(b, "$SYS/broker/bytes/sent", "%llu", b->st.bytes_sent);
}

/* 5.0's clocks on offline sessions, once a second: a delayed will whose
 * time has come goes out; a session past its Session Expiry Interval ends
 * (its will, if still waiting, first). */
static void expiry_tick(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_broker *b = arg;
  uint64_t now = tern_loop_micros(b->loop);
  for (int i = 0; i < TERN_BROKER_SESSION_BUCKETS; i++) {
    for (struct session *s = b->sessions[i], *next; s; s = next) {
      next = s->hash_next;
      if (s->conn) continue;
      if (s->will && now >= s->will_at_us) {
        struct bmsg *w = s->will;
        s->will = NULL;
        route(b, w);
        tern_broker_bmsg_unref(b, w);
      }
      if (s->expires_us && now >= s->expires_us) {
        TERN_INFO(b->loop, "session %s expired", s->client_id);
        if (!s->clean) tern_broker_bstore_session(b, s, 0);
        session_free(b, s);
      }
    }
  }
  tern_broker_bstore_flush(b);
}

/* ---- lifecycle ---- */

/* Loads (or reloads) one set of password and ACL files; on a bad file the
 * old set stays. */
static int load_auth(struct tern_broker *b, struct bauth *a) {
  const struct tern_allocator *alloc = tern_loop_alloc(b->loop);
  int rc;
  if (a->cfg->passwd_file) {
    struct tern_pwfile *pw;
    if ((rc = tern_pwfile_load(alloc, a->cfg->passwd_file, &pw)) != 0) {
      TERN_ERR(b->loop, "password file %s: %s%s", a->cfg->passwd_file, tern_strerror(rc),
               a->pw ? " (keeping the old one)" : "");
      return rc;
    }
    tern_pwfile_free(a->pw);
    a->pw = pw;
  }
  if (a->cfg->acl_file) {
    struct acl_rule *acl;
    if ((rc = tern_broker_acl_load(alloc, a->cfg->acl_file, &acl)) != 0) {
      TERN_ERR(b->loop, "ACL file %s: %s%s", a->cfg->acl_file, tern_strerror(rc),
               a->has_acl ? " (keeping the old one)" : "");
      return rc;
    }
    tern_broker_acl_free(alloc, a->acl);
    a->acl = acl;
    a->has_acl = 1;
  }
  return 0;
}

static void free_auth(struct tern_broker *b, struct bauth *a) {
  tern_pwfile_free(a->pw);
  tern_broker_acl_free(tern_loop_alloc(b->loop), a->acl);
  memset(a, 0, sizeof(*a));
}

int tern_broker_reload(struct tern_broker *b) {
  int rc = load_auth(b, &b->auth);
  for (int i = 0; i < b->nlisteners && !rc; i++)
    if (b->listeners[i].auth == &b->listeners[i].own) rc = load_auth(b, &b->listeners[i].own);
  return rc;
}

static int add_listener(struct tern_broker *b, const struct tern_broker_listener *cfg) {
  struct blistener *l = &b->listeners[b->nlisteners];
  l->cfg = cfg;
  l->auth = &b->auth;
  if (b->opts.per_listener_settings) {
    l->own.cfg = &cfg->auth;
    l->auth = &l->own;
    int rc = load_auth(b, &l->own);
    if (rc) return rc;
  }
  if (cfg->cert_file) {
    char msg[200] = "";
    struct tern_tls_opts to = {.cert_file = cfg->cert_file,
                               .key_file = cfg->key_file,
                               .ca_file = cfg->ca_file,
                               .require_peer_cert = cfg->require_certificate};
    if (!(l->tls = tern_tls_ctx_new(b->loop, &to, 1, msg, sizeof(msg)))) {
      TERN_ERR(b->loop, "%s: %s", cfg->url, msg);
      return TERN_ETLS;
    }
  } else if (cfg->ca_file || cfg->require_certificate || cfg->use_identity_as_username) {
    TERN_ERR(b->loop, "%s: client certificates need TLS (a certificate and key)", cfg->url);
    return TERN_EINVAL;
  }
  l->conn = tern_listen(b->loop, cfg->url, broker_conn_fn, b);
  if (!l->conn) return tern_listen_error(b->loop);
  b->nlisteners++;
  /* never in clear when TLS was asked for: a failure here stops the broker */
  int rc = l->tls ? tern_tls_listen(l->conn, l->tls) : 0;
  if (rc) return rc;
  char a[64];
  TERN_INFO(b->loop, "listening on %s%s%s", tern_addr_str(&l->conn->local, a, sizeof(a), 1),
            l->tls ? " (TLS)" : "", cfg->websockets ? " (WebSocket)" : "");
  return 0;
}

struct tern_broker *tern_broker_start(struct tern_loop *loop, const struct tern_broker_opts *opts,
                                      int *err) {
  int rc = 0;
  struct tern_broker *b = tern_alloc(tern_loop_alloc(loop), sizeof(*b));
  if (!b) {
    *err = TERN_ENOMEM;
    return NULL;
  }
  b->loop = loop;
  b->opts = *opts;
  if (!b->opts.max_packet) b->opts.max_packet = TERN_MQTT_MAX_PACKET;
  if (!b->opts.max_clients) b->opts.max_clients = TERN_BROKER_MAX_CLIENTS;
  if (!b->opts.max_inflight) b->opts.max_inflight = TERN_MQTT_INFLIGHT;
  if (!b->opts.max_queued) b->opts.max_queued = TERN_MQTT_QUEUE_MAX;
  if (!b->opts.slow_subscriber_s) b->opts.slow_subscriber_s = TERN_BROKER_SLOW_SUBSCRIBER_S;
  if (!b->opts.sys_interval_s) b->opts.sys_interval_s = 10;
  if (!b->opts.listeners[0].url) b->opts.listeners[0].url = "tcp://127.0.0.1:1883";
  b->started = tern_loop_now(loop);
  b->auth.cfg = &b->opts.auth;
  if ((rc = load_auth(b, &b->auth)) != 0) goto fail;
  if (b->opts.persist_dir && (rc = tern_broker_bstore_open(b)) != 0) goto fail;
  for (int i = 0; i < TERN_BROKER_MAX_LISTENERS && b->opts.listeners[i].url; i++)
    if ((rc = add_listener(b, &b->opts.listeners[i])) != 0) goto fail;
  if ((rc = tern_broker_bridges_start(b)) != 0) goto fail;
  tern_timer_start(loop, &b->sys_timer, 1000, b->opts.sys_interval_s * 1000u, sys_tick, b);
  tern_timer_start(loop, &b->expiry_timer, 1000, 1000, expiry_tick, b);
  return b;
fail:
  *err = rc;
  tern_broker_stop(b);
  return NULL;
}

size_t tern_broker_shutdown(struct tern_broker *b) {
  size_t open = 0;
  int first = !b->shutting_down;
  b->shutting_down = 1;
  for (struct tern_conn *c = tern_loop_conns(b->loop); c; c = c->next) {
    struct bconn *bc = c->fn == broker_conn_fn && c->fn_data == b ? c->proto : NULL;
    if (!bc) continue;
    if (first) {
      /* the server ends these connections, not the clients: no wills */
      tern_broker_bmsg_unref(b, bc->will);
      bc->will = NULL;
      disconnect_with(bc, TERN_MQTT_RC_SERVER_SHUTTING_DOWN, "server shutting down");
    }
    open++;
  }
  return open + tern_broker_bridges_shutdown(b);
}

void tern_broker_stop(struct tern_broker *b) {
  if (!b) return;
  struct tern_loop *loop = b->loop;
  b->stopping = 1;
  tern_timer_stop(loop, &b->sys_timer);
  tern_timer_stop(loop, &b->expiry_timer);
  tern_timer_stop(loop, &b->resume_timer);
  for (int i = 0; i < b->nlisteners; i++) {
    b->listeners[i].conn->fn = NULL;
    tern_close_now(b->listeners[i].conn);
  }
  /* Connections close now; their handlers run before the broker goes. */
  for (struct tern_conn *c = tern_loop_conns(loop); c; c = c->next) {
    if (c->fn != broker_conn_fn || c->fn_data != b) continue;
    struct bconn *bc = c->proto;
    if (bc) {
      tern_broker_bmsg_unref(b, bc->will);
      bc->will = NULL;
      on_close(bc);
      c->proto = NULL;
    }
    c->fn = NULL;
    tern_close_now(c);
  }
  tern_broker_bridges_stop(b);
  for (int i = 0; i < TERN_BROKER_SESSION_BUCKETS; i++)
    while (b->sessions[i]) session_free(b, b->sessions[i]);
  for (size_t i = 0; i < b->nretained; i++) tern_broker_bmsg_unref(b, b->retained[i]);
  tern_free(tern_loop_alloc(loop), b->retained);
  tern_broker_tree_free(b);
  tern_broker_bstore_close(b);
  caches_free(b);
  free_auth(b, &b->auth);
  /* the listeners' TLS contexts outlive their connections only until the
   * loop reaps them: those hold their own references */
  for (int i = 0; i <= b->nlisteners && i < TERN_BROKER_MAX_LISTENERS; i++) {
    free_auth(b, &b->listeners[i].own);
    tern_tls_ctx_unref(b->listeners[i].tls);
  }
  tern_free(tern_loop_alloc(loop), b);
}

void tern_broker_get_stats(const struct tern_broker *b, struct tern_broker_stats *st) {
  *st = b->st;
}

uint16_t tern_broker_port(const struct tern_broker *b, int i) {
  return i >= 0 && i < b->nlisteners ? b->listeners[i].conn->local.port : 0;
}
