/* MQTT 5.0 codec: every packet with its properties round trip, bytes laid
 * out as the specification draws them, and each rule a decoder must apply
 * with the reason code the peer is told (0x81 malformed, 0x82 protocol
 * error, 0x8F, 0x90, 0x95, 0x99). 3.1.1 decoding is unchanged by it. */
#include "test.h"
#include "tern/error.h"
#include "tern/mqtt_codec.h"

#define MAXP 65536
#define C TERN_MQTT_FROM_CLIENT
#define S TERN_MQTT_FROM_SERVER
static struct tern_mqtt_packet p, q;
static struct tern_buf b;

static int dec5(const uint8_t *bytes, size_t n, int from) {
  return tern_mqtt_decode_v(bytes, n, MAXP, from, TERN_MQTT_V5, &q);
}

/* Encodes p (version 5), checks the size it predicted, decodes it back. */
static int roundtrip(int from) {
  b.len = 0;
  p.version = TERN_MQTT_V5;
  if (tern_mqtt_encode(&b, &p) != 0) return -1000;
  if (b.len != tern_mqtt_encoded_size(&p)) return -1001;
  return dec5(b.data, b.len, from);
}

static void fresh(int type) {
  memset(&p, 0, sizeof(p));
  p.type = (uint8_t)type;
  p.version = TERN_MQTT_V5;
}

static void test_connect(void) {
  fresh(TERN_MQTT_CONNECT);
  p.clean_session = 1;
  p.keepalive = 30;
  p.client_id = (struct tern_str){"dev1", 4};
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_SESSION_EXPIRY);
  p.props.session_expiry = 0xFFFFFFFFu; /* never expires */
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_RECEIVE_MAX);
  p.props.receive_max = 10;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_TOPIC_ALIAS_MAX);
  p.props.topic_alias_max = 5;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_MAX_PACKET_SIZE);
  p.props.max_packet_size = 4096;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_REQUEST_PROBLEM_INFO);
  p.props.request_problem_info = 0;
  struct tern_buf user;
  tern_buf_init(&user, NULL, 1024);
  CHECK_EQ(tern_mqtt_user_prop_add(&user, "site", "lab"), 0);
  CHECK_EQ(tern_mqtt_user_prop_add(&user, "site", "bench 2"), 0); /* a name may repeat */
  CHECK_EQ(tern_mqtt_user_prop_add(&user, "bad\xff", "x"), TERN_EINVAL);
  p.props.user = (struct tern_str){(const char *)user.data, user.len};
  p.has_will = 1;
  p.will_qos = 1;
  p.will_topic = (struct tern_str){"s/status", 8};
  p.will_payload = (struct tern_str){"offline", 7};
  TERN_MQTT_SET(&p.will_props, TERN_MQTT_PROP_WILL_DELAY);
  p.will_props.will_delay = 5;
  TERN_MQTT_SET(&p.will_props, TERN_MQTT_PROP_PAYLOAD_FORMAT);
  p.will_props.payload_format = 1;
  TERN_MQTT_SET(&p.will_props, TERN_MQTT_PROP_CORRELATION_DATA);
  p.will_props.correlation_data = (struct tern_str){"\x00\x01", 2};
  p.has_password = 1; /* a password without a user name is fine in 5.0 */
  p.password = (struct tern_str){"pw", 2};
  CHECK_EQ(roundtrip(C), (int)b.len);
  CHECK_EQ(b.data[8], 5); /* protocol level */
  CHECK_EQ(q.version, TERN_MQTT_V5);
  CHECK(q.props.session_expiry == 0xFFFFFFFFu && q.props.receive_max == 10);
  CHECK(q.props.topic_alias_max == 5 && q.props.max_packet_size == 4096);
  CHECK(TERN_MQTT_HAS(&q.props, TERN_MQTT_PROP_REQUEST_PROBLEM_INFO));
  CHECK(!TERN_MQTT_HAS(&q.props, TERN_MQTT_PROP_REQUEST_RESPONSE_INFO));
  CHECK(q.will_props.will_delay == 5 && q.will_props.payload_format == 1);
  CHECK(q.will_props.correlation_data.len == 2 && q.will_props.correlation_data.p[1] == 1);
  CHECK(!q.has_username && q.has_password && tern_str_eq(q.password, "pw"));
  CHECK(tern_str_eq(q.client_id, "dev1") && tern_str_eq(q.will_payload, "offline"));
  /* user properties: both, in order */
  size_t off = 0;
  struct tern_str n, v;
  CHECK(tern_mqtt_user_prop_next(q.props.user, &off, &n, &v) == 1 && tern_str_eq(v, "lab"));
  CHECK(tern_mqtt_user_prop_next(q.props.user, &off, &n, &v) == 1 && tern_str_eq(v, "bench 2"));
  CHECK(tern_str_eq(n, "site"));
  CHECK_EQ(tern_mqtt_user_prop_next(q.props.user, &off, &n, &v), 0);
  /* the will's payload said UTF-8: invalid bytes are refused with 0x99 */
  p.will_payload = (struct tern_str){"\xc3\x28", 2};
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_PAYLOAD_FORMAT_INVALID);
  /* the same CONNECT through the 3.1.1 entry point is still read as 5.0 */
  p.will_payload = (struct tern_str){"ok", 2};
  CHECK(roundtrip(C) > 0);
  CHECK(tern_mqtt_decode(b.data, b.len, MAXP, C, &q) > 0 && q.version == TERN_MQTT_V5);
  tern_buf_free(&user);
}

static void test_publish_bytes(void) {
  /* QoS 0, topic "a", Topic Alias 1, payload "x": as section 3.3 draws it */
  fresh(TERN_MQTT_PUBLISH);
  p.topic = (struct tern_str){"a", 1};
  p.payload = (struct tern_str){"x", 1};
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_TOPIC_ALIAS);
  p.props.topic_alias = 1;
  static const uint8_t want[] = {0x30, 0x08, 0x00, 0x01, 'a', 0x03, 0x23, 0x00, 0x01, 'x'};
  CHECK_EQ(roundtrip(C), (int)sizeof(want));
  CHECK(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0);
  CHECK(q.props.topic_alias == 1 && tern_str_eq(q.payload, "x"));
  /* the alias alone: an empty topic */
  p.topic = (struct tern_str){"", 0};
  CHECK(roundtrip(C) > 0 && q.topic.len == 0);
  /* an empty topic without an alias: Topic Name invalid */
  p.props.has = 0;
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_TOPIC_NAME_INVALID);
  /* everything a PUBLISH may carry, passed through unchanged */
  fresh(TERN_MQTT_PUBLISH);
  p.qos = 2;
  p.packet_id = 9;
  p.topic = (struct tern_str){"req/x", 5};
  p.payload = (struct tern_str){"{\"t\":1}", 7};
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_PAYLOAD_FORMAT);
  p.props.payload_format = 1;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_MESSAGE_EXPIRY);
  p.props.message_expiry = 60;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_CONTENT_TYPE);
  p.props.content_type = (struct tern_str){"application/json", 16};
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_RESPONSE_TOPIC);
  p.props.response_topic = (struct tern_str){"resp/x", 6};
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_CORRELATION_DATA);
  p.props.correlation_data = (struct tern_str){"\xde\xad", 2};
  p.props.sub_ids[0] = 1;
  p.props.sub_ids[1] = 268435455u; /* the largest, four bytes */
  p.props.nsub_ids = 2;
  CHECK(roundtrip(S) > 0);
  CHECK(q.props.nsub_ids == 2 && q.props.sub_ids[1] == 268435455u);
  CHECK(tern_str_eq(q.props.content_type, "application/json") && q.props.message_expiry == 60);
  CHECK(tern_str_eq(q.props.response_topic, "resp/x") && q.props.correlation_data.len == 2);
  /* a client never sends a Subscription Identifier */
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_PROTOCOL_ERROR);
  /* UTF-8 promised, not kept: 0x99 */
  p.props.nsub_ids = 0;
  p.payload = (struct tern_str){"\xff", 1};
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_PAYLOAD_FORMAT_INVALID);
  /* the same bytes read as 3.1.1: the properties are payload */
  p.payload = (struct tern_str){"ok", 2};
  CHECK(roundtrip(C) > 0);
  CHECK(tern_mqtt_decode(b.data, b.len, MAXP, C, &q) > 0);
  CHECK(q.payload.len > 2 && q.version == TERN_MQTT_V311);
}

static void test_acks_and_disconnect(void) {
  /* PUBACK: 2 bytes (Success), 3 (a reason), more (reason and properties) */
  static const uint8_t ack2[] = {0x40, 0x02, 0x00, 0x07};
  static const uint8_t ack3[] = {0x40, 0x03, 0x00, 0x07, 0x10};
  static const uint8_t ack4[] = {0x40, 0x04, 0x00, 0x07, 0x10, 0x00};
  CHECK(dec5(ack2, sizeof(ack2), C) == 4 && q.reason_code == 0 && q.packet_id == 7);
  CHECK(dec5(ack3, sizeof(ack3), C) == 5 && q.reason_code == 0x10);
  CHECK(dec5(ack4, sizeof(ack4), C) == 6 && q.reason_code == 0x10);
  fresh(TERN_MQTT_PUBACK);
  p.packet_id = 7;
  p.reason_code = TERN_MQTT_RC_NO_MATCHING_SUBSCRIBERS;
  CHECK_EQ(roundtrip(S), 5);
  CHECK(memcmp(b.data, ack3, 5) == 0);
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_REASON_STRING);
  p.props.reason_string = (struct tern_str){"nobody", 6};
  CHECK(roundtrip(S) > 0 && tern_str_eq(q.props.reason_string, "nobody"));
  /* a reason PUBACK may not carry (0x92 belongs to PUBREL/PUBCOMP) */
  static const uint8_t bad[] = {0x40, 0x03, 0x00, 0x07, 0x92};
  CHECK_EQ(dec5(bad, sizeof(bad), C), TERN_EPROTO);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_PROTOCOL_ERROR);
  /* PUBREL keeps its 0010 flags and carries 0x92 */
  fresh(TERN_MQTT_PUBREL);
  p.packet_id = 3;
  p.reason_code = TERN_MQTT_RC_PACKET_ID_NOT_FOUND;
  CHECK(roundtrip(C) > 0 && b.data[0] == 0x62 && q.reason_code == 0x92);
  /* DISCONNECT: none, a reason, a reason with properties */
  static const uint8_t d0[] = {0xE0, 0x00};
  static const uint8_t d1[] = {0xE0, 0x01, 0x8E};
  CHECK(dec5(d0, 2, S) == 2 && q.reason_code == 0);
  CHECK(dec5(d1, 3, S) == 3 && q.reason_code == TERN_MQTT_RC_SESSION_TAKEN_OVER);
  fresh(TERN_MQTT_DISCONNECT);
  p.reason_code = TERN_MQTT_RC_KEEPALIVE_TIMEOUT;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_REASON_STRING);
  p.props.reason_string = (struct tern_str){"idle", 4};
  CHECK(roundtrip(S) > 0 && q.reason_code == 0x8D && tern_str_eq(q.props.reason_string, "idle"));
  /* a server's DISCONNECT never carries a Session Expiry Interval */
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_SESSION_EXPIRY);
  p.props.session_expiry = 10;
  CHECK_EQ(roundtrip(S), TERN_EPROTO);
  CHECK(roundtrip(C) > 0 && q.props.session_expiry == 10); /* a client's may */
  /* 3.1.1: a DISCONNECT has no body, and comes from clients only */
  CHECK_EQ(tern_mqtt_decode(d1, 3, MAXP, C, &q), TERN_EPARSE);
  CHECK_EQ(tern_mqtt_decode(d0, 2, MAXP, S, &q), TERN_EPROTO);
}

static void test_connack_and_auth(void) {
  fresh(TERN_MQTT_CONNACK);
  p.session_present = 1;
  p.reason_code = TERN_MQTT_RC_SUCCESS;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_ASSIGNED_CLIENT_ID);
  p.props.assigned_client_id = (struct tern_str){"auto-1", 6};
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_MAX_QOS);
  p.props.max_qos = 1;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_TOPIC_ALIAS_MAX);
  p.props.topic_alias_max = 10;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_SHARED_SUB_AVAILABLE);
  p.props.shared_sub_available = 1;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_SERVER_KEEPALIVE);
  p.props.server_keepalive = 20;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_TOPIC_ALIAS); /* not a CONNACK property: left out */
  p.props.topic_alias = 3;
  CHECK(roundtrip(S) > 0);
  CHECK(q.session_present && tern_str_eq(q.props.assigned_client_id, "auto-1"));
  CHECK(q.props.max_qos == 1 && q.props.topic_alias_max == 10 && q.props.server_keepalive == 20);
  CHECK(q.props.shared_sub_available && !TERN_MQTT_HAS(&q.props, TERN_MQTT_PROP_TOPIC_ALIAS));
  /* Maximum QoS 2 is not a value it may have */
  static const uint8_t mq[] = {0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02};
  CHECK_EQ(dec5(mq, sizeof(mq), S), TERN_EPROTO);
  /* a 3.1.1 broker's "unacceptable protocol version" to a 5.0 CONNECT reads
   * as Unsupported Protocol Version (a bridge goes on in 3.1.1 on it) */
  static const uint8_t old[] = {0x20, 0x02, 0x00, 0x01};
  CHECK(dec5(old, sizeof(old), S) == 4 && q.reason_code == TERN_MQTT_RC_UNSUPPORTED_VERSION);
  /* but 0x01 with a property block is no 5.0 reason code */
  static const uint8_t bad[] = {0x20, 0x03, 0x00, 0x01, 0x00};
  CHECK_EQ(dec5(bad, sizeof(bad), S), TERN_EPROTO);
  /* AUTH: method and data, reason Continue */
  fresh(TERN_MQTT_AUTH);
  p.reason_code = TERN_MQTT_RC_CONTINUE_AUTH;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_AUTH_METHOD);
  p.props.auth_method = (struct tern_str){"SCRAM-SHA-1", 11};
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_AUTH_DATA);
  p.props.auth_data = (struct tern_str){"\x01\x02", 2};
  CHECK(roundtrip(C) > 0 && b.data[0] == 0xF0 && q.reason_code == 0x18);
  CHECK(tern_str_eq(q.props.auth_method, "SCRAM-SHA-1") && q.props.auth_data.len == 2);
  /* data without a method */
  p.props.has = 0;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_AUTH_DATA);
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  /* AUTH does not exist in 3.1.1 */
  static const uint8_t a0[] = {0xF0, 0x00};
  CHECK_EQ(tern_mqtt_decode(a0, 2, MAXP, C, &q), TERN_EPROTO);
  CHECK(dec5(a0, 2, C) == 2 && q.type == TERN_MQTT_AUTH);
  CHECK_STR(tern_mqtt_type_name(TERN_MQTT_AUTH), "AUTH");
  CHECK_STR(tern_mqtt_reason_str(0x94), "Topic Alias invalid");
}

static void test_subscribe(void) {
  fresh(TERN_MQTT_SUBSCRIBE);
  p.packet_id = 2;
  p.count = 3;
  p.filters[0] = (struct tern_str){"a/+", 3};
  p.qos_list[0] = 1 | TERN_MQTT_SUB_NO_LOCAL | TERN_MQTT_SUB_RETAIN_AS_PUBLISHED;
  p.filters[1] = (struct tern_str){"$share/g1/b/#", 13};
  p.qos_list[1] = 2 | (2 << TERN_MQTT_SUB_RETAIN_HANDLING_SHIFT);
  p.filters[2] = (struct tern_str){"c", 1};
  p.qos_list[2] = 0;
  p.props.sub_ids[0] = 42;
  p.props.nsub_ids = 1;
  CHECK(roundtrip(C) > 0 && q.count == 3 && q.props.nsub_ids == 1 && q.props.sub_ids[0] == 42);
  CHECK(q.qos_list[0] == (1 | 4 | 8) && q.qos_list[1] == (2 | 32));
  /* Retain Handling 3: Protocol Error */
  p.qos_list[2] = 3 << TERN_MQTT_SUB_RETAIN_HANDLING_SHIFT;
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  /* reserved bits: Malformed */
  p.qos_list[2] = 0x40;
  CHECK_EQ(roundtrip(C), TERN_EPARSE);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_MALFORMED);
  /* No Local on a shared subscription: Protocol Error [MQTT-3.8.3-4] */
  p.qos_list[2] = 0;
  p.qos_list[1] |= TERN_MQTT_SUB_NO_LOCAL;
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  /* a share name with a wildcard, or without a filter: Topic Filter invalid */
  p.qos_list[1] = 1;
  p.filters[1] = (struct tern_str){"$share/g+/b", 11};
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_TOPIC_FILTER_INVALID);
  p.filters[1] = (struct tern_str){"$share/g1/", 10};
  CHECK_EQ(roundtrip(C), TERN_EPROTO);
  /* one Subscription Identifier per SUBSCRIBE: twice on the wire is an error */
  static const uint8_t two_ids[] = {0x82, 0x0A, 0x00, 0x01, 0x04, 0x0B,
                                    0x01, 0x0B, 0x02, 0x00, 0x01, 'a'};
  CHECK_EQ(dec5(two_ids, sizeof(two_ids), C), TERN_EPROTO);
  /* SUBACK and UNSUBACK with reason codes and a reason string */
  fresh(TERN_MQTT_SUBACK);
  p.packet_id = 2;
  p.count = 2;
  p.qos_list[0] = TERN_MQTT_RC_GRANTED_QOS1;
  p.qos_list[1] = TERN_MQTT_RC_SHARED_SUBS_NOT_SUPPORTED;
  TERN_MQTT_SET(&p.props, TERN_MQTT_PROP_REASON_STRING);
  p.props.reason_string = (struct tern_str){"no", 2};
  CHECK(roundtrip(S) > 0 && q.count == 2 && q.qos_list[1] == 0x9E);
  p.qos_list[1] = 0x93; /* not a SUBACK reason */
  CHECK_EQ(roundtrip(S), TERN_EPROTO);
  fresh(TERN_MQTT_UNSUBACK);
  p.packet_id = 4;
  p.count = 1;
  p.qos_list[0] = TERN_MQTT_RC_NO_SUBSCRIPTION_EXISTED;
  CHECK(roundtrip(S) > 0 && q.count == 1 && q.qos_list[0] == 0x11);
  fresh(TERN_MQTT_UNSUBSCRIBE);
  p.packet_id = 4;
  p.count = 1;
  p.filters[0] = (struct tern_str){"a/#", 3};
  CHECK(roundtrip(C) > 0 && q.count == 1 && tern_str_eq(q.filters[0], "a/#"));
}

static void test_property_rules(void) {
  /* PUBLISH QoS 0 "a" with the property block given, payload "x" */
  struct {
    const char *what;
    uint8_t props[12];
    uint8_t n;
    int rc;
    uint8_t reason;
  } cases[] = {
      {"a duplicate property", {0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2}, 10, TERN_EPROTO, 0x82},
      {"a CONNECT property in PUBLISH", {0x11, 0, 0, 0, 1}, 5, TERN_EPARSE, 0x81},
      {"an unknown identifier", {0x05, 0}, 2, TERN_EPARSE, 0x81},
      {"Topic Alias 0", {0x23, 0, 0}, 3, TERN_EPROTO, 0x82},
      {"Payload Format 2", {0x01, 2}, 2, TERN_EPROTO, 0x82},
      {"a string running past the block", {0x03, 0, 9, 'a'}, 4, TERN_EPARSE, 0x81},
      {"a user property that is not UTF-8", {0x26, 0, 1, 0xff, 0, 0}, 6, TERN_EPARSE, 0x81},
      {"an identifier as a five-byte integer",
       {0x80, 0x80, 0x80, 0x80, 0x01},
       5,
       TERN_EPARSE,
       0x81},
      {"an identifier not in its shortest form", {0x81, 0x00}, 2, TERN_EPARSE, 0x81},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t pkt[32] = {0x30, 0, 0x00, 0x01, 'a', cases[i].n};
    memcpy(pkt + 6, cases[i].props, cases[i].n);
    pkt[6 + cases[i].n] = 'x';
    pkt[1] = (uint8_t)(5 + cases[i].n);
    int rc = dec5(pkt, 7u + cases[i].n, C);
    if (rc != cases[i].rc || q.reason_code != cases[i].reason)
      fprintf(stderr, "property rule: %s: rc %d reason 0x%02x\n", cases[i].what, rc, q.reason_code);
    CHECK(rc == cases[i].rc && q.reason_code == cases[i].reason);
  }
  /* a property block longer than the packet */
  static const uint8_t longer[] = {0x30, 0x05, 0x00, 0x01, 'a', 0x09, 'x'};
  CHECK_EQ(dec5(longer, sizeof(longer), C), TERN_EPARSE);
  /* the remaining length, too, in its shortest form only (5.0) */
  static const uint8_t padded[] = {0xC0, 0x80, 0x00};
  CHECK_EQ(dec5(padded, sizeof(padded), C), TERN_EPARSE);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_MALFORMED);
  /* over the maximum packet size: 0x95 */
  static uint8_t big[300] = {0x30, 0xA9, 0x02, 0x00, 0x01, 'a', 0x00};
  CHECK_EQ(tern_mqtt_decode_v(big, sizeof(big), 100, C, TERN_MQTT_V5, &q), TERN_ELIMIT);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_PACKET_TOO_LARGE);
  /* a PINGREQ with a body, reserved flags: Malformed */
  static const uint8_t ping[] = {0xC0, 0x01, 0x00};
  CHECK_EQ(dec5(ping, sizeof(ping), C), TERN_EPARSE);
  static const uint8_t flags[] = {0x41, 0x02, 0x00, 0x01};
  CHECK_EQ(dec5(flags, sizeof(flags), C), TERN_EPARSE);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_MALFORMED);
  /* CONNECT's reserved flag: Malformed in 5.0 */
  static const uint8_t conn[] = {0x10, 0x0D, 0x00, 0x04, 'M',  'Q',  'T',  'T',
                                 0x05, 0x03, 0x00, 0x3C, 0x00, 0x00, 0x01, 'c'};
  CHECK_EQ(dec5(conn, sizeof(conn), C), TERN_EPARSE);
  CHECK_EQ(q.reason_code, TERN_MQTT_RC_MALFORMED);
}

int main(void) {
  tern_buf_init(&b, NULL, 1 << 20);
  test_connect();
  test_publish_bytes();
  test_acks_and_disconnect();
  test_connack_and_auth();
  test_subscribe();
  test_property_rules();
  tern_buf_free(&b);
  TEST_MAIN_END();
}
