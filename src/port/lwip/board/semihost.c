/* ARM semihosting on M-profile: bkpt 0xab with the operation in r0 and a
 * parameter block in r1. QEMU answers it with -semihosting-config
 * enable=on,target=native; without it the fault handler returns -1. */
#include <string.h>
#include "board.h"

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_SEEK = 0x0A,
  SYS_FLEN = 0x0C,
  SYS_REMOVE = 0x0E,
  SYS_RENAME = 0x0F,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static int call(int op, void *arg) {
  register int r0 __asm("r0") = op;
  register void *r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int tern_semihost_cmdline(char *buf, size_t len) {
  uint32_t blk[2] = {(uint32_t)buf, (uint32_t)len};
  if (call(SYS_GET_CMDLINE, blk) != 0) return -1;
  buf[blk[1] < len ? blk[1] : len - 1] = '\0';
  return 0;
}

void tern_semihost_exit(int status) {
  /* SYS_EXIT on 32-bit ARM carries no status; the extended call does */
  uint32_t blk[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  call(SYS_EXIT_EXTENDED, blk);
  call(SYS_EXIT, (void *)ADP_STOPPED_APPLICATION_EXIT);
  for (;;) __asm volatile("wfi"); /* no host to exit to */
}

int tern_semihost_open(const char *path, int mode) {
  uint32_t blk[3] = {(uint32_t)path, (uint32_t)mode, (uint32_t)strlen(path)};
  return call(SYS_OPEN, blk);
}
int tern_semihost_close(int fd) {
  uint32_t blk[1] = {(uint32_t)fd};
  return call(SYS_CLOSE, blk);
}
long tern_semihost_read(int fd, void *buf, size_t n) {
  uint32_t blk[3] = {(uint32_t)fd, (uint32_t)buf, (uint32_t)n};
  int left = call(SYS_READ, blk); /* the bytes NOT read */
  return left < 0 || (size_t)left > n ? -1 : (long)(n - (size_t)left);
}
int tern_semihost_write(int fd, const void *buf, size_t n) {
  uint32_t blk[3] = {(uint32_t)fd, (uint32_t)buf, (uint32_t)n};
  return call(SYS_WRITE, blk) == 0 ? 0 : -1;
}
long tern_semihost_flen(int fd) {
  uint32_t blk[1] = {(uint32_t)fd};
  return call(SYS_FLEN, blk);
}
int tern_semihost_seek(int fd, long pos) {
  uint32_t blk[2] = {(uint32_t)fd, (uint32_t)pos};
  return call(SYS_SEEK, blk);
}
int tern_semihost_remove(const char *path) {
  uint32_t blk[2] = {(uint32_t)path, (uint32_t)strlen(path)};
  return call(SYS_REMOVE, blk);
}
int tern_semihost_rename(const char *from, const char *to) {
  uint32_t blk[4] = {(uint32_t)from, (uint32_t)strlen(from), (uint32_t)to, (uint32_t)strlen(to)};
  return call(SYS_RENAME, blk);
}
