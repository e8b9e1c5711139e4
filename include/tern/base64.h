#ifndef TERN_BASE64_H
#define TERN_BASE64_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
/* Standard alphabet with padding. Both return the output length (the
 * encoder NUL-terminates) or a negative TERN_E code. */
int tern_base64_encode(const uint8_t *in, size_t n, char *out, size_t outlen);
int tern_base64_decode(const char *in, size_t n, uint8_t *out, size_t outlen);
#pragma GCC visibility pop
#endif
