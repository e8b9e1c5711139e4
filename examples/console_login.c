/* A console with a login over telnet, with one command of our own.
 *   console_login PASSWORD_FILE [PORT]       (make the file with: tern passwd -c FILE admin) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "tern/console.h"
#include "tern/error.h"
#include "tern/shell.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static int hello(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)arg;
  tern_shell_printf(s, "hello, %s\r\n", argc > 1 ? argv[1] : "world");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: console_login PASSWORD_FILE [PORT]\n");
    return 2;
  }
  char url[64];
  snprintf(url, sizeof(url), "tcp://127.0.0.1:%s", argc > 2 ? argv[2] : "2323");
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_shell *shell = tern_shell_new(loop, "device");
  tern_shell_register(shell, "hello", "hello [NAME]: a greeting", hello, NULL);
  struct tern_console_opts opts = {.listen = url, .passwd_file = argv[1], .shell = shell};
  int err;
  struct tern_console *console = tern_console_start(loop, &opts, &err);
  if (!console) {
    fprintf(stderr, "console: %s\n", tern_strerror(err));
    return 1;
  }
  printf("console on port %u: telnet 127.0.0.1 %u\n", tern_console_port(console, 0),
         tern_console_port(console, 0));
  fflush(stdout);
  while (!stop) tern_loop_poll(loop, 500);
  tern_console_stop(console);
  tern_shell_free(shell);
  tern_loop_free(loop);
  return 0;
}
