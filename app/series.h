/* The host side's data: samples "t,v1[,v2...]" as they arrive, kept for
 * the CSV and the plot. */
#ifndef TERN_APP_SERIES_H
#define TERN_APP_SERIES_H
#include <stddef.h>

struct series {
  double *rows; /* n rows of (ncols + 2): t, values..., received_unix */
  size_t n, cap;
  int ncols;  /* value columns (after t), fixed by the first sample */
  size_t bad; /* payloads that did not parse */
};

/* Parses one payload; returns 0, or -1 (counted in s->bad) for a bad one. */
int series_add(struct series *s, const void *payload, size_t len, double received_unix);
int series_write_csv(const struct series *s, const char *path);
int series_plot(const struct series *s, const char *path, int w, int h, const char *title);
void series_free(struct series *s);
double series_now_unix(void);
#endif
