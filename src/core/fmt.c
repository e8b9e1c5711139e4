/* tern_fmt_u64, tern_fmt_double, tern_parse_double: see fmt.h for why the
 * C library's conversions are not used. */
#include "tern/fmt.h"
#include <string.h>

uint64_t tern_div_u64(uint64_t n, uint32_t d, uint32_t *rem) {
  /* long division in 12-bit digits: the remainder stays below d <= 2^20,
   * so remainder and digit fit 32 bits */
  uint64_t q = 0;
  uint32_t r = 0;
  for (int shift = 60; shift >= 0; shift -= 12) {
    uint32_t x = r << 12 | (uint32_t)(n >> shift & 0xfff);
    q = q << 12 | x / d;
    r = x % d;
  }
  if (rem) *rem = r;
  return q;
}

int64_t tern_div_floor(int64_t n, uint32_t d, uint32_t *rem) {
  uint32_t r;
  if (n >= 0) {
    int64_t q = (int64_t)tern_div_u64((uint64_t)n, d, &r);
    if (rem) *rem = r;
    return q;
  }
  /* the magnitude's quotient, one more when there is a remainder, negated
   * in unsigned arithmetic (INT64_MIN / 1 has no positive counterpart) */
  uint64_t q = tern_div_u64(0 - (uint64_t)n, d, &r);
  if (r) q++, r = d - r;
  if (rem) *rem = r;
  return (int64_t)(0 - q);
}

char *tern_fmt_u64(char out[TERN_FMT_U64_LEN], uint64_t v, int hex) {
  char tmp[TERN_FMT_U64_LEN];
  unsigned base = hex ? 16 : 10;
  int n = 0;
  do { /* digits come out last first */
    uint32_t d;
    v = tern_div_u64(v, base, &d);
    tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
  } while (v);
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return out;
}

char *tern_fmt_us(char out[TERN_FMT_US_LEN], int64_t us, int plus) {
  uint64_t mag = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
  char *p = out;
  if (us < 0) *p++ = '-';
  else if (plus) *p++ = '+';
  uint32_t frac;
  tern_fmt_u64(p, tern_div_u64(mag, 1000000, &frac), 0);
  p += strlen(p);
  *p++ = '.';
  for (int i = 5; i >= 0; i--, frac /= 10) p[i] = (char)('0' + frac % 10);
  p[6] = '\0';
  return out;
}

/* 10^k for 0 <= k <= 22: every one is exact in a double */
static double pow10_exact(int k) {
  static const double p[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return p[k];
}

/* v * 10^k, in as few roundings as the exact powers allow */
static double scale10(double v, int k) {
  while (k > 22) v *= 1e22, k -= 22;
  while (k < -22) v /= 1e22, k += 22;
  return k >= 0 ? v * pow10_exact(k) : v / pow10_exact(-k);
}

static char *put_digits(char *p, uint64_t d, int n) { /* exactly n digits, leading zeros kept */
  for (int i = n - 1; i >= 0; i--, d /= 10) p[i] = (char)('0' + d % 10);
  return p + n;
}

char *tern_fmt_double(char out[TERN_FMT_DOUBLE_LEN], double v, int digits, int fixed, int plus) {
  char *p = out;
  if (v != v) return strcpy(out, "nan");
  if (v < 0) *p++ = '-', v = -v;
  else if (plus) *p++ = '+';
  if (v > 1.7976931348623157e308) return strcpy(p, "inf"), out;
  if (fixed) { /* %.Nf: integer part and N decimals, rounded */
    if (digits < 0) digits = 0;
    if (digits > 9) digits = 9;
    if (v >= 1e15) return strcpy(p, "(too large)"), out;
    uint64_t units = (uint64_t)(v * pow10_exact(digits) + 0.5);
    uint64_t ip = units / (uint64_t)pow10_exact(digits);
    char num[TERN_FMT_U64_LEN];
    p += strlen(strcpy(p, tern_fmt_u64(num, ip, 0)));
    if (digits) {
      *p++ = '.';
      p = put_digits(p, units % (uint64_t)pow10_exact(digits), digits);
    }
    *p = '\0';
    return out;
  }
  if (digits < 1) digits = 1;
  if (digits > 15) digits = 15;
  if (v == 0) return strcpy(p, "0"), out;
  /* the decimal exponent e with 10^e <= v < 10^(e+1) */
  int e = 0;
  while (scale10(v, -e) >= 10) e++;
  while (scale10(v, -e) < 1) e--;
  uint64_t d = (uint64_t)(scale10(v, digits - 1 - e) + 0.5); /* `digits` significant digits */
  if (d >= (uint64_t)pow10_exact(digits)) d /= 10, e++;      /* 9.9999 rounded up to 10 */
  char ds[16];
  put_digits(ds, d, digits);
  int n = digits;
  if (e < -4 || e >= digits) { /* d.ddde+XX */
    while (n > 1 && ds[n - 1] == '0') n--;
    *p++ = ds[0];
    if (n > 1) {
      *p++ = '.';
      memcpy(p, ds + 1, (size_t)n - 1);
      p += n - 1;
    }
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    int ae = e < 0 ? -e : e;
    if (ae >= 100) *p++ = (char)('0' + ae / 100);
    *p++ = (char)('0' + ae / 10 % 10);
    *p++ = (char)('0' + ae % 10);
  } else if (e >= 0) { /* ddd.ddd */
    int frac = digits - 1 - e;
    while (frac > 0 && ds[e + frac] == '0') frac--;
    memcpy(p, ds, (size_t)e + 1);
    p += e + 1;
    if (frac) {
      *p++ = '.';
      memcpy(p, ds + e + 1, (size_t)frac);
      p += frac;
    }
  } else { /* 0.000ddd */
    while (n > 1 && ds[n - 1] == '0') n--;
    *p++ = '0';
    *p++ = '.';
    for (int i = -1; i > e; i--) *p++ = '0';
    memcpy(p, ds, (size_t)n);
    p += n;
  }
  *p = '\0';
  return out;
}

double tern_parse_double(const char *s, char **end) {
  const char *p = s;
  int neg = 0, exp10 = 0, ndig = 0, seen = 0;
  uint64_t m = 0;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') p++;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  for (; *p >= '0' && *p <= '9'; p++, seen = 1) {
    if (ndig < 19) m = m * 10 + (uint64_t)(*p - '0'), ndig += m != 0;
    else exp10++; /* digits past what 64 bits hold only scale */
  }
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9'; p++, seen = 1)
      if (ndig < 19) m = m * 10 + (uint64_t)(*p - '0'), ndig += m != 0, exp10--;
  }
  if (!seen) {
    if (end) *end = (char *)s;
    return 0;
  }
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    int eneg = 0, ev = 0;
    if (*q == '+' || *q == '-') eneg = *q++ == '-';
    if (*q >= '0' && *q <= '9') {
      for (; *q >= '0' && *q <= '9'; q++)
        if (ev < 10000) ev = ev * 10 + (*q - '0');
      exp10 += eneg ? -ev : ev;
      p = q;
    }
  }
  if (end) *end = (char *)p;
  double v = scale10((double)m, exp10 < -400 ? -400 : exp10 > 400 ? 400 : exp10);
  return neg ? -v : v;
}
