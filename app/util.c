#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <signal.h>
#include "app.h"
#include "tern/dns.h"
#include "tern/loop.h"

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
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  if (!got) return -1;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 0;
}

const char *app_opt(int argc, char **argv, int *i, const char *name, int *bad) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0) return NULL;
  if (a[n] == '=' && name[1] == '-') return a + n + 1;
  if (a[n] != '\0') return NULL;
  if (*i + 1 >= argc) {
    fprintf(stderr, "tern: option '%s' needs a value\n", name);
    *bad = 1;
    return NULL;
  }
  return argv[++*i];
}

volatile int app_hup, app_stop;
static struct tern_loop *signal_loop;

static void on_signal(int sig) {
  if (sig == SIGHUP) app_hup = 1;
  else app_stop = 1;
  if (signal_loop) tern_loop_wake(signal_loop); /* one write(): async-signal-safe */
}

void app_signals(struct tern_loop *loop) {
  signal_loop = loop;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
}

/* A loop with tern's resolver attached; TERN_DNS_SERVER=IP[:PORT] points
 * it at another server than resolv.conf's (the tests' local dnsmasq). */
struct tern_loop *app_loop_new(const struct tern_loop_opts *opts) {
  struct tern_loop *loop = tern_loop_new(opts);
  struct tern_dns_opts d = {.servers = getenv("TERN_DNS_SERVER")};
  if (loop && tern_dns_attach(loop, &d) != 0) {
    tern_loop_free(loop);
    return NULL;
  }
  return loop;
}

int app_parse_long(const char *v, long lo, long hi, long *out) {
  char *end;
  long n = strtol(v, &end, 10);
  if (end == v || *end || n < lo || n > hi) return -1;
  *out = n;
  return 0;
}

void app_json_compact(FILE *out, const char *p, size_t n) {
  int in_str = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (in_str) {
      fputc(c, out);
      if (c == '\\' && i + 1 < n) fputc(p[++i], out);
      else if (c == '"') in_str = 0;
    } else if (c == '"') {
      in_str = 1;
      fputc(c, out);
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      fputc(c, out);
    }
  }
}
