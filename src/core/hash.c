/* SHA-1 and SHA-512 (FIPS 180-4), HMAC (RFC 2104) and PBKDF2 (RFC 8018).
 * Written for clarity over speed: the WebSocket handshake hashes once per
 * connection and a password check runs a few hundred blocks. */
#include <string.h>
#include "tern/hash.h"

static uint32_t rol32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static uint64_t ror64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static void put_be32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static void put_be64(uint8_t *p, uint64_t v) {
  put_be32(p, (uint32_t)(v >> 32));
  put_be32(p + 4, (uint32_t)v);
}

/* ---- SHA-1 ---- */

static void sha1_block(struct tern_sha1 *s, const uint8_t *b) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++) w[i] = be32(b + 4 * i);
  for (int i = 16; i < 80; i++) w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = s->h[0], bb = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (bb & c) | (~bb & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = bb ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (bb & c) | (bb & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = bb ^ c ^ d;
      k = 0xca62c1d6;
    }
    uint32_t t = rol32(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol32(bb, 30);
    bb = a;
    a = t;
  }
  s->h[0] += a;
  s->h[1] += bb;
  s->h[2] += c;
  s->h[3] += d;
  s->h[4] += e;
}

void tern_sha1_init(struct tern_sha1 *s) {
  static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  memcpy(s->h, iv, sizeof(iv));
  s->bytes = 0;
}

void tern_sha1_update(struct tern_sha1 *s, const void *data, size_t n) {
  const uint8_t *p = data;
  while (n) {
    size_t used = (size_t)(s->bytes % 64), take = 64 - used < n ? 64 - used : n;
    memcpy(s->block + used, p, take);
    s->bytes += take;
    p += take;
    n -= take;
    if (used + take == 64) sha1_block(s, s->block);
  }
}

void tern_sha1_final(struct tern_sha1 *s, uint8_t out[TERN_SHA1_LEN]) {
  uint64_t bits = s->bytes * 8;
  uint8_t pad[72] = {0x80}, len[8];
  size_t used = (size_t)(s->bytes % 64);
  tern_sha1_update(s, pad, used < 56 ? 56 - used : 120 - used);
  put_be64(len, bits);
  tern_sha1_update(s, len, 8);
  for (int i = 0; i < 5; i++) put_be32(out + 4 * i, s->h[i]);
}

/* ---- SHA-512 ---- */

static const uint64_t K512[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817};

static void sha512_block(struct tern_sha512 *s, const uint8_t *b) {
  uint64_t w[80], v[8];
  for (int i = 0; i < 16; i++) w[i] = be64(b + 8 * i);
  for (int i = 16; i < 80; i++) {
    uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
    uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, s->h, sizeof(v));
  for (int i = 0; i < 80; i++) {
    uint64_t S1 = ror64(v[4], 14) ^ ror64(v[4], 18) ^ ror64(v[4], 41);
    uint64_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint64_t t1 = v[7] + S1 + ch + K512[i] + w[i];
    uint64_t S0 = ror64(v[0], 28) ^ ror64(v[0], 34) ^ ror64(v[0], 39);
    uint64_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(v + 1, v, 7 * sizeof(v[0]));
    v[4] += t1;
    v[0] = t1 + S0 + maj;
  }
  for (int i = 0; i < 8; i++) s->h[i] += v[i];
}

void tern_sha512_init(struct tern_sha512 *s) {
  static const uint64_t iv[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                                 0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                                 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
  memcpy(s->h, iv, sizeof(iv));
  s->bytes = 0;
}

void tern_sha512_update(struct tern_sha512 *s, const void *data, size_t n) {
  const uint8_t *p = data;
  while (n) {
    size_t used = (size_t)(s->bytes % 128), take = 128 - used < n ? 128 - used : n;
    memcpy(s->block + used, p, take);
    s->bytes += take;
    p += take;
    n -= take;
    if (used + take == 128) sha512_block(s, s->block);
  }
}

void tern_sha512_final(struct tern_sha512 *s, uint8_t out[TERN_SHA512_LEN]) {
  uint64_t bits = s->bytes * 8;
  uint8_t pad[144] = {0x80}, len[16] = {0};
  size_t used = (size_t)(s->bytes % 128);
  tern_sha512_update(s, pad, used < 112 ? 112 - used : 240 - used);
  put_be64(len + 8, bits);
  tern_sha512_update(s, len, 16);
  for (int i = 0; i < 8; i++) put_be64(out + 8 * i, s->h[i]);
}

/* ---- HMAC-SHA-512 and PBKDF2 ---- */

/* The inner and outer states after the padded key: each PBKDF2 round then
 * costs two hashes of one block, not four. */
struct hmac512 {
  struct tern_sha512 inner, outer;
};

static void hmac_key(struct hmac512 *h, const void *key, size_t key_len) {
  uint8_t k[128] = {0}, pad[128];
  if (key_len > sizeof(k)) {
    struct tern_sha512 s;
    tern_sha512_init(&s);
    tern_sha512_update(&s, key, key_len);
    tern_sha512_final(&s, k);
  } else if (key_len) {
    memcpy(k, key, key_len);
  }
  for (int i = 0; i < 128; i++) pad[i] = k[i] ^ 0x36;
  tern_sha512_init(&h->inner);
  tern_sha512_update(&h->inner, pad, sizeof(pad));
  for (int i = 0; i < 128; i++) pad[i] = k[i] ^ 0x5c;
  tern_sha512_init(&h->outer);
  tern_sha512_update(&h->outer, pad, sizeof(pad));
}

static void hmac_run(const struct hmac512 *h, const void *a, size_t a_len, const void *b,
                     size_t b_len, uint8_t out[TERN_SHA512_LEN]) {
  struct tern_sha512 s = h->inner;
  tern_sha512_update(&s, a, a_len);
  if (b_len) tern_sha512_update(&s, b, b_len);
  tern_sha512_final(&s, out);
  s = h->outer;
  tern_sha512_update(&s, out, TERN_SHA512_LEN);
  tern_sha512_final(&s, out);
}

void tern_pbkdf2_sha512(const void *password, size_t password_len, const void *salt,
                        size_t salt_len, unsigned iterations, uint8_t *out, size_t out_len) {
  struct hmac512 h;
  hmac_key(&h, password, password_len);
  for (uint32_t block = 1; out_len; block++) {
    uint8_t idx[4], u[TERN_SHA512_LEN], t[TERN_SHA512_LEN];
    put_be32(idx, block);
    hmac_run(&h, salt, salt_len, idx, 4, u);
    memcpy(t, u, sizeof(t));
    for (unsigned i = 1; i < iterations; i++) {
      hmac_run(&h, u, sizeof(u), NULL, 0, u);
      for (int j = 0; j < TERN_SHA512_LEN; j++) t[j] ^= u[j];
    }
    size_t take = out_len < sizeof(t) ? out_len : sizeof(t);
    memcpy(out, t, take);
    out += take;
    out_len -= take;
  }
}

int tern_ct_equal(const void *a, const void *b, size_t n) {
  const volatile uint8_t *x = a, *y = b;
  uint8_t diff = 0;
  for (size_t i = 0; i < n; i++) diff |= (uint8_t)(x[i] ^ y[i]);
  return diff == 0;
}
