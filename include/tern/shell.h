/* The device shell: command tables that the application and each module
 * register, a line editor (backspace, Ctrl-U, Ctrl-W, left/right, history),
 * shell-style quoting, Ctrl-C to cancel, Ctrl-D or "exit" to leave. The same
 * shell serves the telnet console and a local terminal. */
#ifndef TERN_SHELL_H
#define TERN_SHELL_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

#ifndef TERN_SHELL_LINE_MAX
#define TERN_SHELL_LINE_MAX 256 /* longest command line; more is refused with a bell */
#endif
#ifndef TERN_SHELL_HISTORY
#define TERN_SHELL_HISTORY 16
#endif
#ifndef TERN_SHELL_ARGS
#define TERN_SHELL_ARGS 16
#endif

struct tern_shell;
struct tern_shell_session;
/* Return 0 when done, or TERN_EAGAIN when the command goes on without
 * blocking (it calls tern_shell_done() later; Ctrl-C calls its cancel). */
typedef int (*tern_shell_fn)(struct tern_shell_session *s, int argc, char **argv, void *arg);
typedef void (*tern_shell_write_fn)(void *ctx, const char *data, size_t len);

/* A command set with the built-ins (help, status, uptime, mem, log, exit);
 * name (NULL: "tern") is the prompt. NULL without memory. */
struct tern_shell *tern_shell_new(struct tern_loop *loop, const char *name);
/* Frees sh and its commands; end its sessions first. NULL is fine. */
void tern_shell_free(struct tern_shell *sh);
/* Adds a command, or replaces the one of that name; help is kept by
 * pointer (a string literal, usually). 0 or TERN_ENOMEM. */
int tern_shell_register(struct tern_shell *sh, const char *name, const char *help, tern_shell_fn fn,
                        void *arg);
/* The prompt's name; owned by sh. */
const char *tern_shell_name(const struct tern_shell *sh);
/* The loop sh runs on (for a command's timers and connections). */
struct tern_loop *tern_shell_loop(const struct tern_shell *sh);
/* The same, from a session. */
struct tern_loop *tern_shell_session_loop(const struct tern_shell_session *s);

/* echo: the shell echoes what is typed (telnet with WILL ECHO). */
struct tern_shell_session *tern_shell_session_new(struct tern_shell *sh, tern_shell_write_fn write,
                                                  void *ctx, int echo);
/* Ends s: a command still running is cancelled first. NULL is fine. */
void tern_shell_session_free(struct tern_shell_session *s);
void tern_shell_start(struct tern_shell_session *s); /* print the first prompt */
/* What the user typed (line editing, Ctrl-C, running commands at Enter);
 * ignored once the session has ended. */
void tern_shell_input(struct tern_shell_session *s, const uint8_t *data, size_t len);
/* Formatted output to the session, cut at 1 KB; the count, or TERN_EINVAL. */
int tern_shell_printf(struct tern_shell_session *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void tern_shell_done(struct tern_shell_session *s); /* an async command finished */
/* Backpressure: the owner tells how much its output can take now, and calls
 * tern_shell_drained() as output leaves; a command writing much checks
 * tern_shell_writable() and waits for tern_shell_on_writable(). */
void tern_shell_set_room(struct tern_shell_session *s, size_t (*room)(void *ctx));
/* 1 when n more bytes of output fit now (always without a room function). */
int tern_shell_writable(const struct tern_shell_session *s, size_t n);
/* fn(arg) once, when 1 KB of output fits again. */
void tern_shell_on_writable(struct tern_shell_session *s, void (*fn)(void *), void *arg);
/* The owner's report that output left; runs the on_writable call if due. */
void tern_shell_drained(struct tern_shell_session *s);
/* Write raw bytes; TERN_EFULL (nothing written) when the output cannot take them now. */
int tern_shell_write(struct tern_shell_session *s, const char *data, size_t len);
/* What a running asynchronous command does on Ctrl-C or when the session
 * ends: fn(arg) (stop its timers and calls; the shell prints the prompt). */
void tern_shell_on_cancel(struct tern_shell_session *s, void (*fn)(void *), void *arg);
/* 1 once the user typed exit, or Ctrl-D on an empty line (the owner then
 * closes the session). */
int tern_shell_ended(const struct tern_shell_session *s);
void *tern_shell_user(struct tern_shell_session *s); /* the session's owner data */
/* Sets the owner data tern_shell_user returns. */
void tern_shell_set_user(struct tern_shell_session *s, void *p);
/* Split a command line like a shell: "double", 'single' and \ escapes. */
int tern_shell_split(char *line, char **argv, int max);
#pragma GCC visibility pop
#endif
