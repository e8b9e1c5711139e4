#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "plot.h"
#include "series.h"

#define MAX_COLS 16

double series_now_unix(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int series_add(struct series *s, const void *payload, size_t len, double received_unix) {
  char buf[512];
  double vals[MAX_COLS + 1];
  int n = 0;
  if (len == 0 || len >= sizeof(buf)) {
    s->bad++;
    return -1;
  }
  memcpy(buf, payload, len);
  buf[len] = '\0';
  char *p = buf;
  for (;;) {
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v) || n > MAX_COLS) {
      s->bad++;
      return -1;
    }
    vals[n++] = v;
    while (*end == ' ') end++;
    if (*end == '\0') break;
    if (*end != ',') {
      s->bad++;
      return -1;
    }
    p = end + 1;
  }
  if (n < 2) {
    s->bad++;
    return -1;
  } /* t and at least one value */
  if (s->n == 0) s->ncols = n - 1;
  else if (n - 1 != s->ncols) {
    s->bad++;
    return -1;
  } /* columns must stay the same */
  size_t stride = (size_t)s->ncols + 2;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    double *r = realloc(s->rows, cap * stride * sizeof(double));
    if (!r) return -1;
    s->rows = r;
    s->cap = cap;
  }
  double *row = s->rows + s->n * stride;
  memcpy(row, vals, (size_t)n * sizeof(double));
  row[n] = received_unix;
  s->n++;
  return 0;
}

int series_write_csv(const struct series *s, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "t");
  for (int c = 1; c <= s->ncols; c++) fprintf(f, ",v%d", c);
  fprintf(f, ",received_unix\n");
  size_t stride = (size_t)s->ncols + 2;
  for (size_t i = 0; i < s->n; i++) {
    const double *row = s->rows + i * stride;
    for (int c = 0; c <= s->ncols; c++) fprintf(f, c ? ",%.9g" : "%.9g", row[c]);
    fprintf(f, ",%.6f\n", row[s->ncols + 1]);
  }
  return fclose(f) == 0 ? 0 : -1;
}

int series_plot(const struct series *s, const char *path, int w, int h, const char *title) {
  /* the plot wants rows of (t, values...): drop the arrival time */
  size_t in = (size_t)s->ncols + 2, out = (size_t)s->ncols + 1;
  double *rows = malloc((s->n ? s->n : 1) * out * sizeof(double));
  if (!rows) return -1;
  for (size_t i = 0; i < s->n; i++) memcpy(rows + i * out, s->rows + i * in, out * sizeof(double));
  int rc = plot_png(path, w, h, title, rows, s->n, s->ncols ? s->ncols : 1);
  free(rows);
  return rc;
}

void series_free(struct series *s) {
  free(s->rows);
  memset(s, 0, sizeof(*s));
}
