/* JSON value lookup by path, in place: a validating skip over the text with
 * a depth limit, no allocation. Enough for "GET a weather reading". */
#include <string.h>
#include "tern/error.h"
#include "tern/http_codec.h"

struct js {
  const char *p, *end;
};

static void ws(struct js *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

/* After the opening quote; leaves p after the closing quote. */
static int skip_string(struct js *j) {
  while (j->p < j->end) {
    char c = *j->p++;
    if (c == '"') return 0;
    if ((unsigned char)c < 0x20) return TERN_EPARSE;
    if (c == '\\') {
      if (j->p >= j->end) return TERN_EPARSE;
      char e = *j->p++;
      if (e == 'u') {
        for (int k = 0; k < 4; k++, j->p++)
          if (j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p)) return TERN_EPARSE;
      } else if (!strchr("\"\\/bfnrt", e)) {
        return TERN_EPARSE;
      }
    }
  }
  return TERN_EPARSE;
}

static int skip_value(struct js *j, int depth);

static int skip_container(struct js *j, char close, int depth) {
  j->p++; /* the opening bracket */
  ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    return 0;
  }
  for (;;) {
    if (close == '}') {
      ws(j);
      if (j->p >= j->end || *j->p != '"') return TERN_EPARSE;
      j->p++;
      if (skip_string(j)) return TERN_EPARSE;
      ws(j);
      if (j->p >= j->end || *j->p++ != ':') return TERN_EPARSE;
    }
    int rc = skip_value(j, depth + 1);
    if (rc < 0) return rc;
    ws(j);
    if (j->p >= j->end) return TERN_EPARSE;
    if (*j->p == ',') {
      j->p++;
      continue;
    }
    if (*j->p == close) {
      j->p++;
      return 0;
    }
    return TERN_EPARSE;
  }
}

/* Returns the value's type; leaves p after it. */
static int skip_value(struct js *j, int depth) {
  if (depth > TERN_JSON_MAX_DEPTH) return TERN_ELIMIT;
  ws(j);
  if (j->p >= j->end) return TERN_EPARSE;
  char c = *j->p;
  if (c == '{') return skip_container(j, '}', depth) ? TERN_EPARSE : TERN_JSON_OBJECT;
  if (c == '[') return skip_container(j, ']', depth) ? TERN_EPARSE : TERN_JSON_ARRAY;
  if (c == '"') {
    j->p++;
    return skip_string(j) ? TERN_EPARSE : TERN_JSON_STRING;
  }
  static const struct {
    const char *word;
    int type;
  } words[] = {{"true", TERN_JSON_TRUE}, {"false", TERN_JSON_FALSE}, {"null", TERN_JSON_NULL}};
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(words[i].word);
    if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i].word, n) == 0) {
      j->p += n;
      return words[i].type;
    }
  }
  /* number: -? int frac? exp? */
  const char *s = j->p;
  if (j->p < j->end && *j->p == '-') j->p++;
  if (j->p >= j->end || *j->p < '0' || *j->p > '9') return TERN_EPARSE;
  if (*j->p == '0') j->p++;
  else
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return TERN_EPARSE;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return TERN_EPARSE;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  return j->p > s ? TERN_JSON_NUMBER : TERN_EPARSE;
}

/* Move j to the member 'key' of the object at j->p. */
static int find_key(struct js *j, const char *key, size_t klen) {
  ws(j);
  if (j->p >= j->end || *j->p != '{') return TERN_ENOTFOUND;
  j->p++;
  ws(j);
  if (j->p < j->end && *j->p == '}') return TERN_ENOTFOUND;
  for (;;) {
    ws(j);
    if (j->p >= j->end || *j->p != '"') return TERN_EPARSE;
    const char *k = ++j->p;
    if (skip_string(j)) return TERN_EPARSE;
    size_t kl = (size_t)(j->p - 1 - k);
    ws(j);
    if (j->p >= j->end || *j->p++ != ':') return TERN_EPARSE;
    ws(j);
    if (kl == klen && memcmp(k, key, klen) == 0) return 0;
    int rc = skip_value(j, 1);
    if (rc < 0) return rc;
    ws(j);
    if (j->p >= j->end) return TERN_EPARSE;
    if (*j->p == ',') {
      j->p++;
      continue;
    }
    return *j->p == '}' ? TERN_ENOTFOUND : TERN_EPARSE;
  }
}

static int find_index(struct js *j, unsigned long idx) {
  ws(j);
  if (j->p >= j->end || *j->p != '[') return TERN_ENOTFOUND;
  j->p++;
  ws(j);
  if (j->p < j->end && *j->p == ']') return TERN_ENOTFOUND;
  for (unsigned long i = 0;; i++) {
    ws(j);
    if (i == idx) return 0;
    int rc = skip_value(j, 1);
    if (rc < 0) return rc;
    ws(j);
    if (j->p >= j->end) return TERN_EPARSE;
    if (*j->p == ',') {
      j->p++;
      continue;
    }
    return *j->p == ']' ? TERN_ENOTFOUND : TERN_EPARSE;
  }
}

int tern_json_get(const char *json, size_t len, const char *path, struct tern_str *value) {
  if (!json) return TERN_EPARSE; /* no body: not JSON (and no arithmetic on NULL) */
  /* The whole document must be valid JSON before any of it is trusted. */
  struct js whole = {json, json + len};
  int rc0 = skip_value(&whole, 0);
  if (rc0 < 0) return rc0;
  ws(&whole);
  if (whole.p != whole.end) return TERN_EPARSE;
  struct js j = {json, json + len};
  const char *p = path;
  while (*p) {
    int rc;
    if (*p == '[') {
      unsigned long idx = 0;
      const char *q = p + 1;
      if (*q < '0' || *q > '9') return TERN_EINVAL;
      while (*q >= '0' && *q <= '9') idx = idx * 10 + (unsigned long)(*q++ - '0');
      if (*q != ']') return TERN_EINVAL;
      rc = find_index(&j, idx);
      p = q + 1;
    } else {
      if (*p == '.') p++;
      const char *s = p;
      while (*p && *p != '.' && *p != '[') p++;
      if (p == s) return TERN_EINVAL;
      rc = find_key(&j, s, (size_t)(p - s));
    }
    if (rc) return rc;
  }
  ws(&j);
  const char *start = j.p;
  int type = skip_value(&j, 0);
  if (type < 0) return type;
  if (type == TERN_JSON_STRING) *value = (struct tern_str){start + 1, (size_t)(j.p - start - 2)};
  else *value = (struct tern_str){start, (size_t)(j.p - start)};
  return type;
}

static int put_utf8(char *out, size_t outlen, size_t *o, unsigned cp) {
  char b[4];
  int n;
  if (cp < 0x80) {
    b[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char)(0xc0 | cp >> 6);
    b[1] = (char)(0x80 | (cp & 63));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char)(0xe0 | cp >> 12);
    b[1] = (char)(0x80 | ((cp >> 6) & 63));
    b[2] = (char)(0x80 | (cp & 63));
    n = 3;
  } else {
    b[0] = (char)(0xf0 | cp >> 18);
    b[1] = (char)(0x80 | ((cp >> 12) & 63));
    b[2] = (char)(0x80 | ((cp >> 6) & 63));
    b[3] = (char)(0x80 | (cp & 63));
    n = 4;
  }
  if (*o + (size_t)n >= outlen) return TERN_EFULL;
  memcpy(out + *o, b, (size_t)n);
  *o += (size_t)n;
  return 0;
}

/* four hex digits, or -1 */
static long hex4(const char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9'                 ? c - '0'
            : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10
                                                 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

int tern_json_unescape(struct tern_str s, char *out, size_t outlen) {
  size_t o = 0;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.p[i];
    if (c != '\\') {
      if (o + 1 >= outlen) return TERN_EFULL;
      out[o++] = c;
      continue;
    }
    if (++i >= s.len) return TERN_EPARSE;
    char e = s.p[i];
    const char *map = "\"\"\\\\//b\bf\fn\nr\rt\t";
    const char *m = e != 'u' && e != '\0' ? strchr(map, e) : NULL;
    if (m && ((m - map) % 2) == 0) {
      if (o + 1 >= outlen) return TERN_EFULL;
      out[o++] = m[1];
    } else if (e == 'u') {
      if (i + 4 >= s.len) return TERN_EPARSE;
      long cp = hex4(s.p + i + 1);
      if (cp < 0) return TERN_EPARSE;
      i += 4;
      /* a surrogate pair makes one code point */
      if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < s.len && s.p[i + 1] == '\\' && s.p[i + 2] == 'u') {
        long lo = hex4(s.p + i + 3);
        if (lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i += 6;
        }
      }
      if (put_utf8(out, outlen, &o, (unsigned)cp)) return TERN_EFULL;
    } else {
      return TERN_EPARSE;
    }
  }
  if (outlen) out[o] = '\0';
  return (int)o;
}
