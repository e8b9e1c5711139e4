/* The provisioned configuration area: a board's settings, CA certificates,
 * broker credentials and console password hash in one image in flash,
 * written on a host (`tern provision`) and read by the firmware at boot, so
 * a fleet is configured without rebuilding. Sans-I/O: bytes in, bytes out.
 *
 * Layout (little-endian; docs/PORTING.md):
 *   header, 16 bytes: magic "TCFG" (0x47464354), version u16 (1), flags u16
 *   (0), body length u32, CRC-32 of the body u32 (IEEE, as zlib's crc32)
 *   body: records, each key length u16, value length u32, the key, a NUL,
 *   the value, a NUL. Keys and values are read in place (the NULs make
 *   them C strings in flash: no copy). */
#ifndef TERN_PROVISION_H
#define TERN_PROVISION_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>

#define TERN_PROVISION_MAGIC 0x47464354u /* "TCFG" */
#define TERN_PROVISION_VERSION 1
#define TERN_PROVISION_HEADER 16
#ifndef TERN_PROVISION_MAX
#define TERN_PROVISION_MAX (64 * 1024) /* the area's size: header and body */
#endif
#define TERN_PROVISION_KEY_MAX 63

/* Building an image in buf: begin, add each setting, end (which writes the
 * header and returns the image's size, or TERN_EFULL / TERN_EINVAL). */
struct tern_provision_writer {
  uint8_t *buf;
  size_t cap, len;
  int err; /* the first error: later calls do nothing, end returns it */
};
/* Starts an image in buf (the caller's, cap bytes). */
void tern_provision_begin(struct tern_provision_writer *w, uint8_t *buf, size_t cap);
/* One setting; value is copied (len bytes, no NUL inside). An error (a bad
 * key, a NUL in the value, no room) is kept for tern_provision_end. */
void tern_provision_add(struct tern_provision_writer *w, const char *key, const void *value,
                        size_t len);
/* Writes the header: the image's size, or TERN_EFULL / TERN_EINVAL. */
long tern_provision_end(struct tern_provision_writer *w);

/* Called for each record: key, and value (NUL-terminated, len bytes);
 * non-zero stops the walk. */
typedef int (*tern_provision_fn)(void *arg, const char *key, const char *value, size_t len);
/* Checks an image of up to avail bytes (header, length, CRC, every record's
 * bounds and NULs) and then calls fn for each record, in order; value is
 * NUL-terminated in place. Returns 0; TERN_ENOTFOUND when the area is empty
 * (all 0x00 or 0xFF: nothing provisioned); TERN_EPROTO when it is not a
 * valid image, why saying what is wrong; or fn's first non-zero return. */
int tern_provision_read(const uint8_t *img, size_t avail, tern_provision_fn fn, void *arg,
                        char *why, size_t whylen);

#pragma GCC visibility pop
#endif
