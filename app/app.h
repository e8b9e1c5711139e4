#ifndef TERN_APP_H
#define TERN_APP_H
#include <stddef.h>

struct tern_cmd {
  const char *name;
  const char *help;
  int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_passwd(int argc, char **argv);

/* Shared helpers (app/util.c). */
int app_is_help(const char *arg);
int app_bad_flag(const char *cmd, const char *flag); /* prints the one-line error, returns 2 */
int app_read_password(const char *prompt, char *buf, size_t len); /* no echo on a tty */
#endif
