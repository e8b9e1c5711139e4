#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "app.h"

int app_is_help(const char *arg) { return !strcmp(arg, "--help") || !strcmp(arg, "-h"); }

int app_bad_flag(const char *cmd, const char *flag) {
  fprintf(stderr, "tern %s: unknown option '%s' (see 'tern %s --help')\n", cmd, flag, cmd);
  return 2;
}

int app_read_password(const char *prompt, char *buf, size_t len) {
  struct termios old, quiet;
  int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  fputs(prompt, stderr);
  fflush(stderr);
  if (tty) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  char *got = fgets(buf, (int)len, stdin);
  if (tty) { tcsetattr(STDIN_FILENO, TCSAFLUSH, &old); fputc('\n', stderr); }
  if (!got) return -1;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 0;
}
