#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "tern/error.h"

/* The dashboard (app/dashboard.html, compiled in by cmake/embed.cmake) */
extern const char host_dashboard[];

static void broadcast(struct host *h, const char *event, const char *data) {
  for (int i = 0; i < HOST_MAX_VIEWERS; i++) {
    if (!h->viewers[i]) continue;
    struct tern_conn *c = tern_loop_find_conn(h->loop, h->viewers[i]);
    if (!c) {
      h->viewers[i] = 0;
      continue;
    } /* the viewer left */
    tern_http_sse_send(c, event, data);
  }
}

int host_plot(struct host *h) {
  char title[160];
  snprintf(title, sizeof(title), "%s: %zu samples", h->session, h->series.n);
  if (series_plot(&h->series, h->png, h->width, h->height, title) != 0) {
    fprintf(stderr, "tern host: cannot write %s\n", h->png);
    return -1;
  }
  if (h->csv_file) fflush(h->csv_file);
  if (!h->quiet) printf("%s\n", h->png);
  fflush(stdout);
  h->plots++;
  return 0;
}

static void on_data(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct host *h = arg;
  double now = series_now_unix();
  if (!h->series.n) h->first_rx = now;
  if (series_add(&h->series, msg->payload, msg->len, now) != 0) {
    fprintf(stderr, "tern host: bad payload #%zu on %.*s: %.*s\n", h->series.bad,
            (int)msg->topic_len, msg->topic, (int)(msg->len > 60 ? 60 : msg->len),
            (const char *)msg->payload);
    return;
  }
  if (h->csv_file) {
    size_t stride = (size_t)h->series.ncols + 2;
    const double *row = h->series.rows + (h->series.n - 1) * stride;
    if (h->series.n == 1) {
      fprintf(h->csv_file, "t");
      for (int c = 1; c <= h->series.ncols; c++) fprintf(h->csv_file, ",v%d", c);
      fprintf(h->csv_file, ",received_unix\n");
    }
    for (int c = 0; c <= h->series.ncols; c++) fprintf(h->csv_file, c ? ",%.9g" : "%.9g", row[c]);
    fprintf(h->csv_file, ",%.6f\n", row[h->series.ncols + 1]);
  }
  char sample[256];
  snprintf(sample, sizeof(sample), "%.*s", (int)(msg->len < 255 ? msg->len : 255),
           (const char *)msg->payload);
  broadcast(h, "sample", sample);
  if (h->count && (int)h->series.n >= h->count && !h->plots) host_plot(h);
}

static void on_plot(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)msg;
  host_plot(arg);
}

static void on_status(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct host *h = arg;
  snprintf(h->status, sizeof(h->status), "%.*s", (int)(msg->len < 255 ? msg->len : 255),
           (const char *)msg->payload);
  broadcast(h, "status", h->status);
}

static void on_led_state(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct host *h = arg;
  snprintf(h->led, sizeof(h->led), "%.*s", (int)(msg->len < 7 ? msg->len : 7),
           (const char *)msg->payload);
  broadcast(h, "led", h->led);
}

static void status_line(struct tern_timer *t, void *arg) {
  (void)t;
  struct host *h = arg;
  double secs = series_now_unix() - h->first_rx;
  char rate[96];
  snprintf(rate, sizeof(rate), "%zu samples, %.1f/s, %zu bad", h->series.n,
           h->series.n && secs > 0 ? h->series.n / secs : 0.0, h->series.bad);
  broadcast(h, "rate", rate);
  if (!h->quiet) {
    fprintf(stderr, "\r%s   ", rate);
    fflush(stderr);
  }
}

int host_start(struct host *h, struct tern_loop *loop, const char *url,
               const struct tern_tls_opts *tls) {
  h->loop = loop;
  snprintf(h->topic_data, sizeof(h->topic_data), "%.60s/data", h->session);
  snprintf(h->topic_plot, sizeof(h->topic_plot), "%.60s/plot", h->session);
  snprintf(h->topic_status, sizeof(h->topic_status), "%.60s/status", h->session);
  snprintf(h->topic_led, sizeof(h->topic_led), "%.60s/led", h->session);
  snprintf(h->topic_led_state, sizeof(h->topic_led_state), "%.60s/led/state", h->session);
  snprintf(h->led, sizeof(h->led), "unknown");
  snprintf(h->status, sizeof(h->status), "unknown");
  if (h->csv && !(h->csv_file = fopen(h->csv, "w"))) {
    fprintf(stderr, "tern host: cannot write %s\n", h->csv);
    return TERN_EIO;
  }
  struct tern_mqtt_opts o = {.url = url, .tls = tls};
  int err;
  h->mqtt = tern_mqtt_new(loop, &o, &err);
  if (!h->mqtt) return err;
  tern_mqtt_subscribe(h->mqtt, h->topic_data, 1, on_data, h);
  tern_mqtt_subscribe(h->mqtt, h->topic_plot, 1, on_plot, h);
  tern_mqtt_subscribe(h->mqtt, h->topic_status, 1, on_status, h);
  tern_mqtt_subscribe(h->mqtt, h->topic_led_state, 1, on_led_state, h);
  tern_timer_start(loop, &h->status_timer, 1000, 1000, status_line, h);
  return tern_mqtt_connect_wait(h->mqtt, 10000);
}

static void page(struct tern_http_request *req, void *arg) {
  (void)arg;
  tern_http_reply_text(req, 200, "text/html; charset=utf-8", host_dashboard);
}

static void events(struct tern_http_request *req, void *arg) {
  struct host *h = arg;
  int slot = -1;
  for (int i = 0; i < HOST_MAX_VIEWERS && slot < 0; i++)
    if (!h->viewers[i] || !tern_loop_find_conn(h->loop, h->viewers[i])) slot = i;
  if (slot < 0) {
    tern_http_reply_text(req, 503, NULL, "too many viewers\n");
    return;
  }
  tern_http_sse_start(req);
  h->viewers[slot] = req->conn->id;
  tern_http_sse_send(req->conn, "session", h->session);
  tern_http_sse_send(req->conn, "status", h->status);
  tern_http_sse_send(req->conn, "led", h->led);
  /* what came before this viewer opened the page */
  size_t stride = (size_t)h->series.ncols + 2;
  for (size_t i = 0; i < h->series.n; i++) {
    char line[256];
    size_t o = 0;
    for (int c = 0; c <= h->series.ncols && o < sizeof(line) - 32; c++)
      o += (size_t)snprintf(line + o, sizeof(line) - o, c ? ",%.9g" : "%.9g",
                            h->series.rows[i * stride + (size_t)c]);
    tern_http_sse_send(req->conn, "sample", line);
  }
}

static void led(struct tern_http_request *req, void *arg) {
  struct host *h = arg;
  char state[8];
  if (tern_form_get(req->query, "state", state, sizeof(state)) != 0 ||
      (strcmp(state, "ON") && strcmp(state, "OFF"))) {
    tern_http_reply_text(req, 400, NULL, "state=ON or state=OFF\n");
    return;
  }
  tern_mqtt_publish(h->mqtt, h->topic_led, state, strlen(state), 1, 0);
  char text[200];
  snprintf(text, sizeof(text), "sent %s to %s\n", state, h->topic_led);
  tern_http_reply_text(req, 200, NULL, text);
}

int host_serve_http(struct host *h, const char *listen_url) {
  struct tern_http_server_opts o = {.listen = listen_url};
  int err;
  h->http = tern_http_server_start(h->loop, &o, &err);
  if (!h->http) return err;
  tern_http_route(h->http, "GET", "/", 0, page, h);
  tern_http_route(h->http, "GET", "/events", 0, events, h);
  tern_http_route(h->http, "POST", "/led", 0, led, h);
  return 0;
}

void host_stop(struct host *h) {
  tern_timer_stop(h->loop, &h->status_timer);
  if (h->mqtt) {
    tern_mqtt_disconnect(h->mqtt);
    tern_loop_poll(h->loop, 50);
    tern_mqtt_free(h->mqtt);
    h->mqtt = NULL;
  }
  if (h->http) {
    tern_http_server_stop(h->http);
    h->http = NULL;
  }
  if (h->csv_file) {
    fclose(h->csv_file);
    h->csv_file = NULL;
  }
  series_free(&h->series);
}
