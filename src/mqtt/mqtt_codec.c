/* MQTT 3.1.1 codec. The decoder checks every rule the specification makes
 * about a packet's shape, so a driver can trust what it gets back; what it
 * cannot check alone (session state, authorisation) is left to the driver. */
#include <string.h>
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
  case TERN_MQTT_PINGREQ:
  case TERN_MQTT_DISCONNECT: return from == TERN_MQTT_FROM_CLIENT;
  case TERN_MQTT_CONNACK:
  case TERN_MQTT_SUBACK:
  case TERN_MQTT_UNSUBACK:
  case TERN_MQTT_PINGRESP: return from == TERN_MQTT_FROM_SERVER;
  default: return type >= TERN_MQTT_PUBLISH && type <= TERN_MQTT_PUBCOMP;
  }
}

static int decode_connect(struct reader *r, struct tern_mqtt_packet *p) {
  p->protocol_name = rd_str(r, 1);
  p->protocol_level = rd_u8(r);
  uint8_t cf = rd_u8(r);
  p->keepalive = rd_u16(r);
  if (r->err) return r->err;
  int mqtt311 = tern_str_eq(p->protocol_name, "MQTT") && p->protocol_name.p[0] == 'M';
  int mqtt31 = p->protocol_name.len == 6 && memcmp(p->protocol_name.p, "MQIsdp", 6) == 0;
  if (!mqtt311 && !mqtt31) return TERN_EPROTO; /* [MQTT-3.1.2-1]: close without CONNACK */
  if (cf & 0x01) return TERN_EPROTO;           /* reserved flag [MQTT-3.1.2-3] */
  p->clean_session = (cf >> 1) & 1;
  p->has_will = (cf >> 2) & 1;
  p->will_qos = (cf >> 3) & 3;
  p->will_retain = (cf >> 5) & 1;
  p->has_password = (cf >> 6) & 1;
  p->has_username = (cf >> 7) & 1;
  if (p->will_qos == 3) return TERN_EPROTO;
  if (!p->has_will && (p->will_qos || p->will_retain))
    return TERN_EPROTO; /* [MQTT-3.1.2-11,13,15] */
  if (p->has_password && !p->has_username && mqtt311) return TERN_EPROTO; /* [MQTT-3.1.2-22] */
  p->client_id = rd_str(r, 1);
  if (p->has_will) {
    p->will_topic = rd_str(r, 1);
    p->will_payload = rd_str(r, 0);
    if (!r->err && !tern_mqtt_valid_topic(p->will_topic.p, p->will_topic.len)) return TERN_EPROTO;
  }
  if (p->has_username) p->username = rd_str(r, 1);
  if (p->has_password) p->password = rd_str(r, 0);
  return r->err;
}

static int decode_body(struct reader *r, struct tern_mqtt_packet *p) {
  switch (p->type) {
  case TERN_MQTT_CONNECT: return decode_connect(r, p);
  case TERN_MQTT_CONNACK: {
    uint8_t ack_flags = rd_u8(r);
    p->return_code = rd_u8(r);
    if (ack_flags & 0xfe) return TERN_EPROTO;
    p->session_present = ack_flags & 1;
    return r->err;
  }
  case TERN_MQTT_PUBLISH:
    p->dup = (p->flags >> 3) & 1;
    p->qos = (p->flags >> 1) & 3;
    p->retain = p->flags & 1;
    if (p->qos == 3) return TERN_EPROTO;           /* [MQTT-3.3.1-4] */
    if (p->qos == 0 && p->dup) return TERN_EPROTO; /* [MQTT-3.3.1-2] */
    p->topic = rd_str(r, 1);
    if (r->err) return r->err;
    if (!tern_mqtt_valid_topic(p->topic.p, p->topic.len)) return TERN_EPROTO; /* [MQTT-3.3.2-2] */
    if (p->qos > 0) {
      p->packet_id = rd_u16(r);
      if (!r->err && p->packet_id == 0) return TERN_EPROTO;
    }
    p->payload.p = (const char *)r->p;
    p->payload.len = (size_t)(r->end - r->p);
    r->p = r->end;
    return r->err;
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC:
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP:
  case TERN_MQTT_UNSUBACK: p->packet_id = rd_u16(r); return r->err;
  case TERN_MQTT_SUBSCRIBE:
  case TERN_MQTT_UNSUBSCRIBE:
    p->packet_id = rd_u16(r);
    if (!r->err && p->packet_id == 0) return TERN_EPROTO; /* [MQTT-2.3.1-1] */
    while (!r->err && r->p < r->end) {
      if (p->count == TERN_MQTT_MAX_FILTERS) return TERN_ELIMIT;
      struct tern_str f = rd_str(r, 1);
      if (r->err) return r->err;
      if (!tern_mqtt_valid_filter(f.p, f.len)) return TERN_EPROTO;
      p->filters[p->count] = f;
      if (p->type == TERN_MQTT_SUBSCRIBE) {
        uint8_t q = rd_u8(r);
        if (q > 2) return TERN_EPROTO; /* reserved bits or QoS 3 [MQTT-3.8.3-4] */
        p->qos_list[p->count] = q;
      }
      p->count++;
    }
    if (p->count == 0) return TERN_EPROTO; /* [MQTT-3.8.3-3], [MQTT-3.10.3-2] */
    return r->err;
  case TERN_MQTT_SUBACK:
    p->packet_id = rd_u16(r);
    while (!r->err && r->p < r->end) {
      if (p->count == TERN_MQTT_MAX_FILTERS) return TERN_ELIMIT;
      uint8_t code = rd_u8(r);
      if (code > 2 && code != TERN_MQTT_SUBACK_FAILURE) return TERN_EPROTO;
      p->qos_list[p->count++] = code;
    }
    return r->err;
  default: /* PINGREQ, PINGRESP, DISCONNECT: no body */ return 0;
  }
}

int tern_mqtt_decode(const uint8_t *buf, size_t len, size_t max_packet, int from,
                     struct tern_mqtt_packet *p) {
  if (len < 2) return TERN_EAGAIN;
  uint8_t type = buf[0] >> 4, flags = buf[0] & 0x0f;
  /* Remaining length: at most four bytes, 7 bits each [MQTT-2.2.3]. */
  size_t remaining = 0, i = 1;
  for (int shift = 0;; shift += 7, i++) {
    if (i > 4) return TERN_EPARSE;
    if (i >= len) return TERN_EAGAIN;
    remaining |= (size_t)(buf[i] & 0x7f) << shift;
    if (!(buf[i] & 0x80)) break;
  }
  size_t header = i + 1;
  if (remaining > max_packet || header + remaining > max_packet + 5) return TERN_ELIMIT;
  if (type < TERN_MQTT_CONNECT || type > TERN_MQTT_DISCONNECT) return TERN_EPROTO;
  if (!allowed(type, from)) return TERN_EPROTO;
  /* Reserved flags [MQTT-2.2.2-1,2]: 0010 for PUBREL/SUBSCRIBE/UNSUBSCRIBE, else 0. */
  int want_flags =
      (type == TERN_MQTT_PUBREL || type == TERN_MQTT_SUBSCRIBE || type == TERN_MQTT_UNSUBSCRIBE)
          ? 2
          : 0;
  if (type != TERN_MQTT_PUBLISH && flags != want_flags) return TERN_EPROTO;
  /* Fixed sizes, checked before the body is even here. */
  static const int8_t fixed[] = {-1, -1, 2, -1, 2, 2, 2, 2, -1, -1, -1, 2, 0, 0, 0};
  if (fixed[type] >= 0 && remaining != (size_t)fixed[type]) return TERN_EPARSE;
  if (len - header < remaining) return TERN_EAGAIN;

  memset(p, 0, offsetof(struct tern_mqtt_packet, filters));
  p->count = 0;
  p->type = type;
  p->flags = flags;
  struct reader r = {buf + header, buf + header + remaining, 0};
  int rc = decode_body(&r, p);
  if (rc) return rc;
  if (r.p != r.end) return TERN_EPARSE; /* bytes left over inside the packet */
  return (int)(header + remaining);
}

/* ---- encoder ---- */

static size_t body_size(const struct tern_mqtt_packet *p) {
  switch (p->type) {
  case TERN_MQTT_CONNECT: {
    size_t n = 10 + 2 + p->client_id.len;
    if (p->has_will) n += 4 + p->will_topic.len + p->will_payload.len;
    if (p->has_username) n += 2 + p->username.len;
    if (p->has_password) n += 2 + p->password.len;
    return n;
  }
  case TERN_MQTT_PUBLISH: return 2 + p->topic.len + (p->qos ? 2 : 0) + p->payload.len;
  case TERN_MQTT_SUBSCRIBE:
  case TERN_MQTT_UNSUBSCRIBE: {
    size_t n = 2;
    for (size_t i = 0; i < p->count; i++)
      n += 2 + p->filters[i].len + (p->type == TERN_MQTT_SUBSCRIBE);
    return n;
  }
  case TERN_MQTT_SUBACK: return 2 + p->count;
  case TERN_MQTT_CONNACK:
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC:
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP:
  case TERN_MQTT_UNSUBACK: return 2;
  default: return 0;
  }
}

static size_t varint_size(size_t n) { return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4; }

size_t tern_mqtt_encoded_size(const struct tern_mqtt_packet *p) {
  size_t body = body_size(p);
  return 1 + varint_size(body) + body;
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

int tern_mqtt_encode(struct tern_buf *b, const struct tern_mqtt_packet *p) {
  size_t body = body_size(p);
  if (body > 268435455u) return TERN_EINVAL;
  if (p->type == TERN_MQTT_PUBLISH && (p->topic.len > 65535 || p->qos > 2)) return TERN_EINVAL;
  size_t total = 1 + varint_size(body) + body;
  int rc = tern_buf_reserve(b, total);
  if (rc) return rc;
  struct writer w = {b->data + b->len};
  uint8_t flags = 0;
  if (p->type == TERN_MQTT_PUBLISH) flags = (uint8_t)(p->dup << 3 | p->qos << 1 | p->retain);
  else if (p->type == TERN_MQTT_PUBREL || p->type == TERN_MQTT_SUBSCRIBE ||
           p->type == TERN_MQTT_UNSUBSCRIBE)
    flags = 2;
  wr_u8(&w, (uint8_t)(p->type << 4 | flags));
  size_t n = body;
  do {
    uint8_t byte = n & 0x7f;
    n >>= 7;
    wr_u8(&w, (uint8_t)(byte | (n ? 0x80 : 0)));
  } while (n);
  switch (p->type) {
  case TERN_MQTT_CONNECT: {
    wr_str(&w, (struct tern_str){"MQTT", 4});
    wr_u8(&w, p->protocol_level ? p->protocol_level : 4); /* 0x84: a bridge (try_private) */
    wr_u8(&w, (uint8_t)(p->has_username << 7 | p->has_password << 6 | p->will_retain << 5 |
                        p->will_qos << 3 | p->has_will << 2 | p->clean_session << 1));
    wr_u16(&w, p->keepalive);
    wr_str(&w, p->client_id);
    if (p->has_will) {
      wr_str(&w, p->will_topic);
      wr_str(&w, p->will_payload);
    }
    if (p->has_username) wr_str(&w, p->username);
    if (p->has_password) wr_str(&w, p->password);
    break;
  }
  case TERN_MQTT_CONNACK:
    wr_u8(&w, p->session_present);
    wr_u8(&w, p->return_code);
    break;
  case TERN_MQTT_PUBLISH:
    wr_str(&w, p->topic);
    if (p->qos) wr_u16(&w, p->packet_id);
    wr_bytes(&w, p->payload.p, p->payload.len);
    break;
  case TERN_MQTT_SUBSCRIBE:
  case TERN_MQTT_UNSUBSCRIBE:
    wr_u16(&w, p->packet_id);
    for (size_t i = 0; i < p->count; i++) {
      wr_str(&w, p->filters[i]);
      if (p->type == TERN_MQTT_SUBSCRIBE) wr_u8(&w, p->qos_list[i]);
    }
    break;
  case TERN_MQTT_SUBACK:
    wr_u16(&w, p->packet_id);
    wr_bytes(&w, p->qos_list, p->count);
    break;
  case TERN_MQTT_PUBACK:
  case TERN_MQTT_PUBREC:
  case TERN_MQTT_PUBREL:
  case TERN_MQTT_PUBCOMP:
  case TERN_MQTT_UNSUBACK: wr_u16(&w, p->packet_id); break;
  default: break;
  }
  b->len += total;
  return 0;
}
