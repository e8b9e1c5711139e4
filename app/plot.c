#include <cairo.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <math.h>
#include <stdio.h>
#include "plot.h"

/* A "nice" tick step (1, 2 or 5 x 10^k) giving about 'want' ticks. */
static double nice_step(double span, int want) {
  double raw = span / want, mag = pow(10, floor(log10(raw))), f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void range(const double *rows, size_t n, int stride, int col, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double v = rows[i * (size_t)stride + (size_t)col];
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
  }
  if (!(*lo <= *hi)) {
    *lo = 0;
    *hi = 1;
  }
  if (*hi - *lo < 1e-12) {
    *lo -= 1;
    *hi += 1;
  }
}

int plot_png(const char *path, int width, int height, const char *title, const double *rows,
             size_t n, int ncols) {
  static const double colors[][3] = {{0.12, 0.47, 0.71}, {1.0, 0.5, 0.05},  {0.17, 0.63, 0.17},
                                     {0.84, 0.15, 0.16}, {0.58, 0.4, 0.74}, {0.55, 0.34, 0.29}};
  int stride = ncols + 1;
  double xlo, xhi, ylo = INFINITY, yhi = -INFINITY;
  range(rows, n, stride, 0, &xlo, &xhi);
  double xpad = (xhi - xlo) * 0.02; /* markers at the ends stay inside the frame */
  xlo -= xpad;
  xhi += xpad;
  for (int c = 1; c <= ncols; c++) {
    double lo, hi;
    range(rows, n, stride, c, &lo, &hi);
    if (lo < ylo) ylo = lo;
    if (hi > yhi) yhi = hi;
  }
  double pad = (yhi - ylo) * 0.05;
  ylo -= pad;
  yhi += pad;
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  double L = 70, R = width - 20.0, T = 40, B = height - 50.0;
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, L, T, R - L, B - T);
  cairo_stroke(cr);
  char label[32];
  cairo_text_extents_t ext;
  double xs = nice_step(xhi - xlo, 8), ys = nice_step(yhi - ylo, 6);
  for (double v = ceil(xlo / xs) * xs; v <= xhi + 1e-9; v += xs) {
    double px = L + (v - xlo) / (xhi - xlo) * (R - L);
    cairo_move_to(cr, px, B);
    cairo_line_to(cr, px, B + 5);
    cairo_stroke(cr);
    snprintf(label, sizeof(label), "%g", fabs(v) < xs * 1e-6 ? 0.0 : v);
    cairo_text_extents(cr, label, &ext);
    cairo_move_to(cr, px - ext.width / 2, B + 20);
    cairo_show_text(cr, label);
  }
  for (double v = ceil(ylo / ys) * ys; v <= yhi + 1e-9; v += ys) {
    double py = B - (v - ylo) / (yhi - ylo) * (B - T);
    cairo_move_to(cr, L - 5, py);
    cairo_line_to(cr, L, py);
    cairo_stroke(cr);
    snprintf(label, sizeof(label), "%g", fabs(v) < ys * 1e-6 ? 0.0 : v);
    cairo_text_extents(cr, label, &ext);
    cairo_move_to(cr, L - 10 - ext.width, py + ext.height / 2);
    cairo_show_text(cr, label);
  }
  cairo_move_to(cr, (L + R) / 2 - 4, height - 12.0);
  cairo_show_text(cr, "t");
  cairo_save(cr);
  cairo_move_to(cr, 18, (T + B) / 2 + 15);
  cairo_rotate(cr, -M_PI / 2);
  cairo_show_text(cr, "value");
  cairo_restore(cr);
  cairo_set_font_size(cr, 15);
  cairo_text_extents(cr, title, &ext);
  cairo_move_to(cr, (width - ext.width) / 2, 25);
  cairo_show_text(cr, title);
  for (int c = 1; c <= ncols; c++) {
    const double *col = colors[(c - 1) % 6];
    cairo_set_source_rgb(cr, col[0], col[1], col[2]);
    for (size_t i = 0; i < n; i++) {
      double px = L + (rows[i * (size_t)stride] - xlo) / (xhi - xlo) * (R - L);
      double py = B - (rows[i * (size_t)stride + (size_t)c] - ylo) / (yhi - ylo) * (B - T);
      cairo_arc(cr, px, py, 3, 0, 2 * M_PI);
      cairo_fill(cr);
    }
  }
  cairo_destroy(cr);
  cairo_status_t st = cairo_surface_write_to_png(s, path);
  cairo_surface_destroy(s);
  return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}
