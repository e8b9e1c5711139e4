#define _GNU_SOURCE /* pread, O_CLOEXEC under -std=c11 */
/* Files on a POSIX file system (the port's half of file.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../core/loop_internal.h"
#include "tern/error.h"

struct tern_file {
  int fd;
};

static int file_errno(int e) {
  return e == ENOENT || e == ENOTDIR ? TERN_ENOTFOUND
         : e == EACCES || e == EPERM ? TERN_EDENIED
                                     : TERN_EIO;
}

int tern_port_file_stat(const char *path, uint64_t *size, int64_t *mtime, int *is_dir) {
  struct stat st;
  if (stat(path, &st) != 0) return file_errno(errno);
  *size = (uint64_t)st.st_size;
  *mtime = (int64_t)st.st_mtime;
  *is_dir = S_ISDIR(st.st_mode);
  return 0;
}

int tern_port_file_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg) {
  DIR *d = opendir(dir);
  if (!d) return file_errno(errno);
  int rc = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) rc = fn(arg, e->d_name);
  closedir(d);
  return rc;
}

int tern_port_file_open(const char *path, struct tern_file **out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_errno(errno);
  struct tern_file *f = malloc(sizeof(*f));
  if (!f) {
    close(fd);
    return TERN_ENOMEM;
  }
  f->fd = fd;
  *out = f;
  return 0;
}

long tern_port_file_read(struct tern_file *f, uint64_t offset, void *buf, size_t n) {
  ssize_t got;
  do got = pread(f->fd, buf, n, (off_t)offset);
  while (got < 0 && errno == EINTR);
  return got < 0 ? file_errno(errno) : (long)got;
}

void tern_port_file_close(struct tern_file *f) {
  close(f->fd);
  free(f);
}

/* Write a sibling temporary file, sync it, rename it over the old one. */
int tern_port_file_replace(const char *path, const void *data, size_t len) {
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) return TERN_EINVAL;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return file_errno(errno);
  const char *p = data;
  size_t left = len;
  while (left) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      unlink(tmp);
      return TERN_EIO;
    }
    p += n;
    left -= (size_t)n;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp);
    return TERN_EIO;
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return file_errno(e);
  }
  return 0;
}
