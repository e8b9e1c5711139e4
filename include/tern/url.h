/* URL parsing: scheme://[user[:pass]@]host[:port][/path][?query][#frag].
 * Slices point into the caller's string (no allocation). */
#ifndef TERN_URL_H
#define TERN_URL_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>

struct tern_str {
  const char *p;
  size_t len;
};

struct tern_url {
  struct tern_str scheme, user, pass, host, path, query, fragment;
  uint16_t port;    /* explicit port, or the scheme's default, or 0 */
  uint8_t has_port; /* the port was written out (":0" asks for any port) */
  uint8_t host_is_ip6;
};

/* A URL's scheme, user, password, host, port, path, query and fragment
 * (every part optional but the host) into u, whose strings point into s. 0, or TERN_EPARSE
 * (control characters or spaces, over TERN_URL_MAX, a bad port or IPv6
 * literal). */
int tern_url_parse(const char *s, size_t len, struct tern_url *u);
/* The port a scheme implies (http 80, mqtts 8883, ...); 0 when none. */
uint16_t tern_url_default_port(struct tern_str scheme);
/* 1 when s equals z, ignoring ASCII case. */
int tern_str_eq(struct tern_str s, const char *z);
/* copy s into buf as a C string; TERN_EFULL if it does not fit */
int tern_str_copy(struct tern_str s, char *buf, size_t len);
/* Percent-decoding (plus_as_space for form data). Returns length or error. */
int tern_url_decode(const char *s, size_t len, char *out, size_t outlen, int plus_as_space);

#pragma GCC visibility pop
#endif
