/* DNS message codec (RFC 1035), shared by the resolver and mDNS. Every
 * read is bounds-checked; compression pointers may only point backwards,
 * which also makes loops impossible. */
#include <string.h>
#include "tern/config.h"
#include "tern/dns.h"
#include "tern/error.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int tern_dns_reader_init(struct tern_dns_reader *r, const uint8_t *msg, size_t len) {
  memset(r, 0, sizeof(*r));
  if (len < 12 || len > 65535) return TERN_EPARSE;
  r->msg = msg;
  r->len = len;
  r->off = 12;
  r->h.id = get16(msg);
  r->h.flags = get16(msg + 2);
  r->h.qdcount = get16(msg + 4);
  r->h.ancount = get16(msg + 6);
  r->h.nscount = get16(msg + 8);
  r->h.arcount = get16(msg + 10);
  /* Absurd counts are refused up front: each question needs >= 5 bytes,
   * each record >= 11, and we never walk more than TERN_DNS_MAX_RR. */
  unsigned total = (unsigned)r->h.qdcount + r->h.ancount + r->h.nscount + r->h.arcount;
  if (total > TERN_DNS_MAX_RR) return TERN_ELIMIT;
  if ((size_t)r->h.qdcount * 5 + ((size_t)total - r->h.qdcount) * 11 > len - 12) return TERN_EPARSE;
  r->section = TERN_DNS_QUESTION;
  r->left = r->h.qdcount;
  return 0;
}

/* Skip a name at off; returns the offset after it, or <0. */
static long skip_name(const uint8_t *msg, size_t len, size_t off) {
  size_t total = 0;
  for (;;) {
    if (off >= len) return TERN_EPARSE;
    uint8_t l = msg[off];
    if ((l & 0xc0) == 0xc0) {
      if (off + 2 > len) return TERN_EPARSE;
      size_t target = (size_t)(get16(msg + off) & 0x3fff);
      if (target >= off) return TERN_EPARSE; /* only backwards */
      return (long)(off + 2);
    }
    if (l & 0xc0) return TERN_EPARSE; /* 0x40/0x80 label types are obsolete */
    if (l == 0) return (long)(off + 1);
    total += (size_t)l + 1;
    if (total > 255) return TERN_EPARSE;
    off += (size_t)l + 1;
  }
}

int tern_dns_reader_next(struct tern_dns_reader *r, struct tern_dns_record *rec) {
  while (r->left == 0) {
    if (r->section == TERN_DNS_ADDITIONAL) return 0;
    r->section++;
    r->left = r->section == TERN_DNS_ANSWER      ? r->h.ancount
              : r->section == TERN_DNS_AUTHORITY ? r->h.nscount
                                                 : r->h.arcount;
  }
  memset(rec, 0, sizeof(*rec));
  rec->section = r->section;
  rec->name_off = (uint16_t)r->off;
  long after = skip_name(r->msg, r->len, r->off);
  if (after < 0) return (int)after;
  size_t p = (size_t)after;
  if (p + 4 > r->len) return TERN_EPARSE;
  rec->type = get16(r->msg + p);
  rec->cls = get16(r->msg + p + 2);
  p += 4;
  if (r->section != TERN_DNS_QUESTION) {
    if (p + 6 > r->len) return TERN_EPARSE;
    rec->ttl = get32(r->msg + p);
    rec->rdlen = get16(r->msg + p + 4);
    p += 6;
    if (p + rec->rdlen > r->len) return TERN_EPARSE;
    rec->rdata_off = (uint16_t)p;
    p += rec->rdlen;
  }
  r->off = p;
  r->left--;
  return 1;
}

int tern_dns_name_decode(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen,
                         size_t *next) {
  size_t o = 0;
  int jumped = 0;
  /* Each jump must land strictly below the previous one (or below the
   * name's start): valid names only point back, and loops become impossible. */
  size_t limit = off;
  if (outlen == 0) return TERN_EFULL;
  for (;;) {
    if (off >= len) return TERN_EPARSE;
    uint8_t l = msg[off];
    if ((l & 0xc0) == 0xc0) {
      if (off + 2 > len) return TERN_EPARSE;
      size_t target = (size_t)(get16(msg + off) & 0x3fff);
      if (target >= limit) return TERN_EPARSE;
      if (!jumped && next) *next = off + 2;
      jumped = 1;
      limit = target;
      off = target;
      continue;
    }
    if (l & 0xc0) return TERN_EPARSE;
    if (l == 0) {
      if (!jumped && next) *next = off + 1;
      out[o] = '\0';
      return 0;
    }
    if (off + 1 + l > len) return TERN_EPARSE;
    if (o + l + 2 > outlen || o + l + 1 > TERN_DNS_NAME_MAX + 1) return TERN_EFULL;
    if (o) out[o++] = '.';
    for (size_t i = 0; i < l; i++) {
      char c = (char)msg[off + 1 + i];
      /* Dots and NULs inside a label cannot be shown in presentation form
       * without escaping; we refuse them rather than mis-split the name. */
      if (c == '.' || c == '\0') return TERN_EPARSE;
      out[o++] = c;
    }
    off += 1 + (size_t)l;
  }
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

int tern_dns_name_eq(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la && a[la - 1] == '.') la--;
  if (lb && b[lb - 1] == '.') lb--;
  if (la != lb) return 0;
  for (size_t i = 0; i < la; i++)
    if (lower(a[i]) != lower(b[i])) return 0;
  return 1;
}

/* ---- writer ---- */

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

void tern_dns_writer_init(struct tern_dns_writer *w, uint8_t *buf, size_t cap, uint16_t id,
                          uint16_t flags) {
  memset(w, 0, sizeof(*w));
  w->buf = buf;
  w->cap = cap;
  if (cap < 12) {
    w->err = TERN_EFULL;
    return;
  }
  memset(buf, 0, 12);
  put16(buf, id);
  put16(buf + 2, flags);
  w->len = 12;
}

int tern_dns_put_bytes(struct tern_dns_writer *w, const void *data, size_t n) {
  if (w->err) return w->err;
  if (n > w->cap - w->len) return w->err = TERN_EFULL;
  if (n) memcpy(w->buf + w->len, data, n);
  w->len += n;
  return 0;
}

int tern_dns_put_u16(struct tern_dns_writer *w, uint16_t v) {
  uint8_t b[2];
  put16(b, v);
  return tern_dns_put_bytes(w, b, 2);
}

/* Offset of an earlier name equal to 'suffix', or 0 when none. */
static size_t find_suffix(struct tern_dns_writer *w, const char *suffix) {
  char seen[TERN_DNS_NAME_MAX + 1];
  for (int i = 0; i < w->nnames; i++) {
    if (tern_dns_name_decode(w->buf, w->len, w->names[i], seen, sizeof(seen), NULL) == 0 &&
        tern_dns_name_eq(seen, suffix))
      return w->names[i];
  }
  return 0;
}

int tern_dns_put_name(struct tern_dns_writer *w, const char *name, int compress) {
  if (w->err) return w->err;
  size_t n = strlen(name);
  if (n && name[n - 1] == '.') n--;
  if (n > TERN_DNS_NAME_MAX) return w->err = TERN_EINVAL;
  char copy[TERN_DNS_NAME_MAX + 1];
  memcpy(copy, name, n);
  copy[n] = '\0';
  const char *label = copy;
  while (*label) {
    if (compress) {
      size_t at = find_suffix(w, label);
      if (at) return tern_dns_put_u16(w, (uint16_t)(0xc000 | at));
      if (w->nnames < (int)(sizeof(w->names) / sizeof(w->names[0])) && w->len < 0x3fff)
        w->names[w->nnames++] = (uint16_t)w->len;
    }
    const char *dot = strchr(label, '.');
    size_t l = dot ? (size_t)(dot - label) : strlen(label);
    if (l == 0 || l > 63) return w->err = TERN_EINVAL;
    uint8_t lb = (uint8_t)l;
    tern_dns_put_bytes(w, &lb, 1);
    tern_dns_put_bytes(w, label, l);
    label = dot ? dot + 1 : label + l;
  }
  uint8_t zero = 0;
  return tern_dns_put_bytes(w, &zero, 1);
}

int tern_dns_put_question(struct tern_dns_writer *w, const char *name, uint16_t type,
                          uint16_t cls) {
  tern_dns_put_name(w, name, 1);
  tern_dns_put_u16(w, type);
  tern_dns_put_u16(w, cls);
  if (!w->err) w->counts[TERN_DNS_QUESTION]++;
  return w->err;
}

int tern_dns_rr_begin(struct tern_dns_writer *w, int section, const char *name, uint16_t type,
                      uint16_t cls, uint32_t ttl, size_t *rdlen_at) {
  if (section < TERN_DNS_ANSWER || section > TERN_DNS_ADDITIONAL) return w->err = TERN_EINVAL;
  tern_dns_put_name(w, name, 1);
  tern_dns_put_u16(w, type);
  tern_dns_put_u16(w, cls);
  tern_dns_put_u16(w, (uint16_t)(ttl >> 16));
  tern_dns_put_u16(w, (uint16_t)ttl);
  *rdlen_at = w->len;
  tern_dns_put_u16(w, 0);
  if (!w->err) w->counts[section]++;
  return w->err;
}

int tern_dns_rr_end(struct tern_dns_writer *w, size_t rdlen_at) {
  if (w->err) return w->err;
  size_t rdlen = w->len - rdlen_at - 2;
  if (rdlen > 0xffff) return w->err = TERN_EFULL;
  put16(w->buf + rdlen_at, (uint16_t)rdlen);
  return 0;
}

int tern_dns_put_rr(struct tern_dns_writer *w, int section, const char *name, uint16_t type,
                    uint16_t cls, uint32_t ttl, const void *rdata, uint16_t rdlen) {
  size_t at;
  tern_dns_rr_begin(w, section, name, type, cls, ttl, &at);
  tern_dns_put_bytes(w, rdata, rdlen);
  return tern_dns_rr_end(w, at);
}

int tern_dns_writer_finish(struct tern_dns_writer *w) {
  if (w->err) return w->err;
  for (int i = 0; i < 4; i++) put16(w->buf + 4 + 2 * i, w->counts[i]);
  return (int)w->len;
}
