/* MQTT 3.1.1 packets, encoded and decoded on byte buffers: no sockets, no
 * allocation. Shared by the client and the broker; unit-tested and fuzzed
 * on its own. Decoded strings point into the input buffer. */
#ifndef TERN_MQTT_CODEC_H
#define TERN_MQTT_CODEC_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "config.h"
#include "url.h"

/* Control packet types (the high nibble of the first byte). */
enum tern_mqtt_type {
  TERN_MQTT_CONNECT = 1,
  TERN_MQTT_CONNACK,
  TERN_MQTT_PUBLISH,
  TERN_MQTT_PUBACK,
  TERN_MQTT_PUBREC,
  TERN_MQTT_PUBREL,
  TERN_MQTT_PUBCOMP,
  TERN_MQTT_SUBSCRIBE,
  TERN_MQTT_SUBACK,
  TERN_MQTT_UNSUBSCRIBE,
  TERN_MQTT_UNSUBACK,
  TERN_MQTT_PINGREQ,
  TERN_MQTT_PINGRESP,
  TERN_MQTT_DISCONNECT
};

/* CONNACK return codes */
enum {
  TERN_MQTT_ACCEPTED = 0,
  TERN_MQTT_REFUSED_PROTOCOL = 1,
  TERN_MQTT_REFUSED_ID = 2,
  TERN_MQTT_REFUSED_UNAVAILABLE = 3,
  TERN_MQTT_REFUSED_BAD_AUTH = 4,
  TERN_MQTT_REFUSED_NOT_AUTHORIZED = 5
};
#define TERN_MQTT_SUBACK_FAILURE 0x80

struct tern_mqtt_packet {
  uint8_t type;
  uint8_t flags; /* the fixed header's low nibble */
  uint16_t packet_id;
  /* CONNECT */
  struct tern_str protocol_name;
  uint8_t protocol_level;
  uint8_t clean_session, has_will, will_qos, will_retain, has_username, has_password;
  uint16_t keepalive;
  struct tern_str client_id, will_topic, will_payload, username, password;
  /* CONNACK */
  uint8_t session_present, return_code;
  /* PUBLISH */
  uint8_t qos, retain, dup;
  struct tern_str topic, payload;
  /* SUBSCRIBE (filters + qos), SUBACK (qos = return codes), UNSUBSCRIBE (filters) */
  size_t count;
  struct tern_str filters[TERN_MQTT_MAX_FILTERS];
  uint8_t qos_list[TERN_MQTT_MAX_FILTERS];
};

enum { TERN_MQTT_FROM_CLIENT = 1, TERN_MQTT_FROM_SERVER = 2 };

/* Decode one packet from buf. Returns the bytes it used (> 0), TERN_EAGAIN
 * when more bytes are needed, or TERN_EPARSE / TERN_EPROTO / TERN_ELIMIT
 * (packet larger than max_packet) for input that must close the connection.
 * 'from' says who sent it, so a packet going the wrong way is refused. */
int tern_mqtt_decode(const uint8_t *buf, size_t len, size_t max_packet, int from,
                     struct tern_mqtt_packet *p);
/* Append the encoded packet to b. */
int tern_mqtt_encode(struct tern_buf *b, const struct tern_mqtt_packet *p);
/* Bytes the encoded packet will take (header included). */
size_t tern_mqtt_encoded_size(const struct tern_mqtt_packet *p);

/* Topic rules (src/mqtt/topic.c). */
int tern_mqtt_valid_utf8(const uint8_t *s, size_t n); /* MQTT's UTF-8 rules, no U+0000 */
int tern_mqtt_valid_topic(const char *t, size_t n);   /* a PUBLISH topic: no wildcards */
int tern_mqtt_valid_filter(const char *f, size_t n);  /* a subscription filter */
/* Does filter match topic? A leading wildcard never matches a $-topic. */
int tern_mqtt_topic_matches(const char *filter, size_t flen, const char *topic, size_t tlen);

/* A CONNACK return code in words ("refused: not authorised"). */
const char *tern_mqtt_connack_str(int code);
/* A packet type's name ("PUBLISH"); "?" for one outside 1..14. */
const char *tern_mqtt_type_name(int type);

#pragma GCC visibility pop
#endif
