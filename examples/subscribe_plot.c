/* The host side of the seed: subscribe to SESSION/data, collect "t,value"
 * samples until SESSION/plot, then plot them to a PNG with cairo.
 *   subscribe_plot [BROKER_URL] [SESSION] [PNG_FILE] */
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/error.h"
#include "tern/mqtt.h"

static double ts[10000], vs[10000];
static int samples, done;

static void on_data(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)arg;
  char text[64];
  snprintf(text, sizeof(text), "%.*s", (int)msg->len, (const char *)msg->payload); /* "t,value" */
  if (samples < 10000 && sscanf(text, "%lf,%lf", &ts[samples], &vs[samples]) == 2) samples++;
}

static void draw_png(const char *png) { /* markers on an 800x600 canvas, value -1..1 */
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 800, 600);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0.12, 0.47, 0.71);
  for (int i = 0; i < samples; i++) {
    cairo_arc(cr, 40 + ts[i] / (ts[samples - 1] + 1) * 720, 300 - vs[i] * 250, 3, 0, 6.3);
    cairo_fill(cr);
  }
  cairo_surface_write_to_png(s, png);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
}

static void on_plot(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)msg;
  (void)arg;
  done = 1;
}

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : "mqtt://127.0.0.1:1883";
  const char *session = argc > 2 ? argv[2] : "demo";
  const char *png = argc > 3 ? argv[3] : "samples.png";
  char data[128], plot[128];
  snprintf(data, sizeof(data), "%s/data", session);
  snprintf(plot, sizeof(plot), "%s/plot", session);

  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_mqtt_opts opts = {.url = url};
  int err;
  struct tern_mqtt *mqtt = tern_mqtt_new(loop, &opts, &err);
  tern_mqtt_subscribe(mqtt, data, 1, on_data, NULL);
  tern_mqtt_subscribe(mqtt, plot, 1, on_plot, NULL);
  if ((err = tern_mqtt_connect_wait(mqtt, 10000)) != 0) {
    fprintf(stderr, "connect: %s\n", tern_strerror(err));
    return 1;
  }
  printf("waiting for %s ...\n", data);
  fflush(stdout);
  while (!done) tern_mqtt_wait_msg(mqtt, 1000);
  draw_png(png);
  printf("%d samples plotted to %s\n", samples, png);
  tern_mqtt_disconnect(mqtt);
  tern_loop_poll(loop, 100);
  tern_mqtt_free(mqtt);
  tern_loop_free(loop);
  return 0;
}
