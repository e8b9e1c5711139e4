/* The telnet console's state machine (telnet options, the login, the
 * shell, rate limits) on any bytes through the simulated network;
 * afterwards a well-behaved client must still get its login prompt, and
 * memory stays bounded and comes back whole. */
#include <stdio.h>
#include <unistd.h>
#include "sim_fuzz.h"
#include "tern/console.h"
#include "tern/creds.h"
#include "tern/shell.h"

static char pwfile[64];

static int good_ok;
static void good_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  if (ev != TERN_EV_READ) return;
  for (size_t i = 0; i + 6 <= c->rx.len; i++)
    if (!memcmp(c->rx.data + i, "login:", 6)) good_ok = 1;
  c->rx.len = 0;
}
static int served(void *arg) { return (void)arg, good_ok; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!pwfile[0]) { /* once: a password file with admin / secret */
    snprintf(pwfile, sizeof(pwfile), "/tmp/tern-fuzz-console-%d", (int)getpid());
    if (tern_pwfile_set(pwfile, "admin", "secret", 1) != 0) __builtin_trap();
  }
  struct tern_loop *loop = fz_loop();
  struct tern_shell *sh = tern_shell_new(loop, "dev");
  struct tern_console_opts o = {
      .listen = "tcp://127.0.0.1:2323", .passwd_file = pwfile, .shell = sh, .max_sessions = 2};
  int err;
  struct tern_console *con = tern_console_start(loop, &o, &err);
  if (!con) __builtin_trap();
  struct fz_hostile h = {data, size, 0, NULL};
  fz_hostile_run(loop, &h, "tcp://127.0.0.1:2323");
  good_ok = 0;
  tern_connect(loop, "tcp://127.0.0.1:2323", good_fn, NULL);
  if (sim_run(&loop, 1, served, NULL, 5000) != 0) __builtin_trap(); /* others still served */
  tern_console_stop(con);
  tern_shell_free(sh);
  fz_done(loop);
  return 0;
}
