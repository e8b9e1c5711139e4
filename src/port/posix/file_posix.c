#include <sys/stat.h>
#include "../../core/loop_internal.h"
#include "tern/error.h"

int tern_port_file_stat(const char *path, uint64_t *size, int64_t *mtime, int *is_dir) {
  struct stat st;
  if (stat(path, &st) != 0) return TERN_ENOTFOUND;
  *size = (uint64_t)st.st_size;
  *mtime = (int64_t)st.st_mtime;
  *is_dir = S_ISDIR(st.st_mode);
  return 0;
}
