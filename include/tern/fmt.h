/* Number formatting and parsing that do not lean on the C library's
 * floating-point conversions or its 64-bit printf: newlib-nano, the C
 * library of the firmware, has no %lld, %llu or %zu, and its printf of
 * doubles and strtod cost 16 KB of flash. tern's sources print sizes with
 * %lu and a cast, 64-bit values with tern_fmt_u64, and doubles with
 * tern_fmt_double (a check in tests/integration/layers.sh keeps it so).
 * 64-bit values are divided with tern_div_u64 / tern_div_floor: a Cortex-M
 * divides 32-bit numbers in hardware, and a 64-bit '/' pulls in 1 KB of
 * library code. */
#ifndef TERN_FMT_H
#define TERN_FMT_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>

/* n / d and, with rem, n % d, for 1 <= d <= 2^20, in 32-bit divisions. */
uint64_t tern_div_u64(uint64_t n, uint32_t d, uint32_t *rem);
/* n / d rounded toward minus infinity (-1 / 10 is -1), *rem in [0, d):
 * seconds from microseconds before 1970, days from seconds. */
int64_t tern_div_floor(int64_t n, uint32_t d, uint32_t *rem);

#define TERN_FMT_U64_LEN 21 /* 20 digits of 2^64 - 1, and the NUL */
/* v in decimal (hex: lower-case hexadecimal) into out; returns out. */
char *tern_fmt_u64(char out[TERN_FMT_U64_LEN], uint64_t v, int hex);

#define TERN_FMT_US_LEN 28 /* sign, 13 digits of seconds, '.', 6 digits, NUL */
/* Microseconds as seconds with six decimals ("-0.000250", "+1.500000" with
 * plus), in integers only: clock offsets on a board without an FPU. */
char *tern_fmt_us(char out[TERN_FMT_US_LEN], int64_t us, int plus);

#define TERN_FMT_DOUBLE_LEN 32
/* v as printf's "%.{digits}g" writes it (digits 1..15: significant digits,
 * trailing zeros dropped), or with fixed set as "%.{digits}f" (0..9
 * decimals); plus: a '+' before positive values. "nan", "inf", "-inf".
 * The last digit may differ from printf's where v lies within a rounding
 * error of a tie. Returns out. */
char *tern_fmt_double(char out[TERN_FMT_DOUBLE_LEN], double v, int digits, int fixed, int plus);
/* A decimal number ("-12.5e-3"; no hex, no inf/nan) like strtod: *end
 * after the last character used, s when there is no number. Exact for up
 * to 15 significant digits and exponents within 10^±22; otherwise within a
 * few units in the last place. */
double tern_parse_double(const char *s, char **end);
#pragma GCC visibility pop
#endif
