/* http_fetch_twice URL: two GETs through one tern_http_client; prints both
 * bodies, one per line (the stand-in's /port answers with our source port,
 * so equal lines mean the connection was reused). */
#include <stdio.h>
#include "tern/error.h"
#include <stdlib.h>
#include "tern/http.h"
#include "tern/tls.h"

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_http_client *cl = tern_http_client_new(loop);
  struct tern_tls_opts tls = {.ca_file = getenv("TLS_CA")}; /* for https:// */
  struct tern_http_client_opts o = {.url = argv[1], .tls = &tls};
  for (int i = 0; i < 2; i++) {
    struct tern_http_response r;
    int rc = tern_http_client_fetch(cl, &o, &r);
    if (rc) {
      printf("error: %s\n", r.error);
      return 1;
    }
    printf("%.*s\n", (int)r.body.len, (const char *)r.body.data);
    tern_http_response_free(&r);
  }
  tern_http_client_free(cl);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return 0;
}
