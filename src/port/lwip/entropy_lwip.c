/* mbedTLS's entropy on a board without a random number generator.
 *
 * The "hardware" source (mbedtls_hardware_poll) is the host's fresh seed,
 * given on every boot (--entropy-seed, scripts/run-firmware.sh draws 32
 * bytes from /dev/urandom): its output is SHA-256(seed, counter, timer),
 * so no two calls repeat. Without a seed it gives nothing, mbedTLS's
 * entropy fails, and no TLS connection starts (never a guessable key).
 *
 * The NV seed (MBEDTLS_ENTROPY_NV_SEED) is the second source: 64 bytes kept
 * in the storage area (the host file TERN_NV_SEED_FILE through semihosting
 * on this board; a flash sector on a real one), read at the first use of
 * entropy and rewritten from the pool right after, so each boot starts
 * from a different one even with the same host seed.
 *
 * A real board replaces mbedtls_hardware_poll with its TRNG (docs/PORTING.md). */
#include <string.h>
#include <mbedtls/entropy_poll.h>
#include <mbedtls/sha256.h>
#include "board/board.h"
#include "tern_lwip.h"

#ifndef TERN_NV_SEED_FILE
#define TERN_NV_SEED_FILE "tern-nvseed.bin"
#endif

/* the host's seed: set once at boot, before the loop starts */
static struct {
  uint8_t key[32];
  int have;
  uint32_t counter;
} seed;

void tern_lwip_entropy_seed(const void *bytes, size_t n) {
  /* hashed, so that any length counts in full and 32 bytes come out */
  mbedtls_sha256_ret(bytes, n, seed.key, 0);
  seed.have = n >= 16;
}

int tern_lwip_entropy_ready(void) { return seed.have; }

int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen) {
  (void)data;
  *olen = 0;
  if (!seed.have) return 0;
  while (*olen < len) {
    uint8_t in[32 + 4 + 8], block[32];
    uint64_t now = tern_board_micros();
    memcpy(in, seed.key, 32);
    memcpy(in + 32, &seed.counter, 4);
    memcpy(in + 36, &now, 8);
    seed.counter++;
    mbedtls_sha256_ret(in, sizeof(in), block, 0);
    size_t n = len - *olen < sizeof(block) ? len - *olen : sizeof(block);
    memcpy(out + *olen, block, n);
    *olen += n;
  }
  return 0;
}

/* No stored seed yet (the first boot): one from the host's, which the
 * write after this replaces. -1 without either: mbedTLS refuses to start. */
int tern_mbedtls_nv_seed_read(unsigned char *buf, size_t len) {
  int fd = tern_semihost_open(TERN_NV_SEED_FILE, 0);
  if (fd >= 0) {
    long got = tern_semihost_read(fd, buf, len);
    tern_semihost_close(fd);
    if (got == (long)len) return (int)len;
  }
  size_t n;
  if (!seed.have || mbedtls_hardware_poll(NULL, buf, len, &n) != 0 || n != len) return -1;
  return (int)len;
}

int tern_mbedtls_nv_seed_write(unsigned char *buf, size_t len) {
  int fd = tern_semihost_open(TERN_NV_SEED_FILE, 4);
  if (fd < 0) return -1;
  int rc = tern_semihost_write(fd, buf, len);
  tern_semihost_close(fd);
  return rc == 0 ? (int)len : -1;
}
