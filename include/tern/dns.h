/* DNS: a sans-I/O message codec (shared with mDNS) and an asynchronous stub
 * resolver on the loop. The codec never allocates: names are decoded on
 * demand from offsets, so a reader is a few words of state. */
#ifndef TERN_DNS_H
#define TERN_DNS_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

enum {
  TERN_DNS_A = 1,
  TERN_DNS_NS = 2,
  TERN_DNS_CNAME = 5,
  TERN_DNS_PTR = 12,
  TERN_DNS_TXT = 16,
  TERN_DNS_AAAA = 28,
  TERN_DNS_SRV = 33,
  TERN_DNS_NSEC = 47,
  TERN_DNS_ANY = 255
};
enum { TERN_DNS_IN = 1 };
enum { TERN_DNS_QUESTION = 0, TERN_DNS_ANSWER, TERN_DNS_AUTHORITY, TERN_DNS_ADDITIONAL };
#define TERN_DNS_FLAG_QR 0x8000u
#define TERN_DNS_FLAG_AA 0x0400u
#define TERN_DNS_FLAG_TC 0x0200u
#define TERN_DNS_FLAG_RD 0x0100u
#define TERN_DNS_FLAG_RA 0x0080u
#define TERN_DNS_RCODE(flags) ((flags)&0xfu)
#define TERN_DNS_NAME_MAX 255 /* presentation form, without the final dot */

struct tern_dns_header {
  uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

struct tern_dns_record {
  int section;        /* TERN_DNS_QUESTION .. TERN_DNS_ADDITIONAL */
  uint16_t name_off;  /* where the owner name starts in the message */
  uint16_t type, cls; /* cls keeps the top bit (mDNS cache-flush / QU) */
  uint32_t ttl;
  uint16_t rdlen, rdata_off;
};

struct tern_dns_reader {
  const uint8_t *msg;
  size_t len, off;
  struct tern_dns_header h;
  int section;
  unsigned left; /* records left in this section */
};

/* Reads msg's header into r->h; msg must outlive r. 0, or TERN_EPARSE for
 * a message shorter than a header or over 64 KB. */
int tern_dns_reader_init(struct tern_dns_reader *r, const uint8_t *msg, size_t len);
/* 1: rec filled; 0: no more records; <0: malformed message */
int tern_dns_reader_next(struct tern_dns_reader *r, struct tern_dns_record *rec);
/* Decode the (possibly compressed) name at off as "a.b.c" (root is "").
 * *next (may be NULL) gets the offset just past the name's bytes at off. */
int tern_dns_name_decode(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen,
                         size_t *next);
int tern_dns_name_eq(const char *a, const char *b); /* case-insensitive, ignores a final dot */

struct tern_dns_writer {
  uint8_t *buf;
  size_t cap, len;
  int err; /* first error; later puts are no-ops */
  uint16_t counts[4];
  uint16_t names[32]; /* offsets of names written, for compression */
  int nnames;
};
/* A message into buf (cap bytes, the caller's), starting with its header.
 * Every put returns w->err: the first error sticks (TERN_EFULL when cap is
 * reached, TERN_EINVAL for a bad name), so a writer may check once at the end. */
void tern_dns_writer_init(struct tern_dns_writer *w, uint8_t *buf, size_t cap, uint16_t id,
                          uint16_t flags);
/* compress: 0 for names that must stay whole (NSEC's next-domain name) */
int tern_dns_put_name(struct tern_dns_writer *w, const char *name, int compress);
/* A question (name compressed) counted in the header. */
int tern_dns_put_question(struct tern_dns_writer *w, const char *name, uint16_t type, uint16_t cls);
/* A record whose rdata is raw bytes (A, AAAA, TXT ...). */
int tern_dns_put_rr(struct tern_dns_writer *w, int section, const char *name, uint16_t type,
                    uint16_t cls, uint32_t ttl, const void *rdata, uint16_t rdlen);
/* A record whose rdata is built with put_name/put_bytes in between. */
int tern_dns_rr_begin(struct tern_dns_writer *w, int section, const char *name, uint16_t type,
                      uint16_t cls, uint32_t ttl, size_t *rdlen_at);
/* n raw bytes (inside a record begun with tern_dns_rr_begin). */
int tern_dns_put_bytes(struct tern_dns_writer *w, const void *data, size_t n);
/* v in network byte order. */
int tern_dns_put_u16(struct tern_dns_writer *w, uint16_t v);
/* Closes the record begun at rdlen_at: writes its rdata length
 * (TERN_EFULL over 65535 bytes). */
int tern_dns_rr_end(struct tern_dns_writer *w, size_t rdlen_at);
/* Writes the counts into the header. Returns the message length or error. */
int tern_dns_writer_finish(struct tern_dns_writer *w);

/* ---- the stub resolver ----
 * Attached to a loop as its resolver (loop.h): the hosts file, a TTL cache,
 * then UDP queries to the servers. Its files are read through the port. */
struct tern_dns_opts {
  const char *servers;     /* "127.0.0.1:5300,..."; NULL: resolv_conf's (DHCP's on a board) */
  const char *hosts_file;  /* NULL: TERN_DNS_HOSTS_FILE; "" for none */
  const char *resolv_conf; /* NULL: TERN_DNS_RESOLV_CONF */
};
/* Installs the resolver on the loop with these options (NULL: defaults).
 * Once attached, a later call with opts == NULL changes nothing, so every
 * client may call tern_dns_attach(loop, NULL) to make sure one is there. */
int tern_dns_attach(struct tern_loop *loop, const struct tern_dns_opts *opts);
enum { TERN_RESOLVE_ANY = 0, TERN_RESOLVE_IP4 = 4, TERN_RESOLVE_IP6 = 6 };
/* Resolves name (a TERN_RESOLVE_* family) and calls fn once with the
 * addresses, or with err (TERN_ERESOLVE, TERN_ETIMEDOUT ...). fn may run
 * before tern_resolve returns (hosts file, cache). Attaches the resolver
 * with its defaults when the loop has none. 0, or a TERN_E code (fn not called). */
int tern_resolve(struct tern_loop *loop, const char *name, int family, tern_resolve_fn fn,
                 void *arg);
/* Forgets every query made with arg: its fn will not be called. */
void tern_resolve_cancel(struct tern_loop *loop, void *arg);

#pragma GCC visibility pop
#endif
