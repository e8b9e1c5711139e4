/* resolve_probe SERVER[:PORT] NAME [any|4|6]: prints each address, or
 * "error: REASON" and exits 1. Drives the resolver for integration tests. */
#include <stdio.h>
#include <string.h>
#include "tern/dns.h"
#include "tern/error.h"

static int done, result;

static void on_result(struct tern_loop *loop, int err, const struct tern_addr *addrs, size_t n,
                      void *arg) {
  (void)loop;
  (void)arg;
  char s[64];
  if (err) printf("error: %s\n", tern_strerror(err));
  for (size_t i = 0; i < n; i++) printf("%s\n", tern_addr_str(&addrs[i], s, sizeof(s), 0));
  result = err;
  done = 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: resolve_probe SERVER NAME [any|4|6]\n");
    return 2;
  }
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_dns_opts o = {.servers = argv[1], .hosts_file = ""};
  if (tern_dns_attach(loop, &o) != 0) return 1;
  int family = argc > 3 ? (!strcmp(argv[3], "4")   ? TERN_RESOLVE_IP4
                           : !strcmp(argv[3], "6") ? TERN_RESOLVE_IP6
                                                   : TERN_RESOLVE_ANY)
                        : TERN_RESOLVE_ANY;
  int rc = tern_resolve(loop, argv[2], family, on_result, NULL);
  if (rc) {
    printf("error: %s\n", tern_strerror(rc));
    return 1;
  }
  tern_loop_run_until(loop, &done, 30000);
  /* A second lookup of the same name must come from the cache. */
  if (result == 0 && argc > 4 && !strcmp(argv[4], "--twice")) {
    done = 0;
    tern_resolve(loop, argv[2], family, on_result, NULL);
    printf("cached: %s\n", done ? "yes" : "no");
  }
  tern_loop_free(loop);
  return result ? 1 : 0;
}
