/* The fleet receiver's sample parser on any topic and payload (split at the
 * first NUL): no read outside them, and what it accepts reads back the same. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tern/fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t tlen = nul ? (size_t)(nul - data) : size;
  const uint8_t *payload = nul ? nul + 1 : data + size;
  size_t plen = size - (size_t)(payload - data);
  uint32_t dev, seq;
  uint64_t t;
  if (tern_fleet_parse_sample("fleet/x", (const char *)data, tlen, payload, plen, &dev, &seq, &t) ==
      0) {
    char topic[64], body[64];
    int a = snprintf(topic, sizeof(topic), "fleet/x/d%lu/data", (unsigned long)dev);
    int b = snprintf(body, sizeof(body), "%lu,%llu", (unsigned long)seq, (unsigned long long)t);
    /* leading zeros aside, the accepted text is the numbers written back */
    if (a <= 0 || b <= 0 || (size_t)a > tlen || (size_t)b > plen) __builtin_trap();
  }
  return 0;
}
