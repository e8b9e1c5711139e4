/* CRC-32 (IEEE 802.3, reflected), bitwise: small code beats a 1 KB table on an MCU. */
#include "tern/store.h"

uint32_t tern_crc32(uint32_t crc, const void *data, size_t n) {
  const uint8_t *p = data;
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
