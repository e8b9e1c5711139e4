/* The host side (the seed's laptop): subscribe to a session, collect the
 * samples, write CSV and PNG, serve a live dashboard. Used by tern host
 * and tern demo. */
#ifndef TERN_APP_HOST_H
#define TERN_APP_HOST_H
#include "series.h"
#include "tern/http.h"
#include "tern/mqtt.h"

#define HOST_MAX_VIEWERS 16

struct host {
  struct tern_loop *loop;
  struct tern_mqtt *mqtt;
  struct tern_http_server *http;
  char session[64], topic_data[128], topic_plot[128], topic_status[128], topic_led[128];
  char topic_led_state[128], led[8]; /* the device's retained LED state, as the page shows it */
  const char *png, *csv;
  int width, height, count, exit_after, plots, quiet;
  FILE *csv_file;
  struct series series;
  char status[256];
  unsigned long viewers[HOST_MAX_VIEWERS]; /* SSE connection ids */
  double first_rx;
  struct tern_timer status_timer;
};

/* Connects (url) and subscribes; 0 or a TERN_E code. */
int host_start(struct host *h, struct tern_loop *loop, const char *url,
               const struct tern_tls_opts *tls);
int host_serve_http(struct host *h, const char *listen_url); /* the live page */
int host_plot(struct host *h);                               /* write the PNG now */
void host_stop(struct host *h);
#endif
