#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../port/port.h"
#include "loop_internal.h"

static const char *const level_names[] = {"none", "error", "warn", "info", "debug"};

void tern_log_set(struct tern_loop *loop, int level, tern_log_sink sink, void *ctx) {
  loop->log_level = level;
  loop->log_sink = sink;
  loop->log_ctx = ctx;
}

int tern_log_level(const struct tern_loop *loop) { return loop ? loop->log_level : TERN_LOG_WARN; }
void tern_log_set_level(struct tern_loop *loop, int level) { loop->log_level = level; }

int tern_log_level_parse(const char *name) {
  for (int i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0])); i++)
    if (strcmp(name, level_names[i]) == 0) return i;
  return -1;
}

void tern_log(struct tern_loop *loop, int level, const char *fmt, ...) {
  if (level > tern_log_level(loop)) return;
  char line[TERN_LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (loop && loop->log_sink) {
    loop->log_sink(loop->log_ctx, level, line);
  } else { /* the default sink: the port's (stderr, so logs never mix with output) */
    char full[TERN_LOG_LINE_MAX + 16];
    snprintf(full, sizeof(full), "tern %s: %s", level_names[level], line);
    tern_port_log(full);
  }
}
