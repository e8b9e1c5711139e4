/* Growable byte buffer with a hard cap. Memory comes from the loop's
 * allocator. Appends past the cap fail with TERN_EFULL and change nothing. */
#ifndef TERN_BUF_H
#define TERN_BUF_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>

/* One realloc-style function: n == 0 frees p and returns NULL. */
struct tern_allocator {
  void *(*realloc)(void *ctx, void *p, size_t n);
  void *ctx;
};
/* The C library's realloc and free; what a NULL allocator option means. */
extern const struct tern_allocator tern_default_allocator;

/* The C library's allocator, counting what it holds for tern (the
 * firmware's RAM figure, the fleet's memory per device): use
 * {tern_counting_realloc, &count}. Two words of header per block. */
struct tern_alloc_count {
  size_t now, peak; /* bytes held now, and at most */
};
void *tern_counting_realloc(void *ctx, void *p, size_t n); /* ctx: struct tern_alloc_count * */

/* n zeroed bytes from a, or NULL. */
void *tern_alloc(const struct tern_allocator *a, size_t n);
/* Gives p back to a (the allocator it came from); NULL is fine. */
void tern_free(const struct tern_allocator *a, void *p);

struct tern_buf {
  uint8_t *data;
  size_t len;  /* bytes in use */
  size_t size; /* bytes allocated */
  size_t cap;  /* never grow beyond this */
  const struct tern_allocator *alloc;
};

/* An empty buffer that never grows past cap bytes; allocates nothing yet.
 * a NULL: tern_default_allocator. */
void tern_buf_init(struct tern_buf *b, const struct tern_allocator *a, size_t cap);
/* Room for extra more bytes without another allocation (grows by doubling,
 * never past cap). 0, TERN_EFULL (cap), TERN_ENOMEM; b unchanged on error. */
int tern_buf_reserve(struct tern_buf *b, size_t extra);
/* Copies n bytes to the end. 0, TERN_EFULL or TERN_ENOMEM (nothing appended). */
int tern_buf_append(struct tern_buf *b, const void *data, size_t n);
/* Drops n bytes from the front (all of them if n >= len); a drained buffer
 * over 4 KB gives its memory back, so idle connections stay small. */
void tern_buf_consume(struct tern_buf *b, size_t n);
/* Frees the memory; b is empty (and usable) again. */
void tern_buf_free(struct tern_buf *b);

#pragma GCC visibility pop
#endif
