/* tern_fmt_u64: see fmt.h for why printf is not used. */
#include "tern/fmt.h"

char *tern_fmt_u64(char out[TERN_FMT_U64_LEN], uint64_t v, int hex) {
  char tmp[TERN_FMT_U64_LEN];
  unsigned base = hex ? 16 : 10;
  int n = 0;
  do { /* digits come out last first */
    unsigned d = (unsigned)(v % base);
    tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return out;
}
