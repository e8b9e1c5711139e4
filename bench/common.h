/* Shared by the client benchmarks: timing and heap measurement. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <malloc.h>
#include <stdio.h>
#include <time.h>

static double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t bench_heap(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks;
}

static void bench_report(const char *lib, int qos, long n, double secs) {
  printf("%s qos=%d messages=%ld seconds=%.3f msgs_per_s=%.0f\n", lib, qos, n, secs, n / secs);
}
#endif
