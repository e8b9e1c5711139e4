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
extern const struct tern_allocator tern_default_allocator;

/* The C library's allocator, counting what it holds for tern (the
 * firmware's RAM figure, the fleet's memory per device): use
 * {tern_counting_realloc, &count}. Two words of header per block. */
struct tern_alloc_count {
  size_t now, peak; /* bytes held now, and at most */
};
void *tern_counting_realloc(void *ctx, void *p, size_t n); /* ctx: struct tern_alloc_count * */

void *tern_alloc(const struct tern_allocator *a, size_t n); /* zeroed */
void tern_free(const struct tern_allocator *a, void *p);

struct tern_buf {
  uint8_t *data;
  size_t len;  /* bytes in use */
  size_t size; /* bytes allocated */
  size_t cap;  /* never grow beyond this */
  const struct tern_allocator *alloc;
};

void tern_buf_init(struct tern_buf *b, const struct tern_allocator *a, size_t cap);
int tern_buf_reserve(struct tern_buf *b, size_t extra);
int tern_buf_append(struct tern_buf *b, const void *data, size_t n);
void tern_buf_consume(struct tern_buf *b, size_t n); /* drop n bytes from the front */
void tern_buf_free(struct tern_buf *b);

#pragma GCC visibility pop
#endif
