/* MQTT 3.1.1 and 5.0 codec. The decoder checks every rule the
 * specification makes about a packet's shape, so a driver can trust what it
 * gets back; what it cannot check alone (session state, topic aliases,
 * authorisation) is left to the driver. Properties: mqtt_props.c. */
#include <string.h>
#include "mqtt_props.h"
#include "tern/error.h"
#include "tern/mqtt_codec.h"

struct reader {
  const uint8_t *p, *end;
  int err;
};

static uint8_t rd_u8(struct reader *r) {
  if (r->p >= r->end) {
    r->err = TERN_EPARSE;
    return 0;
  }
  return *r->p++;
}

static uint16_t rd_u16(struct reader *r) {
  if (r->end - r->p < 2) {
    r->err = TERN_EPARSE;
    r->p = r->end;
    return 0;
  }
  uint16_t v = (uint16_t)(r->p[0] << 8 | r->p[1]);
  r->p += 2;
  return v;
}

/* A length-prefixed field; utf8 = 1 checks MQTT's UTF-8 rules. */
static struct tern_str rd_str(struct reader *r, int utf8) {
  struct tern_str s = {NULL, 0};
  uint16_t n = rd_u16(r);
  if (r->err) return s;
  if (r->end - r->p < n) {
    r->err = TERN_EPARSE;
    return s;
  }
  if (utf8 && !tern_mqtt_valid_utf8(r->p, n)) {
    r->err = TERN_EPROTO;
    return s;
  }
  s.p = (const char *)r->p;
  s.len = n;
  r->p += n;
  return s;
}

/* Which direction each packet type may travel. */
static int allowed(int type, int from) {
  switch (type) {
  case TERN_MQTT_CONNECT:
  case TERN_MQTT_SUBSCRIBE:
  case TERN_MQTT_UNSUBSCRIBE:
  case TERN_MQTT_PINGREQ: return from == TERN_MQTT_FROM_CLIENT;
  case TERN_MQTT_CONNACK:
  case TERN_MQTT_SUBACK:
  case TERN_MQTT_UNSUBACK:
  case TERN_MQTT_PINGRESP: return from == TERN_MQTT_FROM_SERVER;
  default: return 1; /* PUBLISH and its acks, DISCONNECT (a v5 server's too), AUTH */
  }
}

/* A failed decode: the code, with the reason a v5 peer is told. */
static int fail(struct tern_mqtt_packet *p, int err, uint8_t reason) {
  p->reason_code = reason;
  return err;
}
#define MALFORMED(p) fail((p), TERN_EPARSE, TERN_MQTT_RC_MALFORMED)
#define PROTOCOL(p) fail((p), TERN_EPROTO, TERN_MQTT_RC_PROTOCOL_ERROR)

/* A reader error as the reason it is: short bytes are malformed; a UTF-8
 * breach (rd_str's TERN_EPROTO) is a protocol error in 3.1.1 and malformed
 * in 5.0 [MQTT-1.5.4-1]. */
static int reader_fail(struct tern_mqtt_packet *p, const struct reader *r) {
  return r->err == TERN_EPROTO && p->version != TERN_MQTT_V5 ? PROTOCOL(p) : MALFORMED(p);
}

/* MQTT 5: a property block (its length first) at r, for packet 'where'. */
static int rd_props(struct reader *r, struct tern_mqtt_packet *p, int where, int from,
                    struct tern_mqtt_props *out) {
  uint32_t n;
  int k = tern_mqtt_vbi_read(r->p, (size_t)(r->end - r->p), &n);
  if (k <= 0 || (size_t)(r->end - r->p - k) < n) return MALFORMED(p);
  r->p += k;
  int rc = tern_mqtt_props_read(r->p, n, where, from, out, &p->reason_code);
  r->p += n;
  return rc;
}

/* The reason codes each packet may carry (section 2.4 and each packet's). */
static int reason_ok(int type, uint8_t rc) {
  static const uint8_t connack[] = {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                    0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
  static const uint8_t puback[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
  static const uint8_t pubrel[] = {0x00, 0x92};
  static const uint8_t suback[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                   0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
  static const uint8_t unsuback[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
  static const uint8_t disconnect[] = {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                       0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                       0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
  static const uint8_t auth[] = {0x00, 0x18, 0x19};
  const uint8_t *set;
  size_t n;
#define SET(a) (set = (a), n = sizeof(a))
  switch (type) {
  case TERN_MQTT_CONNACK: SET(connack); break;
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC: SET(puback); break;
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP: SET(pubrel); break;
  case TERN_MQTT_SUBACK: SET(suback); break;
  case TERN_MQTT_UNSUBACK: SET(unsuback); break;
  case TERN_MQTT_DISCONNECT: SET(disconnect); break;
  case TERN_MQTT_AUTH: SET(auth); break;
  default: return 0;
  }
#undef SET
  return memchr(set, rc, n) != NULL;
}

/* A PUBLISH or will payload that says it is UTF-8 must be (3.3.2.3.2). */
static int payload_ok(const struct tern_mqtt_props *pr, struct tern_str payload) {
  return !TERN_MQTT_HAS(pr, TERN_MQTT_PROP_PAYLOAD_FORMAT) || pr->payload_format == 0 ||
         tern_mqtt_valid_utf8((const uint8_t *)payload.p, payload.len);
}

/* "$share/GROUP/filter": a group without wildcards or '/', a filter after it. */
static int shared_ok(struct tern_str f) {
  if (f.len < 7 || memcmp(f.p, "$share/", 7) != 0) return 1;
  const char *g = f.p + 7, *end = f.p + f.len;
  const char *slash = memchr(g, '/', (size_t)(end - g));
  if (!slash || slash == g || slash + 1 == end) return 0;
  for (const char *c = g; c < slash; c++)
    if (*c == '+' || *c == '#') return 0;
  return 1;
}

static int decode_connect(struct reader *r, struct tern_mqtt_packet *p) {
  p->protocol_name = rd_str(r, 1);
  p->protocol_level = rd_u8(r);
  uint8_t cf = rd_u8(r);
  p->keepalive = rd_u16(r);
  if (r->err) return reader_fail(p, r);
  int mqtt311 = tern_str_eq(p->protocol_name, "MQTT") && p->protocol_name.p[0] == 'M';
  int mqtt31 = p->protocol_name.len == 6 && memcmp(p->protocol_name.p, "MQIsdp", 6) == 0;
  if (!mqtt311 && !mqtt31) return PROTOCOL(p); /* [MQTT-3.1.2-1]: close without CONNACK */
  int v5 = TERN_ENABLE_MQTT5 && mqtt311 && p->protocol_level == TERN_MQTT_V5;
  p->version = v5 ? TERN_MQTT_V5 : TERN_MQTT_V311;
  if (cf & 0x01) return v5 ? MALFORMED(p) : PROTOCOL(p); /* reserved flag [MQTT-3.1.2-3] */
  p->clean_session = (cf >> 1) & 1;
  p->has_will = (cf >> 2) & 1;
  p->will_qos = (cf >> 3) & 3;
  p->will_retain = (cf >> 5) & 1;
  p->has_password = (cf >> 6) & 1;
  p->has_username = (cf >> 7) & 1;
  if (p->will_qos == 3) return v5 ? MALFORMED(p) : PROTOCOL(p);
  if (!p->has_will && (p->will_qos || p->will_retain))
    return v5 ? MALFORMED(p) : PROTOCOL(p); /* [MQTT-3.1.2-11,13,15] */
  /* a password alone is allowed from 5.0 on [MQTT-3.1.2-22] */
  if (p->has_password && !p->has_username && mqtt311 && !v5) return PROTOCOL(p);
  if (v5) {
    int rc = rd_props(r, p, TERN_MQTT_CONNECT, TERN_MQTT_FROM_CLIENT, &p->props);
    if (rc) return rc;
  }
  p->client_id = rd_str(r, 1);
  if (p->has_will) {
    if (v5) {
      int rc = rd_props(r, p, 0, TERN_MQTT_FROM_CLIENT, &p->will_props);
      if (rc) return rc;
    }
    p->will_topic = rd_str(r, 1);
    p->will_payload = rd_str(r, 0);
    if (r->err) return reader_fail(p, r);
    if (!tern_mqtt_valid_topic(p->will_topic.p, p->will_topic.len))
      return fail(p, TERN_EPROTO, TERN_MQTT_RC_TOPIC_NAME_INVALID);
    if (v5 && !payload_ok(&p->will_props, p->will_payload))
      return fail(p, TERN_EPROTO, TERN_MQTT_RC_PAYLOAD_FORMAT_INVALID);
  }
  if (p->has_username) p->username = rd_str(r, 1);
  if (p->has_password) p->password = rd_str(r, 0);
  return r->err ? reader_fail(p, r) : 0;
}

static int decode_publish(struct reader *r, struct tern_mqtt_packet *p, int from, int v5) {
  p->dup = (p->flags >> 3) & 1;
  p->qos = (p->flags >> 1) & 3;
  p->retain = p->flags & 1;
  if (p->qos == 3) return v5 ? MALFORMED(p) : PROTOCOL(p); /* [MQTT-3.3.1-4] */
  if (p->qos == 0 && p->dup) return PROTOCOL(p);           /* [MQTT-3.3.1-2] */
  p->topic = rd_str(r, 1);
  if (r->err) return reader_fail(p, r);
  if (p->qos > 0) {
    p->packet_id = rd_u16(r);
    if (!r->err && p->packet_id == 0) return PROTOCOL(p);
  }
  if (r->err) return MALFORMED(p);
  if (v5) {
    int rc = rd_props(r, p, TERN_MQTT_PUBLISH, from, &p->props);
    if (rc) return rc;
  }
  /* 5.0: an empty topic stands for the one its Topic Alias names */
  int aliased = v5 && p->topic.len == 0 && TERN_MQTT_HAS(&p->props, TERN_MQTT_PROP_TOPIC_ALIAS);
  if (!aliased && !tern_mqtt_valid_topic(p->topic.p, p->topic.len)) /* [MQTT-3.3.2-2] */
    return v5 ? fail(p, TERN_EPROTO, TERN_MQTT_RC_TOPIC_NAME_INVALID) : PROTOCOL(p);
  p->payload.p = (const char *)r->p;
  p->payload.len = (size_t)(r->end - r->p);
  r->p = r->end;
  if (v5 && !payload_ok(&p->props, p->payload))
    return fail(p, TERN_EPROTO, TERN_MQTT_RC_PAYLOAD_FORMAT_INVALID);
  return 0;
}

/* SUBSCRIBE and UNSUBSCRIBE's list of filters (with option bytes). */
static int decode_filters(struct reader *r, struct tern_mqtt_packet *p, int v5) {
  while (!r->err && r->p < r->end) {
    if (p->count == TERN_MQTT_MAX_FILTERS) return fail(p, TERN_ELIMIT, TERN_MQTT_RC_QUOTA_EXCEEDED);
    struct tern_str f = rd_str(r, 1);
    if (r->err) return reader_fail(p, r);
    if (!tern_mqtt_valid_filter(f.p, f.len) || (v5 && !shared_ok(f)))
      return v5 ? fail(p, TERN_EPROTO, TERN_MQTT_RC_TOPIC_FILTER_INVALID) : PROTOCOL(p);
    p->filters[p->count] = f;
    if (p->type == TERN_MQTT_SUBSCRIBE) {
      uint8_t o = rd_u8(r);
      if (r->err) return MALFORMED(p);
      if (!v5 && o > 2) return PROTOCOL(p); /* reserved bits or QoS 3 [MQTT-3.8.3-4] */
      if (v5) {
        if (o & 0xC0) return MALFORMED(p); /* reserved bits [MQTT-3.8.3-5] */
        if ((o & TERN_MQTT_SUB_QOS_MASK) == 3) return PROTOCOL(p);
        if ((o >> TERN_MQTT_SUB_RETAIN_HANDLING_SHIFT) == 3) return PROTOCOL(p);
        /* No Local on a shared subscription [MQTT-3.8.3-4] */
        if ((o & TERN_MQTT_SUB_NO_LOCAL) && f.len > 7 && memcmp(f.p, "$share/", 7) == 0)
          return PROTOCOL(p);
      }
      p->qos_list[p->count] = o;
    }
    p->count++;
  }
  if (p->count == 0) return PROTOCOL(p); /* [MQTT-3.8.3-3], [MQTT-3.10.3-2] */
  return 0;
}

/* SUBACK's and (5.0) UNSUBACK's reason codes, one per filter. */
static int decode_codes(struct reader *r, struct tern_mqtt_packet *p, int v5) {
  while (r->p < r->end) {
    if (p->count == TERN_MQTT_MAX_FILTERS) return fail(p, TERN_ELIMIT, TERN_MQTT_RC_QUOTA_EXCEEDED);
    uint8_t code = rd_u8(r);
    if (v5 ? !reason_ok(p->type, code) : (code > 2 && code != TERN_MQTT_SUBACK_FAILURE))
      return PROTOCOL(p);
    p->qos_list[p->count++] = code;
  }
  return 0;
}

/* A 5.0 packet that may end early: [reason code [properties]] after what
 * came before (PUBACK..PUBCOMP, DISCONNECT, AUTH). */
static int decode_reason_props(struct reader *r, struct tern_mqtt_packet *p, int from) {
  if (r->p == r->end) return 0; /* 0x00, no properties */
  p->reason_code = rd_u8(r);
  if (!reason_ok(p->type, p->reason_code)) return PROTOCOL(p);
  if (r->p == r->end) return 0;
  return rd_props(r, p, p->type, from, &p->props);
}

static int decode_body(struct reader *r, struct tern_mqtt_packet *p, int from, int v5) {
  int rc;
  switch (p->type) {
  case TERN_MQTT_CONNECT: return decode_connect(r, p);
  case TERN_MQTT_CONNACK: {
    uint8_t ack_flags = rd_u8(r);
    p->return_code = rd_u8(r);
    if (r->err) return MALFORMED(p);
    if (ack_flags & 0xfe) return v5 ? MALFORMED(p) : PROTOCOL(p);
    p->session_present = ack_flags & 1;
    if (!v5) return 0;
    p->reason_code = p->return_code;
    /* a 3.1.1 broker's answer to a 5.0 CONNECT (return code 1, no
     * properties): Unsupported Protocol Version, so the client can say so */
    if (p->return_code == 1 && r->p == r->end) p->reason_code = TERN_MQTT_RC_UNSUPPORTED_VERSION;
    if (!reason_ok(TERN_MQTT_CONNACK, p->reason_code)) return PROTOCOL(p);
    return r->p == r->end ? 0 : rd_props(r, p, TERN_MQTT_CONNACK, from, &p->props);
  }
  case TERN_MQTT_PUBLISH: return decode_publish(r, p, from, v5);
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC:
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP:
    p->packet_id = rd_u16(r);
    if (r->err) return MALFORMED(p);
    if (v5 && p->packet_id == 0) return PROTOCOL(p);
    return v5 ? decode_reason_props(r, p, from) : 0;
  case TERN_MQTT_SUBSCRIBE:
  case TERN_MQTT_UNSUBSCRIBE:
    p->packet_id = rd_u16(r);
    if (r->err) return MALFORMED(p);
    if (p->packet_id == 0) return PROTOCOL(p); /* [MQTT-2.3.1-1] */
    if (v5 && (rc = rd_props(r, p, p->type, from, &p->props)) != 0) return rc;
    return decode_filters(r, p, v5);
  case TERN_MQTT_SUBACK:
  case TERN_MQTT_UNSUBACK:
    p->packet_id = rd_u16(r);
    if (r->err) return MALFORMED(p);
    if (v5 && (rc = rd_props(r, p, p->type, from, &p->props)) != 0) return rc;
    if (p->type == TERN_MQTT_UNSUBACK && !v5) return 0;
    return decode_codes(r, p, v5);
  case TERN_MQTT_DISCONNECT:
    if (!v5) return 0;
    if ((rc = decode_reason_props(r, p, from)) != 0) return rc;
    /* a server never sends a Session Expiry Interval here [MQTT-3.14.2-2] */
    if (from == TERN_MQTT_FROM_SERVER && TERN_MQTT_HAS(&p->props, TERN_MQTT_PROP_SESSION_EXPIRY))
      return PROTOCOL(p);
    return 0;
  case TERN_MQTT_AUTH: return v5 ? decode_reason_props(r, p, from) : PROTOCOL(p);
  default: /* PINGREQ, PINGRESP: no body */ return 0;
  }
}

int tern_mqtt_decode(const uint8_t *buf, size_t len, size_t max_packet, int from,
                     struct tern_mqtt_packet *p) {
  return tern_mqtt_decode_v(buf, len, max_packet, from, TERN_MQTT_V311, p);
}

int tern_mqtt_decode_v(const uint8_t *buf, size_t len, size_t max_packet, int from, int version,
                       struct tern_mqtt_packet *p) {
  if (len < 2) return TERN_EAGAIN;
  int v5 = TERN_ENABLE_MQTT5 && version == TERN_MQTT_V5;
  uint8_t type = buf[0] >> 4, flags = buf[0] & 0x0f;
  /* Remaining length: at most four bytes, 7 bits each [MQTT-2.2.3]; 5.0
   * also wants the shortest form [MQTT-1.5.5-1]. */
  size_t remaining = 0, i = 1;
  for (int shift = 0;; shift += 7, i++) {
    if (i > 4) return MALFORMED(p);
    if (i >= len) return TERN_EAGAIN;
    remaining |= (size_t)(buf[i] & 0x7f) << shift;
    if (!(buf[i] & 0x80)) break;
  }
  if (v5 && i > 1 && buf[i] == 0) return MALFORMED(p);
  size_t header = i + 1;
  if (remaining > max_packet || header + remaining > max_packet + 5)
    return fail(p, TERN_ELIMIT, TERN_MQTT_RC_PACKET_TOO_LARGE);
  int last = v5 ? TERN_MQTT_AUTH : TERN_MQTT_DISCONNECT;
  if (type < TERN_MQTT_CONNECT || type > last) return v5 ? MALFORMED(p) : PROTOCOL(p);
  if (!allowed(type, from)) return PROTOCOL(p);
  if (!v5 && type == TERN_MQTT_DISCONNECT && from != TERN_MQTT_FROM_CLIENT) return PROTOCOL(p);
  /* Reserved flags [MQTT-2.2.2-1,2]: 0010 for PUBREL/SUBSCRIBE/UNSUBSCRIBE, else 0. */
  int want_flags =
      (type == TERN_MQTT_PUBREL || type == TERN_MQTT_SUBSCRIBE || type == TERN_MQTT_UNSUBSCRIBE)
          ? 2
          : 0;
  if (type != TERN_MQTT_PUBLISH && flags != want_flags) return v5 ? MALFORMED(p) : PROTOCOL(p);
  /* Fixed sizes, checked before the body is even here (3.1.1; in 5.0 the
   * acks and DISCONNECT may carry a reason and properties). */
  static const int8_t fixed[] = {-1, -1, 2, -1, 2, 2, 2, 2, -1, -1, -1, 2, 0, 0, 0};
  static const int8_t fixed5[] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1};
  int8_t want = v5 ? fixed5[type] : fixed[type];
  if (want >= 0 && remaining != (size_t)want) return MALFORMED(p);
  if (len - header < remaining) return TERN_EAGAIN;

  memset(p, 0, offsetof(struct tern_mqtt_packet, filters));
  p->count = 0;
  p->type = type;
  p->flags = flags;
  p->version = v5 ? TERN_MQTT_V5 : TERN_MQTT_V311;
  struct reader r = {buf + header, buf + header + remaining, 0};
  int rc = decode_body(&r, p, from, v5);
  if (rc) return rc;
  if (r.p != r.end) return MALFORMED(p); /* bytes left over inside the packet */
  return (int)(header + remaining);
}

/* ---- encoder ---- */

/* A property block with its length, for packet 'where'. */
static size_t props_block(const struct tern_mqtt_props *pr, int where) {
  size_t n = tern_mqtt_props_size(pr, where);
  return tern_mqtt_vbi_size((uint32_t)n) + n;
}

/* 5.0's optional tail: nothing, the reason code, or it and properties. */
static size_t tail_size(const struct tern_mqtt_packet *p) {
  size_t n = tern_mqtt_props_size(&p->props, p->type);
  if (n) return 1 + tern_mqtt_vbi_size((uint32_t)n) + n;
  return p->reason_code ? 1 : 0;
}

static size_t body_size(const struct tern_mqtt_packet *p) {
  int v5 = TERN_ENABLE_MQTT5 && p->version == TERN_MQTT_V5;
  size_t pr = v5 ? props_block(&p->props, p->type) : 0;
  switch (p->type) {
  case TERN_MQTT_CONNECT: {
    size_t n = 10 + pr + 2 + p->client_id.len;
    if (p->has_will)
      n += 4 + p->will_topic.len + p->will_payload.len + (v5 ? props_block(&p->will_props, 0) : 0);
    if (p->has_username) n += 2 + p->username.len;
    if (p->has_password) n += 2 + p->password.len;
    return n;
  }
  case TERN_MQTT_PUBLISH: return 2 + p->topic.len + (p->qos ? 2 : 0) + pr + p->payload.len;
  case TERN_MQTT_SUBSCRIBE:
  case TERN_MQTT_UNSUBSCRIBE: {
    size_t n = 2 + pr;
    for (size_t i = 0; i < p->count; i++)
      n += 2 + p->filters[i].len + (p->type == TERN_MQTT_SUBSCRIBE);
    return n;
  }
  case TERN_MQTT_SUBACK: return 2 + pr + p->count;
  case TERN_MQTT_UNSUBACK: return v5 ? 2 + pr + p->count : 2;
  case TERN_MQTT_CONNACK: return 2 + pr;
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC:
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP: return 2 + (v5 ? tail_size(p) : 0);
  case TERN_MQTT_DISCONNECT:
  case TERN_MQTT_AUTH: return v5 ? tail_size(p) : 0;
  default: return 0;
  }
}

size_t tern_mqtt_encoded_size(const struct tern_mqtt_packet *p) {
  size_t body = body_size(p);
  return 1 + tern_mqtt_vbi_size((uint32_t)body) + body;
}

struct writer {
  uint8_t *p;
};
static void wr_u8(struct writer *w, uint8_t v) { *w->p++ = v; }
static void wr_u16(struct writer *w, uint16_t v) {
  wr_u8(w, (uint8_t)(v >> 8));
  wr_u8(w, (uint8_t)v);
}
static void wr_bytes(struct writer *w, const void *d, size_t n) {
  if (n) memcpy(w->p, d, n);
  w->p += n;
}
static void wr_str(struct writer *w, struct tern_str s) {
  wr_u16(w, (uint16_t)s.len);
  wr_bytes(w, s.p, s.len);
}
static void wr_props(struct writer *w, const struct tern_mqtt_props *pr, int where) {
  w->p = tern_mqtt_props_write(w->p, pr, where);
}
static void wr_tail(struct writer *w, const struct tern_mqtt_packet *p) {
  if (!tern_mqtt_props_size(&p->props, p->type)) {
    if (p->reason_code) wr_u8(w, p->reason_code);
    return;
  }
  wr_u8(w, p->reason_code);
  wr_props(w, &p->props, p->type);
}

int tern_mqtt_encode(struct tern_buf *b, const struct tern_mqtt_packet *p) {
  int v5 = TERN_ENABLE_MQTT5 && p->version == TERN_MQTT_V5;
  if (p->type < TERN_MQTT_CONNECT || p->type > (v5 ? TERN_MQTT_AUTH : TERN_MQTT_DISCONNECT))
    return TERN_EINVAL;
  size_t body = body_size(p);
  if (body > 268435455u) return TERN_EINVAL;
  if (p->type == TERN_MQTT_PUBLISH && (p->topic.len > 65535 || p->qos > 2)) return TERN_EINVAL;
  size_t total = 1 + tern_mqtt_vbi_size((uint32_t)body) + body;
  int rc = tern_buf_reserve(b, total);
  if (rc) return rc;
  struct writer w = {b->data + b->len};
  uint8_t flags = 0;
  if (p->type == TERN_MQTT_PUBLISH) flags = (uint8_t)(p->dup << 3 | p->qos << 1 | p->retain);
  else if (p->type == TERN_MQTT_PUBREL || p->type == TERN_MQTT_SUBSCRIBE ||
           p->type == TERN_MQTT_UNSUBSCRIBE)
    flags = 2;
  wr_u8(&w, (uint8_t)(p->type << 4 | flags));
  w.p = tern_mqtt_vbi_write(w.p, (uint32_t)body);
  switch (p->type) {
  case TERN_MQTT_CONNECT: {
    wr_str(&w, (struct tern_str){"MQTT", 4});
    /* 0x84: a bridge (Mosquitto's try_private) */
    uint8_t level = p->protocol_level ? p->protocol_level : TERN_MQTT_V311;
    wr_u8(&w, v5 ? (uint8_t)(TERN_MQTT_V5 | (level & 0x80)) : level);
    wr_u8(&w, (uint8_t)(p->has_username << 7 | p->has_password << 6 | p->will_retain << 5 |
                        p->will_qos << 3 | p->has_will << 2 | p->clean_session << 1));
    wr_u16(&w, p->keepalive);
    if (v5) wr_props(&w, &p->props, TERN_MQTT_CONNECT);
    wr_str(&w, p->client_id);
    if (p->has_will) {
      if (v5) wr_props(&w, &p->will_props, 0);
      wr_str(&w, p->will_topic);
      wr_str(&w, p->will_payload);
    }
    if (p->has_username) wr_str(&w, p->username);
    if (p->has_password) wr_str(&w, p->password);
    break;
  }
  case TERN_MQTT_CONNACK:
    wr_u8(&w, p->session_present);
    wr_u8(&w, v5 ? p->reason_code : p->return_code);
    if (v5) wr_props(&w, &p->props, TERN_MQTT_CONNACK);
    break;
  case TERN_MQTT_PUBLISH:
    wr_str(&w, p->topic);
    if (p->qos) wr_u16(&w, p->packet_id);
    if (v5) wr_props(&w, &p->props, TERN_MQTT_PUBLISH);
    wr_bytes(&w, p->payload.p, p->payload.len);
    break;
  case TERN_MQTT_SUBSCRIBE:
  case TERN_MQTT_UNSUBSCRIBE:
    wr_u16(&w, p->packet_id);
    if (v5) wr_props(&w, &p->props, p->type);
    for (size_t i = 0; i < p->count; i++) {
      wr_str(&w, p->filters[i]);
      if (p->type == TERN_MQTT_SUBSCRIBE) wr_u8(&w, p->qos_list[i]);
    }
    break;
  case TERN_MQTT_SUBACK:
  case TERN_MQTT_UNSUBACK:
    wr_u16(&w, p->packet_id);
    if (v5) wr_props(&w, &p->props, p->type);
    if (v5 || p->type == TERN_MQTT_SUBACK) wr_bytes(&w, p->qos_list, p->count);
    break;
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC:
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP:
    wr_u16(&w, p->packet_id);
    if (v5) wr_tail(&w, p);
    break;
  case TERN_MQTT_DISCONNECT:
  case TERN_MQTT_AUTH:
    if (v5) wr_tail(&w, p);
    break;
  default: break;
  }
  b->len += total;
  return 0;
}
