#include <stdlib.h>
#include <string.h>
#include "tern/buf.h"
#include "tern/error.h"

static void *std_realloc(void *ctx, void *p, size_t n) {
  (void)ctx;
  if (n == 0) {
    free(p);
    return NULL;
  }
  return realloc(p, n);
}
const struct tern_allocator tern_default_allocator = {std_realloc, NULL};

void *tern_counting_realloc(void *ctx, void *p, size_t n) {
  struct tern_alloc_count *k = ctx;
  size_t *h = p ? (size_t *)p - 2 : NULL, old = h ? h[0] : 0; /* two words keep the alignment */
  if (n == 0) {
    free(h);
    k->now -= old;
    return NULL;
  }
  size_t *nh = realloc(h, n + 2 * sizeof(size_t));
  if (!nh) return NULL;
  nh[0] = n;
  k->now = k->now - old + n;
  if (k->now > k->peak) k->peak = k->now;
  return nh + 2;
}

void *tern_alloc(const struct tern_allocator *a, size_t n) {
  void *p = a->realloc(a->ctx, NULL, n);
  if (p) memset(p, 0, n);
  return p;
}

void tern_free(const struct tern_allocator *a, void *p) {
  if (p) a->realloc(a->ctx, p, 0);
}

void tern_buf_init(struct tern_buf *b, const struct tern_allocator *a, size_t cap) {
  memset(b, 0, sizeof(*b));
  b->alloc = a ? a : &tern_default_allocator;
  b->cap = cap;
}

int tern_buf_reserve(struct tern_buf *b, size_t extra) {
  if (extra > b->cap || b->len > b->cap - extra) return TERN_EFULL;
  size_t need = b->len + extra;
  if (need <= b->size) return 0;
  /* Grow by doubling so appends are amortised O(1), but never past cap. */
  size_t size = b->size ? b->size : 64;
  while (size < need) size = size > b->cap / 2 ? b->cap : size * 2;
  uint8_t *p = b->alloc->realloc(b->alloc->ctx, b->data, size);
  if (!p) return TERN_ENOMEM;
  b->data = p;
  b->size = size;
  return 0;
}

int tern_buf_append(struct tern_buf *b, const void *data, size_t n) {
  if (n == 0) return 0;
  int rc = tern_buf_reserve(b, n);
  if (rc) return rc;
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return 0;
}

void tern_buf_consume(struct tern_buf *b, size_t n) {
  if (n >= b->len) {
    b->len = 0;
    /* Give back a large buffer once it drains, so idle connections stay small. */
    if (b->size > 4096) {
      tern_free(b->alloc, b->data);
      b->data = NULL;
      b->size = 0;
    }
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

void tern_buf_free(struct tern_buf *b) {
  tern_free(b->alloc, b->data);
  b->data = NULL;
  b->len = b->size = 0;
}
