/* The MQTT client driver: binds the codec to a loop connection, keeps the
 * outbound queue (in memory and optionally in tern_store), reconnects with
 * exponential backoff and jitter, sends PINGREQ itself and notices a dead
 * link within 1.5 x keepalive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/mqtt.h"
#include "tern/mqtt_codec.h"
#include "tern/store.h"
#include "tern/tls.h"
#include "tern/url.h"
#include "mqtt_props.h"

enum { OM_QUEUED, OM_WAIT_ACK, OM_WAIT_COMP };

/* With TERN_ENABLE_MQTT5 0 these are constant 0: the 5.0 code is left out. */
#define V5(m) (TERN_ENABLE_MQTT5 && (m)->version == TERN_MQTT_V5)
#define V5_OPTS(m) (TERN_ENABLE_MQTT5 && (m)->o.version == TERN_MQTT_V5)

struct omsg {
  struct omsg *next;
  uint64_t id;
  uint16_t packet_id;
  uint8_t qos, retain, state;
  uint16_t topic_len;
  uint16_t props_len; /* MQTT 5 properties, encoded, after the payload */
  uint32_t room;      /* bytes allocated for data[] */
#if TERN_ENABLE_MQTT5
  uint64_t expires_us; /* its Message Expiry as a deadline (tern_loop_micros); 0: none */
#endif
  size_t len;
  char data[]; /* topic, payload, properties */
};

struct msub {
  struct msub *next;
  tern_mqtt_msg_fn fn;
  void *arg;
  uint8_t qos;
  uint16_t props_len; /* MQTT 5 SUBSCRIBE properties, encoded (ours), or 0 */
  uint8_t *props;
  char filter[];
};

struct tern_mqtt {
  struct tern_loop *loop;
  struct tern_mqtt_opts o;
  char *host, *client_id, *username, *password; /* our copies; user/pass may be NULL */
  char *bind_address;                           /* our copy, or NULL */
  char *will; /* our copy of the will's topic, then its payload (o.will_* point here) */
  uint16_t port;
  /* where to connect: url's host and port first, then opts.fallbacks */
  char *hosts[TERN_MQTT_MAX_FALLBACKS + 1];
  uint16_t ports[TERN_MQTT_MAX_FALLBACKS + 1];
  int nhosts, at;
  int private_refused; /* the broker refused 0x84: plain from now on */
  int retry_now;       /* the next attempt goes at once, to the same broker */
  int trying;          /* guesses for this connection after an unanswered CONNECT (TRY_...) */
  /* MQTT 5: what the broker's CONNACK allowed, and our outbound aliases */
  uint8_t version;
  uint16_t broker_receive_max;                /* 0: not limited beyond o.inflight */
  uint16_t alias_max;                         /* aliases we may use on this connection */
  char *aliases[TERN_MQTT_TOPIC_ALIASES + 1]; /* alias N's topic (our copy), 1-based */
  int last_reason;
  uint8_t *connect_props; /* MQTT 5: opts.connect_props, encoded (ours) */
  uint16_t connect_props_len;
  int use_tls;
  struct tern_tls_ctx *tls;
  struct tern_conn *conn;
  int connected; /* CONNACK accepted */
  int wanted;    /* the application wants a connection */
  int ever_connected;
  int first_result; /* 0 until the first attempt ends, then 1 or the error */
  int last_error;
  uint32_t backoff_ms;
  struct tern_timer reconnect_timer, tick_timer;
  uint32_t last_tx, last_rx, ping_sent_at;
  int awaiting_connack;                    /* CONNECT sent on this connection, no answer yet */
  struct omsg *head, *tail;                /* every message not yet acknowledged, in order */
  struct omsg *cache[TERN_MQTT_MSG_CACHE]; /* acknowledged ones, for reuse */
  int ncache;
  size_t count, inflight;
  uint64_t next_id;
  uint16_t next_packet_id;
  uint16_t *qos2_in; /* incoming QoS 2 ids awaiting PUBREL */
  size_t nqos2_in, qos2_cap;
  /* Recently completed incoming QoS 2 messages (id + content hash). A broker
   * restored from a stale snapshot (Mosquitto after a restart) resends
   * messages whose flow already completed, with DUP set; those are
   * recognised here and acknowledged without a second delivery. */
  struct done2 {
    uint16_t id;
    uint32_t hash;
  } * done2;
  size_t ndone2;
  struct msub *subs;
  struct tern_store *store;
  unsigned delivered; /* messages handed to the application */
  uint64_t last_acked;
};

static void emit(struct tern_mqtt *m, int ev, const void *data) {
  if (m->o.on_event) m->o.on_event(m, ev, data, m->o.arg);
}

static void fail(struct tern_mqtt *m, int err, const char *why) {
  m->last_error = err;
  if (!m->first_result) m->first_result = err;
  emit(m, TERN_MQTT_EV_ERROR, why);
}

/* ---- store ---- */

/* A message with room for need bytes: one kept from before that is large
 * enough, else a new one (rounded up to 32 bytes, so the next reading of a
 * sensor, a digit longer, fits it again). */
static struct omsg *omsg_new(struct tern_mqtt *m, const char *topic, size_t tlen,
                             const void *payload, size_t len, const void *props, size_t plen) {
  size_t need = tlen + len + plen;
  struct omsg *om = NULL;
  for (int i = 0; i < m->ncache && !om; i++)
    if (m->cache[i]->room >= need) {
      om = m->cache[i];
      m->cache[i] = m->cache[--m->ncache];
      uint32_t room = om->room;
      memset(om, 0, sizeof(*om));
      om->room = room;
    }
  if (!om) {
    size_t room = (need + 31) & ~(size_t)31;
    if (!(om = tern_alloc(tern_loop_alloc(m->loop), sizeof(*om) + room))) return NULL;
    om->room = (uint32_t)room;
  }
  om->topic_len = (uint16_t)tlen;
  om->len = len;
  om->props_len = (uint16_t)plen;
  memcpy(om->data, topic, tlen);
  if (len) memcpy(om->data + tlen, payload, len);
  if (plen) memcpy(om->data + tlen + len, props, plen);
#if TERN_ENABLE_MQTT5
  /* a Message Expiry counts from now (from a restart for what the store kept) */
  const uint8_t *v = plen ? tern_mqtt_props_find((uint8_t *)om->data + tlen + len, plen,
                                                 TERN_MQTT_PROP_MESSAGE_EXPIRY)
                          : NULL;
  if (v) {
    uint32_t s = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
    om->expires_us = tern_loop_micros(m->loop) + (uint64_t)s * 1000000u;
  }
#endif
  return om;
}

static void omsg_free(struct tern_mqtt *m, struct omsg *om) {
  if (m->ncache < TERN_MQTT_MSG_CACHE && om->room <= TERN_MQTT_MSG_CACHE_ROOM)
    m->cache[m->ncache++] = om;
  else tern_free(tern_loop_alloc(m->loop), om);
}

static void queue_push(struct tern_mqtt *m, struct omsg *om) {
  if (m->tail) m->tail->next = om;
  else m->head = om;
  m->tail = om;
  m->count++;
}

static void on_store_record(void *arg, uint8_t type, const uint8_t *d, size_t len) {
  struct tern_mqtt *m = arg;
  /* 'P': id, qos, retain, topic length, topic, payload; 'R' (MQTT 5) puts
   * the properties' length after the topic's, the properties after the topic */
  size_t head = type == 'R' ? 14 : 12;
  if ((type == 'P' || type == 'R') && len >= head) {
    uint64_t id = 0;
    for (int i = 0; i < 8; i++) id = id << 8 | d[i];
    uint16_t tlen = (uint16_t)(d[10] << 8 | d[11]);
    uint16_t plen = type == 'R' ? (uint16_t)(d[12] << 8 | d[13]) : 0;
    if (head + tlen + plen > len) return;
    const uint8_t *payload = d + head + tlen + plen;
    struct omsg *om = omsg_new(m, (const char *)d + head, tlen, payload, len - head - tlen - plen,
                               d + head + tlen, plen);
    if (!om) return;
    om->id = id;
    om->qos = d[8];
    om->retain = d[9];
    queue_push(m, om);
    if (id > m->next_id) m->next_id = id;
  } else if (type == 'D' && len == 8) {
    uint64_t id = 0;
    for (int i = 0; i < 8; i++) id = id << 8 | d[i];
    struct omsg **pp = &m->head, *prev = NULL;
    for (; *pp; prev = *pp, pp = &(*pp)->next) {
      if ((*pp)->id != id) continue;
      struct omsg *om = *pp;
      *pp = om->next;
      if (m->tail == om) m->tail = prev;
      m->count--;
      omsg_free(m, om);
      break;
    }
  }
}

static void store_put(struct tern_mqtt *m, const struct omsg *om) {
  if (!m->store || om->qos == 0) return;
  /* with properties ('R'), they sit between topic and payload on disk */
  size_t head = om->props_len ? 14 : 12, n = head + om->topic_len + om->props_len;
  uint8_t *rec = tern_alloc(tern_loop_alloc(m->loop), n);
  if (!rec) {
    TERN_ERR(m->loop, "mqtt store: no memory for a record");
    return;
  }
  for (int i = 0; i < 8; i++) rec[i] = (uint8_t)(om->id >> (56 - 8 * i));
  rec[8] = om->qos;
  rec[9] = om->retain;
  rec[10] = (uint8_t)(om->topic_len >> 8);
  rec[11] = (uint8_t)om->topic_len;
  if (om->props_len) {
    rec[12] = (uint8_t)(om->props_len >> 8);
    rec[13] = (uint8_t)om->props_len;
  }
  memcpy(rec + head, om->data, om->topic_len);
  if (om->props_len)
    memcpy(rec + head + om->topic_len, om->data + om->topic_len + om->len, om->props_len);
  if (tern_store_append(m->store, om->props_len ? 'R' : 'P', rec, n, om->data + om->topic_len,
                        om->len) != 0)
    TERN_ERR(m->loop, "mqtt store: write failed");
  tern_free(tern_loop_alloc(m->loop), rec);
  tern_store_flush(m->store);
}

static void store_done(struct tern_mqtt *m, const struct omsg *om) {
  if (!m->store || om->qos == 0) return;
  uint8_t d[8];
  for (int i = 0; i < 8; i++) d[i] = (uint8_t)(om->id >> (56 - 8 * i));
  tern_store_append(m->store, 'D', d, 8, NULL, 0);
  /* Compact when everything is acknowledged: the log restarts empty. */
  if (m->count == 1 && tern_store_size(m->store) > TERN_STORE_COMPACT_BYTES / 8 &&
      tern_store_rewrite_begin(m->store) == 0)
    tern_store_rewrite_commit(m->store);
}

/* ---- sending ---- */

static int send_pkt(struct tern_mqtt *m, struct tern_mqtt_packet *p) {
  if (!m->conn) return TERN_ECLOSED;
  p->version = m->version;
  int rc = tern_mqtt_encode(&m->conn->tx, p);
  if (rc == 0) {
    m->last_tx = tern_loop_now(m->loop);
    tern_send(m->conn, NULL, 0);
  }
  return rc;
}

static void zero_pkt(struct tern_mqtt_packet *p, int type) {
  memset(p, 0, offsetof(struct tern_mqtt_packet, filters));
  p->count = 0;
  p->type = (uint8_t)type;
}

static void send_ack(struct tern_mqtt *m, int type, uint16_t id) {
  struct tern_mqtt_packet p;
  zero_pkt(&p, type);
  p.packet_id = id;
  send_pkt(m, &p);
}

static int send_publish(struct tern_mqtt *m, struct omsg *om, int dup) {
  struct tern_mqtt_packet p;
  zero_pkt(&p, TERN_MQTT_PUBLISH);
  p.qos = om->qos;
  p.retain = om->retain;
  p.dup = (uint8_t)(dup && om->qos);
  p.packet_id = om->packet_id;
  p.topic = (struct tern_str){om->data, om->topic_len};
  p.payload = (struct tern_str){om->data + om->topic_len, om->len};
  if (V5(m)) {
    uint8_t *block = (uint8_t *)om->data + om->topic_len + om->len;
#if TERN_ENABLE_MQTT5
    if (om->expires_us) { /* the time it waited here is counted down */
      uint8_t *v = tern_mqtt_props_find(block, om->props_len, TERN_MQTT_PROP_MESSAGE_EXPIRY);
      uint32_t left = tern_mqtt_expiry_left(om->expires_us, tern_loop_micros(m->loop));
      for (int i = 0; v && i < 4; i++) v[i] = (uint8_t)(left >> (24 - 8 * i));
    }
#endif
    p.props.raw = (struct tern_str){(const char *)block, om->props_len};
    /* a topic sent before goes as its alias alone; a new one takes a free
     * alias while the broker allows more (aliases last one connection) */
    int known;
    uint16_t a =
        tern_mqtt_alias_for(m->aliases, m->alias_max, p.topic, tern_loop_alloc(m->loop), &known);
    if (known) p.topic.len = 0;
    if (a) {
      TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_TOPIC_ALIAS);
      p.props.topic_alias = a;
    }
  }
  return send_pkt(m, &p);
}

static void forget_aliases(struct tern_mqtt *m) {
  tern_mqtt_aliases_free(m->aliases, TERN_MQTT_TOPIC_ALIASES, tern_loop_alloc(m->loop));
  m->alias_max = 0;
}

static uint16_t next_packet_id(struct tern_mqtt *m) {
  for (;;) {
    uint16_t id = m->next_packet_id++;
    if (!m->next_packet_id) m->next_packet_id = 1;
    if (!id) continue;
    int used = 0;
    for (struct omsg *om = m->head; om && om->state != OM_QUEUED; om = om->next)
      used |= om->packet_id == id;
    if (!used) return id;
  }
}

static void acked(struct tern_mqtt *m, struct omsg *om);

/* Send queued messages while the inflight window has room. Messages leave
 * strictly in the order they were published. */
static void pump(struct tern_mqtt *m) {
  if (!m->connected) return;
  for (struct omsg *om = m->head, *next; om; om = next) {
    next = om->next;
    if (om->state != OM_QUEUED) continue;
    if (m->conn->tx.len > m->conn->tx.cap / 2) break; /* let the socket catch up */
#if TERN_ENABLE_MQTT5
    if (om->expires_us && tern_loop_micros(m->loop) >= om->expires_us) {
      /* its Message Expiry ran out while it waited: never sent, as a broker does */
      TERN_INFO(m->loop, "mqtt: a message on '%.*s' expired before it could be sent",
                (int)om->topic_len, om->data);
      acked(m, om);
      continue;
    }
#endif
    if (om->qos == 0) {
      send_publish(m, om, 0);
      acked(m, om); /* QoS 0 is done once written */
      continue;
    }
    if (m->inflight >= m->o.inflight) break;
    if (m->broker_receive_max && m->inflight >= m->broker_receive_max) break; /* MQTT 5 */
    om->packet_id = next_packet_id(m);
    om->state = OM_WAIT_ACK;
    m->inflight++;
    send_publish(m, om, 0);
  }
}

static void acked(struct tern_mqtt *m, struct omsg *om) {
  struct omsg **pp = &m->head, *prev = NULL;
  while (*pp && *pp != om) {
    prev = *pp;
    pp = &(*pp)->next;
  }
  if (!*pp) return;
  *pp = om->next;
  if (m->tail == om) m->tail = prev;
  store_done(m, om);
  m->count--;
  if (om->state != OM_QUEUED && om->qos) m->inflight--;
  uint64_t id = om->id;
  m->last_acked = id;
  omsg_free(m, om);
  emit(m, TERN_MQTT_EV_ACKED, &id);
}

int64_t tern_mqtt_publish(struct tern_mqtt *m, const char *topic, const void *payload, size_t len,
                          int qos, int retain) {
  return tern_mqtt_publish_props(m, topic, payload, len, qos, retain, NULL);
}

int64_t tern_mqtt_publish_props(struct tern_mqtt *m, const char *topic, const void *payload,
                                size_t len, int qos, int retain,
                                const struct tern_mqtt_props *props) {
  size_t tlen = strlen(topic);
  if (qos < 0 || qos > 2 || !tern_mqtt_valid_topic(topic, tlen)) return TERN_EINVAL;
  if (len > TERN_MQTT_MAX_PACKET - tlen - 8) return TERN_EINVAL;
  if (m->count >= m->o.queue_max) return TERN_EFULL;
  /* the properties are kept encoded: those a PUBLISH may carry, no alias */
  uint8_t block[TERN_MQTT_PROPS_MAX];
  size_t plen = 0;
  if (props && V5_OPTS(m)) {
    struct tern_mqtt_props p = *props;
    p.has &= ~((uint64_t)1 << TERN_MQTT_PROP_TOPIC_ALIAS);
    p.nsub_ids = 0;
    plen = tern_mqtt_props_size(&p, TERN_MQTT_PUBLISH);
    if (plen > TERN_MQTT_PROPS_MAX) return TERN_ELIMIT;
    tern_mqtt_props_write_body(block, &p, TERN_MQTT_PUBLISH);
  }
  struct omsg *om = omsg_new(m, topic, tlen, payload, len, block, plen);
  if (!om) return TERN_ENOMEM;
  om->id = ++m->next_id;
  om->qos = (uint8_t)qos;
  om->retain = (uint8_t)(retain != 0);
  store_put(m, om); /* durable before we say yes */
  queue_push(m, om);
  int64_t id = (int64_t)om->id;
  pump(m);
  return id;
}

/* ---- receiving ---- */

static int qos2_seen(struct tern_mqtt *m, uint16_t id) {
  for (size_t i = 0; i < m->nqos2_in; i++)
    if (m->qos2_in[i] == id) return 1;
  return 0;
}

static uint32_t content_hash(const struct tern_mqtt_packet *p) {
  uint32_t h = tern_crc32(0, p->topic.p, p->topic.len);
  return tern_crc32(h, p->payload.p, p->payload.len);
}

static int qos2_recently_done(struct tern_mqtt *m, const struct tern_mqtt_packet *p) {
  size_t n = m->ndone2 < TERN_MQTT_QOS2_HISTORY ? m->ndone2 : TERN_MQTT_QOS2_HISTORY;
  if (!p->dup || n == 0 || !m->done2) return 0;
  uint32_t h = content_hash(p);
  for (size_t i = 0; i < n; i++)
    if (m->done2[i].id == p->packet_id && m->done2[i].hash == h) return 1;
  return 0;
}

static void deliver(struct tern_mqtt *m, const struct tern_mqtt_packet *p) {
  struct tern_mqtt_message msg = {
      p->topic.p,
      p->topic.len,
      p->payload.p,
      p->payload.len,
      p->qos,
      p->retain,
      p->dup,
      p->packet_id,
      TERN_ENABLE_MQTT5 && p->version == TERN_MQTT_V5 ? &p->props : NULL};
  int handled = 0;
  m->delivered++;
  /* every subscription whose filter matches gets it, as paho's callbacks do */
  for (struct msub *s = m->subs; s; s = s->next) {
    if (s->fn && tern_mqtt_topic_matches(s->filter, strlen(s->filter), p->topic.p, p->topic.len)) {
      s->fn(m, &msg, s->arg);
      handled = 1;
    }
  }
  if (!handled) emit(m, TERN_MQTT_EV_MESSAGE, &msg);
}

static int on_publish(struct tern_mqtt *m, const struct tern_mqtt_packet *p) {
  if (p->qos == 0) {
    deliver(m, p);
    return 0;
  }
  if (p->qos == 1) {
    deliver(m, p);
    send_ack(m, TERN_MQTT_PUBACK, p->packet_id);
    return 0;
  }
  /* QoS 2: deliver on first sight, remember the id until PUBREL, so a
   * resent PUBLISH is not delivered twice. */
  TERN_DEBUG(m->loop, "mqtt: PUBLISH qos 2 id %u dup %u%s", p->packet_id, p->dup,
             qos2_seen(m, p->packet_id) ? " (seen)" : "");
  if (!qos2_seen(m, p->packet_id) && qos2_recently_done(m, p)) {
    TERN_DEBUG(m->loop, "mqtt: QoS 2 id %u was already delivered: not again", p->packet_id);
  } else if (!qos2_seen(m, p->packet_id)) {
    if (m->nqos2_in == m->qos2_cap) {
      size_t cap = m->qos2_cap ? m->qos2_cap * 2 : 16;
      if (cap > 65535) return TERN_ELIMIT;
      uint16_t *ids = tern_loop_alloc(m->loop)->realloc(tern_loop_alloc(m->loop)->ctx, m->qos2_in,
                                                        cap * sizeof(*ids));
      if (!ids) return TERN_ENOMEM;
      m->qos2_in = ids;
      m->qos2_cap = cap;
    }
    m->qos2_in[m->nqos2_in++] = p->packet_id;
    deliver(m, p);
    if (TERN_MQTT_QOS2_HISTORY > 0 && !m->done2)
      m->done2 = tern_alloc(tern_loop_alloc(m->loop), TERN_MQTT_QOS2_HISTORY * sizeof(*m->done2));
    if (m->done2) {
      size_t slot = m->ndone2++ % TERN_MQTT_QOS2_HISTORY;
      m->done2[slot].id = p->packet_id;
      m->done2[slot].hash = content_hash(p);
    }
  }
  send_ack(m, TERN_MQTT_PUBREC, p->packet_id);
  return 0;
}

static struct omsg *find_inflight(struct tern_mqtt *m, uint16_t id, int state) {
  for (struct omsg *om = m->head; om; om = om->next)
    if (om->state == state && om->packet_id == id) return om;
  return NULL;
}

static const char *const connack_errs[] = {"",
                                           "unacceptable protocol version",
                                           "client id rejected",
                                           "server unavailable",
                                           "bad user name or password",
                                           "not authorised"};

static void resend_after_connack(struct tern_mqtt *m, int session_present) {
  for (struct omsg *om = m->head, *next; om; om = next) {
    next = om->next;
    if (om->state == OM_QUEUED) continue;
    if (!session_present) {
      /* The broker forgot us. WAIT_COMP: it already has the message, so
       * sending it again would duplicate it; WAIT_ACK: send it anew. */
      if (om->state == OM_WAIT_COMP) {
        acked(m, om);
        continue;
      }
      om->packet_id = next_packet_id(m);
    }
    if (om->state == OM_WAIT_COMP) send_ack(m, TERN_MQTT_PUBREL, om->packet_id);
    else send_publish(m, om, 1); /* DUP: it may have arrived [MQTT-4.4.0-1] */
  }
}

/* One SUBSCRIBE for s alone (it has properties of its own). */
static void subscribe_one(struct tern_mqtt *m, const struct msub *s) {
  struct tern_mqtt_packet p;
  zero_pkt(&p, TERN_MQTT_SUBSCRIBE);
  p.packet_id = next_packet_id(m);
  p.count = 1;
  p.filters[0] = (struct tern_str){s->filter, strlen(s->filter)};
  p.qos_list[0] = V5(m) ? s->qos : s->qos & 3; /* 3.1.1 has no option bits */
  p.props.raw = (struct tern_str){(const char *)s->props, s->props_len};
  send_pkt(m, &p);
}

static void resubscribe(struct tern_mqtt *m) {
  struct tern_mqtt_packet p;
  zero_pkt(&p, TERN_MQTT_SUBSCRIBE);
  for (struct msub *s = m->subs; s; s = s->next) {
    if (s->props_len) {
      subscribe_one(m, s);
    } else {
      p.filters[p.count] = (struct tern_str){s->filter, strlen(s->filter)};
      p.qos_list[p.count++] = V5(m) ? s->qos : s->qos & 3;
    }
    if (p.count && (p.count == TERN_MQTT_MAX_FILTERS || !s->next)) {
      p.packet_id = next_packet_id(m);
      send_pkt(m, &p);
      p.count = 0;
    }
  }
}

/* MQTT 5 properties for packet 'where', encoded into our own memory (without
 * the block's length). 0 (with *out NULL when there are none) or TERN_E... */
static int encode_props(struct tern_mqtt *m, const struct tern_mqtt_props *pr, int where,
                        uint8_t **out, uint16_t *len) {
  *out = NULL;
  *len = 0;
  size_t n = pr ? tern_mqtt_props_size(pr, where) : 0;
  if (!n) return 0;
  if (n > TERN_MQTT_PROPS_MAX) return TERN_ELIMIT;
  uint8_t *b = tern_alloc(tern_loop_alloc(m->loop), n);
  if (!b) return TERN_ENOMEM;
  tern_mqtt_props_write_body(b, pr, where);
  *out = b;
  *len = (uint16_t)n;
  return 0;
}

/* MQTT 5: the broker refused a message (reason 0x80 and up): said, then
 * done with, as the specification wants no retry of it. */
static void refused(struct tern_mqtt *m, struct omsg *om, uint8_t reason) {
  struct tern_mqtt_refusal r = {om->id, reason};
  TERN_WARN(m->loop, "mqtt: the broker refused a message on '%.*s': %s", (int)om->topic_len,
            om->data, tern_mqtt_reason_str(reason));
  emit(m, TERN_MQTT_EV_REFUSED, &r);
  acked(m, om);
}

/* The next connection tries 3.1.1 (TRY_311, with fallback_311) or, for a
 * bridge, a plain client (TRY_PLAIN), at once and to the same broker. */
enum { TRY_311 = 1, TRY_PLAIN = 2 };
static void try_next(struct tern_mqtt *m, int what) {
  if (what == TRY_311) m->o.version = TERN_MQTT_V311;
  else m->private_refused = 1;
  m->trying |= what;
  m->retry_now = 1;
}
static void undo_guesses(struct tern_mqtt *m) {
  if (m->trying & TRY_311) m->o.version = TERN_MQTT_V5;
  if (m->trying & TRY_PLAIN) m->private_refused = 0;
  m->trying = 0;
}

/* MQTT 5 CONNACK: a refusal as a TERN_E code; on success what it allows. */
static int connack5(struct tern_mqtt *m, const struct tern_mqtt_packet *p) {
  m->last_reason = p->reason_code;
  if (p->reason_code == TERN_MQTT_RC_UNSUPPORTED_VERSION && m->o.fallback_311) {
    /* a 3.1.1-only broker: the bridge goes on in 3.1.1, as Mosquitto's do */
    TERN_INFO(m->loop, "mqtt: the broker does not speak MQTT 5.0: going on in 3.1.1");
    try_next(m, TRY_311);
    return TERN_EUNSUPPORTED;
  }
  if (p->reason_code >= 0x80) {
    int err = p->reason_code == TERN_MQTT_RC_BAD_USER_OR_PASSWORD  ? TERN_EAUTH
              : p->reason_code == TERN_MQTT_RC_NOT_AUTHORIZED      ? TERN_EDENIED
              : p->reason_code == TERN_MQTT_RC_UNSUPPORTED_VERSION ? TERN_EUNSUPPORTED
                                                                   : TERN_EPROTO;
    char why[96];
    snprintf(why, sizeof(why), "connection refused: %s", tern_mqtt_reason_str(p->reason_code));
    fail(m, err, why);
    return err;
  }
  const struct tern_mqtt_props *pr = &p->props;
  m->broker_receive_max = TERN_MQTT_HAS(pr, TERN_MQTT_PROP_RECEIVE_MAX) ? pr->receive_max : 0;
  m->alias_max =
      pr->topic_alias_max < TERN_MQTT_TOPIC_ALIASES ? pr->topic_alias_max : TERN_MQTT_TOPIC_ALIASES;
  if (TERN_MQTT_HAS(pr, TERN_MQTT_PROP_SERVER_KEEPALIVE)) m->o.keepalive = pr->server_keepalive;
  if (TERN_MQTT_HAS(pr, TERN_MQTT_PROP_ASSIGNED_CLIENT_ID) && pr->assigned_client_id.len < 256) {
    /* the id the broker gave: a persistent session is found again by it */
    char *id = tern_alloc(tern_loop_alloc(m->loop), pr->assigned_client_id.len + 1);
    if (id) {
      memcpy(id, pr->assigned_client_id.p, pr->assigned_client_id.len);
      tern_free(tern_loop_alloc(m->loop), m->client_id);
      m->client_id = id;
    }
  }
  return 0;
}

static int on_packet(struct tern_mqtt *m, const struct tern_mqtt_packet *p) {
  struct omsg *om;
  switch (p->type) {
  case TERN_MQTT_CONNACK:
    if (m->connected) return TERN_EPROTO;
    m->awaiting_connack = 0;
    if (V5(m) && connack5(m, p) != 0) {
      tern_close(m->conn);
      return 0;
    }
    if (p->return_code == 1 && m->o.bridge && !m->private_refused) {
      /* "unacceptable protocol version": not a Mosquitto-style broker */
      TERN_INFO(m->loop, "mqtt: the broker refuses bridge mode (try_private): plain client");
      m->private_refused = 1;
      m->retry_now = 1;
      tern_close(m->conn);
      return 0;
    }
    if (p->return_code != 0) {
      int err = p->return_code == 4 ? TERN_EAUTH : p->return_code == 5 ? TERN_EDENIED : TERN_EPROTO;
      char why[96];
      snprintf(why, sizeof(why), "connection refused: %s",
               p->return_code < 6 ? connack_errs[p->return_code] : "unknown reason");
      fail(m, err, why);
      tern_close(m->conn);
      return 0;
    }
    m->connected = 1;
    m->ever_connected = 1;
    TERN_DEBUG(m->loop, "mqtt: connected, session present %u", p->session_present);
    m->first_result = m->first_result ? m->first_result : 1;
    m->backoff_ms = m->o.reconnect_min_ms;
    {
      int sp = p->session_present;
      /* our own record of the session: if the broker has none, resubscribe */
      resend_after_connack(m, sp);
      if (!sp) resubscribe(m);
      emit(m, TERN_MQTT_EV_CONNECTED, &sp);
    }
    pump(m);
    return 0;
  case TERN_MQTT_PUBLISH: return on_publish(m, p);
  case TERN_MQTT_PUBACK:
    if ((om = find_inflight(m, p->packet_id, OM_WAIT_ACK)) && om->qos == 1) {
      if (V5(m) && p->reason_code >= 0x80) refused(m, om, p->reason_code);
      else acked(m, om);
    }
    pump(m);
    return 0;
  case TERN_MQTT_PUBREC:
    om = find_inflight(m, p->packet_id, OM_WAIT_ACK);
    if (V5(m) && om && om->qos == 2 && p->reason_code >= 0x80) { /* the flow ends: no PUBREL */
      refused(m, om, p->reason_code);
      pump(m);
      return 0;
    }
    if (om && om->qos == 2) om->state = OM_WAIT_COMP;
    send_ack(m, TERN_MQTT_PUBREL, p->packet_id);
    return 0;
  case TERN_MQTT_PUBCOMP:
    if ((om = find_inflight(m, p->packet_id, OM_WAIT_COMP))) acked(m, om);
    pump(m);
    return 0;
  case TERN_MQTT_PUBREL:
    TERN_DEBUG(m->loop, "mqtt: PUBREL id %u", p->packet_id);
    for (size_t i = 0; i < m->nqos2_in; i++)
      if (m->qos2_in[i] == p->packet_id) {
        m->qos2_in[i] = m->qos2_in[--m->nqos2_in];
        break;
      }
    send_ack(m, TERN_MQTT_PUBCOMP, p->packet_id);
    return 0;
  case TERN_MQTT_SUBACK:
    emit(m, TERN_MQTT_EV_SUBACK, p->qos_list);
    for (size_t i = 0; i < p->count; i++)
      if (p->qos_list[i] >= TERN_MQTT_SUBACK_FAILURE)
        TERN_WARN(m->loop, "mqtt: the broker refused a subscription");
    return 0;
  case TERN_MQTT_UNSUBACK:
  case TERN_MQTT_PINGRESP: return 0;
  case TERN_MQTT_DISCONNECT: { /* MQTT 5: the broker says why it closes */
    if (!V5(m)) return TERN_EPROTO;
    char why[96];
    m->last_reason = p->reason_code;
    snprintf(why, sizeof(why), "the broker disconnected: %s%s%.*s",
             tern_mqtt_reason_str(p->reason_code), p->props.reason_string.len ? " - " : "",
             (int)p->props.reason_string.len, p->props.reason_string.p);
    fail(m, p->reason_code == TERN_MQTT_RC_NOT_AUTHORIZED ? TERN_EDENIED : TERN_ECLOSED, why);
    tern_close(m->conn);
    return 0;
  }
  default: return TERN_EPROTO;
  }
}

/* ---- connection ---- */

static void schedule_reconnect(struct tern_mqtt *m);

static void send_connect(struct tern_mqtt *m) {
  m->awaiting_connack = 1;
  struct tern_mqtt_packet p;
  zero_pkt(&p, TERN_MQTT_CONNECT);
  m->version = V5_OPTS(m) ? TERN_MQTT_V5 : TERN_MQTT_V311;
  /* 5.0 has no bridge bit: No Local and Retain As Published do its work */
  p.protocol_level = m->o.bridge && !m->private_refused && !V5(m) ? 0x84 : 4;
  p.clean_session = (uint8_t)!m->o.persistent;
  forget_aliases(m); /* aliases belong to one connection */
  if (V5(m) && m->o.persistent) {
    /* kept that long after we go (0: for ever), and found again by id */
    TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_SESSION_EXPIRY);
    p.props.session_expiry = m->o.session_expiry ? m->o.session_expiry : 0xFFFFFFFFu;
  }
  if (V5(m)) p.props.raw = (struct tern_str){(const char *)m->connect_props, m->connect_props_len};
  p.keepalive = m->o.keepalive;
  p.client_id = (struct tern_str){m->client_id, strlen(m->client_id)};
  if (m->o.will_topic) {
    p.has_will = 1;
    p.will_qos = m->o.will_qos;
    p.will_retain = m->o.will_retain;
    p.will_topic = (struct tern_str){m->o.will_topic, strlen(m->o.will_topic)};
    p.will_payload = (struct tern_str){m->o.will_payload, m->o.will_len};
  }
  if (m->username) {
    p.has_username = 1;
    p.username = (struct tern_str){m->username, strlen(m->username)};
  }
  if (m->password) {
    p.has_password = 1;
    p.password = (struct tern_str){m->password, strlen(m->password)};
  }
  send_pkt(m, &p);
}

/* The broker closed (or never answered) our CONNECT. Brokers that cannot
 * parse a 5.0 CONNECT, or a bridge's protocol level 0x84 (RabbitMQ 3.x),
 * close without a CONNACK: with fallback_311 3.1.1 is tried at once, and a
 * bridge then tries as a plain client. A guess holds for the connection it
 * leads to; when that ends, or the guesses run out, the next round starts
 * again from what was asked for (a broker restarting mid-CONNECT looks the
 * same). */
static void connect_unanswered(struct tern_mqtt *m) {
  if (V5_OPTS(m) && m->o.fallback_311) {
    TERN_INFO(m->loop, "mqtt: no answer to an MQTT 5.0 CONNECT: trying 3.1.1");
    try_next(m, TRY_311);
  } else if (m->o.bridge && !m->private_refused) {
    TERN_INFO(m->loop, "mqtt: no answer to a bridge's CONNECT (try_private): plain client");
    try_next(m, TRY_PLAIN);
  } else {
    undo_guesses(m);
  }
}

static void conn_fn(struct tern_conn *c, int ev, void *ev_data) {
  struct tern_mqtt *m = c->fn_data;
  static struct tern_mqtt_packet p;
  switch (ev) {
  case TERN_EV_CONNECT:
    m->last_rx = tern_loop_now(m->loop);
    send_connect(m);
    break;
  case TERN_EV_READ: {
    m->last_rx = tern_loop_now(m->loop);
    m->ping_sent_at = 0;
    size_t off = 0;
    while (off < c->rx.len && m->conn == c) {
      int n = tern_mqtt_decode_v(c->rx.data + off, c->rx.len - off, TERN_MQTT_MAX_PACKET,
                                 TERN_MQTT_FROM_SERVER, m->version, &p);
      if (n == TERN_EAGAIN) break;
      if (n < 0 || on_packet(m, &p) < 0) {
        fail(m, TERN_EPROTO, "malformed packet from the broker");
        tern_close_now(c);
        off = c->rx.len;
        break;
      }
      off += (size_t)n;
    }
    tern_buf_consume(&c->rx, off);
    break;
  }
  case TERN_EV_SENT: pump(m); break;
  case TERN_EV_ERROR: fail(m, c->err, ev_data); break;
  case TERN_EV_CLOSE:
    if (m->conn != c) break;
    m->conn = NULL;
    int unanswered = m->awaiting_connack;
    m->awaiting_connack = 0;
    int was = m->connected;
    m->connected = 0;
    if (unanswered) connect_unanswered(m);
    else if (m->trying && !m->retry_now) undo_guesses(m); /* its connection ended */
    /* inflight messages stay in the queue, to be resent after reconnecting */
    if (!m->first_result) m->first_result = m->last_error ? m->last_error : TERN_ECLOSED;
    /* the next broker to try: after a failed attempt the next one; after a
     * lost link the first again (round_robin: the next); a retry at once
     * (a refused version or bridge mode) goes to the same one */
    if (m->nhosts > 1 && !m->retry_now)
      m->at = !was || m->o.round_robin ? (m->at + 1) % m->nhosts : 0;
    if (was) emit(m, TERN_MQTT_EV_DISCONNECTED, m->wanted ? "connection lost" : "disconnected");
    if (m->wanted && !m->o.no_reconnect) schedule_reconnect(m);
    break;
  }
}

static void start_connection(struct tern_mqtt *m) {
  char url[300];
  const char *host = m->hosts[m->at];
  snprintf(url, sizeof(url), strchr(host, ':') ? "tcp://[%s]:%u" : "tcp://%s:%u", host,
           m->ports[m->at]);
  m->last_error = 0;
  m->conn = tern_connect_from(m->loop, url, m->bind_address, conn_fn, m);
  if (!m->conn) {
    fail(m, TERN_EINVAL, "cannot connect");
    schedule_reconnect(m);
    return;
  }
#if TERN_ENABLE_TLS
  if (m->use_tls && tern_tls_client(m->conn, m->tls) != 0) {
    tern_close_now(m->conn);
    fail(m, TERN_ETLS, "TLS setup failed");
  }
#endif
}

static void reconnect_cb(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_mqtt *m = arg;
  if (m->wanted && !m->conn) start_connection(m);
}

static void schedule_reconnect(struct tern_mqtt *m) {
  /* exponential backoff with +-25% jitter, so a fleet does not reconnect in step */
  uint32_t r = 0;
  tern_random(m->loop, &r, sizeof(r));
  uint32_t base = m->backoff_ms;
  uint32_t delay = base - base / 4 + (base ? r % (base / 2 + 1) : 0);
  m->backoff_ms = base * 2 > m->o.reconnect_max_ms ? m->o.reconnect_max_ms : base * 2;
  if (m->retry_now) { /* the broker answered: not a failure to back off from */
    m->retry_now = 0;
    m->backoff_ms = base;
    delay = 0;
  }
  tern_timer_start(m->loop, &m->reconnect_timer, delay, 0, reconnect_cb, m);
}

static void tick(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_mqtt *m = arg;
  uint32_t now = tern_loop_now(m->loop), ka = (uint32_t)m->o.keepalive * 1000u;
  if (m->conn && !m->connected && m->awaiting_connack &&
      now - m->last_rx >= TERN_CONNECT_TIMEOUT_MS) {
    /* a broker that took the connection but never answers the CONNECT */
    fail(m, TERN_ETIMEDOUT, "no CONNACK from the broker");
    tern_close_now(m->conn);
    return;
  }
  if (!m->conn || !m->connected) return;
  if (now - m->last_rx >= ka + ka / 2) {
    /* nothing heard for 1.5 x keepalive: the link is dead */
    fail(m, TERN_ETIMEDOUT, "no answer from the broker within 1.5 x keepalive");
    tern_close_now(m->conn);
    return;
  }
  if (now - m->last_tx >= ka || (now - m->last_rx >= ka && !m->ping_sent_at)) {
    struct tern_mqtt_packet p;
    zero_pkt(&p, TERN_MQTT_PINGREQ);
    send_pkt(m, &p);
    m->ping_sent_at = now;
  }
}

static void on_bus(struct tern_loop *loop, int ev, const void *data, void *arg) {
  (void)loop;
  (void)data;
  struct tern_mqtt *m = arg;
  /* the network is back: try now instead of waiting out the backoff */
  if ((ev == TERN_BUS_NET_UP || ev == TERN_BUS_ADDR_CHANGED) && m->wanted && !m->conn) {
    m->backoff_ms = m->o.reconnect_min_ms;
    tern_timer_start(m->loop, &m->reconnect_timer, 0, 0, reconnect_cb, m);
  }
}

static char *copy(struct tern_loop *loop, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = tern_alloc(tern_loop_alloc(loop), n);
  if (p) memcpy(p, s, n);
  return p;
}

static int scheme_is_tls(struct tern_str scheme) {
  return tern_str_eq(scheme, "mqtts") || tern_str_eq(scheme, "ssl");
}

/* Another broker of the list: "host[:port]", or a URL of the same kind
 * (plain or TLS) as the first; the first's port when none is given. */
static int add_broker(struct tern_mqtt *m, const char *spec, size_t len) {
  char item[300], text[310], host[256];
  struct tern_url f;
  if (m->nhosts == TERN_MQTT_MAX_FALLBACKS + 1) return TERN_ELIMIT;
  if (len >= sizeof(item)) return TERN_EINVAL;
  memcpy(item, spec, len);
  item[len] = '\0';
  const char *colon = strchr(item, ':'); /* "[::1]:1883" has none followed by "//" */
  int has_scheme = colon && colon[1] == '/' && colon[2] == '/';
  int n = snprintf(text, sizeof(text), "%s%s", has_scheme ? "" : "tcp://", item);
  if (n <= 0 || (size_t)n >= sizeof(text) || tern_url_parse(text, (size_t)n, &f) != 0 ||
      !f.host.len || tern_str_copy(f.host, host, sizeof(host)) != 0)
    return TERN_EINVAL;
  if (has_scheme && scheme_is_tls(f.scheme) != m->use_tls) return TERN_EINVAL;
  if (!(m->hosts[m->nhosts] = copy(m->loop, host))) return TERN_ENOMEM;
  m->ports[m->nhosts++] = f.has_port ? f.port : m->port;
  return 0;
}

struct tern_mqtt *tern_mqtt_new(struct tern_loop *loop, const struct tern_mqtt_opts *o, int *err) {
  struct tern_url u;
  *err = TERN_EINVAL;
  /* url may be a list, "URL,URL,...": the first is parsed here, the rest
   * join opts.fallbacks (add_broker) */
  size_t first = o->url ? strcspn(o->url, ",") : 0;
  if (!o->url || tern_url_parse(o->url, first, &u) != 0 || !u.host.len) return NULL;
  int tls = scheme_is_tls(u.scheme);
  if (!tls && !tern_str_eq(u.scheme, "mqtt") && !tern_str_eq(u.scheme, "tcp") && u.scheme.len)
    return NULL;
  if ((*err = tern_dns_attach(loop, NULL)) != 0) return NULL; /* broker names resolve */
  struct tern_mqtt *m = tern_alloc(tern_loop_alloc(loop), sizeof(*m));
  if (!m) {
    *err = TERN_ENOMEM;
    return NULL;
  }
  m->loop = loop;
  m->o = *o;
  m->use_tls = tls;
  m->port = u.has_port ? u.port : (tls ? 8883 : 1883);
  char buf[256];
  m->host = tern_str_copy(u.host, buf, sizeof(buf)) == 0 ? copy(loop, buf) : NULL;
  if (!m->o.keepalive) m->o.keepalive = 60;
  if (!m->o.queue_max) m->o.queue_max = TERN_MQTT_QUEUE_MAX;
  if (!m->o.inflight) m->o.inflight = TERN_MQTT_INFLIGHT;
  if (!m->o.reconnect_min_ms) m->o.reconnect_min_ms = 250;
  if (!m->o.reconnect_max_ms) m->o.reconnect_max_ms = 30000;
  m->backoff_ms = m->o.reconnect_min_ms;
  m->next_packet_id = 1;
  /* credentials: options win over the URL; URL parts are percent-decoded */
  if (o->username) m->username = copy(loop, o->username);
  else if (u.user.len && tern_url_decode(u.user.p, u.user.len, buf, sizeof(buf), 0) >= 0)
    m->username = copy(loop, buf);
  if (o->password) m->password = copy(loop, o->password);
  else if (u.pass.len && tern_url_decode(u.pass.p, u.pass.len, buf, sizeof(buf), 0) >= 0)
    m->password = copy(loop, buf);
  if (o->client_id && *o->client_id) {
    m->client_id = copy(loop, o->client_id);
  } else {
    uint8_t r[6];
    tern_random(m->loop, r, sizeof(r));
    snprintf(buf, sizeof(buf), "tern-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
    m->client_id = copy(loop, buf);
  }
  struct tern_addr local;
  if (o->bind_address && tern_addr_parse(o->bind_address, 0, &local) != 0) {
    TERN_ERR(loop, "mqtt: bind address '%s' is not a numeric address", o->bind_address);
    *err = TERN_EINVAL;
    tern_mqtt_free(m);
    return NULL;
  }
  if (o->bind_address) m->bind_address = copy(loop, o->bind_address);
  if (!m->host || !m->client_id || (o->bind_address && !m->bind_address)) {
    *err = TERN_ENOMEM;
    tern_mqtt_free(m);
    return NULL;
  }
  m->hosts[0] = m->host;
  m->ports[0] = m->port;
  m->nhosts = 1;
  for (const char *p = o->url + first; *p == ',' && *err == 0;) {
    size_t n = strcspn(++p, ",");
    *err = add_broker(m, p, n);
    p += n;
  }
  for (int i = 0; *err == 0 && o->fallbacks && o->fallbacks[i]; i++)
    *err = add_broker(m, o->fallbacks[i], strlen(o->fallbacks[i]));
  if (*err) {
    tern_mqtt_free(m);
    return NULL;
  }
  m->o.fallbacks = NULL;
  m->o.client_id = m->o.bind_address = NULL;
  if (TERN_ENABLE_MQTT5 && o->connect_props && o->version == TERN_MQTT_V5) {
    struct tern_mqtt_props cp = *o->connect_props; /* its session expiry is opts' */
    cp.has &= ~((uint64_t)1 << TERN_MQTT_PROP_SESSION_EXPIRY);
    if ((*err = encode_props(m, &cp, TERN_MQTT_CONNECT, &m->connect_props,
                             &m->connect_props_len)) != 0) {
      tern_mqtt_free(m);
      return NULL;
    }
  }
  m->o.connect_props = NULL;
  if (o->will_topic) { /* the caller's strings need not outlive this call */
    size_t tl = strlen(o->will_topic) + 1;
    if (!(m->will = tern_alloc(tern_loop_alloc(loop), tl + o->will_len + 1))) {
      *err = TERN_ENOMEM;
      tern_mqtt_free(m);
      return NULL;
    }
    memcpy(m->will, o->will_topic, tl);
    if (o->will_len) memcpy(m->will + tl, o->will_payload, o->will_len);
    m->o.will_topic = m->will;
    m->o.will_payload = m->will + tl;
  }
  m->o.username = m->o.password = NULL;
  if (tls) {
#if TERN_ENABLE_TLS
    struct tern_tls_opts def = {0};
    char msg[200];
    m->tls = tern_tls_ctx_new(loop, o->tls ? o->tls : &def, 0, msg, sizeof(msg));
    if (!m->tls) {
      TERN_ERR(loop, "mqtt: %s", msg);
      *err = TERN_ETLS;
      tern_mqtt_free(m);
      return NULL;
    }
#else
    *err = TERN_EUNSUPPORTED; /* built without TLS */
    tern_mqtt_free(m);
    return NULL;
#endif
  }
  if (o->store_path) {
    int rc = tern_store_open(loop, o->store_path, o->store_sync, on_store_record, m, &m->store);
    if (rc) {
      *err = rc;
      tern_mqtt_free(m);
      return NULL;
    }
    if (m->count)
      TERN_INFO(loop, "mqtt: %lu unacknowledged messages restored from %s", (unsigned long)m->count,
                o->store_path);
  }
  tern_bus_subscribe(loop, on_bus, m);
  *err = 0;
  return m;
}

int tern_mqtt_connect(struct tern_mqtt *m) {
  m->wanted = 1;
  if (m->conn) return 0;
  tern_timer_start(m->loop, &m->tick_timer, 1000, 1000, tick, m);
  start_connection(m);
  return 0;
}

int tern_mqtt_subscribe(struct tern_mqtt *m, const char *filter, int qos, tern_mqtt_msg_fn fn,
                        void *arg) {
  return tern_mqtt_subscribe_props(m, filter, qos, NULL, fn, arg);
}

int tern_mqtt_subscribe_props(struct tern_mqtt *m, const char *filter, int qos,
                              const struct tern_mqtt_props *props, tern_mqtt_msg_fn fn, void *arg) {
  size_t n = strlen(filter);
  uint8_t *pb = NULL;
  uint16_t plen = 0;
  if (props && V5_OPTS(m)) {
    int rc = encode_props(m, props, TERN_MQTT_SUBSCRIBE, &pb, &plen);
    if (rc) return rc;
  }
  /* 5.0's option bits ride above the QoS; Retain Handling 3 does not exist */
  int opts_max = V5_OPTS(m) ? 0x2F : 2;
  if (qos < 0 || qos > opts_max || (qos & 3) == 3 || !tern_mqtt_valid_filter(filter, n)) {
    tern_free(tern_loop_alloc(m->loop), pb);
    return TERN_EINVAL;
  }
  struct msub *s;
  for (s = m->subs; s; s = s->next)
    if (!strcmp(s->filter, filter)) break;
  if (!s) {
    s = tern_alloc(tern_loop_alloc(m->loop), sizeof(*s) + n + 1);
    if (!s) {
      tern_free(tern_loop_alloc(m->loop), pb);
      return TERN_ENOMEM;
    }
    memcpy(s->filter, filter, n + 1);
    struct msub **pp = &m->subs;
    while (*pp) pp = &(*pp)->next;
    *pp = s; /* keep the order they were made in */
  }
  s->fn = fn;
  s->arg = arg;
  s->qos = (uint8_t)qos;
  tern_free(tern_loop_alloc(m->loop), s->props);
  s->props = pb;
  s->props_len = plen;
  if (m->connected) subscribe_one(m, s);
  return 0;
}

int tern_mqtt_unsubscribe(struct tern_mqtt *m, const char *filter) {
  struct msub **pp = &m->subs;
  while (*pp && strcmp((*pp)->filter, filter)) pp = &(*pp)->next;
  /* not ours in this run, but a persistent session may hold it at the broker
   * (mosquitto_sub -c -U): connected, the UNSUBSCRIBE goes all the same */
  if (!*pp && !m->connected) return TERN_ENOTFOUND;
  struct msub *s = *pp;
  if (s) *pp = s->next;
  if (m->connected) {
    struct tern_mqtt_packet p;
    zero_pkt(&p, TERN_MQTT_UNSUBSCRIBE);
    p.packet_id = next_packet_id(m);
    p.count = 1;
    p.filters[0] = (struct tern_str){filter, strlen(filter)};
    send_pkt(m, &p);
  }
  if (s) tern_free(tern_loop_alloc(m->loop), s->props);
  tern_free(tern_loop_alloc(m->loop), s);
  return 0;
}

int tern_mqtt_disconnect(struct tern_mqtt *m) {
  m->wanted = 0;
  tern_timer_stop(m->loop, &m->reconnect_timer);
  tern_timer_stop(m->loop, &m->tick_timer);
  if (!m->conn) return 0;
  if (m->connected) {
    struct tern_mqtt_packet p;
    zero_pkt(&p, TERN_MQTT_DISCONNECT);
    send_pkt(m, &p);
  }
  tern_close(m->conn);
  return 0;
}

void tern_mqtt_free(struct tern_mqtt *m) {
  if (!m) return;
  tern_bus_unsubscribe(m->loop, on_bus, m);
  tern_timer_stop(m->loop, &m->reconnect_timer);
  tern_timer_stop(m->loop, &m->tick_timer);
  if (m->conn) {
    m->conn->fn = NULL;
    tern_close(m->conn);
  }
  while (m->head) {
    struct omsg *n = m->head->next;
    tern_free(tern_loop_alloc(m->loop), m->head);
    m->head = n;
  }
  while (m->ncache) tern_free(tern_loop_alloc(m->loop), m->cache[--m->ncache]);
  while (m->subs) {
    struct msub *n = m->subs->next;
    tern_free(tern_loop_alloc(m->loop), m->subs->props);
    tern_free(tern_loop_alloc(m->loop), m->subs);
    m->subs = n;
  }
  tern_free(tern_loop_alloc(m->loop), m->qos2_in);
  tern_free(tern_loop_alloc(m->loop), m->done2);
  if (m->store) tern_store_close(m->store);
#if TERN_ENABLE_TLS
  tern_tls_ctx_unref(m->tls);
#endif
  for (int i = 1; i < m->nhosts; i++) tern_free(tern_loop_alloc(m->loop), m->hosts[i]);
  tern_free(tern_loop_alloc(m->loop), m->host);
  tern_free(tern_loop_alloc(m->loop), m->client_id);
  tern_free(tern_loop_alloc(m->loop), m->bind_address);
  forget_aliases(m);
  tern_free(tern_loop_alloc(m->loop), m->connect_props);
  tern_free(tern_loop_alloc(m->loop), m->will);
  tern_free(tern_loop_alloc(m->loop), m->username);
  if (m->password) memset(m->password, 0, strlen(m->password));
  tern_free(tern_loop_alloc(m->loop), m->password);
  tern_free(tern_loop_alloc(m->loop), m);
}

int tern_mqtt_is_connected(const struct tern_mqtt *m) { return m->connected; }
int tern_mqtt_uses_tls(const struct tern_mqtt *m) { return m->use_tls; }
size_t tern_mqtt_pending(const struct tern_mqtt *m) { return m->count; }
int tern_mqtt_last_error(const struct tern_mqtt *m) { return m->last_error; }
int tern_mqtt_last_reason(const struct tern_mqtt *m) { return m->last_reason; }
const char *tern_mqtt_client_id(const struct tern_mqtt *m) { return m->client_id; }

char *tern_mqtt_server(const struct tern_mqtt *m, char *buf, size_t len) {
  const char *host = m->hosts[m->at];
  snprintf(buf, len, strchr(host, ':') ? "%s://[%s]:%u" : "%s://%s:%u",
           m->use_tls ? "mqtts" : "mqtt", host, m->ports[m->at]);
  return buf;
}

/* ---- blocking layer ---- */

static int run_until(struct tern_mqtt *m, int (*done)(struct tern_mqtt *, void *), void *arg,
                     uint32_t timeout_ms) {
  uint32_t start = tern_loop_now(m->loop);
  while (!done(m, arg)) {
    uint32_t el = tern_loop_now(m->loop) - start;
    if (el >= timeout_ms) return TERN_ETIMEDOUT;
    int rc = tern_loop_poll(m->loop, (int)(timeout_ms - el));
    if (rc < 0) return rc;
  }
  return 0;
}

static int first_done(struct tern_mqtt *m, void *arg) {
  (void)arg;
  return m->first_result != 0;
}

int tern_mqtt_connect_wait(struct tern_mqtt *m, uint32_t timeout_ms) {
  tern_mqtt_connect(m);
  int rc = run_until(m, first_done, NULL, timeout_ms);
  if (rc) return rc;
  return m->first_result == 1 ? 0 : m->first_result;
}

static int id_acked(struct tern_mqtt *m, void *arg) {
  uint64_t id = *(uint64_t *)arg;
  for (struct omsg *om = m->head; om; om = om->next)
    if (om->id == id) return 0;
  return 1;
}

int tern_mqtt_publish_wait(struct tern_mqtt *m, const char *topic, const void *payload, size_t len,
                           int qos, int retain, uint32_t timeout_ms) {
  int64_t id = tern_mqtt_publish(m, topic, payload, len, qos, retain);
  if (id < 0) return (int)id;
  uint64_t uid = (uint64_t)id;
  return run_until(m, id_acked, &uid, timeout_ms);
}

int tern_mqtt_check_msg(struct tern_mqtt *m) { return tern_loop_poll(m->loop, 0); }

static int got_one(struct tern_mqtt *m, void *arg) { return m->delivered != *(unsigned *)arg; }

int tern_mqtt_wait_msg(struct tern_mqtt *m, uint32_t timeout_ms) {
  unsigned before = m->delivered;
  return run_until(m, got_one, &before, timeout_ms);
}

static int drained(struct tern_mqtt *m, void *arg) {
  (void)arg;
  return m->count == 0;
}

int tern_mqtt_drain(struct tern_mqtt *m, uint32_t timeout_ms) {
  return run_until(m, drained, NULL, timeout_ms);
}
