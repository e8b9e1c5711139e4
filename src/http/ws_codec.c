/* WebSocket frames (RFC 6455 section 5): header parsing and encoding. */
#include <stdio.h>
#include <string.h>
#include "tern/base64.h"
#include "tern/error.h"
#include "tern/hash.h"
#include "tern/ws.h"

int tern_ws_parse_header(const uint8_t *buf, size_t len, int from_client, struct tern_ws_frame *f) {
  if (len < 2) return TERN_EAGAIN;
  memset(f, 0, sizeof(*f));
  f->fin = buf[0] >> 7;
  if (buf[0] & 0x70) return TERN_EPROTO; /* no extension negotiated: RSV bits must be 0 */
  f->opcode = buf[0] & 0x0f;
  if (!(f->opcode <= 2 || (f->opcode >= 8 && f->opcode <= 10))) return TERN_EPROTO;
  f->masked = buf[1] >> 7;
  if (f->masked != (from_client ? 1 : 0))
    return TERN_EPROTO; /* 5.1: clients mask, servers do not */
  uint64_t n = buf[1] & 0x7f;
  size_t h = 2;
  if (n == 126) {
    if (len < 4) return TERN_EAGAIN;
    n = (uint64_t)buf[2] << 8 | buf[3];
    if (n < 126) return TERN_EPROTO; /* minimal encoding (5.2) */
    h = 4;
  } else if (n == 127) {
    if (len < 10) return TERN_EAGAIN;
    n = 0;
    for (int i = 0; i < 8; i++) n = n << 8 | buf[2 + i];
    if (n >> 63 || n < 65536) return TERN_EPROTO;
    h = 10;
  }
  if (f->opcode >= 8 && (!f->fin || n > 125)) return TERN_EPROTO; /* 5.5 */
  if (f->masked) {
    if (len < h + 4) return TERN_EAGAIN;
    memcpy(f->mask, buf + h, 4);
    h += 4;
  }
  f->len = n;
  f->header_len = h;
  return (int)h;
}

void tern_ws_unmask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset) {
  for (size_t i = 0; i < len; i++) data[i] ^= mask[(offset + i) & 3];
}

size_t tern_ws_header(uint8_t h[14], int opcode, int fin, uint64_t len, const uint8_t *mask_key) {
  size_t hl = 2;
  h[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
  uint8_t m = mask_key ? 0x80 : 0;
  if (len < 126) {
    h[1] = (uint8_t)(m | len);
  } else if (len < 65536) {
    h[1] = m | 126;
    h[2] = (uint8_t)(len >> 8);
    h[3] = (uint8_t)len;
    hl = 4;
  } else {
    h[1] = m | 127;
    for (int i = 0; i < 8; i++) h[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    hl = 10;
  }
  if (mask_key) {
    memcpy(h + hl, mask_key, 4);
    hl += 4;
  }
  return hl;
}

int tern_ws_encode(struct tern_buf *out, int opcode, int fin, const void *data, size_t len,
                   const uint8_t *mask_key) {
  uint8_t h[14];
  size_t hl = tern_ws_header(h, opcode, fin, len, mask_key);
  int rc = tern_buf_reserve(out, hl + len);
  if (rc) return rc;
  memcpy(out->data + out->len, h, hl);
  if (len) memcpy(out->data + out->len + hl, data, len);
  if (mask_key) tern_ws_unmask(out->data + out->len + hl, len, mask_key, 0);
  out->len += hl + len;
  return 0;
}

/* Sec-WebSocket-Accept: base64(SHA-1(key + the protocol's GUID)). */
int tern_ws_accept_key(const char *key, size_t key_len, char out[32]) {
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  uint8_t digest[TERN_SHA1_LEN];
  struct tern_sha1 sha;
  tern_sha1_init(&sha);
  tern_sha1_update(&sha, key, key_len);
  tern_sha1_update(&sha, guid, sizeof(guid) - 1);
  tern_sha1_final(&sha, digest);
  return tern_base64_encode(digest, sizeof(digest), out, 32) == 28 ? 0 : TERN_EFULL;
}

int tern_ws_accept_response(const char *key, size_t key_len, const char *protocol, char *out,
                            size_t outlen) {
  char accept[32];
  int rc = tern_ws_accept_key(key, key_len, accept);
  if (rc) return rc;
  int n = snprintf(out, outlen,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s\r\n",
                   accept, protocol ? "Sec-WebSocket-Protocol: " : "", protocol ? protocol : "",
                   protocol ? "\r\n" : "");
  return n > 0 && (size_t)n < outlen ? n : TERN_EFULL;
}
