/* Files on the board (the port's half of file.h). There is no file system:
 * a path is a file on the host, reached through semihosting (relative to
 * QEMU's working directory), when QEMU runs with it. The resolver reads no
 * files here (TERN_DNS_SYSTEM_FILES 0): DHCP's servers come from
 * tern_port_dns_servers, and there is no hosts file. Files in memory (the
 * provisioned area's CA certificates and keys) come first, through
 * tern_lwip_set_mem_files.
 * The record log (store.h) is not kept on this board: see store_none below. */
#include <stdio.h>
#include <string.h>
#include "../../core/loop_internal.h"
#include "../port.h"
#include "board/board.h"
#include "tern/error.h"
#include "tern/store.h"
#include "tern_lwip.h"

struct tern_file {
  int used;
  int fd;             /* semihosting handle */
  const uint8_t *mem; /* or the bytes of a file held in memory */
  size_t mem_len;
};
static struct tern_file files[2]; /* open at once: a config and one more */

/* files in memory (the provisioned area's): asked before the host */
static tern_lwip_mem_file_fn mem_files;
static void *mem_files_arg;
void tern_lwip_set_mem_files(tern_lwip_mem_file_fn fn, void *arg) {
  mem_files = fn;
  mem_files_arg = arg;
}
static const uint8_t *mem_file(const char *path, size_t *len) {
  return mem_files ? mem_files(mem_files_arg, path, len) : NULL;
}

static struct tern_file *file_slot(void) {
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
    if (!files[i].used) return &files[i];
  return NULL;
}

int tern_port_file_stat(const char *path, uint64_t *size, int64_t *mtime, int *is_dir) {
  *mtime = 0, *is_dir = 0;
  size_t len;
  if (mem_file(path, &len)) {
    *size = len;
    return 0;
  }
  int fd = tern_semihost_open(path, 0);
  if (fd < 0) return TERN_ENOTFOUND;
  long n = tern_semihost_flen(fd);
  tern_semihost_close(fd);
  if (n < 0) return TERN_EIO;
  *size = (uint64_t)n;
  return 0;
}

int tern_port_file_open(const char *path, struct tern_file **out) {
  struct tern_file *f = file_slot();
  if (!f) return TERN_ELIMIT;
  if ((f->mem = mem_file(path, &f->mem_len)) != NULL) {
    f->used = 1;
    *out = f;
    return 0;
  }
  int fd = tern_semihost_open(path, 0);
  if (fd < 0) return TERN_ENOTFOUND;
  f->fd = fd;
  f->used = 1;
  *out = f;
  return 0;
}

long tern_port_file_read(struct tern_file *f, uint64_t offset, void *buf, size_t n) {
  if (f->mem) {
    if (offset >= f->mem_len) return 0;
    if (n > f->mem_len - offset) n = f->mem_len - (size_t)offset;
    memcpy(buf, f->mem + offset, n);
    return (long)n;
  }
  if (tern_semihost_seek(f->fd, (long)offset) != 0) return TERN_EIO;
  long got = tern_semihost_read(f->fd, buf, n);
  return got < 0 ? TERN_EIO : got;
}

void tern_port_file_close(struct tern_file *f) {
  if (!f->mem) tern_semihost_close(f->fd);
  memset(f, 0, sizeof(*f));
}

int tern_port_file_list(const char *dir, int (*fn)(void *arg, const char *name), void *arg) {
  (void)dir, (void)fn, (void)arg;
  return TERN_EUNSUPPORTED; /* semihosting has no directory listing */
}

int tern_port_file_replace(const char *path, const void *data, size_t len) {
  char tmp[128];
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) return TERN_EINVAL;
  int fd = tern_semihost_open(tmp, 4);
  if (fd < 0) return TERN_EDENIED;
  int rc = tern_semihost_write(fd, data, len);
  tern_semihost_close(fd);
  if (rc == 0) {
    tern_semihost_remove(path); /* the host's rename may refuse to replace */
    rc = tern_semihost_rename(tmp, path);
  }
  return rc == 0 ? 0 : TERN_EIO;
}

/* ---- store_none: this board keeps no record log ----
 * mps2-an386 has no flash the firmware may write, and what lives in RAM is
 * gone at the next power cycle, so the log is refused rather than faked:
 * the MQTT client then keeps its queue in memory only (a reboot loses what
 * was not yet acknowledged), which is what the device says at start. A
 * board with a flash partition implements these calls on it. */
int tern_store_open(struct tern_loop *loop, const char *path, int sync, tern_store_replay_fn fn,
                    void *arg, struct tern_store **out) {
  (void)loop, (void)path, (void)sync, (void)fn, (void)arg;
  *out = NULL;
  return TERN_EUNSUPPORTED;
}
int tern_store_append(struct tern_store *s, uint8_t type, const void *a, size_t alen, const void *b,
                      size_t blen) {
  (void)s, (void)type, (void)a, (void)alen, (void)b, (void)blen;
  return TERN_EUNSUPPORTED;
}
int tern_store_flush(struct tern_store *s) {
  (void)s;
  return 0;
}
size_t tern_store_size(const struct tern_store *s) {
  (void)s;
  return 0;
}
int tern_store_rewrite_begin(struct tern_store *s) {
  (void)s;
  return TERN_EUNSUPPORTED;
}
int tern_store_rewrite_commit(struct tern_store *s) {
  (void)s;
  return TERN_EUNSUPPORTED;
}
void tern_store_close(struct tern_store *s) { (void)s; }
