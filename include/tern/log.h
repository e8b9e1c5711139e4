/* Logging with levels and a pluggable sink. The sink and level belong to
 * the loop (no global state); tern_log() with a NULL loop goes to stderr. */
#ifndef TERN_LOG_H
#define TERN_LOG_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */

/* Levels, least to most verbose; a loop logs its level and those below. */
enum tern_log_level { TERN_LOG_NONE, TERN_LOG_ERROR, TERN_LOG_WARN, TERN_LOG_INFO, TERN_LOG_DEBUG };

struct tern_loop;
typedef void (*tern_log_sink)(void *ctx, int level, const char *line);

/* The loop's level and where its lines go: sink(ctx, level, line), or with
 * sink NULL the port's (standard error on Linux, semihosting on a board). */
void tern_log_set(struct tern_loop *loop, int level, tern_log_sink sink, void *ctx);
/* The loop's level (TERN_LOG_WARN for a NULL loop). */
int tern_log_level(const struct tern_loop *loop);
void tern_log_set_level(struct tern_loop *loop, int level); /* keeps the sink */
int tern_log_level_parse(const char *name);                 /* "error".."debug" -> level, or -1 */
/* One line, printf-style, cut at TERN_LOG_LINE_MAX; nothing when level is
 * above the loop's. */
void tern_log(struct tern_loop *loop, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define TERN_ERR(l, ...) tern_log((l), TERN_LOG_ERROR, __VA_ARGS__)
#define TERN_WARN(l, ...) tern_log((l), TERN_LOG_WARN, __VA_ARGS__)
#define TERN_INFO(l, ...) tern_log((l), TERN_LOG_INFO, __VA_ARGS__)
#define TERN_DEBUG(l, ...)                                                                         \
  do {                                                                                             \
    if (tern_log_level(l) >= TERN_LOG_DEBUG) tern_log((l), TERN_LOG_DEBUG, __VA_ARGS__);           \
  } while (0)

#pragma GCC visibility pop
#endif
