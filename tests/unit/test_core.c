/* Buffers, timers (including counter wrap-around), addresses, base64, errors. */
#include <stdint.h>
#include "test.h"
#include "tern/base64.h"
#include "tern/buf.h"
#include "tern/error.h"
#include "tern/loop.h"
#include "tern/timer.h"

static void test_buf(void) {
  struct tern_buf b;
  tern_buf_init(&b, NULL, 10);
  CHECK_EQ(tern_buf_append(&b, "hello", 5), 0);
  CHECK_EQ(tern_buf_append(&b, "world", 5), 0);
  CHECK_EQ(b.len, 10);
  CHECK_EQ(tern_buf_append(&b, "!", 1), TERN_EFULL); /* cap holds, nothing changes */
  CHECK_EQ(b.len, 10);
  tern_buf_consume(&b, 3);
  CHECK(memcmp(b.data, "loworld", 7) == 0);
  CHECK_EQ(b.len, 7);
  tern_buf_consume(&b, 100);
  CHECK_EQ(b.len, 0);
  tern_buf_free(&b);
}

static int fired[8];
static void on_timer(struct tern_timer *t, void *arg) {
  (void)t;
  fired[(intptr_t)arg]++;
}

static void test_timers_at(uint32_t start) {
  struct tern_timers ts;
  struct tern_timer a = {0}, b = {0}, c = {0};
  memset(fired, 0, sizeof(fired));
  tern_timers_init(&ts, NULL);
  tern_timers_add(&ts, &a, start, 100, 0, on_timer, (void *)0);
  tern_timers_add(&ts, &b, start, 50, 0, on_timer, (void *)1);
  tern_timers_add(&ts, &c, start, 10, 10, on_timer, (void *)2);
  CHECK_EQ(tern_timers_next(&ts, start), 10);
  CHECK_EQ(tern_timers_run(&ts, start + 9), 0);
  CHECK_EQ(tern_timers_run(&ts, start + 10), 1);
  CHECK_EQ(fired[2], 1);
  CHECK_EQ(tern_timers_run(&ts, start + 55), 2); /* b and c's second tick */
  CHECK_EQ(fired[1], 1);
  CHECK_EQ(fired[2], 2);
  /* the repeating timer stays on its 10 ms grid (no drift) */
  CHECK_EQ(c.due, start + 60);
  tern_timers_cancel(&ts, &a);
  CHECK_EQ(tern_timers_run(&ts, start + 200), 1); /* a cancelled; c skips missed ticks once */
  CHECK_EQ(fired[0], 0);
  CHECK_EQ(c.due, start + 210);
  tern_timers_cancel(&ts, &c);
  CHECK_EQ(tern_timers_next(&ts, start), -1);
  tern_timers_free(&ts);
}

static void test_timer_order(void) {
  /* Many timers straddling the 32-bit wrap fire in due order. */
  struct tern_timers ts;
  struct tern_timer t[64];
  uint32_t now = UINT32_MAX - 500;
  memset(t, 0, sizeof(t));
  tern_timers_init(&ts, NULL);
  for (int i = 0; i < 64; i++)
    tern_timers_add(&ts, &t[i], now, (uint32_t)((i * 37) % 64) * 20, 0, on_timer, (void *)3);
  uint32_t last = now;
  int ok = 1;
  while (ts.n) {
    uint32_t due = ts.heap[0]->due;
    if (tern_time_before(due, last)) ok = 0;
    last = due;
    tern_timers_cancel(&ts, ts.heap[0]);
  }
  CHECK(ok);
  tern_timers_free(&ts);
}

static void test_addr(void) {
  struct tern_addr a;
  char s[64];
  CHECK_EQ(tern_addr_parse("127.0.0.1", 80, &a), 0);
  CHECK_STR(tern_addr_str(&a, s, sizeof(s), 1), "127.0.0.1:80");
  CHECK(tern_addr_parse("256.0.0.1", 0, &a) != 0);
  CHECK(tern_addr_parse("1.2.3", 0, &a) != 0);
  CHECK(tern_addr_parse("example.com", 0, &a) != 0);
  CHECK_EQ(tern_addr_parse("::1", 53, &a), 0);
  CHECK(a.is_ip6 && a.ip[15] == 1);
  CHECK_STR(tern_addr_str(&a, s, sizeof(s), 1), "[::1]:53");
  CHECK_EQ(tern_addr_parse("fe80::1:2", 0, &a), 0);
  CHECK_STR(tern_addr_str(&a, s, sizeof(s), 0), "fe80::1:2");
  CHECK_EQ(tern_addr_parse("2001:db8:0:0:1:0:0:1", 0, &a), 0);
  CHECK_STR(tern_addr_str(&a, s, sizeof(s), 0), "2001:db8::1:0:0:1");
  CHECK_EQ(tern_addr_parse("::ffff:10.0.0.1", 0, &a), 0);
  CHECK(a.ip[10] == 0xff && a.ip[12] == 10 && a.ip[15] == 1);
  CHECK(tern_addr_parse("1::2::3", 0, &a) != 0);
  CHECK(tern_addr_parse("1:2:3:4:5:6:7:8:9", 0, &a) != 0);
}

static void test_base64(void) {
  char out[64];
  uint8_t raw[64];
  CHECK_EQ(tern_base64_encode((const uint8_t *)"foobar", 6, out, sizeof(out)), 8);
  CHECK_STR(out, "Zm9vYmFy");
  CHECK_EQ(tern_base64_encode((const uint8_t *)"fo", 2, out, sizeof(out)), 4);
  CHECK_STR(out, "Zm8=");
  CHECK_EQ(tern_base64_decode("Zm8=", 4, raw, sizeof(raw)), 2);
  CHECK(memcmp(raw, "fo", 2) == 0);
  CHECK_EQ(tern_base64_decode("Zm9v!mFy", 8, raw, sizeof(raw)), TERN_EPARSE);
  CHECK_EQ(tern_base64_decode("Zm8===", 6, raw, sizeof(raw)), TERN_EPARSE);
  CHECK_EQ(tern_base64_decode("Zm9vYmFy", 8, raw, 3), TERN_EFULL);
}

static void test_errors(void) {
  CHECK_STR(tern_strerror(0), "success");
  CHECK_STR(tern_strerror(TERN_ETLS_CA), "certificate not trusted (unknown CA)");
  CHECK_STR(tern_strerror(-9999), "unknown error");
}

int main(void) {
  test_buf();
  test_timers_at(1000);
  test_timers_at(UINT32_MAX - 30); /* the counter wraps between the ticks */
  test_timer_order();
  test_addr();
  test_base64();
  test_errors();
  TEST_MAIN_END();
}
