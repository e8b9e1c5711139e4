/* HTTP/1.1 messages (RFC 9112) parsed from byte buffers: no sockets, no
 * allocation. Strict: what could be read two ways (smuggling shapes) is
 * refused. Strings point into the caller's buffer. */
#ifndef TERN_HTTP_CODEC_H
#define TERN_HTTP_CODEC_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "config.h"
#include "url.h"

struct tern_http_header {
  struct tern_str name, value;
};

struct tern_http_msg {
  struct tern_str method, target; /* requests */
  int status;                     /* responses */
  struct tern_str reason;
  int minor; /* HTTP/1.minor */
  struct tern_http_header headers[TERN_HTTP_MAX_HEADERS];
  size_t nheaders;
  int64_t content_length; /* -1 when absent */
  uint8_t chunked, keep_alive, upgrade, expect_continue;
  size_t head_len; /* bytes up to and including the blank line */
};

/* Returns head_len (> 0), TERN_EAGAIN (need more), TERN_EPARSE (400) or
 * TERN_ELIMIT (431: head or header count over the caps). */
int tern_http_parse_request(const uint8_t *buf, size_t len, struct tern_http_msg *m);
/* The same for a response's head (status line and headers). */
int tern_http_parse_response(const uint8_t *buf, size_t len, struct tern_http_msg *m);
/* Case-insensitive header lookup; the first one, or NULL. */
const struct tern_str *tern_http_header(const struct tern_http_msg *m, const char *name);

/* Chunked transfer coding, decoded incrementally into out. */
struct tern_http_chunked {
  int state;
  uint64_t left;  /* bytes left in the current chunk */
  size_t line;    /* length of the size or trailer line so far */
  size_t trailer; /* trailer bytes so far */
};
/* Consumes from in, appends data to out. Returns bytes consumed (>= 0) and
 * sets *done once the last chunk and trailers are through; TERN_EPARSE. */
int tern_http_chunked_feed(struct tern_http_chunked *st, const uint8_t *in, size_t len,
                           struct tern_buf *out, int *done);

/* Forms and query strings: application/x-www-form-urlencoded. */
/* Finds key in "a=1&b=2" and decodes its value into out; TERN_ENOTFOUND. */
int tern_form_get(struct tern_str form, const char *key, char *out, size_t outlen);
/* Appends key=value (encoded, with '&' when out is not empty). */
int tern_form_append(struct tern_buf *out, const char *key, const char *value);
/* Percent-encodes s for a URL or form (space as %20, or '+' when form). */
int tern_url_encode(const char *s, size_t n, struct tern_buf *out, int form);
/* An HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") for
 * Unix time t; no libc time functions, so it also runs on a board. */
void tern_http_date(int64_t t, char out[30]);

/* The types tern_json_get reports. */
enum {
  TERN_JSON_STRING = 1,
  TERN_JSON_NUMBER,
  TERN_JSON_OBJECT,
  TERN_JSON_ARRAY,
  TERN_JSON_TRUE,
  TERN_JSON_FALSE,
  TERN_JSON_NULL
};
/* JSON lookup by path ("current.temperature_2m", "list[0].name") without
 * allocating: value points into json at the value's text (strings without
 * quotes, raw escapes kept); returns its type (TERN_JSON_*), or
 * TERN_ENOTFOUND / TERN_EPARSE. */
int tern_json_get(const char *json, size_t len, const char *path, struct tern_str *value);
/* Decodes a JSON string's escapes (\n, \u00e9 ...) into UTF-8. */
int tern_json_unescape(struct tern_str s, char *out, size_t outlen);

#pragma GCC visibility pop
#endif
