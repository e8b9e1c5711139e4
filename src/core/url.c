/* A strict URL splitter: it finds the parts, rejects what is malformed
 * (bad port, control characters, unclosed IPv6 bracket) and copies nothing. */
#include <string.h>
#include "tern/config.h"
#include "tern/error.h"
#include "tern/url.h"

int tern_str_eq(struct tern_str s, const char *z) {
  size_t n = strlen(z);
  if (n != s.len) return 0;
  for (size_t i = 0; i < n; i++) {
    char a = s.p[i], b = z[i];
    if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
    if (a != b) return 0;
  }
  return 1;
}

int tern_str_copy(struct tern_str s, char *buf, size_t len) {
  if (len == 0 || s.len >= len) return TERN_EFULL;
  if (s.len) memcpy(buf, s.p, s.len);
  buf[s.len] = '\0';
  return 0;
}

uint16_t tern_url_default_port(struct tern_str scheme) {
  static const struct {
    const char *name;
    uint16_t port;
  } ports[] = {{"http", 80},   {"https", 443}, {"ws", 80},      {"wss", 443},
               {"mqtt", 1883}, {"tcp", 0},     {"mqtts", 8883}, {"ssl", 8883},
               {"telnet", 23}, {"ntp", 123},   {"dns", 53}};
  for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
    if (tern_str_eq(scheme, ports[i].name)) return ports[i].port;
  return 0;
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

int tern_url_parse(const char *s, size_t len, struct tern_url *u) {
  memset(u, 0, sizeof(*u));
  if (len == 0 || len > TERN_URL_MAX) return TERN_EPARSE;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f) return TERN_EPARSE;
  const char *p = s, *end = s + len;

  /* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) "://" (optional) */
  const char *q = p;
  while (q < end &&
         (is_alpha(*q) || (q > p && (is_digit(*q) || *q == '+' || *q == '-' || *q == '.'))))
    q++;
  if (q > p && end - q >= 3 && memcmp(q, "://", 3) == 0) {
    u->scheme = (struct tern_str){p, (size_t)(q - p)};
    p = q + 3;
  }

  /* authority ends at the first '/', '?' or '#' */
  const char *auth_end = p;
  while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#') auth_end++;
  const char *at = NULL;
  for (const char *r = p; r < auth_end; r++)
    if (*r == '@') at = r; /* the last '@' separates userinfo */
  if (at) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (colon) {
      u->user = (struct tern_str){p, (size_t)(colon - p)};
      u->pass = (struct tern_str){colon + 1, (size_t)(at - colon - 1)};
    } else {
      u->user = (struct tern_str){p, (size_t)(at - p)};
    }
    p = at + 1;
  }

  const char *port_start = NULL;
  if (p < auth_end && *p == '[') {
    const char *close = memchr(p, ']', (size_t)(auth_end - p));
    if (!close || close == p + 1) return TERN_EPARSE;
    u->host = (struct tern_str){p + 1, (size_t)(close - p - 1)};
    u->host_is_ip6 = 1;
    for (size_t i = 0; i < u->host.len; i++) {
      char c = u->host.p[i];
      if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
            c == '.' || c == '%'))
        return TERN_EPARSE;
    }
    p = close + 1;
    if (p < auth_end) {
      if (*p != ':') return TERN_EPARSE;
      port_start = p + 1;
    }
  } else {
    const char *colon = memchr(p, ':', (size_t)(auth_end - p));
    const char *host_end = colon ? colon : auth_end;
    u->host = (struct tern_str){p, (size_t)(host_end - p)};
    for (size_t i = 0; i < u->host.len; i++) {
      char c = u->host.p[i];
      if (c == '[' || c == ']' || c == '@' || c == '\\') return TERN_EPARSE;
    }
    if (colon) port_start = colon + 1;
  }
  if (u->host.len > 253) return TERN_EPARSE;

  if (port_start) {
    if (port_start == auth_end) return TERN_EPARSE;
    unsigned long port = 0;
    for (const char *r = port_start; r < auth_end; r++) {
      if (!is_digit(*r) || r - port_start >= 5) return TERN_EPARSE;
      port = port * 10 + (unsigned long)(*r - '0');
    }
    if (port > 65535) return TERN_EPARSE;
    u->port = (uint16_t)port;
    u->has_port = 1;
  } else {
    u->port = tern_url_default_port(u->scheme);
  }

  p = auth_end;
  const char *hash = memchr(p, '#', (size_t)(end - p));
  const char *rest_end = hash ? hash : end;
  if (hash) u->fragment = (struct tern_str){hash + 1, (size_t)(end - hash - 1)};
  const char *qm = memchr(p, '?', (size_t)(rest_end - p));
  if (qm) u->query = (struct tern_str){qm + 1, (size_t)(rest_end - qm - 1)};
  u->path = (struct tern_str){p, (size_t)((qm ? qm : rest_end) - p)};
  return 0;
}

static int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int tern_url_decode(const char *s, size_t len, char *out, size_t outlen, int plus_as_space) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= len) return TERN_EPARSE;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return TERN_EPARSE;
      c = (char)(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      c = ' ';
    }
    if (o + 1 >= outlen) return TERN_EFULL;
    out[o++] = c;
  }
  if (outlen) out[o] = '\0';
  return (int)o;
}
