#include "tern/base64.h"
#include "tern/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int tern_base64_encode(const uint8_t *in, size_t n, char *out, size_t outlen) {
  size_t need = (n + 2) / 3 * 4;
  if (outlen < need + 1) return TERN_EFULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
  }
  out[o] = '\0';
  return (int)o;
}

static int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int tern_base64_decode(const char *in, size_t n, uint8_t *out, size_t outlen) {
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0, i = 0;
  for (; i < n && in[i] != '='; i++) {
    int v = value_of(in[i]);
    if (v < 0) return TERN_EPARSE;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= outlen) return TERN_EFULL;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  /* Only padding may follow, and at most two of it. */
  size_t pad = n - i;
  if (pad > 2) return TERN_EPARSE;
  for (; i < n; i++)
    if (in[i] != '=') return TERN_EPARSE;
  return (int)o;
}
