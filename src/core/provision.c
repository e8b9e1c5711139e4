/* The provisioned configuration area's codec (provision.h has the layout). */
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/provision.h"
#include "tern/store.h" /* tern_crc32 */

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v), put16(p + 2, v >> 16); }
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

void tern_provision_begin(struct tern_provision_writer *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = TERN_PROVISION_HEADER;
  w->err = cap < TERN_PROVISION_HEADER ? TERN_EFULL : 0;
}

void tern_provision_add(struct tern_provision_writer *w, const char *key, const void *value,
                        size_t len) {
  size_t klen = strlen(key);
  if (w->err) return;
  if (!klen || klen > TERN_PROVISION_KEY_MAX || memchr(value, 0, len)) {
    w->err = TERN_EINVAL; /* a value with a NUL could not be read back as a string */
    return;
  }
  size_t need = 6 + klen + 1 + len + 1;
  if (len > TERN_PROVISION_MAX || need > w->cap - w->len) {
    w->err = TERN_EFULL;
    return;
  }
  uint8_t *p = w->buf + w->len;
  put16(p, (uint32_t)klen);
  put32(p + 2, (uint32_t)len);
  memcpy(p + 6, key, klen + 1);
  memcpy(p + 6 + klen + 1, value, len);
  p[6 + klen + 1 + len] = 0;
  w->len += need;
}

long tern_provision_end(struct tern_provision_writer *w) {
  if (w->err) return w->err;
  size_t body = w->len - TERN_PROVISION_HEADER;
  put32(w->buf, TERN_PROVISION_MAGIC);
  put16(w->buf + 4, TERN_PROVISION_VERSION);
  put16(w->buf + 6, 0);
  put32(w->buf + 8, (uint32_t)body);
  put32(w->buf + 12, tern_crc32(0, w->buf + TERN_PROVISION_HEADER, body));
  return (long)w->len;
}

static int bad(char *why, size_t whylen, const char *fmt, unsigned long a, unsigned long b) {
  snprintf(why, whylen, fmt, a, b);
  return TERN_EPROTO;
}

int tern_provision_read(const uint8_t *img, size_t avail, tern_provision_fn fn, void *arg,
                        char *why, size_t whylen) {
  if (avail > TERN_PROVISION_MAX) avail = TERN_PROVISION_MAX;
  if (avail < TERN_PROVISION_HEADER)
    return bad(why, whylen, "area too small (%lu bytes)", avail, 0);
  /* erased flash (0xFF) or memory nothing was loaded into (0x00) */
  if ((img[0] == 0 || img[0] == 0xff) && !memcmp(img, img + 1, TERN_PROVISION_HEADER - 1)) {
    snprintf(why, whylen, "no image");
    return TERN_ENOTFOUND;
  }
  if (get32(img) != TERN_PROVISION_MAGIC)
    return bad(why, whylen, "bad magic 0x%08lx (want 0x%08lx)", get32(img), TERN_PROVISION_MAGIC);
  if (get16(img + 4) != TERN_PROVISION_VERSION)
    return bad(why, whylen, "version %lu, this firmware reads version %lu", get16(img + 4),
               TERN_PROVISION_VERSION);
  size_t body = get32(img + 8);
  if (body > avail - TERN_PROVISION_HEADER)
    return bad(why, whylen, "length %lu beyond the area's %lu bytes", body,
               avail - TERN_PROVISION_HEADER);
  const uint8_t *p = img + TERN_PROVISION_HEADER, *end = p + body;
  uint32_t crc = tern_crc32(0, p, body);
  if (crc != get32(img + 12))
    return bad(why, whylen, "CRC 0x%08lx does not match the header's 0x%08lx (damaged image)", crc,
               get32(img + 12));
  /* every record's bounds first: a bad one rejects the image whole */
  for (int pass = 0; pass < 2; pass++) {
    unsigned n = 0;
    for (const uint8_t *q = p; q < end; n++) {
      if (end - q < 6) return bad(why, whylen, "record %lu cut short", n, 0);
      size_t klen = get16(q), vlen = get32(q + 2);
      if (klen == 0 || klen > TERN_PROVISION_KEY_MAX || vlen > (size_t)(end - q) ||
          (size_t)(end - q) - 6 < klen + 1 + vlen + 1)
        return bad(why, whylen, "record %lu: bad lengths", n, 0);
      const char *key = (const char *)q + 6, *val = key + klen + 1;
      if (key[klen] || val[vlen] || memchr(key, 0, klen) || memchr(val, 0, vlen))
        return bad(why, whylen, "record %lu: not NUL-terminated", n, 0);
      if (pass == 1) {
        int rc = fn(arg, key, val, vlen);
        if (rc) return rc;
      }
      q += 6 + klen + 1 + vlen + 1;
    }
  }
  return 0;
}
