/* MQTT 5.0 properties: one table says each identifier's type and which
 * packets may carry it (section 2.2.2.2); the reader checks every rule the
 * specification makes about a block, the writer emits what a packet may
 * carry. Values live in struct tern_mqtt_props; user properties stay in
 * their encoded form and are walked in place (no allocation). */
#include <string.h>
#include "mqtt_props.h"
#include "tern/error.h"
#include "tern/fmt.h"

enum { P_BYTE = 1, P_U16, P_U32, P_VBI, P_UTF8, P_BIN, P_PAIR };

#define W (1u << PROPS_WILL)
#define CONNECT (1u << TERN_MQTT_CONNECT)
#define CONNACK (1u << TERN_MQTT_CONNACK)
#define PUBLISH (1u << TERN_MQTT_PUBLISH)
#define ACKS                                                                                       \
  ((1u << TERN_MQTT_PUBACK) | (1u << TERN_MQTT_PUBREC) | (1u << TERN_MQTT_PUBREL) |                \
   (1u << TERN_MQTT_PUBCOMP))
#define SUBSCRIBE (1u << TERN_MQTT_SUBSCRIBE)
#define SUBACK (1u << TERN_MQTT_SUBACK)
#define UNSUBSCRIBE (1u << TERN_MQTT_UNSUBSCRIBE)
#define UNSUBACK (1u << TERN_MQTT_UNSUBACK)
#define DISCONNECT (1u << TERN_MQTT_DISCONNECT)
#define AUTH (1u << TERN_MQTT_AUTH)

static const struct prop_rule {
  uint8_t id, type;
  uint16_t where; /* bit per packet type (bit 0: the will) */
} rules[] = {
    {TERN_MQTT_PROP_PAYLOAD_FORMAT, P_BYTE, PUBLISH | W},
    {TERN_MQTT_PROP_MESSAGE_EXPIRY, P_U32, PUBLISH | W},
    {TERN_MQTT_PROP_CONTENT_TYPE, P_UTF8, PUBLISH | W},
    {TERN_MQTT_PROP_RESPONSE_TOPIC, P_UTF8, PUBLISH | W},
    {TERN_MQTT_PROP_CORRELATION_DATA, P_BIN, PUBLISH | W},
    {TERN_MQTT_PROP_SUBSCRIPTION_ID, P_VBI, PUBLISH | SUBSCRIBE},
    {TERN_MQTT_PROP_SESSION_EXPIRY, P_U32, CONNECT | CONNACK | DISCONNECT},
    {TERN_MQTT_PROP_ASSIGNED_CLIENT_ID, P_UTF8, CONNACK},
    {TERN_MQTT_PROP_SERVER_KEEPALIVE, P_U16, CONNACK},
    {TERN_MQTT_PROP_AUTH_METHOD, P_UTF8, CONNECT | CONNACK | AUTH},
    {TERN_MQTT_PROP_AUTH_DATA, P_BIN, CONNECT | CONNACK | AUTH},
    {TERN_MQTT_PROP_REQUEST_PROBLEM_INFO, P_BYTE, CONNECT},
    {TERN_MQTT_PROP_WILL_DELAY, P_U32, W},
    {TERN_MQTT_PROP_REQUEST_RESPONSE_INFO, P_BYTE, CONNECT},
    {TERN_MQTT_PROP_RESPONSE_INFO, P_UTF8, CONNACK},
    {TERN_MQTT_PROP_SERVER_REFERENCE, P_UTF8, CONNACK | DISCONNECT},
    {TERN_MQTT_PROP_REASON_STRING, P_UTF8, CONNACK | ACKS | SUBACK | UNSUBACK | DISCONNECT | AUTH},
    {TERN_MQTT_PROP_RECEIVE_MAX, P_U16, CONNECT | CONNACK},
    {TERN_MQTT_PROP_TOPIC_ALIAS_MAX, P_U16, CONNECT | CONNACK},
    {TERN_MQTT_PROP_TOPIC_ALIAS, P_U16, PUBLISH},
    {TERN_MQTT_PROP_MAX_QOS, P_BYTE, CONNACK},
    {TERN_MQTT_PROP_RETAIN_AVAILABLE, P_BYTE, CONNACK},
    {TERN_MQTT_PROP_USER, P_PAIR,
     W | CONNECT | CONNACK | PUBLISH | ACKS | SUBSCRIBE | SUBACK | UNSUBSCRIBE | UNSUBACK |
         DISCONNECT | AUTH},
    {TERN_MQTT_PROP_MAX_PACKET_SIZE, P_U32, CONNECT | CONNACK},
    {TERN_MQTT_PROP_WILDCARD_SUB_AVAILABLE, P_BYTE, CONNACK},
    {TERN_MQTT_PROP_SUB_ID_AVAILABLE, P_BYTE, CONNACK},
    {TERN_MQTT_PROP_SHARED_SUB_AVAILABLE, P_BYTE, CONNACK},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static const struct prop_rule *rule_of(uint8_t id) {
  for (size_t i = 0; i < NRULES; i++)
    if (rules[i].id == id) return &rules[i];
  return NULL;
}

/* ---- Variable Byte Integers (section 1.5.5) ---- */

int tern_mqtt_vbi_read(const uint8_t *p, size_t avail, uint32_t *value) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    if ((size_t)i >= avail) return 0;
    v |= (uint32_t)(p[i] & 0x7f) << (7 * i);
    if (!(p[i] & 0x80)) {
      /* the shortest form only [MQTT-1.5.5-1]: no trailing zero group */
      if (i > 0 && p[i] == 0) return -1;
      *value = v;
      return i + 1;
    }
  }
  return -1; /* a fifth byte */
}

size_t tern_mqtt_vbi_size(uint32_t v) { return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4; }

uint8_t *tern_mqtt_vbi_write(uint8_t *w, uint32_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    *w++ = (uint8_t)(byte | (v ? 0x80 : 0));
  } while (v);
  return w;
}

/* ---- reading ---- */

struct pval {
  uint32_t u;
  struct tern_str s, s2; /* a string, binary data, or a pair's name and value */
};

/* One property's value at p (n bytes left): bytes used, or -1 malformed. */
static int read_value(const uint8_t *p, size_t n, int type, struct pval *v) {
  switch (type) {
  case P_BYTE:
    if (n < 1) return -1;
    v->u = p[0];
    return 1;
  case P_U16:
    if (n < 2) return -1;
    v->u = (uint32_t)(p[0] << 8 | p[1]);
    return 2;
  case P_U32:
    if (n < 4) return -1;
    v->u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return 4;
  case P_VBI: {
    int k = tern_mqtt_vbi_read(p, n, &v->u);
    return k > 0 ? k : -1;
  }
  default: { /* UTF-8 string, binary data, or a pair of strings */
    size_t off = 0;
    for (int part = 0; part < (type == P_PAIR ? 2 : 1); part++) {
      if (n - off < 2) return -1;
      size_t len = (size_t)(p[off] << 8 | p[off + 1]);
      if (n - off - 2 < len) return -1;
      struct tern_str s = {(const char *)p + off + 2, len};
      if (type != P_BIN && !tern_mqtt_valid_utf8(p + off + 2, len)) return -1;
      if (part == 0) v->s = s;
      else v->s2 = s;
      off += 2 + len;
    }
    return (int)off;
  }
  }
}

/* Values the specification bounds; a value outside is a Protocol Error. */
static int value_ok(uint8_t id, uint32_t u) {
  switch (id) {
  case TERN_MQTT_PROP_PAYLOAD_FORMAT:
  case TERN_MQTT_PROP_REQUEST_PROBLEM_INFO:
  case TERN_MQTT_PROP_REQUEST_RESPONSE_INFO:
  case TERN_MQTT_PROP_MAX_QOS:
  case TERN_MQTT_PROP_RETAIN_AVAILABLE:
  case TERN_MQTT_PROP_WILDCARD_SUB_AVAILABLE:
  case TERN_MQTT_PROP_SUB_ID_AVAILABLE:
  case TERN_MQTT_PROP_SHARED_SUB_AVAILABLE: return u <= 1;
  case TERN_MQTT_PROP_SUBSCRIPTION_ID: return u >= 1 && u <= 268435455u;
  case TERN_MQTT_PROP_RECEIVE_MAX:
  case TERN_MQTT_PROP_MAX_PACKET_SIZE:
  case TERN_MQTT_PROP_TOPIC_ALIAS: return u != 0;
  default: return 1;
  }
}

static void store(struct tern_mqtt_props *o, uint8_t id, const struct pval *v) {
  switch (id) {
  case TERN_MQTT_PROP_PAYLOAD_FORMAT: o->payload_format = (uint8_t)v->u; break;
  case TERN_MQTT_PROP_MESSAGE_EXPIRY: o->message_expiry = v->u; break;
  case TERN_MQTT_PROP_CONTENT_TYPE: o->content_type = v->s; break;
  case TERN_MQTT_PROP_RESPONSE_TOPIC: o->response_topic = v->s; break;
  case TERN_MQTT_PROP_CORRELATION_DATA: o->correlation_data = v->s; break;
  case TERN_MQTT_PROP_SUBSCRIPTION_ID:
    if (o->nsub_ids < TERN_MQTT_MAX_SUB_IDS) o->sub_ids[o->nsub_ids++] = v->u;
    break;
  case TERN_MQTT_PROP_SESSION_EXPIRY: o->session_expiry = v->u; break;
  case TERN_MQTT_PROP_ASSIGNED_CLIENT_ID: o->assigned_client_id = v->s; break;
  case TERN_MQTT_PROP_SERVER_KEEPALIVE: o->server_keepalive = (uint16_t)v->u; break;
  case TERN_MQTT_PROP_AUTH_METHOD: o->auth_method = v->s; break;
  case TERN_MQTT_PROP_AUTH_DATA: o->auth_data = v->s; break;
  case TERN_MQTT_PROP_REQUEST_PROBLEM_INFO: o->request_problem_info = (uint8_t)v->u; break;
  case TERN_MQTT_PROP_WILL_DELAY: o->will_delay = v->u; break;
  case TERN_MQTT_PROP_REQUEST_RESPONSE_INFO: o->request_response_info = (uint8_t)v->u; break;
  case TERN_MQTT_PROP_RESPONSE_INFO: o->response_info = v->s; break;
  case TERN_MQTT_PROP_SERVER_REFERENCE: o->server_reference = v->s; break;
  case TERN_MQTT_PROP_REASON_STRING: o->reason_string = v->s; break;
  case TERN_MQTT_PROP_RECEIVE_MAX: o->receive_max = (uint16_t)v->u; break;
  case TERN_MQTT_PROP_TOPIC_ALIAS_MAX: o->topic_alias_max = (uint16_t)v->u; break;
  case TERN_MQTT_PROP_TOPIC_ALIAS: o->topic_alias = (uint16_t)v->u; break;
  case TERN_MQTT_PROP_MAX_QOS: o->max_qos = (uint8_t)v->u; break;
  case TERN_MQTT_PROP_RETAIN_AVAILABLE: o->retain_available = (uint8_t)v->u; break;
  case TERN_MQTT_PROP_MAX_PACKET_SIZE: o->max_packet_size = v->u; break;
  case TERN_MQTT_PROP_WILDCARD_SUB_AVAILABLE: o->wildcard_sub_available = (uint8_t)v->u; break;
  case TERN_MQTT_PROP_SUB_ID_AVAILABLE: o->sub_id_available = (uint8_t)v->u; break;
  case TERN_MQTT_PROP_SHARED_SUB_AVAILABLE: o->shared_sub_available = (uint8_t)v->u; break;
  default: break; /* user properties stay in the block */
  }
}

int tern_mqtt_props_read(const uint8_t *p, size_t n, int where, int from,
                         struct tern_mqtt_props *out, uint8_t *reason) {
  /* out was zeroed with its packet (tern_mqtt_decode_v): only what is found is set */
  out->user = (struct tern_str){(const char *)p, n};
  size_t off = 0;
  while (off < n) {
    uint32_t id;
    int k = tern_mqtt_vbi_read(p + off, n - off, &id);
    const struct prop_rule *r = k > 0 && id < 64 ? rule_of((uint8_t)id) : NULL;
    /* an unknown identifier, or one this packet may not carry: Malformed */
    if (!r || !(r->where & (1u << where))) goto malformed;
    off += (size_t)k;
    struct pval v = {0, {NULL, 0}, {NULL, 0}};
    int used = read_value(p + off, n - off, r->type, &v);
    if (used < 0) goto malformed;
    off += (size_t)used;
    /* twice is a Protocol Error, but for user properties and a PUBLISH's
     * subscription identifiers (the server's, one per matching subscription) */
    int many = r->id == TERN_MQTT_PROP_USER ||
               (r->id == TERN_MQTT_PROP_SUBSCRIPTION_ID && where == TERN_MQTT_PUBLISH);
    if ((TERN_MQTT_HAS(out, r->id) && !many) || !value_ok(r->id, v.u)) goto protocol;
    /* a client never sends a subscription identifier in PUBLISH [MQTT-3.3.4-6] */
    if (r->id == TERN_MQTT_PROP_SUBSCRIPTION_ID && where == TERN_MQTT_PUBLISH &&
        from == TERN_MQTT_FROM_CLIENT)
      goto protocol;
    TERN_MQTT_SET(out, r->id);
    store(out, r->id, &v);
  }
  /* authentication data without a method: Protocol Error (3.1.2.11.10) */
  if (TERN_MQTT_HAS(out, TERN_MQTT_PROP_AUTH_DATA) &&
      !TERN_MQTT_HAS(out, TERN_MQTT_PROP_AUTH_METHOD))
    goto protocol;
  return 0;
malformed:
  *reason = TERN_MQTT_RC_MALFORMED;
  return TERN_EPARSE;
protocol:
  *reason = TERN_MQTT_RC_PROTOCOL_ERROR;
  return TERN_EPROTO;
}

uint8_t *tern_mqtt_props_find(uint8_t *block, size_t n, uint8_t id) {
  size_t off = 0;
  while (off < n) {
    uint32_t pid;
    int k = tern_mqtt_vbi_read(block + off, n - off, &pid);
    const struct prop_rule *r = k > 0 && pid < 64 ? rule_of((uint8_t)pid) : NULL;
    if (!r) return NULL;
    struct pval v = {0, {NULL, 0}, {NULL, 0}};
    int used = read_value(block + off + k, n - off - (size_t)k, r->type, &v);
    if (used < 0) return NULL;
    if (pid == id) return block + off + k;
    off += (size_t)k + (size_t)used;
  }
  return NULL;
}

uint32_t tern_mqtt_expiry_left(uint64_t expires_us, uint64_t now_us) {
  if (expires_us <= now_us) return 0;
  uint64_t s = tern_div_u64(expires_us - now_us + 999999, 1000000, NULL);
  return s > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)s;
}

/* ---- user properties ---- */

int tern_mqtt_user_prop_next(struct tern_str block, size_t *off, struct tern_str *name,
                             struct tern_str *value) {
  const uint8_t *p = (const uint8_t *)block.p;
  while (*off < block.len) {
    uint32_t id;
    int k = tern_mqtt_vbi_read(p + *off, block.len - *off, &id);
    const struct prop_rule *r = k > 0 && id < 64 ? rule_of((uint8_t)id) : NULL;
    if (!r) return 0; /* a block that was never checked: stop rather than guess */
    struct pval v = {0, {NULL, 0}, {NULL, 0}};
    int used = read_value(p + *off + k, block.len - *off - (size_t)k, r->type, &v);
    if (used < 0) return 0;
    *off += (size_t)k + (size_t)used;
    if (r->id == TERN_MQTT_PROP_USER) {
      *name = v.s;
      *value = v.s2;
      return 1;
    }
  }
  return 0;
}

int tern_mqtt_user_prop_add(struct tern_buf *b, const char *name, const char *value) {
  size_t nl = strlen(name), vl = strlen(value);
  if (nl > 65535 || vl > 65535 || !tern_mqtt_valid_utf8((const uint8_t *)name, nl) ||
      !tern_mqtt_valid_utf8((const uint8_t *)value, vl))
    return TERN_EINVAL;
  int rc = tern_buf_reserve(b, 5 + nl + vl);
  if (rc) return rc;
  uint8_t *w = b->data + b->len;
  *w++ = TERN_MQTT_PROP_USER;
  *w++ = (uint8_t)(nl >> 8);
  *w++ = (uint8_t)nl;
  memcpy(w, name, nl);
  w += nl;
  *w++ = (uint8_t)(vl >> 8);
  *w++ = (uint8_t)vl;
  memcpy(w, value, vl);
  b->len += 5 + nl + vl;
  return 0;
}

/* ---- writing ---- */

/* The value of a present property, as the table's type reads it. */
static void value_of(const struct tern_mqtt_props *o, uint8_t id, struct pval *v) {
  memset(v, 0, sizeof(*v));
  switch (id) {
  case TERN_MQTT_PROP_PAYLOAD_FORMAT: v->u = o->payload_format; break;
  case TERN_MQTT_PROP_MESSAGE_EXPIRY: v->u = o->message_expiry; break;
  case TERN_MQTT_PROP_CONTENT_TYPE: v->s = o->content_type; break;
  case TERN_MQTT_PROP_RESPONSE_TOPIC: v->s = o->response_topic; break;
  case TERN_MQTT_PROP_CORRELATION_DATA: v->s = o->correlation_data; break;
  case TERN_MQTT_PROP_SESSION_EXPIRY: v->u = o->session_expiry; break;
  case TERN_MQTT_PROP_ASSIGNED_CLIENT_ID: v->s = o->assigned_client_id; break;
  case TERN_MQTT_PROP_SERVER_KEEPALIVE: v->u = o->server_keepalive; break;
  case TERN_MQTT_PROP_AUTH_METHOD: v->s = o->auth_method; break;
  case TERN_MQTT_PROP_AUTH_DATA: v->s = o->auth_data; break;
  case TERN_MQTT_PROP_REQUEST_PROBLEM_INFO: v->u = o->request_problem_info; break;
  case TERN_MQTT_PROP_WILL_DELAY: v->u = o->will_delay; break;
  case TERN_MQTT_PROP_REQUEST_RESPONSE_INFO: v->u = o->request_response_info; break;
  case TERN_MQTT_PROP_RESPONSE_INFO: v->s = o->response_info; break;
  case TERN_MQTT_PROP_SERVER_REFERENCE: v->s = o->server_reference; break;
  case TERN_MQTT_PROP_REASON_STRING: v->s = o->reason_string; break;
  case TERN_MQTT_PROP_RECEIVE_MAX: v->u = o->receive_max; break;
  case TERN_MQTT_PROP_TOPIC_ALIAS_MAX: v->u = o->topic_alias_max; break;
  case TERN_MQTT_PROP_TOPIC_ALIAS: v->u = o->topic_alias; break;
  case TERN_MQTT_PROP_MAX_QOS: v->u = o->max_qos; break;
  case TERN_MQTT_PROP_RETAIN_AVAILABLE: v->u = o->retain_available; break;
  case TERN_MQTT_PROP_MAX_PACKET_SIZE: v->u = o->max_packet_size; break;
  case TERN_MQTT_PROP_WILDCARD_SUB_AVAILABLE: v->u = o->wildcard_sub_available; break;
  case TERN_MQTT_PROP_SUB_ID_AVAILABLE: v->u = o->sub_id_available; break;
  case TERN_MQTT_PROP_SHARED_SUB_AVAILABLE: v->u = o->shared_sub_available; break;
  default: break;
  }
}

static size_t value_size(int type, const struct pval *v) {
  switch (type) {
  case P_BYTE: return 1;
  case P_U16: return 2;
  case P_U32: return 4;
  case P_VBI: return tern_mqtt_vbi_size(v->u);
  default: return 2 + v->s.len;
  }
}

/* The user block's User Property entries: their bytes, and (w non-NULL)
 * copied to w. Anything else in the block is left out. */
static size_t user_entries(const struct tern_mqtt_props *o, uint8_t *w) {
  size_t total = 0, off = 0;
  struct tern_str name, value;
  while (tern_mqtt_user_prop_next(o->user, &off, &name, &value)) {
    size_t len = 5 + name.len + value.len; /* id, two lengths, two strings: just before off */
    if (w) memcpy(w + total, o->user.p + off - len, len);
    total += len;
  }
  return total;
}

size_t tern_mqtt_props_size(const struct tern_mqtt_props *o, int where) {
  if (!o->has && !o->nsub_ids && !o->user.len) return o->raw.len; /* the usual case */
  size_t n = 0;
  for (size_t i = 0; i < NRULES; i++) {
    const struct prop_rule *r = &rules[i];
    if (!(r->where & (1u << where)) || r->id == TERN_MQTT_PROP_USER) continue;
    if (r->id == TERN_MQTT_PROP_SUBSCRIPTION_ID) {
      uint8_t max = where == TERN_MQTT_PUBLISH ? o->nsub_ids : o->nsub_ids > 0;
      for (uint8_t k = 0; k < max; k++) n += 1 + tern_mqtt_vbi_size(o->sub_ids[k]);
      continue;
    }
    if (!TERN_MQTT_HAS(o, r->id)) continue;
    struct pval v;
    value_of(o, r->id, &v);
    n += 1 + value_size(r->type, &v);
  }
  return n + (o->user.len ? user_entries(o, NULL) : 0) + o->raw.len;
}

uint8_t *tern_mqtt_props_write(uint8_t *w, const struct tern_mqtt_props *o, int where) {
  w = tern_mqtt_vbi_write(w, (uint32_t)tern_mqtt_props_size(o, where));
  return tern_mqtt_props_write_body(w, o, where);
}

uint8_t *tern_mqtt_props_write_body(uint8_t *w, const struct tern_mqtt_props *o, int where) {
  if (!o->has && !o->nsub_ids && !o->user.len) { /* only what is already encoded, if anything */
    if (o->raw.len) memcpy(w, o->raw.p, o->raw.len);
    return w + o->raw.len;
  }
  for (size_t i = 0; i < NRULES; i++) {
    const struct prop_rule *r = &rules[i];
    if (!(r->where & (1u << where)) || r->id == TERN_MQTT_PROP_USER) continue;
    if (r->id == TERN_MQTT_PROP_SUBSCRIPTION_ID) {
      uint8_t max = where == TERN_MQTT_PUBLISH ? o->nsub_ids : o->nsub_ids > 0;
      for (uint8_t k = 0; k < max; k++) {
        *w++ = r->id;
        w = tern_mqtt_vbi_write(w, o->sub_ids[k]);
      }
      continue;
    }
    if (!TERN_MQTT_HAS(o, r->id)) continue;
    struct pval v;
    value_of(o, r->id, &v);
    *w++ = r->id;
    switch (r->type) {
    case P_BYTE: *w++ = (uint8_t)v.u; break;
    case P_U16:
      *w++ = (uint8_t)(v.u >> 8);
      *w++ = (uint8_t)v.u;
      break;
    case P_U32:
      for (int s = 24; s >= 0; s -= 8) *w++ = (uint8_t)(v.u >> s);
      break;
    default:
      *w++ = (uint8_t)(v.s.len >> 8);
      *w++ = (uint8_t)v.s.len;
      if (v.s.len) memcpy(w, v.s.p, v.s.len);
      w += v.s.len;
      break;
    }
  }
  if (o->user.len) w += user_entries(o, w);
  if (o->raw.len) memcpy(w, o->raw.p, o->raw.len);
  return w + o->raw.len;
}

/* ---- Topic Aliases a sender keeps (client to broker, broker to client) ---- */

uint16_t tern_mqtt_alias_for(char **table, uint16_t max, struct tern_str topic,
                             const struct tern_allocator *al, int *known) {
  uint16_t free_slot = 0;
  *known = 0;
  for (uint16_t i = 1; i <= max; i++) {
    const char *t = table[i];
    if (!t) {
      if (!free_slot) free_slot = i;
    } else if (strlen(t) == topic.len && !memcmp(t, topic.p, topic.len)) {
      *known = 1;
      return i;
    }
  }
  if (!free_slot || !(table[free_slot] = tern_alloc(al, topic.len + 1))) return 0;
  memcpy(table[free_slot], topic.p, topic.len);
  return free_slot;
}

void tern_mqtt_aliases_free(char **table, uint16_t max, const struct tern_allocator *al) {
  for (uint16_t i = 0; i <= max; i++) {
    tern_free(al, table[i]);
    table[i] = NULL;
  }
}

/* ---- reason codes in words ---- */

const char *tern_mqtt_reason_str(int code) {
  switch (code) {
  case 0x00: return "Success";
  case 0x01: return "Granted QoS 1";
  case 0x02: return "Granted QoS 2";
  case 0x04: return "Disconnect with Will Message";
  case 0x10: return "No matching subscribers";
  case 0x11: return "No subscription existed";
  case 0x18: return "Continue authentication";
  case 0x19: return "Re-authenticate";
  case 0x80: return "Unspecified error";
  case 0x81: return "Malformed Packet";
  case 0x82: return "Protocol Error";
  case 0x83: return "Implementation specific error";
  case 0x84: return "Unsupported Protocol Version";
  case 0x85: return "Client Identifier not valid";
  case 0x86: return "Bad User Name or Password";
  case 0x87: return "Not authorized";
  case 0x88: return "Server unavailable";
  case 0x89: return "Server busy";
  case 0x8A: return "Banned";
  case 0x8B: return "Server shutting down";
  case 0x8C: return "Bad authentication method";
  case 0x8D: return "Keep Alive timeout";
  case 0x8E: return "Session taken over";
  case 0x8F: return "Topic Filter invalid";
  case 0x90: return "Topic Name invalid";
  case 0x91: return "Packet Identifier in use";
  case 0x92: return "Packet Identifier not found";
  case 0x93: return "Receive Maximum exceeded";
  case 0x94: return "Topic Alias invalid";
  case 0x95: return "Packet too large";
  case 0x96: return "Message rate too high";
  case 0x97: return "Quota exceeded";
  case 0x98: return "Administrative action";
  case 0x99: return "Payload format invalid";
  case 0x9A: return "Retain not supported";
  case 0x9B: return "QoS not supported";
  case 0x9C: return "Use another server";
  case 0x9D: return "Server moved";
  case 0x9E: return "Shared Subscriptions not supported";
  case 0x9F: return "Connection rate exceeded";
  case 0xA0: return "Maximum connect time";
  case 0xA1: return "Subscription Identifiers not supported";
  case 0xA2: return "Wildcard Subscriptions not supported";
  default: return "Unknown reason";
  }
}
