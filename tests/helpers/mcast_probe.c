/* mcast_probe IFACE GROUP PORT: joins GROUP on IFACE, sends "hello" to it
 * with multicast loopback on, and prints what comes back (or "timeout"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/error.h"
#include "tern/loop.h"

static int done;
static void on_udp(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev != TERN_EV_READ) return;
  char from[64];
  printf("got %.*s from %s\n", (int)c->rx.len, (const char *)c->rx.data,
         tern_addr_str(&c->peer, from, sizeof(from), 0));
  done = 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: mcast_probe IFACE GROUP PORT\n");
    return 2;
  }
  struct tern_loop *loop = tern_loop_new(NULL);
  char url[64];
  snprintf(url, sizeof(url), "udp://0.0.0.0:%s", argv[3]);
  struct tern_conn *c = tern_listen(loop, url, on_udp, NULL);
  if (!c) {
    printf("listen failed\n");
    return 1;
  }
  int rc = tern_udp_join(c, argv[2], argv[1]);
  if (rc) {
    printf("join failed: %s\n", tern_strerror(rc));
    return 1;
  }
  rc = tern_udp_set_multicast_if(c, argv[1], 1, 1);
  if (rc) {
    printf("multicast_if failed: %s\n", tern_strerror(rc));
    return 1;
  }
  struct tern_addr group;
  tern_addr_parse(argv[2], (uint16_t)atoi(argv[3]), &group);
  tern_sendto(c, &group, "hello", 5);
  if (tern_loop_run_until(loop, &done, 5000) != 0) printf("timeout\n");
  printf("unknown interface: %s\n", tern_strerror(tern_udp_join(c, argv[2], "no-such-if0")));
  tern_loop_free(loop);
  return done ? 0 : 1;
}
