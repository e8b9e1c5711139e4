/* sntp_accuracy SERVER:PORT TRUE_OFFSET [N]: N syncs; mean and p99 of the
 * error |measured offset - true offset|, in microseconds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tern/sntp.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int n = argc > 3 ? atoi(argv[3]) : 100;
  double truth = atof(argv[2]), sum = 0, *err = calloc((size_t)n, sizeof(double));
  struct tern_sntp_opts o = {.servers = {argv[1]}, .timeout_ms = 2000};
  int ok = 0;
  for (int i = 0; i < n; i++) {
    /* a fresh loop each time: its clock starts as the system's, so every
     * sync measures the same true offset */
    struct tern_loop *loop = tern_loop_new(NULL);
    struct tern_sntp_result r;
    int rc = tern_sntp_sync(loop, &o, 3000, &r);
    tern_loop_free(loop);
    if (rc != 0) continue;
    err[ok] = fabs((double)r.offset_us - truth * 1e6);
    sum += err[ok++];
  }
  qsort(err, (size_t)ok, sizeof(double), cmp);
  printf("syncs=%d/%d mean_error_us=%.0f p99_error_us=%.0f\n", ok, n, ok ? sum / ok : 0,
         ok ? err[(ok * 99) / 100 - (ok >= 100 ? 1 : 0)] : 0);
  return ok == n ? 0 : 1;
}
