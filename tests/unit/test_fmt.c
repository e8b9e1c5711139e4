/* tern_fmt_us, tern_fmt_double and tern_parse_double against the C library's printf and
 * strtod: the same text for the device's values, and for a sweep of others
 * at most one unit apart in the last digit; parsing back within a rounding. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "test.h"
#include "tern/fmt.h"

/* the same text, or the same digits but one apart in the last place */
static int close_text(const char *a, const char *b, double v, int digits) {
  if (!strcmp(a, b)) return 1;
  double x = strtod(a, NULL), y = strtod(b, NULL);
  return fabs(x - y) <= fabs(v) * pow(10, 1 - digits) * 1.01;
}

int main(void) {
  char out[TERN_FMT_DOUBLE_LEN], ref[64], num[TERN_FMT_U64_LEN];
  CHECK_STR(tern_fmt_u64(num, 0, 0), "0");
  CHECK_STR(tern_fmt_u64(num, UINT64_MAX, 0), "18446744073709551615");
  CHECK_STR(tern_fmt_u64(num, 0xdeadbeefULL, 1), "deadbeef");
  /* 64-bit division in 32-bit steps, against the C compiler's own */
  static const uint32_t ds[] = {1, 7, 10, 16, 400, 86400, 146097, 1000000, 1u << 20};
  uint64_t xs = 0x9e3779b97f4a7c15ULL;
  int div_ok = 0, floor_ok = 0;
  for (int i = 0; i < 4000; i++) {
    xs ^= xs << 13, xs ^= xs >> 7, xs ^= xs << 17; /* xorshift: all sizes of n */
    uint64_t n =
        i < 5 ? (uint64_t[]){0, 1, UINT64_MAX, UINT64_MAX - 1, 1ULL << 63}[i] : xs >> (i % 64);
    uint32_t d = ds[i % 9], r;
    div_ok += tern_div_u64(n, d, &r) == n / d && r == n % d;
    int64_t sn = (int64_t)n, q = tern_div_floor(sn, d, &r);
    int64_t want = sn / (int64_t)d - (sn % (int64_t)d < 0);
    /* n = q * d + r, in unsigned arithmetic (q * d may not fit an int64) */
    floor_ok += q == want && r < d && (uint64_t)sn == (uint64_t)want * d + r;
  }
  CHECK_EQ(div_ok, 4000);
  CHECK_EQ(floor_ok, 4000);
  uint32_t rem;
  CHECK(tern_div_floor(-1, 10, &rem) == -1 && rem == 9);
  CHECK(tern_div_floor(INT64_MIN, 1, &rem) == INT64_MIN && rem == 0);
  CHECK(tern_div_floor(INT64_MIN, 1000000, &rem) == -9223372036855 && rem == 224192);
  /* clock offsets: microseconds as "%+.6f" would print the seconds */
  char us[TERN_FMT_US_LEN];
  CHECK_STR(tern_fmt_us(us, 1500000, 1), "+1.500000");
  CHECK_STR(tern_fmt_us(us, -250, 1), "-0.000250");
  CHECK_STR(tern_fmt_us(us, 0, 0), "0.000000");
  CHECK_STR(tern_fmt_us(us, INT64_MIN, 0), "-9223372036854.775808");
  for (int64_t v = -5000000; v < 5000000; v += 77777) {
    snprintf(ref, sizeof(ref), "%+.6f", (double)v / 1e6);
    CHECK_STR(tern_fmt_us(us, v, 1), ref);
  }
  /* the device's samples: sin(t/10), as "%.7g" prints them, exactly */
  int same = 0;
  for (int t = 0; t < 1000; t++) {
    double v = sin(t / 10.0);
    snprintf(ref, sizeof(ref), "%.7g", v);
    same += !strcmp(tern_fmt_double(out, v, 7, 0, 0), ref);
  }
  CHECK_EQ(same, 1000);
  /* the shapes of %g */
  CHECK_STR(tern_fmt_double(out, 0, 7, 0, 0), "0");
  CHECK_STR(tern_fmt_double(out, 1, 7, 0, 0), "1");
  CHECK_STR(tern_fmt_double(out, -2.5, 7, 0, 0), "-2.5");
  CHECK_STR(tern_fmt_double(out, 1234567, 7, 0, 0), "1234567");
  CHECK_STR(tern_fmt_double(out, 12345678, 7, 0, 0), "1.234568e+07");
  CHECK_STR(tern_fmt_double(out, 0.0001234, 7, 0, 0), "0.0001234");
  CHECK_STR(tern_fmt_double(out, 0.00001234, 7, 0, 0), "1.234e-05");
  CHECK_STR(tern_fmt_double(out, 9.9999999, 7, 0, 0), "10");
  CHECK_STR(tern_fmt_double(out, 1e300, 7, 0, 0), "1e+300");
  CHECK_STR(tern_fmt_double(out, 0.1, 15, 0, 0), "0.1");
  CHECK_STR(tern_fmt_double(out, NAN, 7, 0, 0), "nan");
  CHECK_STR(tern_fmt_double(out, -INFINITY, 7, 0, 0), "-inf");
  /* %+.6f, as the console shows a clock offset */
  CHECK_STR(tern_fmt_double(out, 0.0123456789, 6, 1, 1), "+0.012346");
  CHECK_STR(tern_fmt_double(out, -3.5, 6, 1, 1), "-3.500000");
  CHECK_STR(tern_fmt_double(out, 2, 0, 1, 0), "2");
  /* a sweep over magnitudes and digit counts */
  int near = 0, total = 0;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double v = (double)(x >> 11) / 9007199254740992.0 * pow(10, (int)(x % 40) - 20);
    int digits = 1 + (int)(x % 15);
    snprintf(ref, sizeof(ref), "%.*g", digits, v);
    near += close_text(tern_fmt_double(out, v, digits, 0, 0), ref, v, digits);
    total++;
  }
  CHECK_EQ(near, total);
  /* parsing, as strtod */
  const char *inputs[] = {"0",       "-12.5e-3",   "3.14159",         "1e22",
                          "  42abc", "0.09983342", "123456789012345", "-0.0001",
                          "7.",      ".5",         "1e-300"};
  for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
    char *e1, *e2;
    double a = tern_parse_double(inputs[i], &e1), b = strtod(inputs[i], &e2);
    CHECK(e1 == e2);
    CHECK(a == b || fabs(a - b) <= fabs(b) * 1e-15);
  }
  char *e;
  CHECK(tern_parse_double("abc", &e) == 0 && e != NULL && !strcmp(e, "abc"));
  CHECK(tern_parse_double("-", &e) == 0 && !strcmp(e, "-"));
  CHECK(tern_parse_double("5e", &e) == 5 && !strcmp(e, "e"));
  TEST_MAIN_END();
}
