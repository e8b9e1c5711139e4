/* Number formatting that does not lean on printf's 64-bit conversions:
 * newlib-nano, the C library of the firmware, has no %lld, %llu or %zu.
 * tern's sources use %lu with a cast for sizes, and these for 64-bit values
 * (a check in tests/integration/layers.sh keeps it so). */
#ifndef TERN_FMT_H
#define TERN_FMT_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stdint.h>

#define TERN_FMT_U64_LEN 21 /* 20 digits of 2^64 - 1, and the NUL */
/* v in decimal (hex: lower-case hexadecimal) into out; returns out. */
char *tern_fmt_u64(char out[TERN_FMT_U64_LEN], uint64_t v, int hex);
#pragma GCC visibility pop
#endif
