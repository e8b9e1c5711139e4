/* mDNS / DNS-SD (RFC 6762 / 6763): a responder that claims NAME.local
 * (probing, conflict renaming to NAME-2..., announcing, goodbyes) and
 * advertises services, and a browser/resolver, on the interfaces given. */
#ifndef TERN_MDNS_H
#define TERN_MDNS_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

/* Limits (a board sets smaller ones: each interface costs 1.6 KB, each
 * service 330 bytes) */
#ifndef TERN_MDNS_MAX_IFACES
#define TERN_MDNS_MAX_IFACES 4
#endif
#ifndef TERN_MDNS_MAX_SERVICES
#define TERN_MDNS_MAX_SERVICES 8
#endif
#ifndef TERN_MDNS_MAX_TXT
#define TERN_MDNS_MAX_TXT 8
#endif

enum {
  TERN_MDNS_EV_NAME = 1 /* data: const char * the name now held */,
  TERN_MDNS_EV_CONFLICT /* data: the lost name */
};
typedef void (*tern_mdns_event_fn)(int ev, const char *name, void *arg);

struct tern_mdns_opts {
  const char *name;                         /* host label, "dev" for dev.local */
  const char *ifaces[TERN_MDNS_MAX_IFACES]; /* NULL-terminated; required */
  tern_mdns_event_fn fn;
  void *arg;
};

struct tern_mdns_service {
  const char *type; /* "_http._tcp" */
  uint16_t port;
  const char *txt[TERN_MDNS_MAX_TXT]; /* "key=value", NULL-terminated */
};

struct tern_mdns;
/* Joins the mDNS group on each of o's interfaces, probes o->name and then
 * announces it (renamed "name-2" ... on a conflict, RFC 6762 9). NULL with
 * *err: TERN_EINVAL (no name, one over 40 bytes, no interface), TERN_ENOMEM,
 * or an interface's error (TERN_ENOTFOUND ...). o's strings are copied. */
struct tern_mdns *tern_mdns_start(struct tern_loop *loop, const struct tern_mdns_opts *o, int *err);
/* Advertises a DNS-SD service (copied) after probing its instance name.
 * TERN_EINVAL (no or too long a type), TERN_EFULL (TERN_MDNS_MAX_SERVICES,
 * or the TXT strings over their room). */
int tern_mdns_add_service(struct tern_mdns *m, const struct tern_mdns_service *svc);
int tern_mdns_remove_service(struct tern_mdns *m, const char *type); /* with goodbyes */
void tern_mdns_stop(struct tern_mdns *m);                            /* goodbyes for all */
const char *tern_mdns_name(const struct tern_mdns *m);               /* "dev" or "dev-2" */
int tern_mdns_ready(const struct tern_mdns *m);                      /* probing done */

/* ---- browser / resolver (blocking, for tools and short programs) ---- */
struct tern_mdns_instance {
  char instance[128], type[64], host[128];
  uint16_t port;
  struct tern_addr addr;
  char txt[256];  /* its TXT strings, each quoted: "path=/" "v=1" (as avahi-browse -p) */
  char iface[16]; /* where it answered */
};
/* iface: the interface to ask on; NULL: every interface that is up,
 * multicast and not loopback, at once. */
/* NAME.local -> addresses; 0 with n > 0, or TERN_ETIMEDOUT. */
int tern_mdns_resolve(struct tern_loop *loop, const char *name, const char *iface,
                      uint32_t timeout_ms, struct tern_addr *addrs, size_t max, size_t *n);
/* An IPv4 address -> its NAME.local (a PTR query for N.N.N.N.in-addr.arpa). */
int tern_mdns_resolve_addr(struct tern_loop *loop, const struct tern_addr *addr, const char *iface,
                           uint32_t timeout_ms, char *name, size_t namelen);
/* Instances of a service type seen within timeout_ms. */
int tern_mdns_browse(struct tern_loop *loop, const char *type, const char *iface,
                     uint32_t timeout_ms, struct tern_mdns_instance *out, size_t max, size_t *n);
#pragma GCC visibility pop
#endif
