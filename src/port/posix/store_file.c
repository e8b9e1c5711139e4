/* tern_store on a POSIX file. Record: u32 length (type + data), u8 type,
 * data, u32 CRC-32 of type + data; little endian. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "tern/error.h"
#include "tern/log.h"
#include "tern/store.h"

struct tern_store {
  struct tern_loop *loop;
  int fd, new_fd;
  int sync, dirty;
  size_t size;
  char *path;
};

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int replay(struct tern_store *s, tern_store_replay_fn fn, void *arg) {
  struct stat st;
  if (fstat(s->fd, &st) != 0) return TERN_EIO;
  size_t len = (size_t)st.st_size, off = 0;
  if (len == 0) return 0;
  uint8_t *data = malloc(len);
  if (!data) return TERN_ENOMEM;
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(s->fd, data + got, len - got, (off_t)got);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    got += (size_t)n;
  }
  len = got;
  size_t records = 0;
  while (off + 9 <= len) {
    uint32_t rlen = get32(data + off);
    if (rlen == 0 || rlen > TERN_STORE_MAX_RECORD || off + 4 + rlen + 4 > len) break;
    uint32_t crc = get32(data + off + 4 + rlen);
    if (tern_crc32(0, data + off + 4, rlen) != crc) break;
    fn(arg, data[off + 4], data + off + 5, rlen - 1);
    off += 8 + rlen;
    records++;
  }
  if (off < len) {
    tern_log(s->loop, TERN_LOG_WARN,
             "store %s: torn or corrupt record at offset %zu: dropping the last %zu bytes", s->path,
             off, len - off);
    if (ftruncate(s->fd, (off_t)off) != 0) {
      free(data);
      return TERN_EIO;
    }
  }
  tern_log(s->loop, TERN_LOG_INFO, "store %s: replayed %zu records", s->path, records);
  s->size = off;
  free(data);
  return 0;
}

int tern_store_open(struct tern_loop *loop, const char *path, int sync, tern_store_replay_fn fn,
                    void *arg, struct tern_store **out) {
  struct tern_store *s = calloc(1, sizeof(*s));
  if (!s) return TERN_ENOMEM;
  s->loop = loop;
  s->sync = sync;
  s->new_fd = -1;
  s->path = malloc(strlen(path) + 1);
  if (!s->path) {
    free(s);
    return TERN_ENOMEM;
  }
  strcpy(s->path, path);
  s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->fd < 0) {
    int e = errno;
    free(s->path);
    free(s);
    /* say why: a missing directory and a permission are the usual ones */
    return e == ENOENT || e == ENOTDIR ? TERN_ENOTFOUND
           : e == EACCES || e == EPERM ? TERN_EDENIED
                                       : TERN_EIO;
  }
  int rc = replay(s, fn, arg);
  if (rc == 0 && lseek(s->fd, 0, SEEK_END) < 0) rc = TERN_EIO;
  if (rc) {
    tern_store_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

int tern_store_append(struct tern_store *s, uint8_t type, const void *a, size_t alen, const void *b,
                      size_t blen) {
  size_t rlen = 1 + alen + blen;
  if (rlen > TERN_STORE_MAX_RECORD) return TERN_EINVAL;
  uint8_t head[5], tail[4];
  put32(head, (uint32_t)rlen);
  head[4] = type;
  uint32_t crc = tern_crc32(0, &type, 1);
  crc = tern_crc32(crc, a, alen);
  crc = tern_crc32(crc, b, blen);
  put32(tail, crc);
  struct iovec iov[4] = {{head, 5}, {(void *)a, alen}, {(void *)b, blen}, {tail, 4}};
  size_t total = 8 + rlen, done = 0;
  int fd = s->new_fd >= 0 ? s->new_fd : s->fd;
  /* One writev: the record reaches the OS whole, or the CRC exposes it. */
  while (done < total) {
    ssize_t n = writev(fd, iov, 4);
    if (n < 0) {
      if (errno == EINTR) continue;
      return TERN_EIO;
    }
    done += (size_t)n;
    if (done < total) { /* rare partial write: skip what went out */
      size_t skip = (size_t)n;
      for (int i = 0; i < 4; i++) {
        size_t k = skip < iov[i].iov_len ? skip : iov[i].iov_len;
        iov[i].iov_base = (uint8_t *)iov[i].iov_base + k;
        iov[i].iov_len -= k;
        skip -= k;
      }
    }
  }
  s->size += total;
  s->dirty = 1;
  return 0;
}

int tern_store_flush(struct tern_store *s) {
  if (!s->dirty || s->sync != TERN_STORE_FSYNC) return 0;
  s->dirty = 0;
  return fdatasync(s->new_fd >= 0 ? s->new_fd : s->fd) == 0 ? 0 : TERN_EIO;
}

size_t tern_store_size(const struct tern_store *s) { return s->size; }

int tern_store_rewrite_begin(struct tern_store *s) {
  char tmp[4096];
  snprintf(tmp, sizeof(tmp), "%s.new", s->path);
  s->new_fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (s->new_fd < 0) return TERN_EIO;
  s->size = 0;
  return 0;
}

int tern_store_rewrite_commit(struct tern_store *s) {
  char tmp[4096];
  snprintf(tmp, sizeof(tmp), "%s.new", s->path);
  /* The new log must be on disk before it replaces the old one. */
  if (fsync(s->new_fd) != 0 || rename(tmp, s->path) != 0) {
    close(s->new_fd);
    s->new_fd = -1;
    return TERN_EIO;
  }
  close(s->fd);
  s->fd = s->new_fd;
  s->new_fd = -1;
  return 0;
}

void tern_store_close(struct tern_store *s) {
  if (!s) return;
  if (s->sync == TERN_STORE_FSYNC) fsync(s->fd);
  if (s->new_fd >= 0) close(s->new_fd);
  close(s->fd);
  free(s->path);
  free(s);
}
