/* MQTT 3.1.1 codec: round trips and the specification's shape rules. */
#include "test.h"
#include "tern/error.h"
#include "tern/mqtt_codec.h"

#define MAXP 65536
static struct tern_mqtt_packet p, q;

static int decode_bytes(const uint8_t *b, size_t n, int from) {
  return tern_mqtt_decode(b, n, MAXP, from, &q);
}

static void test_publish_roundtrip(void) {
  struct tern_buf b;
  tern_buf_init(&b, NULL, 1 << 20);
  memset(&p, 0, sizeof(p));
  p.type = TERN_MQTT_PUBLISH;
  p.qos = 1;
  p.retain = 1;
  p.packet_id = 7;
  p.topic = (struct tern_str){"s/data", 6};
  static char big[300];
  memset(big, 'x', sizeof(big));
  p.payload = (struct tern_str){big, sizeof(big)};
  CHECK_EQ(tern_mqtt_encode(&b, &p), 0);
  CHECK_EQ(b.len, tern_mqtt_encoded_size(&p));
  CHECK_EQ(b.data[1], 0x80 | ((2 + 6 + 2 + 300) & 0x7f)); /* two-byte remaining length */
  /* every prefix is "need more", the whole is one packet */
  int partial_ok = 1;
  for (size_t i = 0; i < b.len; i++)
    partial_ok &= decode_bytes(b.data, i, TERN_MQTT_FROM_CLIENT) == TERN_EAGAIN;
  CHECK(partial_ok);
  CHECK_EQ(decode_bytes(b.data, b.len, TERN_MQTT_FROM_CLIENT), (int)b.len);
  CHECK(q.type == TERN_MQTT_PUBLISH && q.qos == 1 && q.retain && q.packet_id == 7);
  CHECK(tern_str_eq(q.topic, "s/data") && q.payload.len == 300);
  /* over the packet cap */
  CHECK_EQ(tern_mqtt_decode(b.data, b.len, 100, TERN_MQTT_FROM_CLIENT, &q), TERN_ELIMIT);
  tern_buf_free(&b);
}

static void test_connect_roundtrip(void) {
  struct tern_buf b;
  tern_buf_init(&b, NULL, 4096);
  memset(&p, 0, sizeof(p));
  p.type = TERN_MQTT_CONNECT;
  p.clean_session = 1;
  p.keepalive = 60;
  p.client_id = (struct tern_str){"dev1", 4};
  p.has_will = 1;
  p.will_qos = 1;
  p.will_retain = 1;
  p.will_topic = (struct tern_str){"s/status", 8};
  p.will_payload = (struct tern_str){"{}", 2};
  p.has_username = p.has_password = 1;
  p.username = (struct tern_str){"u", 1};
  p.password = (struct tern_str){"p\0w", 3}; /* binary passwords are allowed */
  CHECK_EQ(tern_mqtt_encode(&b, &p), 0);
  CHECK_EQ(decode_bytes(b.data, b.len, TERN_MQTT_FROM_CLIENT), (int)b.len);
  CHECK(q.clean_session && q.keepalive == 60 && tern_str_eq(q.client_id, "dev1"));
  CHECK(q.has_will && q.will_qos == 1 && q.will_retain && tern_str_eq(q.will_topic, "s/status"));
  CHECK(q.has_username && q.has_password && q.password.len == 3);
  /* a CONNECT coming from the server is refused */
  CHECK_EQ(decode_bytes(b.data, b.len, TERN_MQTT_FROM_SERVER), TERN_EPROTO);
  /* reserved connect flag */
  b.data[9] |= 1;
  CHECK_EQ(decode_bytes(b.data, b.len, TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  tern_buf_free(&b);
}

static void test_subscribe(void) {
  struct tern_buf b;
  tern_buf_init(&b, NULL, 4096);
  memset(&p, 0, sizeof(p));
  p.type = TERN_MQTT_SUBSCRIBE;
  p.packet_id = 1;
  p.count = 2;
  p.filters[0] = (struct tern_str){"a/+/c", 5};
  p.qos_list[0] = 2;
  p.filters[1] = (struct tern_str){"#", 1};
  p.qos_list[1] = 0;
  CHECK_EQ(tern_mqtt_encode(&b, &p), 0);
  CHECK_EQ(b.data[0], 0x82);
  CHECK_EQ(decode_bytes(b.data, b.len, TERN_MQTT_FROM_CLIENT), (int)b.len);
  CHECK(q.count == 2 && q.qos_list[0] == 2 && tern_str_eq(q.filters[1], "#"));
  b.data[0] = 0x80; /* reserved flags wrong */
  CHECK_EQ(decode_bytes(b.data, b.len, TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  tern_buf_free(&b);
  /* a bad filter, QoS 3, no filters at all */
  const uint8_t bad_filter[] = {0x82, 7, 0, 1, 0, 2, 'a', '#', 0};
  CHECK_EQ(decode_bytes(bad_filter, sizeof(bad_filter), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  const uint8_t qos3[] = {0x82, 6, 0, 1, 0, 1, 'a', 3};
  CHECK_EQ(decode_bytes(qos3, sizeof(qos3), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  const uint8_t none[] = {0x82, 2, 0, 1};
  CHECK_EQ(decode_bytes(none, sizeof(none), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
}

static void test_malformed(void) {
  /* remaining length with a fifth byte */
  const uint8_t five[] = {0x30, 0xff, 0xff, 0xff, 0xff, 0x01};
  CHECK_EQ(decode_bytes(five, sizeof(five), TERN_MQTT_FROM_CLIENT), TERN_EPARSE);
  /* wildcard in a PUBLISH topic */
  const uint8_t wild[] = {0x30, 5, 0, 3, 'a', '/', '+'};
  CHECK_EQ(decode_bytes(wild, sizeof(wild), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* QoS 0 with DUP */
  const uint8_t dup0[] = {0x38, 3, 0, 1, 'a'};
  CHECK_EQ(decode_bytes(dup0, sizeof(dup0), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* QoS 3 */
  const uint8_t qos3[] = {0x36, 5, 0, 1, 'a', 0, 1};
  CHECK_EQ(decode_bytes(qos3, sizeof(qos3), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* QoS 1 with packet id 0 */
  const uint8_t id0[] = {0x32, 5, 0, 1, 'a', 0, 0};
  CHECK_EQ(decode_bytes(id0, sizeof(id0), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* invalid UTF-8 (overlong NUL, surrogate) in a topic */
  const uint8_t overlong[] = {0x30, 4, 0, 2, 0xc0, 0x80};
  CHECK_EQ(decode_bytes(overlong, sizeof(overlong), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  const uint8_t surrogate[] = {0x30, 5, 0, 3, 0xed, 0xa0, 0x80};
  CHECK_EQ(decode_bytes(surrogate, sizeof(surrogate), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* topic length past the packet */
  const uint8_t past[] = {0x30, 3, 0, 9, 'a'};
  CHECK_EQ(decode_bytes(past, sizeof(past), TERN_MQTT_FROM_CLIENT), TERN_EPARSE);
  /* PINGREQ with a body, PUBACK too long, type 0 and 15 */
  const uint8_t ping[] = {0xc0, 1, 0};
  CHECK_EQ(decode_bytes(ping, sizeof(ping), TERN_MQTT_FROM_CLIENT), TERN_EPARSE);
  const uint8_t puback[] = {0x40, 3, 0, 1, 0};
  CHECK_EQ(decode_bytes(puback, sizeof(puback), TERN_MQTT_FROM_CLIENT), TERN_EPARSE);
  const uint8_t t0[] = {0x00, 0}, t15[] = {0xf0, 0};
  CHECK_EQ(decode_bytes(t0, 2, TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  CHECK_EQ(decode_bytes(t15, 2, TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* PINGRESP from a client */
  const uint8_t pingresp[] = {0xd0, 0};
  CHECK_EQ(decode_bytes(pingresp, 2, TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  CHECK_EQ(decode_bytes(pingresp, 2, TERN_MQTT_FROM_SERVER), 2);
  /* CONNECT with a wrong protocol name */
  const uint8_t badname[] = {0x10, 12, 0, 4, 'M', 'Q', 'T', 'X', 4, 2, 0, 60, 0, 0};
  CHECK_EQ(decode_bytes(badname, sizeof(badname), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* CONNECT: password without user name */
  const uint8_t pwonly[] = {0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x42, 0, 60, 0, 0, 0, 0};
  CHECK_EQ(decode_bytes(pwonly, sizeof(pwonly), TERN_MQTT_FROM_CLIENT), TERN_EPROTO);
  /* CONNECT: bytes left over */
  const uint8_t extra[] = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0, 9};
  CHECK_EQ(decode_bytes(extra, sizeof(extra), TERN_MQTT_FROM_CLIENT), TERN_EPARSE);
}

static void test_topics(void) {
  struct {
    const char *f, *t;
    int m;
  } cases[] = {
      {"a/b", "a/b", 1},        {"a/+", "a/b", 1},    {"a/+", "a/b/c", 0},
      {"a/#", "a", 1},          {"a/#", "a/b/c", 1},  {"#", "a/b", 1},
      {"+/+", "/x", 1},         {"+", "/x", 0},       {"a/+/c", "a//c", 1},
      {"#", "$SYS/x", 0},       {"+/x", "$SYS/x", 0}, {"$SYS/#", "$SYS/x", 1},
      {"a/b", "a/bc", 0},       {"a/bc", "a/b", 0},   {"sport/tennis/#", "sport/tennis", 1},
      {"sport/+", "sport/", 1}, {"a/b/", "a/b", 0},
  };
  int all = 1;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int m = tern_mqtt_topic_matches(cases[i].f, strlen(cases[i].f), cases[i].t, strlen(cases[i].t));
    if (m != cases[i].m) {
      all = 0;
      fprintf(stderr, "match %s %s -> %d\n", cases[i].f, cases[i].t, m);
    }
  }
  CHECK(all);
  CHECK(tern_mqtt_valid_filter("a/#", 3));
  CHECK(!tern_mqtt_valid_filter("a/#/b", 5));
  CHECK(!tern_mqtt_valid_filter("a+", 2));
  CHECK(tern_mqtt_valid_filter("+/+/#", 5));
  CHECK(!tern_mqtt_valid_topic("", 0));
  CHECK(tern_mqtt_valid_topic("\xc3\xa9t\xc3\xa9", 5)); /* "été" */
}

int main(void) {
  test_publish_roundtrip();
  test_connect_roundtrip();
  test_subscribe();
  test_malformed();
  test_topics();
  TEST_MAIN_END();
}
