/* Files through the port: the HTTP server's documents, password, ACL and
 * configuration files, the resolver's hosts file. On Linux the file
 * system; a port without one may serve them from flash or memory. */
#ifndef TERN_FILE_H
#define TERN_FILE_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct tern_file_info {
  uint64_t size;
  int64_t mtime; /* Unix seconds */
  int is_dir;
};
/* TERN_ENOTFOUND when it does not exist. */
int tern_file_stat(const char *path, struct tern_file_info *info);

/* Calls fn(arg, name) for each entry in dir but "." and "..", in no
 * particular order; stops at (and returns) fn's first non-zero result. */
int tern_file_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg);

struct tern_file;
int tern_file_open(const char *path, struct tern_file **out); /* for reading */
/* Up to n bytes at offset; returns the count (0 at the end) or a TERN_E... code. */
long tern_file_read(struct tern_file *f, uint64_t offset, void *buf, size_t n);
/* Closes f and frees it; NULL is fine. */
void tern_file_close(struct tern_file *f);

/* The whole file, NUL-terminated, in memory from alloc (NULL: malloc);
 * TERN_ELIMIT when larger than max. Free with tern_free(alloc, *data). */
int tern_file_load(const struct tern_allocator *alloc, const char *path, size_t max, char **data,
                   size_t *len);
/* Replace the file with data, all or nothing: the old content or the new,
 * never half (a crash mid-write leaves the old). Created private (0600). */
int tern_file_replace(const char *path, const void *data, size_t len);
#pragma GCC visibility pop
#endif
