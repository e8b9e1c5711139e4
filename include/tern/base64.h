/* Base64 (RFC 4648): HTTP Basic auth, the WebSocket handshake, password hashes. */
#ifndef TERN_BASE64_H
#define TERN_BASE64_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
/* Standard alphabet with padding. n bytes of in into out, NUL-terminated;
 * returns the length without the NUL, or TERN_EFULL when outlen is short
 * (4 * ((n + 2) / 3) + 1 bytes are enough). */
int tern_base64_encode(const uint8_t *in, size_t n, char *out, size_t outlen);
/* n characters of in (padding optional) into out; returns the length, or
 * TERN_EPARSE for a character outside the alphabet, TERN_EFULL when outlen
 * is short (3 * n / 4 bytes are enough). */
int tern_base64_decode(const char *in, size_t n, uint8_t *out, size_t outlen);
#pragma GCC visibility pop
#endif
