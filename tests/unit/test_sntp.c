/* SNTP codec, offset arithmetic, POSIX TZ strings and local time. */
#include "test.h"
#include "tern/error.h"
#include "tern/sntp.h"

static void test_codec(void) {
  struct tern_sntp_packet p = {0}, q;
  p.li = 0;
  p.version = 4;
  p.mode = TERN_SNTP_MODE_SERVER;
  p.stratum = 2;
  p.poll = 6;
  p.precision = -20;
  memcpy(p.ref_id, "GPS ", 4);
  p.origin = 0x1111222233334444ull;
  p.receive = 0x5555666677778888ull;
  p.transmit = 0x9999aaaabbbbccccull;
  uint8_t b[48];
  tern_sntp_encode(&p, b);
  CHECK_EQ(b[0], 0x24);
  CHECK_EQ(tern_sntp_decode(b, 48, &q), 0);
  CHECK(q.version == 4 && q.mode == 4 && q.stratum == 2 && q.precision == -20 &&
        q.transmit == p.transmit);
  CHECK_EQ(tern_sntp_decode(b, 47, &q), TERN_EPARSE);
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), 0);
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin + 1), TERN_EPROTO); /* wrong origin */
  q.mode = 3;
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_EPROTO);
  q.mode = 4;
  q.version = 2;
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_EPROTO);
  q.version = 4;
  q.li = 3;
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_EAGAIN);
  q.li = 0;
  q.stratum = 16;
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_EAGAIN);
  q.stratum = 0;
  memcpy(q.ref_id, "RATE", 4);
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_ELIMIT);
  memcpy(q.ref_id, "DENY", 4);
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_EDENIED);
  memcpy(q.ref_id, "RSTR", 4);
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_EDENIED);
  q.stratum = 2;
  q.transmit = 0;
  CHECK_EQ(tern_sntp_check_reply(&q, p.origin), TERN_EPROTO);
}

static void test_offset(void) {
  /* server 1.5 s ahead, 20 ms each way, 1 ms processing */
  int64_t base = 1795593600000000;
  tern_ntp_time t1 = tern_ntp_from_unix_us(base),
                t2 = tern_ntp_from_unix_us(base + 20000 + 1500000),
                t3 = tern_ntp_from_unix_us(base + 21000 + 1500000),
                t4 = tern_ntp_from_unix_us(base + 41000);
  int64_t off, delay;
  tern_sntp_offset_delay(t1, t2, t3, t4, &off, &delay);
  CHECK_EQ(off, 1500000);
  CHECK_EQ(delay, 40000);
  /* our clock ahead: a negative offset, rounded the same way */
  tern_sntp_offset_delay(t2, t1 + 1, t4, t3, &off, &delay);
  CHECK_EQ(off, -1500000);
  /* the wire format's exact values: 0.5 s is 2^31, 1 us rounds to 4295 */
  CHECK_EQ(tern_ntp_from_unix_us(500000), ((uint64_t)TERN_NTP_UNIX_OFFSET << 32) | 0x80000000u);
  CHECK_EQ(tern_ntp_from_unix_us(1) & 0xffffffffu, 4295);
  CHECK_EQ(tern_ntp_from_unix_us(-1) >> 32, (uint64_t)TERN_NTP_UNIX_OFFSET - 1);
  for (int64_t us = -3; us < 2000000; us += 99991) /* round trips to the microsecond */
    CHECK_EQ(tern_ntp_to_unix_us(tern_ntp_from_unix_us(base + us)), base + us);
}

static void fmt(const char *tz, int64_t t, char *out, size_t n) {
  struct tern_tz z;
  struct tern_localtime lt;
  tern_tz_parse(tz, &z);
  tern_localtime(&z, t, &lt);
  tern_strftime(out, n, "%Y-%m-%d %H:%M:%S %Z %z|%c", &lt);
}

static void test_tz(void) {
  char s[128];
  struct tern_tz z;
  CHECK_EQ(tern_tz_parse("CET-1CEST,M3.5.0,M10.5.0/3", &z), 0);
  CHECK(z.std_offset == 3600 && z.dst_offset == 7200 && z.has_dst);
  CHECK_EQ(tern_tz_parse("nonsense", &z), TERN_EPARSE);
  CHECK_EQ(tern_tz_parse("CET-1CEST,M13.5.0,M10.5.0", &z), TERN_EPARSE);
  /* 2026-11-25 08:40:00 UTC */
  fmt("UTC0", 1795596000, s, sizeof(s));
  CHECK_STR(s, "2026-11-25 08:40:00 UTC +0000|Wed Nov 25 08:40:00 2026");
  fmt("CET-1CEST,M3.5.0,M10.5.0/3", 1795596000, s, sizeof(s));
  CHECK_STR(s, "2026-11-25 09:40:00 CET +0100|Wed Nov 25 09:40:00 2026");
  /* summer: 2026-07-01 12:00 UTC */
  fmt("CET-1CEST,M3.5.0,M10.5.0/3", 1782907200, s, sizeof(s));
  CHECK_STR(s, "2026-07-01 14:00:00 CEST +0200|Wed Jul  1 14:00:00 2026");
  /* EU switch: 2026-03-29 01:00 UTC; one second before and at it */
  fmt("CET-1CEST,M3.5.0,M10.5.0/3", 1774746000 - 1, s, sizeof(s));
  CHECK_STR(s, "2026-03-29 01:59:59 CET +0100|Sun Mar 29 01:59:59 2026");
  fmt("CET-1CEST,M3.5.0,M10.5.0/3", 1774746000, s, sizeof(s));
  CHECK_STR(s, "2026-03-29 03:00:00 CEST +0200|Sun Mar 29 03:00:00 2026");
  /* US: EST5EDT default rules, 2026-07-04 16:00 UTC = 12:00 EDT */
  fmt("EST5EDT", 1783180800, s, sizeof(s));
  CHECK_STR(s, "2026-07-04 12:00:00 EDT -0400|Sat Jul  4 12:00:00 2026");
  /* southern hemisphere: New Zealand in January is on daylight time */
  fmt("NZST-12NZDT,M9.5.0,M4.1.0/3", 1767268800, s, sizeof(s));
  CHECK_STR(s, "2026-01-02 01:00:00 NZDT +1300|Fri Jan  2 01:00:00 2026");
  /* a quoted name and minutes */
  CHECK_EQ(tern_tz_parse("<+0530>-5:30", &z), 0);
  CHECK_EQ(z.std_offset, 5 * 3600 + 1800);
}

int main(void) {
  test_codec();
  test_offset();
  test_tz();
  TEST_MAIN_END();
}
