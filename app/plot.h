/* PNG charts with cairo: axes, ticks, labels, one marker series per column. */
#ifndef TERN_APP_PLOT_H
#define TERN_APP_PLOT_H
#include <stddef.h>

/* rows: n rows of (1 + ncols) doubles: x, then each column's y. */
int plot_png(const char *path, int width, int height, const char *title, const double *rows,
             size_t n, int ncols);
#endif
