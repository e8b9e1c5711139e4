/* SHA-1, SHA-512 and PBKDF2-HMAC-SHA-512 against reference digests
 * (computed with Python's hashlib, an independent implementation), the
 * WebSocket accept key of RFC 6455's example, and the $7$ password hash
 * round trip. */
#include <stdio.h>
#include "test.h"
#include "tern/creds.h"
#include "tern/error.h"
#include "tern/hash.h"
#include "tern/ws.h"

static void hex(const uint8_t *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha1_of(const void *d, size_t n, char *out) {
  uint8_t dig[TERN_SHA1_LEN];
  struct tern_sha1 s;
  tern_sha1_init(&s);
  /* in uneven pieces: the block boundary handling is what breaks first */
  for (size_t at = 0; at < n;) {
    size_t take = n - at < 7 ? n - at : 7;
    tern_sha1_update(&s, (const uint8_t *)d + at, take);
    at += take;
  }
  tern_sha1_final(&s, dig);
  hex(dig, sizeof(dig), out);
}

static void sha512_of(const void *d, size_t n, char *out) {
  uint8_t dig[TERN_SHA512_LEN];
  struct tern_sha512 s;
  tern_sha512_init(&s);
  for (size_t at = 0; at < n;) {
    size_t take = n - at < 13 ? n - at : 13;
    tern_sha512_update(&s, (const uint8_t *)d + at, take);
    at += take;
  }
  tern_sha512_final(&s, dig);
  hex(dig, sizeof(dig), out);
}

int main(void) {
  char out[512], a1000[1000];
  memset(a1000, 'a', sizeof(a1000));
  sha1_of("abc", 3, out);
  CHECK_STR(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
  sha1_of(a1000, sizeof(a1000), out);
  CHECK_STR(out, "291e9a6c66994949b57ba5e650361e98fc36b1ba");
  sha512_of("", 0, out);
  CHECK_STR(out, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                 "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  sha512_of("abc", 3, out);
  CHECK_STR(out, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  sha512_of(a1000, sizeof(a1000), out);
  CHECK_STR(out, "67ba5535a46e3f86dbfbed8cbbaf0125c76ed549ff8b0b9e03e0c88cf90fa634"
                 "fa7b12b47d77b694de488ace8d9a65967dc96df599727d3292a8d9d447709c97");

  uint8_t dk[80];
  tern_pbkdf2_sha512("password", 8, "salt", 4, 1, dk, 64);
  hex(dk, 64, out);
  CHECK_STR(out, "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
                 "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce");
  tern_pbkdf2_sha512("pw one", 6, "0123456789ab", 12, 101, dk, 64);
  hex(dk, 64, out);
  CHECK_STR(out, "e33dc2298a00479c61146fb8dec987bc4fb48327bbcf8c2be73d74e0d4fcb80b"
                 "afe3a620c9d69212c93559437c71dbddf75c09c6028537c66dadf3339506fb0d");
  char longkey[200];
  memset(longkey, 'k', sizeof(longkey)); /* longer than a block: hashed first */
  tern_pbkdf2_sha512(longkey, sizeof(longkey), "salt", 4, 3, dk, 80);
  hex(dk, 80, out);
  CHECK_STR(out, "35af7cebd2e1c297550a8cdeae79788b876bbd859d95d49da98b89812d99542e"
                 "35fe4c71ab53970bf637721774594169913c31b29e3a1f03b3d601d30215647f"
                 "3598fddd65d8b2047454b00ab3cf6f92");

  /* RFC 6455, section 1.3 */
  char key[32];
  CHECK_EQ(tern_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, key), 0);
  CHECK_STR(key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

  CHECK(tern_ct_equal("same", "same", 4));
  CHECK(!tern_ct_equal("same", "samf", 4));
  TEST_MAIN_END();
}
