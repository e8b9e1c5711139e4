/* The shell: a registry of commands, a line editor per session, and the
 * built-in commands. Output goes through the session's write callback. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/error.h"
#include "tern/shell.h"

struct cmd {
  struct cmd *next;
  char name[24];
  const char *help;
  tern_shell_fn fn;
  void *arg;
};

struct tern_shell {
  struct tern_loop *loop;
  char name[32];
  struct cmd *cmds;
  uint32_t started;
};

enum { ESC_NONE, ESC_START, ESC_CSI };

struct tern_shell_session {
  struct tern_shell *sh;
  tern_shell_write_fn write;
  void *ctx, *user;
  int echo, ended, running, esc;
  char line[TERN_SHELL_LINE_MAX + 1];
  size_t len, cursor;
  char history[TERN_SHELL_HISTORY][TERN_SHELL_LINE_MAX + 1];
  int nhist, hist_pos;
  void (*cancel)(void *);
  void *cancel_arg;
  size_t (*room)(void *ctx);
  void (*writable_fn)(void *);
  void *writable_arg;
};

static void out(struct tern_shell_session *s, const char *d, size_t n) {
  if (n) s->write(s->ctx, d, n);
}
static void outs(struct tern_shell_session *s, const char *z) { out(s, z, strlen(z)); }

int tern_shell_printf(struct tern_shell_session *s, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0) return TERN_EINVAL;
  out(s, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
  return n;
}

static void prompt(struct tern_shell_session *s) { tern_shell_printf(s, "%s> ", s->sh->name); }

/* Redraw the whole line and put the cursor back: simple and always right. */
static void redraw(struct tern_shell_session *s) {
  if (!s->echo) return;
  outs(s, "\r");
  prompt(s);
  out(s, s->line, s->len);
  outs(s, "\x1b[K");
  if (s->len > s->cursor) tern_shell_printf(s, "\x1b[%luD", (unsigned long)(s->len - s->cursor));
}

int tern_shell_split(char *line, char **argv, int max) {
  int argc = 0;
  char *r = line, *w = line;
  for (;;) {
    while (*r == ' ' || *r == '\t') r++;
    if (!*r) break;
    if (argc == max) return TERN_ELIMIT;
    argv[argc++] = w;
    char quote = 0;
    for (; *r; r++) {
      if (quote) {
        if (*r == quote) {
          quote = 0;
          continue;
        }
        if (*r == '\\' && quote == '"' && r[1]) {
          *w++ = *++r;
          continue;
        }
        *w++ = *r;
      } else if (*r == '"' || *r == '\'') {
        quote = *r;
      } else if (*r == '\\' && r[1]) {
        *w++ = *++r;
      } else if (*r == ' ' || *r == '\t') {
        r++;
        break;
      } else {
        *w++ = *r;
      }
    }
    if (quote) return TERN_EPARSE; /* unterminated quote */
    *w++ = '\0';
  }
  return argc;
}

static struct cmd *find(struct tern_shell *sh, const char *name) {
  for (struct cmd *c = sh->cmds; c; c = c->next)
    if (!strcmp(c->name, name)) return c;
  return NULL;
}

static void run_line(struct tern_shell_session *s) {
  s->line[s->len] = '\0';
  if (s->len &&
      (s->nhist == 0 || strcmp(s->history[(s->nhist - 1) % TERN_SHELL_HISTORY], s->line))) {
    memcpy(s->history[s->nhist % TERN_SHELL_HISTORY], s->line, s->len + 1);
    s->nhist++;
  }
  s->hist_pos = s->nhist;
  char copy[TERN_SHELL_LINE_MAX + 1], *argv[TERN_SHELL_ARGS];
  memcpy(copy, s->line, s->len + 1);
  s->len = s->cursor = 0;
  int argc = tern_shell_split(copy, argv, TERN_SHELL_ARGS);
  if (argc < 0) {
    outs(s, argc == TERN_ELIMIT ? "too many arguments\r\n" : "unterminated quote\r\n");
    prompt(s);
    return;
  }
  if (argc == 0) {
    prompt(s);
    return;
  }
  struct cmd *c = find(s->sh, argv[0]);
  if (!c) {
    tern_shell_printf(s, "%s: unknown command (try help)\r\n", argv[0]);
    prompt(s);
    return;
  }
  s->running = 1;
  s->cancel = NULL;
  int rc = c->fn(s, argc, argv, c->arg);
  if (rc == TERN_EAGAIN) return; /* goes on; tern_shell_done() ends it */
  s->running = 0;
  if (!s->ended) prompt(s);
}

void tern_shell_done(struct tern_shell_session *s) {
  if (!s->running) return;
  s->running = 0;
  s->cancel = NULL;
  s->writable_fn = NULL;
  if (!s->ended) prompt(s);
}

void tern_shell_on_cancel(struct tern_shell_session *s, void (*fn)(void *), void *arg) {
  s->cancel = fn;
  s->cancel_arg = arg;
}

void tern_shell_set_room(struct tern_shell_session *s, size_t (*room)(void *ctx)) {
  s->room = room;
}

int tern_shell_writable(const struct tern_shell_session *s, size_t n) {
  /* escapes may double a byte on the way out: keep a margin */
  return !s->room || s->room(s->ctx) >= 2 * n + 64;
}

void tern_shell_on_writable(struct tern_shell_session *s, void (*fn)(void *), void *arg) {
  s->writable_fn = fn;
  s->writable_arg = arg;
}

void tern_shell_drained(struct tern_shell_session *s) {
  /* room for a 1 KB piece (what a streaming command writes at a time): a
   * larger threshold would never be met on a board with small buffers */
  if (!s->writable_fn || !tern_shell_writable(s, 1024)) return;
  void (*fn)(void *) = s->writable_fn;
  s->writable_fn = NULL; /* one call per registration */
  fn(s->writable_arg);
}

int tern_shell_write(struct tern_shell_session *s, const char *data, size_t len) {
  if (!tern_shell_writable(s, len)) return TERN_EFULL;
  out(s, data, len);
  return 0;
}

static void history(struct tern_shell_session *s, int dir) {
  int oldest = s->nhist > TERN_SHELL_HISTORY ? s->nhist - TERN_SHELL_HISTORY : 0;
  int pos = s->hist_pos + dir;
  if (pos < oldest || pos > s->nhist) return;
  s->hist_pos = pos;
  if (pos == s->nhist) s->len = 0;
  else {
    s->len = strlen(s->history[pos % TERN_SHELL_HISTORY]);
    memcpy(s->line, s->history[pos % TERN_SHELL_HISTORY], s->len);
  }
  s->cursor = s->len;
  redraw(s);
}

static void key(struct tern_shell_session *s, uint8_t c) {
  if (s->esc == ESC_START) {
    s->esc = (c == '[' || c == 'O') ? ESC_CSI : ESC_NONE;
    return;
  }
  if (s->esc == ESC_CSI) {
    if (c >= '0' && c <= '9') return; /* parameters: ignored */
    s->esc = ESC_NONE;
    if (c == 'A') history(s, -1);
    else if (c == 'B') history(s, +1);
    else if (c == 'C' && s->cursor < s->len) {
      s->cursor++;
      redraw(s);
    } else if (c == 'D' && s->cursor > 0) {
      s->cursor--;
      redraw(s);
    }
    return;
  }
  if (c == 3) { /* Ctrl-C: cancel the running command, or the line */
    outs(s, "^C\r\n");
    if (s->running) {
      if (s->cancel) s->cancel(s->cancel_arg);
      s->running = 0;
      s->cancel = NULL;
      s->writable_fn = NULL;
    }
    s->len = s->cursor = 0;
    prompt(s);
    return;
  }
  if (s->running) return; /* typing while a command runs: dropped, as a busy terminal would */
  if (c == 4) {
    if (s->len == 0) {
      outs(s, "\r\n");
      s->ended = 1;
    }
    return;
  } /* Ctrl-D */
  if (c == '\r' || c == '\n') {
    outs(s, "\r\n");
    run_line(s);
    return;
  }
  if (c == 0x7f || c == 8) { /* backspace */
    if (!s->cursor) return;
    memmove(s->line + s->cursor - 1, s->line + s->cursor, s->len - s->cursor);
    s->len--;
    s->cursor--;
    redraw(s);
    return;
  }
  if (c == 0x15) {
    s->len = s->cursor = 0;
    redraw(s);
    return;
  }                /* Ctrl-U */
  if (c == 0x17) { /* Ctrl-W: the word before the cursor */
    size_t i = s->cursor;
    while (i && s->line[i - 1] == ' ') i--;
    while (i && s->line[i - 1] != ' ') i--;
    memmove(s->line + i, s->line + s->cursor, s->len - s->cursor);
    s->len -= s->cursor - i;
    s->cursor = i;
    redraw(s);
    return;
  }
  if (c == 0x1b) {
    s->esc = ESC_START;
    return;
  }
  if (c < 0x20) return; /* other controls (and NUL floods) change nothing */
  if (s->len >= TERN_SHELL_LINE_MAX) {
    outs(s, "\a");
    return;
  } /* the line is full */
  memmove(s->line + s->cursor + 1, s->line + s->cursor, s->len - s->cursor);
  s->line[s->cursor++] = (char)c;
  s->len++;
  if (s->echo && s->cursor == s->len) out(s, (char *)&c, 1);
  else redraw(s);
}

void tern_shell_input(struct tern_shell_session *s, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len && !s->ended; i++) key(s, data[i]);
}

/* ---- built-ins ---- */

static int cmd_help(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc;
  (void)argv;
  (void)arg;
  for (struct cmd *c = s->sh->cmds; c; c = c->next)
    tern_shell_printf(s, "  %-10s %s\r\n", c->name, c->help);
  return 0;
}

static int cmd_exit(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc;
  (void)argv;
  (void)arg;
  tern_shell_printf(s, "bye\r\n");
  s->ended = 1;
  return 0;
}

static int cmd_uptime(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc;
  (void)argv;
  (void)arg;
  uint32_t secs = (tern_loop_now(s->sh->loop) - s->sh->started) / 1000u;
  tern_shell_printf(s, "up %uh %02um %02us\r\n", (unsigned)(secs / 3600),
                    (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
  return 0;
}

static int cmd_status(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc;
  (void)argv;
  (void)arg;
  tern_shell_printf(s, "name %s\r\nconnections %lu\r\n", s->sh->name,
                    (unsigned long)tern_loop_conn_count(s->sh->loop));
  return cmd_uptime(s, 0, NULL, NULL);
}

static int cmd_mem(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc;
  (void)argv;
  (void)arg;
  struct tern_loop_stats st;
  tern_loop_stats(s->sh->loop, &st);
  tern_shell_printf(s, "connections %lu (peak %lu), timers %lu, buffer cap %lu bytes each\r\n",
                    (unsigned long)st.conns, (unsigned long)st.conns_peak, (unsigned long)st.timers,
                    (unsigned long)st.buf_cap);
  return 0;
}

static int cmd_log(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)arg;
  static const char *const names[] = {"none", "error", "warn", "info", "debug"};
  if (argc != 2 || tern_log_level_parse(argv[1]) < 0) {
    tern_shell_printf(s, "log level is %s; usage: log none|error|warn|info|debug\r\n",
                      names[tern_log_level(s->sh->loop)]);
    return 0;
  }
  tern_log_set_level(s->sh->loop, tern_log_level_parse(argv[1]));
  tern_shell_printf(s, "log level %s\r\n", argv[1]);
  return 0;
}

struct tern_shell *tern_shell_new(struct tern_loop *loop, const char *name) {
  struct tern_shell *sh = tern_alloc(tern_loop_alloc(loop), sizeof(*sh));
  if (!sh) return NULL;
  sh->loop = loop;
  sh->started = tern_loop_now(loop);
  snprintf(sh->name, sizeof(sh->name), "%s", name && *name ? name : "tern");
  tern_shell_register(sh, "help", "list the commands", cmd_help, NULL);
  tern_shell_register(sh, "status", "name, connections, uptime", cmd_status, NULL);
  tern_shell_register(sh, "uptime", "time since start", cmd_uptime, NULL);
  tern_shell_register(sh, "mem", "connections, timers and buffers in use", cmd_mem, NULL);
  tern_shell_register(sh, "log", "log LEVEL: none, error, warn, info, debug", cmd_log, NULL);
  tern_shell_register(sh, "exit", "end this session", cmd_exit, NULL);
  return sh;
}

void tern_shell_free(struct tern_shell *sh) {
  if (!sh) return;
  while (sh->cmds) {
    struct cmd *c = sh->cmds;
    sh->cmds = c->next;
    tern_free(tern_loop_alloc(sh->loop), c);
  }
  tern_free(tern_loop_alloc(sh->loop), sh);
}

int tern_shell_register(struct tern_shell *sh, const char *name, const char *help, tern_shell_fn fn,
                        void *arg) {
  struct cmd *c = find(sh, name);
  if (!c) {
    c = tern_alloc(tern_loop_alloc(sh->loop), sizeof(*c));
    if (!c) return TERN_ENOMEM;
    struct cmd **pp = &sh->cmds;
    while (*pp) pp = &(*pp)->next;
    *pp = c;
  }
  snprintf(c->name, sizeof(c->name), "%s", name);
  c->help = help;
  c->fn = fn;
  c->arg = arg;
  return 0;
}

const char *tern_shell_name(const struct tern_shell *sh) { return sh->name; }
struct tern_loop *tern_shell_loop(const struct tern_shell *sh) {
  return sh->loop;
}
struct tern_loop *tern_shell_session_loop(const struct tern_shell_session *s) {
  return s->sh->loop;
}

struct tern_shell_session *tern_shell_session_new(struct tern_shell *sh, tern_shell_write_fn write,
                                                  void *ctx, int echo) {
  struct tern_shell_session *s = tern_alloc(tern_loop_alloc(sh->loop), sizeof(*s));
  if (!s) return NULL;
  s->sh = sh;
  s->write = write;
  s->ctx = ctx;
  s->echo = echo;
  return s;
}

void tern_shell_session_free(struct tern_shell_session *s) {
  if (!s) return;
  if (s->running && s->cancel) s->cancel(s->cancel_arg);
  tern_free(tern_loop_alloc(s->sh->loop), s);
}

void tern_shell_start(struct tern_shell_session *s) { prompt(s); }
int tern_shell_ended(const struct tern_shell_session *s) { return s->ended; }
void *tern_shell_user(struct tern_shell_session *s) { return s->user; }
void tern_shell_set_user(struct tern_shell_session *s, void *p) { s->user = p; }
