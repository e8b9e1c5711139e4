/* The configuration area's reader on any bytes: no read outside them, and
 * every record it hands out lies inside the image, NUL-terminated. Inputs
 * whose CRC is wrong are rewritten with a right one half of the time, so
 * that the record walk is reached. */
#include <stdint.h>
#include <string.h>
#include "tern/provision.h"
#include "tern/store.h"

static const uint8_t *lo, *hi;

static int check(void *arg, const char *key, const char *value, size_t len) {
  (void)arg;
  const uint8_t *k = (const uint8_t *)key, *v = (const uint8_t *)value;
  if (k < lo || v < lo || v + len >= hi || value[len] || strlen(key) == 0) __builtin_trap();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t img[TERN_PROVISION_MAX];
  char why[160];
  if (size > sizeof(img)) return 0;
  memcpy(img, data, size);
  if (size >= TERN_PROVISION_HEADER && (size & 1)) {
    uint32_t body = img[8] | img[9] << 8 | img[10] << 16 | (uint32_t)img[11] << 24;
    if (body <= size - TERN_PROVISION_HEADER) {
      uint32_t crc = tern_crc32(0, img + TERN_PROVISION_HEADER, body);
      for (int i = 0; i < 4; i++) img[12 + i] = (uint8_t)(crc >> (8 * i));
    }
  }
  lo = img;
  hi = img + size;
  tern_provision_read(img, size, check, NULL, why, sizeof(why));
  return 0;
}
