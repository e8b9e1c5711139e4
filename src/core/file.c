/* Files (file.h): thin calls into the port, plus whole-file loading, so
 * that code above the core never touches the OS's file functions. */
#include <string.h>
#include "loop_internal.h"
#include "tern/error.h"
#include "tern/file.h"

int tern_file_stat(const char *path, struct tern_file_info *info) {
  return tern_port_file_stat(path, &info->size, &info->mtime, &info->is_dir);
}

int tern_file_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg) {
  return tern_port_file_list(dir, fn, arg);
}

int tern_file_open(const char *path, struct tern_file **out) {
  return tern_port_file_open(path, out);
}
long tern_file_read(struct tern_file *f, uint64_t offset, void *buf, size_t n) {
  return tern_port_file_read(f, offset, buf, n);
}
void tern_file_close(struct tern_file *f) {
  if (f) tern_port_file_close(f);
}

int tern_file_load(const struct tern_allocator *alloc, const char *path, size_t max, char **data,
                   size_t *len) {
  if (!alloc) alloc = &tern_default_allocator;
  struct tern_file_info info;
  struct tern_file *f;
  int rc = tern_file_stat(path, &info);
  if (rc) return rc;
  if (info.is_dir) return TERN_EINVAL;
  if (info.size > max) return TERN_ELIMIT;
  if ((rc = tern_file_open(path, &f)) != 0) return rc;
  char *p = tern_alloc(alloc, (size_t)info.size + 1);
  size_t got = 0;
  long n = 1;
  /* read to the end, not to the stat size: the file may have changed */
  while (p && got < (size_t)info.size &&
         (n = tern_file_read(f, got, p + got, (size_t)info.size - got)) > 0)
    got += (size_t)n;
  tern_file_close(f);
  if (!p) return TERN_ENOMEM;
  if (n < 0) {
    tern_free(alloc, p);
    return (int)n;
  }
  p[got] = '\0';
  *data = p;
  if (len) *len = got;
  return 0;
}

int tern_file_replace(const char *path, const void *data, size_t len) {
  return tern_port_file_replace(path, data, len);
}
