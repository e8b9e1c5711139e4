/* DNS codec: round trip, compression, and hostile messages. */
#include "test.h"
#include "tern/dns.h"
#include "tern/error.h"

static void test_roundtrip(void) {
  uint8_t buf[512];
  struct tern_dns_writer w;
  tern_dns_writer_init(&w, buf, sizeof(buf), 0x1234, TERN_DNS_FLAG_QR | TERN_DNS_FLAG_AA);
  tern_dns_put_question(&w, "dev.local", TERN_DNS_A, TERN_DNS_IN);
  uint8_t ip[4] = {192, 0, 2, 7};
  tern_dns_put_rr(&w, TERN_DNS_ANSWER, "dev.local", TERN_DNS_A, 0x8001, 120, ip, 4);
  size_t at;
  tern_dns_rr_begin(&w, TERN_DNS_ANSWER, "_http._tcp.local", TERN_DNS_PTR, TERN_DNS_IN, 4500, &at);
  tern_dns_put_name(&w, "dev._http._tcp.local", 1);
  tern_dns_rr_end(&w, at);
  int len = tern_dns_writer_finish(&w);
  CHECK(len > 12);
  /* "dev.local" written once, then a 2-byte pointer: compression works */
  CHECK(len < 80);

  struct tern_dns_reader r;
  struct tern_dns_record rec;
  char name[256];
  CHECK_EQ(tern_dns_reader_init(&r, buf, (size_t)len), 0);
  CHECK_EQ(r.h.id, 0x1234);
  CHECK_EQ(r.h.qdcount, 1);
  CHECK_EQ(r.h.ancount, 2);
  CHECK_EQ(tern_dns_reader_next(&r, &rec), 1);
  CHECK_EQ(rec.section, TERN_DNS_QUESTION);
  CHECK_EQ(tern_dns_name_decode(buf, (size_t)len, rec.name_off, name, sizeof(name), NULL), 0);
  CHECK_STR(name, "dev.local");
  CHECK_EQ(tern_dns_reader_next(&r, &rec), 1);
  CHECK(rec.type == TERN_DNS_A && rec.cls == 0x8001 && rec.ttl == 120 && rec.rdlen == 4);
  CHECK(memcmp(buf + rec.rdata_off, ip, 4) == 0);
  CHECK_EQ(tern_dns_reader_next(&r, &rec), 1);
  CHECK_EQ(rec.type, TERN_DNS_PTR);
  CHECK_EQ(tern_dns_name_decode(buf, (size_t)len, rec.rdata_off, name, sizeof(name), NULL), 0);
  CHECK_STR(name, "dev._http._tcp.local");
  CHECK_EQ(tern_dns_reader_next(&r, &rec), 0);
}

static void test_uncompressed_name(void) {
  uint8_t buf[256];
  struct tern_dns_writer w;
  tern_dns_writer_init(&w, buf, sizeof(buf), 1, 0);
  tern_dns_put_question(&w, "a.local", TERN_DNS_A, TERN_DNS_IN);
  size_t before = w.len;
  tern_dns_put_name(&w, "a.local", 0);
  CHECK_EQ(w.len - before, 9); /* 1a 5local 0, no pointer */
}

static void test_hostile(void) {
  struct tern_dns_reader r;
  struct tern_dns_record rec;
  char name[256];
  /* a pointer to itself */
  uint8_t loop1[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
  CHECK_EQ(tern_dns_reader_init(&r, loop1, sizeof(loop1)), 0);
  CHECK(tern_dns_reader_next(&r, &rec) < 0);
  CHECK(tern_dns_name_decode(loop1, sizeof(loop1), 12, name, sizeof(name), NULL) < 0);
  /* two pointers pointing at each other */
  uint8_t loop2[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 16, 0xc0, 12, 0, 1, 0, 1};
  CHECK(tern_dns_name_decode(loop2, sizeof(loop2), 16, name, sizeof(name), NULL) < 0);
  CHECK(tern_dns_name_decode(loop2, sizeof(loop2), 12, name, sizeof(name), NULL) < 0);
  /* label length past the end */
  uint8_t past[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 40, 'a', 'b', 'c', 'd', 'e'};
  CHECK_EQ(tern_dns_reader_init(&r, past, sizeof(past)), 0);
  CHECK(tern_dns_reader_next(&r, &rec) < 0);
  /* absurd counts */
  uint8_t counts[] = {0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0};
  CHECK(tern_dns_reader_init(&r, counts, sizeof(counts)) < 0);
  /* rdlength past the end */
  uint8_t rd[] = {0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 10, 0, 200, 1, 2};
  CHECK_EQ(tern_dns_reader_init(&r, rd, sizeof(rd)), 0);
  CHECK(tern_dns_reader_next(&r, &rec) < 0);
  /* too short for a header */
  CHECK(tern_dns_reader_init(&r, rd, 5) < 0);
  /* a name longer than 255 bytes is refused */
  uint8_t longname[12 + 5 * 64 + 1 + 4];
  memset(longname, 0, sizeof(longname));
  longname[5] = 1;
  for (int i = 0; i < 5; i++) {
    longname[12 + i * 64] = 63;
    memset(longname + 13 + i * 64, 'x', 63);
  }
  CHECK_EQ(tern_dns_reader_init(&r, longname, sizeof(longname)), 0);
  CHECK(tern_dns_reader_next(&r, &rec) < 0);
  CHECK(tern_dns_name_eq("Dev.Local.", "dev.local"));
  CHECK(!tern_dns_name_eq("dev.local", "dev.locals"));
}

int main(void) {
  test_roundtrip();
  test_uncompressed_name();
  test_hostile();
  TEST_MAIN_END();
}
