/* The provisioned configuration area's codec: a round trip, the header's
 * checks (magic, version, length, CRC), hostile record lengths, and the
 * writer's limits. */
#include <string.h>
#include "test.h"
#include "tern/error.h"
#include "tern/provision.h"
#include "tern/store.h"

struct seen {
  int n;
  char keys[8][64];
  const char *values[8];
  size_t lens[8];
};

static int collect(void *arg, const char *key, const char *value, size_t len) {
  struct seen *s = arg;
  if (s->n == 8) return TERN_ELIMIT;
  strcpy(s->keys[s->n], key);
  s->values[s->n] = value;
  s->lens[s->n++] = len;
  return 0;
}

static long build(uint8_t *img, size_t cap) {
  struct tern_provision_writer w;
  tern_provision_begin(&w, img, cap);
  tern_provision_add(&w, "name", "fwdev", 5);
  tern_provision_add(&w, "cafile", "-----BEGIN CERTIFICATE-----\n", 28);
  tern_provision_add(&w, "broker-user", "", 0);
  return tern_provision_end(&w);
}

/* a header's CRC after a change to the body */
static void fix_crc(uint8_t *img) {
  uint32_t body = img[8] | img[9] << 8 | img[10] << 16 | (uint32_t)img[11] << 24;
  uint32_t crc = tern_crc32(0, img + TERN_PROVISION_HEADER, body);
  for (int i = 0; i < 4; i++) img[12 + i] = (uint8_t)(crc >> (8 * i));
}

int main(void) {
  uint8_t img[512], copy[512];
  char why[160];
  struct seen s = {0};
  long n = build(img, sizeof(img));
  CHECK_EQ(n, 16 + (6 + 4 + 5 + 2) + (6 + 6 + 28 + 2) + (6 + 11 + 0 + 2));
  CHECK(!memcmp(img, "TCFG", 4)); /* the magic reads as text in a hex dump */
  CHECK_EQ(img[4], 1);
  CHECK_EQ(tern_provision_read(img, (size_t)n, collect, &s, why, sizeof(why)), 0);
  CHECK_EQ(s.n, 3);
  CHECK_STR(s.keys[0], "name");
  CHECK_STR(s.values[0], "fwdev");
  CHECK_STR(s.keys[1], "cafile");
  CHECK_EQ(s.lens[1], 28);
  CHECK(s.values[1] > (const char *)img && s.values[1] < (const char *)img + n); /* in place */
  CHECK_STR(s.values[2], "");
  /* an area larger than the image: what follows does not matter */
  memset(img + n, 0xab, sizeof(img) - (size_t)n);
  s.n = 0;
  CHECK_EQ(tern_provision_read(img, sizeof(img), collect, &s, why, sizeof(why)), 0);
  CHECK_EQ(s.n, 3);

  /* nothing provisioned: erased flash, or memory nothing was loaded into */
  memset(copy, 0xff, sizeof(copy));
  CHECK_EQ(tern_provision_read(copy, sizeof(copy), collect, &s, why, sizeof(why)), TERN_ENOTFOUND);
  memset(copy, 0, sizeof(copy));
  CHECK_EQ(tern_provision_read(copy, sizeof(copy), collect, &s, why, sizeof(why)), TERN_ENOTFOUND);
  CHECK_EQ(tern_provision_read(copy, 3, collect, &s, why, sizeof(why)), TERN_EPROTO);

  /* each header field, broken */
  memcpy(copy, img, (size_t)n);
  copy[0] = 'X';
  CHECK_EQ(tern_provision_read(copy, (size_t)n, collect, &s, why, sizeof(why)), TERN_EPROTO);
  CHECK(strstr(why, "bad magic") != NULL);
  memcpy(copy, img, (size_t)n);
  copy[4] = 2;
  CHECK_EQ(tern_provision_read(copy, (size_t)n, collect, &s, why, sizeof(why)), TERN_EPROTO);
  CHECK(strstr(why, "version 2") != NULL);
  memcpy(copy, img, (size_t)n);
  copy[20]++;
  CHECK_EQ(tern_provision_read(copy, (size_t)n, collect, &s, why, sizeof(why)), TERN_EPROTO);
  CHECK(strstr(why, "CRC") != NULL);
  memcpy(copy, img, (size_t)n);
  CHECK_EQ(tern_provision_read(copy, (size_t)n - 1, collect, &s, why, sizeof(why)), TERN_EPROTO);
  CHECK(strstr(why, "length") != NULL); /* the body runs past the area */

  /* a record whose value length points past the body, with a valid CRC:
   * refused whole, before any record is handed out */
  memcpy(copy, img, (size_t)n);
  copy[16 + 2 + 2] = 0x7f; /* the first record's value length, high byte */
  fix_crc(copy);
  s.n = 0;
  CHECK_EQ(tern_provision_read(copy, (size_t)n, collect, &s, why, sizeof(why)), TERN_EPROTO);
  CHECK_EQ(s.n, 0);
  /* a key without its NUL */
  memcpy(copy, img, (size_t)n);
  copy[16 + 6 + 4] = 'x';
  fix_crc(copy);
  CHECK_EQ(tern_provision_read(copy, (size_t)n, collect, &s, why, sizeof(why)), TERN_EPROTO);
  CHECK_EQ(s.n, 0);

  /* the writer's limits: a value with a NUL, a key too long, no room */
  struct tern_provision_writer w;
  tern_provision_begin(&w, img, sizeof(img));
  tern_provision_add(&w, "name", "a\0b", 3);
  CHECK_EQ(tern_provision_end(&w), TERN_EINVAL);
  tern_provision_begin(&w, img, sizeof(img));
  tern_provision_add(&w, "0123456789012345678901234567890123456789012345678901234567890123", "v",
                     1);
  CHECK_EQ(tern_provision_end(&w), TERN_EINVAL);
  tern_provision_begin(&w, img, 40);
  tern_provision_add(&w, "cafile", "0123456789012345678901234567890123456789", 40);
  CHECK_EQ(tern_provision_end(&w), TERN_EFULL);
  TEST_MAIN_END();
}
