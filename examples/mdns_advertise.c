/* Be reachable as NAME.local and advertise the console and a web page.
 *   mdns_advertise NAME IFACE [SECONDS]     (0 or none: until Ctrl-C) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "tern/error.h"
#include "tern/mdns.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static void on_name(int ev, const char *name, void *arg) {
  (void)arg;
  if (ev == TERN_MDNS_EV_NAME) printf("advertising %s.local\n", name);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: mdns_advertise NAME IFACE [SECONDS]\n");
    return 2;
  }
  int seconds = argc > 3 ? atoi(argv[3]) : 0;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_mdns_opts opts = {.name = argv[1], .ifaces = {argv[2]}, .fn = on_name};
  int err;
  struct tern_mdns *mdns = tern_mdns_start(loop, &opts, &err);
  if (!mdns) {
    fprintf(stderr, "mdns: %s\n", tern_strerror(err));
    return 1;
  }
  struct tern_mdns_service telnet = {.type = "_telnet._tcp", .port = 2323};
  struct tern_mdns_service repl = {.type = "_repl._tcp", .port = 2323};
  struct tern_mdns_service http = {.type = "_http._tcp", .port = 8080, .txt = {"path=/"}};
  tern_mdns_add_service(mdns, &telnet);
  tern_mdns_add_service(mdns, &repl);
  tern_mdns_add_service(mdns, &http);
  for (int i = 0; !stop && (!seconds || i < seconds * 10); i++) tern_loop_poll(loop, 100);
  tern_mdns_stop(mdns); /* goodbye packets: browsers forget us at once */
  tern_loop_free(loop);
  return 0;
}
