/* MQTT 3.1.1 and 5.0 packets, encoded and decoded on byte buffers: no
 * sockets, no allocation. Shared by the client and the broker; unit-tested
 * and fuzzed on its own. Decoded strings point into the input buffer. */
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
  TERN_MQTT_DISCONNECT,
  TERN_MQTT_AUTH /* MQTT 5.0 only */
};

/* Protocol levels (CONNECT's byte): 3.1.1 and 5.0. */
enum { TERN_MQTT_V311 = 4, TERN_MQTT_V5 = 5 };

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

/* MQTT 5.0 reason codes (section 2.4); which packet may carry which is
 * checked by the decoder. */
enum {
  TERN_MQTT_RC_SUCCESS = 0x00, /* also Normal disconnection, Granted QoS 0 */
  TERN_MQTT_RC_GRANTED_QOS1 = 0x01,
  TERN_MQTT_RC_GRANTED_QOS2 = 0x02,
  TERN_MQTT_RC_DISCONNECT_WITH_WILL = 0x04,
  TERN_MQTT_RC_NO_MATCHING_SUBSCRIBERS = 0x10,
  TERN_MQTT_RC_NO_SUBSCRIPTION_EXISTED = 0x11,
  TERN_MQTT_RC_CONTINUE_AUTH = 0x18,
  TERN_MQTT_RC_REAUTHENTICATE = 0x19,
  TERN_MQTT_RC_UNSPECIFIED = 0x80,
  TERN_MQTT_RC_MALFORMED = 0x81,
  TERN_MQTT_RC_PROTOCOL_ERROR = 0x82,
  TERN_MQTT_RC_IMPLEMENTATION_SPECIFIC = 0x83,
  TERN_MQTT_RC_UNSUPPORTED_VERSION = 0x84,
  TERN_MQTT_RC_CLIENT_ID_NOT_VALID = 0x85,
  TERN_MQTT_RC_BAD_USER_OR_PASSWORD = 0x86,
  TERN_MQTT_RC_NOT_AUTHORIZED = 0x87,
  TERN_MQTT_RC_SERVER_UNAVAILABLE = 0x88,
  TERN_MQTT_RC_SERVER_BUSY = 0x89,
  TERN_MQTT_RC_BANNED = 0x8A,
  TERN_MQTT_RC_SERVER_SHUTTING_DOWN = 0x8B,
  TERN_MQTT_RC_BAD_AUTH_METHOD = 0x8C,
  TERN_MQTT_RC_KEEPALIVE_TIMEOUT = 0x8D,
  TERN_MQTT_RC_SESSION_TAKEN_OVER = 0x8E,
  TERN_MQTT_RC_TOPIC_FILTER_INVALID = 0x8F,
  TERN_MQTT_RC_TOPIC_NAME_INVALID = 0x90,
  TERN_MQTT_RC_PACKET_ID_IN_USE = 0x91,
  TERN_MQTT_RC_PACKET_ID_NOT_FOUND = 0x92,
  TERN_MQTT_RC_RECEIVE_MAX_EXCEEDED = 0x93,
  TERN_MQTT_RC_TOPIC_ALIAS_INVALID = 0x94,
  TERN_MQTT_RC_PACKET_TOO_LARGE = 0x95,
  TERN_MQTT_RC_MESSAGE_RATE_TOO_HIGH = 0x96,
  TERN_MQTT_RC_QUOTA_EXCEEDED = 0x97,
  TERN_MQTT_RC_ADMINISTRATIVE_ACTION = 0x98,
  TERN_MQTT_RC_PAYLOAD_FORMAT_INVALID = 0x99,
  TERN_MQTT_RC_RETAIN_NOT_SUPPORTED = 0x9A,
  TERN_MQTT_RC_QOS_NOT_SUPPORTED = 0x9B,
  TERN_MQTT_RC_USE_ANOTHER_SERVER = 0x9C,
  TERN_MQTT_RC_SERVER_MOVED = 0x9D,
  TERN_MQTT_RC_SHARED_SUBS_NOT_SUPPORTED = 0x9E,
  TERN_MQTT_RC_CONNECTION_RATE_EXCEEDED = 0x9F,
  TERN_MQTT_RC_MAX_CONNECT_TIME = 0xA0,
  TERN_MQTT_RC_SUB_IDS_NOT_SUPPORTED = 0xA1,
  TERN_MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED = 0xA2
};

/* MQTT 5.0 property identifiers (section 2.2.2.2). */
enum tern_mqtt_prop_id {
  TERN_MQTT_PROP_PAYLOAD_FORMAT = 0x01,
  TERN_MQTT_PROP_MESSAGE_EXPIRY = 0x02,
  TERN_MQTT_PROP_CONTENT_TYPE = 0x03,
  TERN_MQTT_PROP_RESPONSE_TOPIC = 0x08,
  TERN_MQTT_PROP_CORRELATION_DATA = 0x09,
  TERN_MQTT_PROP_SUBSCRIPTION_ID = 0x0B,
  TERN_MQTT_PROP_SESSION_EXPIRY = 0x11,
  TERN_MQTT_PROP_ASSIGNED_CLIENT_ID = 0x12,
  TERN_MQTT_PROP_SERVER_KEEPALIVE = 0x13,
  TERN_MQTT_PROP_AUTH_METHOD = 0x15,
  TERN_MQTT_PROP_AUTH_DATA = 0x16,
  TERN_MQTT_PROP_REQUEST_PROBLEM_INFO = 0x17,
  TERN_MQTT_PROP_WILL_DELAY = 0x18,
  TERN_MQTT_PROP_REQUEST_RESPONSE_INFO = 0x19,
  TERN_MQTT_PROP_RESPONSE_INFO = 0x1A,
  TERN_MQTT_PROP_SERVER_REFERENCE = 0x1C,
  TERN_MQTT_PROP_REASON_STRING = 0x1F,
  TERN_MQTT_PROP_RECEIVE_MAX = 0x21,
  TERN_MQTT_PROP_TOPIC_ALIAS_MAX = 0x22,
  TERN_MQTT_PROP_TOPIC_ALIAS = 0x23,
  TERN_MQTT_PROP_MAX_QOS = 0x24,
  TERN_MQTT_PROP_RETAIN_AVAILABLE = 0x25,
  TERN_MQTT_PROP_USER = 0x26,
  TERN_MQTT_PROP_MAX_PACKET_SIZE = 0x27,
  TERN_MQTT_PROP_WILDCARD_SUB_AVAILABLE = 0x28,
  TERN_MQTT_PROP_SUB_ID_AVAILABLE = 0x29,
  TERN_MQTT_PROP_SHARED_SUB_AVAILABLE = 0x2A
};
/* A SUBSCRIBE option byte's parts (MQTT 5.0 3.8.3.1; 3.1.1 has the QoS only). */
enum {
  TERN_MQTT_SUB_QOS_MASK = 0x03,
  TERN_MQTT_SUB_NO_LOCAL = 0x04,
  TERN_MQTT_SUB_RETAIN_AS_PUBLISHED = 0x08,
  TERN_MQTT_SUB_RETAIN_HANDLING_SHIFT = 4 /* 2 bits: 0 send, 1 send if new, 2 never */
};

/* The properties of one packet (or a will). has says which are present:
 * bit N for property N (TERN_MQTT_HAS(props, TERN_MQTT_PROP_...)). Strings
 * point into the decoded buffer. User properties stay encoded in user (the
 * whole property block as received; only its User Property entries are
 * read back or written out): walk them with tern_mqtt_user_prop_next. */
struct tern_mqtt_props {
  uint64_t has;
  uint32_t message_expiry, session_expiry, will_delay, max_packet_size;
  uint32_t sub_ids[TERN_MQTT_MAX_SUB_IDS]; /* PUBLISH may carry several */
  uint8_t nsub_ids;
  uint8_t payload_format, request_problem_info, request_response_info, max_qos;
  uint8_t retain_available, wildcard_sub_available, sub_id_available, shared_sub_available;
  uint16_t server_keepalive, receive_max, topic_alias_max, topic_alias;
  struct tern_str content_type, response_topic, correlation_data, assigned_client_id;
  struct tern_str auth_method, auth_data, response_info, server_reference, reason_string;
  struct tern_str user;
  /* Encoding only: properties already encoded (a broker forwarding a
   * message's), written after the others as they are. */
  struct tern_str raw;
};
#define TERN_MQTT_HAS(props, id) ((int)(((props)->has >> (id)) & 1u))
#define TERN_MQTT_SET(props, id) ((props)->has |= (uint64_t)1 << (id))

struct tern_mqtt_packet {
  uint8_t type;
  uint8_t flags;   /* the fixed header's low nibble */
  uint8_t version; /* TERN_MQTT_V311 (0 means it too) or TERN_MQTT_V5 */
  /* MQTT 5: the reason code of CONNACK, PUBACK..PUBCOMP, DISCONNECT, AUTH.
   * After a failed decode: the reason to close with (0x81 malformed, 0x82
   * protocol error, 0x95 too large, 0x99 payload format, ...). */
  uint8_t reason_code;
  uint16_t packet_id;
  struct tern_mqtt_props props, will_props; /* MQTT 5 only */
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
  /* SUBSCRIBE (filters + option bytes: in 3.1.1 the QoS alone), SUBACK
   * and MQTT 5 UNSUBACK (qos_list = reason codes), UNSUBSCRIBE (filters) */
  size_t count;
  struct tern_str filters[TERN_MQTT_MAX_FILTERS];
  uint8_t qos_list[TERN_MQTT_MAX_FILTERS];
};

enum { TERN_MQTT_FROM_CLIENT = 1, TERN_MQTT_FROM_SERVER = 2 };

/* Decode one MQTT 3.1.1 packet from buf. Returns the bytes it used (> 0),
 * TERN_EAGAIN when more bytes are needed, or TERN_EPARSE / TERN_EPROTO /
 * TERN_ELIMIT (packet larger than max_packet) for input that must close the
 * connection. 'from' says who sent it, so a packet going the wrong way is
 * refused. A CONNECT says its own version (p->version): 5 is decoded as such. */
int tern_mqtt_decode(const uint8_t *buf, size_t len, size_t max_packet, int from,
                     struct tern_mqtt_packet *p);
/* The same for a connection speaking version (TERN_MQTT_V311 or _V5): with
 * 5, properties and reason codes are read and checked (types, which packet
 * may carry which, duplicates, values), and p->reason_code says why a
 * packet was refused. */
int tern_mqtt_decode_v(const uint8_t *buf, size_t len, size_t max_packet, int from, int version,
                       struct tern_mqtt_packet *p);
/* Append the encoded packet to b, in p->version's format (properties only
 * in 5, and only those the packet type may carry). 0, TERN_EINVAL (a field
 * out of range), or the buffer's error. */
int tern_mqtt_encode(struct tern_buf *b, const struct tern_mqtt_packet *p);
/* Bytes the encoded packet will take (header included). */
size_t tern_mqtt_encoded_size(const struct tern_mqtt_packet *p);

/* Topic rules (src/mqtt/topic.c). */
int tern_mqtt_valid_utf8(const uint8_t *s, size_t n); /* MQTT's UTF-8 rules, no U+0000 */
int tern_mqtt_valid_topic(const char *t, size_t n);   /* a PUBLISH topic: no wildcards */
int tern_mqtt_valid_filter(const char *f, size_t n);  /* a subscription filter */
/* Does filter match topic? A leading wildcard never matches a $-topic. */
int tern_mqtt_topic_matches(const char *filter, size_t flen, const char *topic, size_t tlen);

/* MQTT 5 user properties. Walks the User Property entries of an encoded
 * property block (props->user): *off starts at 0; 1 with name and value
 * set, 0 at the end. The block was checked when decoded. */
int tern_mqtt_user_prop_next(struct tern_str block, size_t *off, struct tern_str *name,
                             struct tern_str *value);
/* Appends one encoded User Property to b (for props.user when encoding).
 * 0, TERN_EINVAL (a string over 65535 bytes or not UTF-8), or b's error. */
int tern_mqtt_user_prop_add(struct tern_buf *b, const char *name, const char *value);
/* Bytes of the property block (without its length) that props gives a
 * packet of this type (0 for a will's), as the encoder writes it. */
size_t tern_mqtt_props_size(const struct tern_mqtt_props *props, int type);
/* A reason code in words ("Topic Alias invalid"). */
const char *tern_mqtt_reason_str(int code);

/* A CONNACK return code in words ("refused: not authorised"). */
const char *tern_mqtt_connack_str(int code);
/* A packet type's name ("PUBLISH"); "?" for one outside 1..15. */
const char *tern_mqtt_type_name(int type);

#pragma GCC visibility pop
#endif
