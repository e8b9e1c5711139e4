/* Numeric address parsing and printing without the OS (no inet_pton), so
 * the core builds for a bare-metal target. */
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/loop.h"

static int parse_ip4(const char *s, size_t n, uint8_t out[4]) {
  int part = 0;
  unsigned v = 0, digits = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (digits == 0 || part > 3) return -1;
      out[part++] = (uint8_t)v;
      v = digits = 0;
    } else if (s[i] >= '0' && s[i] <= '9') {
      if (digits && v == 0) return -1; /* no leading zeros: 010 is ambiguous */
      v = v * 10 + (unsigned)(s[i] - '0');
      if (++digits > 3 || v > 255) return -1;
    } else {
      return -1;
    }
  }
  return part == 4 ? 0 : -1;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int parse_ip6(const char *s, size_t n, uint8_t out[16]) {
  uint16_t words[8];
  int nw = 0, gap = -1;
  size_t i = 0;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (n >= 1 && s[0] == ':') return -1;
  while (i < n) {
    /* embedded IPv4 in the last 32 bits */
    const char *dot = memchr(s + i, '.', n - i);
    const char *colon = memchr(s + i, ':', n - i);
    if (dot && !colon) {
      uint8_t v4[4];
      if (nw > 6 || parse_ip4(s + i, n - i, v4) != 0) return -1;
      words[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
      words[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
      i = n;
      break;
    }
    unsigned v = 0;
    int digits = 0;
    while (i < n && hexval(s[i]) >= 0) {
      v = v * 16 + (unsigned)hexval(s[i++]);
      if (++digits > 4) return -1;
    }
    if (digits == 0 || nw >= 8) return -1;
    words[nw++] = (uint16_t)v;
    if (i == n) break;
    if (s[i] != ':') return -1;
    i++;
    if (i < n && s[i] == ':') {
      if (gap >= 0) return -1;
      gap = nw;
      i++;
    } else if (i == n) {
      return -1; /* trailing single colon */
    }
  }
  if (gap < 0 && nw != 8) return -1;
  if (gap >= 0 && nw > 7) return -1;
  memset(out, 0, 16);
  int tail = gap < 0 ? 0 : nw - gap;
  int head = nw - tail;
  for (int k = 0; k < head; k++) {
    out[2 * k] = (uint8_t)(words[k] >> 8);
    out[2 * k + 1] = (uint8_t)words[k];
  }
  for (int k = 0; k < tail; k++) {
    int pos = 8 - tail + k;
    out[2 * pos] = (uint8_t)(words[head + k] >> 8);
    out[2 * pos + 1] = (uint8_t)words[head + k];
  }
  return 0;
}

int tern_addr_parse(const char *ip, uint16_t port, struct tern_addr *out) {
  memset(out, 0, sizeof(*out));
  out->port = port;
  size_t n = strlen(ip);
  if (n && ip[0] == '[' && ip[n - 1] == ']') {
    ip++;
    n -= 2;
  }
  if (parse_ip4(ip, n, out->ip) == 0) return 0;
  if (memchr(ip, ':', n) && parse_ip6(ip, n, out->ip) == 0) {
    out->is_ip6 = 1;
    return 0;
  }
  return TERN_EINVAL;
}

char *tern_addr_str(const struct tern_addr *a, char *buf, size_t len, int with_port) {
  char ip[48];
  if (!a->is_ip6) {
    snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a->ip[0], a->ip[1], a->ip[2], a->ip[3]);
  } else {
    /* RFC 5952: lower case, longest run of zero words shortened to "::" */
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
      int j = i;
      while (j < 8 && a->ip[2 * j] == 0 && a->ip[2 * j + 1] == 0) j++;
      if (j - i > best_len && j - i > 1) {
        best = i;
        best_len = j - i;
      }
      i = j > i ? j : i + 1;
    }
    size_t o = 0;
    for (int i = 0; i < 8; i++) {
      if (i == best) {
        o += (size_t)snprintf(ip + o, sizeof(ip) - o, "::");
        i += best_len - 1;
        continue;
      }
      if (o && ip[o - 1] != ':') ip[o++] = ':';
      o += (size_t)snprintf(ip + o, sizeof(ip) - o, "%x",
                            (unsigned)(a->ip[2 * i] << 8 | a->ip[2 * i + 1]));
    }
    ip[o] = '\0';
  }
  if (!with_port) snprintf(buf, len, "%s", ip);
  else if (a->is_ip6) snprintf(buf, len, "[%s]:%u", ip, a->port);
  else snprintf(buf, len, "%s:%u", ip, a->port);
  return buf;
}
