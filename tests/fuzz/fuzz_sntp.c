/* libFuzzer target: SNTP packets and TZ strings. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tern/sntp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_sntp_packet p;
  if (tern_sntp_decode(data, size, &p) == 0) tern_sntp_check_reply(&p, p.origin);
  char tz[128];
  size_t n = size < sizeof(tz) - 1 ? size : sizeof(tz) - 1;
  memcpy(tz, data, n);
  tz[n] = '\0';
  struct tern_tz z;
  if (tern_tz_parse(tz, &z) == 0) {
    struct tern_localtime lt;
    char out[64];
    tern_localtime(&z, 1795596000, &lt);
    tern_strftime(out, sizeof(out), "%c %Z %z", &lt);
  }
  return 0;
}
