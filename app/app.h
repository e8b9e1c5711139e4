#ifndef TERN_APP_H
#define TERN_APP_H
#include <stddef.h>
#include <stdio.h>

struct tern_cmd {
  const char *name;
  const char *help;
  int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_passwd(int argc, char **argv);
int cmd_broker(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_post(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_ntp(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_mdns(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_provision(int argc, char **argv);
int cmd_pub(int argc, char **argv);
int cmd_sub(int argc, char **argv);

/* Shared helpers (app/util.c). */
int app_is_help(const char *arg);
int app_bad_flag(const char *cmd, const char *flag); /* prints the one-line error, returns 2 */
int app_read_password(const char *prompt, char *buf, size_t len); /* no echo on a tty */
/* A whole number from lo to hi, and nothing after it: 0, or -1 (the caller says why). */
int app_parse_long(const char *v, long lo, long hi, long *out);
/* JSON text without the white space between its tokens; strings as they are. */
void app_json_compact(FILE *out, const char *p, size_t n);

/* Option parsing: "--name value", "--name=value" and short "-p value".
 * Returns the value and advances *i, or NULL when argv[*i] is not 'name'.
 * A missing value prints an error and sets *bad. */
const char *app_opt(int argc, char **argv, int *i, const char *name, int *bad);
/* A loop for a command. TERN_DNS_SERVER in the environment ("IP[:PORT],...")
 * replaces /etc/resolv.conf's servers (tests point it at a local server). */
struct tern_loop_opts;
struct tern_loop *app_loop_new(const struct tern_loop_opts *opts);
/* Signals: SIGINT/SIGTERM stop the loop, SIGHUP sets app_hup. */
struct tern_loop;
void app_signals(struct tern_loop *loop);
extern volatile int app_hup, app_stop;
#endif
