/* Hashes the protocols need without a TLS library: SHA-1 (the WebSocket
 * handshake, RFC 6455) and SHA-512 with HMAC and PBKDF2 (Mosquitto's $7$
 * password hashes). Plain C, no allocation, also on the MCU build. */
#ifndef TERN_HASH_H
#define TERN_HASH_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>

#define TERN_SHA1_LEN 20
#define TERN_SHA512_LEN 64

struct tern_sha1 {
  uint32_t h[5];
  uint64_t bytes;
  uint8_t block[64];
};
/* Starts a SHA-1 over s (the caller's memory). */
void tern_sha1_init(struct tern_sha1 *s);
/* Adds n bytes; any split of the input gives the same digest. */
void tern_sha1_update(struct tern_sha1 *s, const void *data, size_t n);
/* The digest into out; s must be initialised again before reuse. */
void tern_sha1_final(struct tern_sha1 *s, uint8_t out[TERN_SHA1_LEN]);

struct tern_sha512 {
  uint64_t h[8];
  uint64_t bytes; /* inputs beyond 2^64 bytes are not a concern here */
  uint8_t block[128];
};
/* Starts a SHA-512 over s (the caller's memory). */
void tern_sha512_init(struct tern_sha512 *s);
/* Adds n bytes; any split of the input gives the same digest. */
void tern_sha512_update(struct tern_sha512 *s, const void *data, size_t n);
/* The digest into out; s must be initialised again before reuse. */
void tern_sha512_final(struct tern_sha512 *s, uint8_t out[TERN_SHA512_LEN]);

/* PBKDF2 with HMAC-SHA-512 (RFC 8018); out_len up to any size. */
void tern_pbkdf2_sha512(const void *password, size_t password_len, const void *salt,
                        size_t salt_len, unsigned iterations, uint8_t *out, size_t out_len);

/* 1 when the n bytes are equal; the time taken does not depend on where
 * they differ (password and MAC checks). */
int tern_ct_equal(const void *a, const void *b, size_t n);
#pragma GCC visibility pop
#endif
