/* HTTP/1.1 message heads and chunked bodies (RFC 9112), parsed strictly.
 * Refused: bare LF, obs-fold, whitespace before the colon, Content-Length
 * with Transfer-Encoding, two Content-Lengths, a non-final or unknown
 * transfer coding, control characters in values. */
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/fmt.h"
#include "tern/http_codec.h"
#include "tern/rtc.h"

static int is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int ieq(struct tern_str s, const char *z) { return tern_str_eq(s, z); }

/* Does a comma-separated header value contain token (case-insensitive)? */
static int has_token(struct tern_str v, const char *token) {
  size_t i = 0, tl = strlen(token);
  while (i < v.len) {
    while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ',')) i++;
    size_t j = i;
    while (j < v.len && v.p[j] != ',') j++;
    size_t k = j;
    while (k > i && (v.p[k - 1] == ' ' || v.p[k - 1] == '\t')) k--;
    if (k - i == tl && tern_str_eq((struct tern_str){v.p + i, tl}, token)) return 1;
    i = j;
  }
  return 0;
}

/* One line ending in CRLF starting at *pos; bare LF or CR is an error. */
static int next_line(const uint8_t *buf, size_t len, size_t *pos, struct tern_str *line) {
  size_t i = *pos;
  while (i < len && buf[i] != '\n' && buf[i] != '\r') i++;
  if (i >= len) return TERN_EAGAIN;
  if (buf[i] == '\n') return TERN_EPARSE; /* bare LF */
  if (i + 1 >= len) return TERN_EAGAIN;
  if (buf[i + 1] != '\n') return TERN_EPARSE; /* bare CR */
  line->p = (const char *)buf + *pos;
  line->len = i - *pos;
  *pos = i + 2;
  return 0;
}

static int parse_version(struct tern_str v, int *minor) {
  if (v.len != 8 || memcmp(v.p, "HTTP/1.", 7) != 0 || (v.p[7] != '0' && v.p[7] != '1'))
    return TERN_EPARSE;
  *minor = v.p[7] - '0';
  return 0;
}

static int parse_headers(const uint8_t *buf, size_t len, size_t pos, struct tern_http_msg *m) {
  int cl_seen = 0, te_seen = 0;
  for (;;) {
    if (pos > TERN_HTTP_MAX_HEAD) return TERN_ELIMIT;
    struct tern_str line;
    int rc = next_line(buf, len, &pos, &line);
    if (rc == TERN_EAGAIN) return len > TERN_HTTP_MAX_HEAD ? TERN_ELIMIT : rc;
    if (rc) return rc;
    if (pos > TERN_HTTP_MAX_HEAD) return TERN_ELIMIT;
    if (line.len == 0) break;
    if (line.p[0] == ' ' || line.p[0] == '\t') return TERN_EPARSE; /* obs-fold */
    size_t i = 0;
    while (i < line.len && is_tchar((uint8_t)line.p[i])) i++;
    if (i == 0 || i >= line.len || line.p[i] != ':') return TERN_EPARSE; /* no space before ':' */
    struct tern_str name = {line.p, i}, value;
    size_t b = i + 1, e = line.len;
    while (b < e && (line.p[b] == ' ' || line.p[b] == '\t')) b++;
    while (e > b && (line.p[e - 1] == ' ' || line.p[e - 1] == '\t')) e--;
    for (size_t k = b; k < e; k++) {
      uint8_t c = (uint8_t)line.p[k];
      if ((c < 0x20 && c != '\t') || c == 0x7f) return TERN_EPARSE;
    }
    value = (struct tern_str){line.p + b, e - b};
    if (m->nheaders == TERN_HTTP_MAX_HEADERS) return TERN_ELIMIT;
    m->headers[m->nheaders].name = name;
    m->headers[m->nheaders++].value = value;
    if (ieq(name, "content-length")) {
      if (cl_seen++) return TERN_EPARSE;
      if (value.len == 0 || value.len > 15) return TERN_EPARSE;
      int64_t n = 0;
      for (size_t k = 0; k < value.len; k++) {
        if (value.p[k] < '0' || value.p[k] > '9') return TERN_EPARSE;
        n = n * 10 + (value.p[k] - '0');
      }
      m->content_length = n;
    } else if (ieq(name, "transfer-encoding")) {
      if (te_seen++) return TERN_EPARSE;
      /* only "chunked", and it must be the final (here: only) coding */
      if (!ieq(value, "chunked")) return TERN_EPARSE;
      m->chunked = 1;
    } else if (ieq(name, "connection")) {
      if (has_token(value, "close")) m->keep_alive = 0;
      else if (has_token(value, "keep-alive")) m->keep_alive = 1;
      if (has_token(value, "upgrade")) m->upgrade = 1;
    } else if (ieq(name, "expect")) {
      m->expect_continue = ieq(value, "100-continue");
    }
  }
  if (cl_seen && te_seen) return TERN_EPARSE; /* the classic smuggling shape */
  m->head_len = pos;
  return (int)pos;
}

static void init_msg(struct tern_http_msg *m) {
  memset(m, 0, offsetof(struct tern_http_msg, headers));
  m->nheaders = 0;
  m->content_length = -1;
  m->chunked = m->upgrade = m->expect_continue = 0;
}

int tern_http_parse_request(const uint8_t *buf, size_t len, struct tern_http_msg *m) {
  init_msg(m);
  size_t pos = 0;
  /* RFC 9112 2.2: a server SHOULD ignore empty lines before the request line */
  while (pos + 1 < len && buf[pos] == '\r' && buf[pos + 1] == '\n' && pos < 8) pos += 2;
  /* A request line holds no control characters: refuse garbage (a NUL
   * flood, a TLS hello on the plain port) at once, not after a timeout. */
  for (size_t i = pos; i < len && buf[i] != '\r' && buf[i] != '\n'; i++)
    if (buf[i] < 0x20 || buf[i] == 0x7f) return TERN_EPARSE;
  struct tern_str line;
  int rc = next_line(buf, len, &pos, &line);
  if (rc == TERN_EAGAIN) return len > TERN_HTTP_MAX_HEAD ? TERN_ELIMIT : rc;
  if (rc) return rc;
  const char *sp1 = memchr(line.p, ' ', line.len);
  if (!sp1) return TERN_EPARSE;
  const char *sp2 = memchr(sp1 + 1, ' ', line.len - (size_t)(sp1 + 1 - line.p));
  if (!sp2) return TERN_EPARSE;
  m->method = (struct tern_str){line.p, (size_t)(sp1 - line.p)};
  m->target = (struct tern_str){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
  struct tern_str version = {sp2 + 1, line.len - (size_t)(sp2 + 1 - line.p)};
  if (m->method.len == 0 || m->target.len == 0) return TERN_EPARSE;
  for (size_t i = 0; i < m->method.len; i++)
    if (!is_tchar((uint8_t)m->method.p[i])) return TERN_EPARSE;
  for (size_t i = 0; i < m->target.len; i++) {
    uint8_t c = (uint8_t)m->target.p[i];
    if (c <= 0x20 || c == 0x7f) return TERN_EPARSE;
  }
  if (parse_version(version, &m->minor)) return TERN_EPARSE;
  m->keep_alive = m->minor == 1;
  rc = parse_headers(buf, len, pos, m);
  if (rc < 0) return rc;
  if (m->minor == 1 && !tern_http_header(m, "host")) return TERN_EPARSE; /* RFC 9112 3.2 */
  return rc;
}

int tern_http_parse_response(const uint8_t *buf, size_t len, struct tern_http_msg *m) {
  init_msg(m);
  size_t pos = 0;
  struct tern_str line;
  int rc = next_line(buf, len, &pos, &line);
  if (rc == TERN_EAGAIN) return len > TERN_HTTP_MAX_HEAD ? TERN_ELIMIT : rc;
  if (rc) return rc;
  if (line.len < 12 || line.p[8] != ' ') return TERN_EPARSE;
  if (parse_version((struct tern_str){line.p, 8}, &m->minor)) return TERN_EPARSE;
  int status = 0;
  for (int i = 9; i < 12; i++) {
    if (line.p[i] < '0' || line.p[i] > '9') return TERN_EPARSE;
    status = status * 10 + (line.p[i] - '0');
  }
  if (status < 100 || (line.len > 12 && line.p[12] != ' ')) return TERN_EPARSE;
  m->status = status;
  m->reason =
      line.len > 13 ? (struct tern_str){line.p + 13, line.len - 13} : (struct tern_str){"", 0};
  m->keep_alive = m->minor == 1;
  return parse_headers(buf, len, pos, m);
}

const struct tern_str *tern_http_header(const struct tern_http_msg *m, const char *name) {
  for (size_t i = 0; i < m->nheaders; i++)
    if (ieq(m->headers[i].name, name)) return &m->headers[i].value;
  return NULL;
}

/* ---- chunked ---- */

enum {
  CH_SIZE,
  CH_EXT,
  CH_SIZE_LF,
  CH_DATA,
  CH_DATA_CR,
  CH_DATA_LF,
  CH_TRAILER,
  CH_TRAILER_LF,
  CH_DONE
};

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int tern_http_chunked_feed(struct tern_http_chunked *st, const uint8_t *in, size_t len,
                           struct tern_buf *out, int *done) {
  size_t i = 0;
  *done = st->state == CH_DONE;
  while (i < len && st->state != CH_DONE) {
    uint8_t c = in[i];
    switch (st->state) {
    case CH_SIZE:
      if (hexval(c) >= 0) {
        if (++st->line > 15) return TERN_EPARSE; /* no chunk over 2^60 */
        st->left = st->left * 16 + (uint64_t)hexval(c);
      } else if (st->line && (c == ';' || c == ' ' || c == '\t')) {
        st->state = CH_EXT;
      } else if (st->line && c == '\r') {
        st->state = CH_SIZE_LF;
      } else {
        return TERN_EPARSE;
      }
      i++;
      break;
    case CH_EXT: /* chunk extensions are ignored, within bounds */
      if (c == '\r') st->state = CH_SIZE_LF;
      else if (c == '\n' || ++st->line > 1024) return TERN_EPARSE;
      i++;
      break;
    case CH_SIZE_LF:
      if (c != '\n') return TERN_EPARSE;
      i++;
      st->line = 0;
      st->state = st->left ? CH_DATA : CH_TRAILER;
      break;
    case CH_DATA: {
      size_t n = len - i;
      if (n > st->left) n = (size_t)st->left;
      int rc = tern_buf_append(out, in + i, n);
      if (rc) return rc;
      st->left -= n;
      i += n;
      if (!st->left) st->state = CH_DATA_CR;
      break;
    }
    case CH_DATA_CR:
      if (c != '\r') return TERN_EPARSE;
      st->state = CH_DATA_LF;
      i++;
      break;
    case CH_DATA_LF:
      if (c != '\n') return TERN_EPARSE;
      st->state = CH_SIZE;
      st->line = 0;
      i++;
      break;
    case CH_TRAILER: /* trailer fields until an empty line; bounded, then dropped */
      if (c == '\r') st->state = CH_TRAILER_LF;
      else if (c == '\n' || ++st->trailer > TERN_HTTP_MAX_HEAD) return TERN_EPARSE;
      else st->line++;
      i++;
      break;
    case CH_TRAILER_LF:
      if (c != '\n') return TERN_EPARSE;
      i++;
      if (st->line == 0) st->state = CH_DONE;
      else {
        st->line = 0;
        st->state = CH_TRAILER;
      }
      break;
    }
  }
  *done = st->state == CH_DONE;
  return (int)i;
}

/* ---- forms ---- */

int tern_form_get(struct tern_str form, const char *key, char *out, size_t outlen) {
  size_t i = 0, kl = strlen(key);
  char name[256];
  if (!form.p) return TERN_ENOTFOUND; /* no query or body at all */
  while (i <= form.len) {
    size_t j = i;
    while (j < form.len && form.p[j] != '&') j++;
    const char *eq = memchr(form.p + i, '=', j - i);
    size_t nend = eq ? (size_t)(eq - form.p) : j;
    int nl = tern_url_decode(form.p + i, nend - i, name, sizeof(name), 1);
    if (nl == (int)kl && memcmp(name, key, kl) == 0) {
      if (!eq) {
        if (outlen) out[0] = '\0';
        return 0;
      }
      int vl = tern_url_decode(eq + 1, j - nend - 1, out, outlen, 1);
      return vl < 0 ? vl : 0;
    }
    i = j + 1;
  }
  return TERN_ENOTFOUND;
}

int tern_url_encode(const char *s, size_t n, struct tern_buf *out, int form) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                strchr("-._~", c);
    int rc;
    if (plain && c) rc = tern_buf_append(out, &c, 1);
    else if (c == ' ' && form) rc = tern_buf_append(out, "+", 1);
    else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      rc = tern_buf_append(out, e, 3);
    }
    if (rc) return rc;
  }
  return 0;
}

int tern_form_append(struct tern_buf *out, const char *key, const char *value) {
  int rc = out->len ? tern_buf_append(out, "&", 1) : 0;
  if (!rc) rc = tern_url_encode(key, strlen(key), out, 1);
  if (!rc) rc = tern_buf_append(out, "=", 1);
  if (!rc) rc = tern_url_encode(value, strlen(value), out, 1);
  return rc;
}

void tern_http_date(int64_t t, char out[30]) {
  static const char days[7][4] = {"Thu", "Fri", "Sat", "Sun",
                                  "Mon", "Tue", "Wed"}; /* 1970-01-01: Thu */
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  uint32_t secs, wday;
  int64_t z = tern_div_floor(t, 86400, &secs);
  tern_div_floor(z, 7, &wday);
  int year, month, day;
  tern_civil_from_days(z, &year, &month, &day);
  snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[wday], day, months[month - 1],
           year % 10000, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}
