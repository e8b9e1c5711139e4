/* The remote console: a telnet server (plain, and TLS for untrusted
 * networks) with a login checked against a $7$ password file in constant
 * time, rate-limited per address, in front of a tern_shell. */
#ifndef TERN_CONSOLE_H
#define TERN_CONSOLE_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stdint.h>
#include "loop.h"

struct tern_shell;
struct tern_tls_ctx;

struct tern_console_opts {
  const char *listen;     /* "tcp://127.0.0.1:2323"; NULL: no plain listener */
  const char *tls_listen; /* with tls: telnet over TLS */
  struct tern_tls_ctx *tls;
  const char *passwd_file; /* a password file, or: */
  const char *passwd_hash; /* one user's hash ("$7$..." as tern passwd writes), for a
                              board without files; needs user */
  const char *user;        /* only this user may log in; NULL: anyone in the file */
  struct tern_shell *shell;
  size_t max_sessions; /* 0: 4 */
  uint32_t idle_ms;    /* 0: 10 minutes */
};

struct tern_console;
/* Loads the password file and listens (plain and/or TLS, as o says). NULL
 * with *err: TERN_EINVAL (neither a password file nor user and hash, or no
 * shell), the password file's error, the listener's (TERN_EADDRINUSE ...),
 * TERN_ENOMEM. The shell stays the caller's. */
struct tern_console *tern_console_start(struct tern_loop *loop, const struct tern_console_opts *o,
                                        int *err);
/* Ends every session, closes the listeners, frees c; NULL is fine. */
void tern_console_stop(struct tern_console *c);
/* The port bound for the plain (tls 0) or TLS (tls 1) listener; 0: none. */
uint16_t tern_console_port(const struct tern_console *c, int tls);
int tern_console_reload(struct tern_console *c); /* re-read the password file */
#pragma GCC visibility pop
#endif
