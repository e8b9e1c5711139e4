/* tern demo: the whole system on this machine, in one process and one loop.
 * An embedded broker on a free loopback port, a simulated device that
 * publishes samples of sin(t/10), and a host that collects them and draws
 * the plot. Nothing is sent off this machine. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "series.h"
#include "tern/broker.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/mqtt.h"

static const char usage[] =
    "usage: tern demo [--exit] [--broker URL] [--session S] [--samples N] [--period-ms MS]\n"
    "                 [--png FILE] [--csv FILE] [-v]\n"
    "Runs a broker, a simulated device and the host on this machine: the device\n"
    "publishes N samples 't,sin(t/10)' on S/data, then 'create the plot' on S/plot;\n"
    "the host writes the samples to the CSV file and draws the PNG.\n"
    "  --exit          end after the plot (for scripts); otherwise serve until Ctrl-C\n"
    "  --broker URL    use this broker instead of the embedded one\n"
    "  --session S     topic prefix (default demo)\n"
    "  --samples N     samples to publish (default 100)\n"
    "  --period-ms MS  time between samples (default 20)\n"
    "  --png FILE      plot file (default demo.png)\n"
    "  --csv FILE      samples file (default demo.csv)\n";

struct demo {
  struct tern_loop *loop;
  struct tern_mqtt *device, *host;
  char topic_data[128], topic_plot[128], session[64];
  int samples, sent, plot_sent, plotted;
  struct tern_timer tick;
  struct series series;
  const char *png, *csv;
  double first_rx;
};

static void device_tick(struct tern_timer *t, void *arg) {
  struct demo *d = arg;
  if (d->sent < d->samples) {
    char payload[64];
    int n = snprintf(payload, sizeof(payload), "%d,%.7g", d->sent, sin(d->sent / 10.0));
    if (tern_mqtt_publish(d->device, d->topic_data, payload, (size_t)n, 1, 0) > 0) d->sent++;
    if (d->sent == d->samples) printf("[device] published %d samples on %s\n", d->samples, d->topic_data);
    return;
  }
  /* the plot request goes only after every sample is acknowledged */
  if (!d->plot_sent && tern_mqtt_pending(d->device) == 0) {
    tern_mqtt_publish(d->device, d->topic_plot, "create the plot", 15, 1, 0);
    d->plot_sent = 1;
    printf("[device] all samples acknowledged; asked for the plot on %s\n", d->topic_plot);
    tern_timer_stop(d->loop, t);
  }
}

static void on_data(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct demo *d = arg;
  double now = series_now_unix();
  if (d->series.n == 0) d->first_rx = now;
  if (series_add(&d->series, msg->payload, msg->len, now) != 0)
    fprintf(stderr, "[host] bad payload (%zu so far): %.*s\n", d->series.bad, (int)msg->len, (const char *)msg->payload);
}

static void on_plot(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  (void)msg;
  struct demo *d = arg;
  double secs = series_now_unix() - d->first_rx;
  printf("[host] received %zu samples (%.0f/s), %zu bad\n", d->series.n, secs > 0 ? d->series.n / secs : 0.0, d->series.bad);
  char title[160];
  snprintf(title, sizeof(title), "%s: %zu samples", d->session, d->series.n);
  if (series_write_csv(&d->series, d->csv) != 0) fprintf(stderr, "[host] cannot write %s\n", d->csv);
  if (series_plot(&d->series, d->png, 800, 600, title) != 0) fprintf(stderr, "[host] cannot write %s\n", d->png);
  else printf("[host] wrote %s (800x600) and %s\n", d->png, d->csv);
  fflush(stdout);
  d->plotted = 1;
}

int cmd_demo(int argc, char **argv) {
  struct demo d;
  memset(&d, 0, sizeof(d));
  const char *broker_url = NULL, *session = "demo";
  int exit_after = 0, period = 20, verbose = 0, bad = 0;
  d.samples = 100;
  d.png = "demo.png";
  d.csv = "demo.csv";
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) { fputs(usage, stdout); return 0; }
    if (!strcmp(argv[i], "--exit")) exit_after = 1;
    else if (!strcmp(argv[i], "-v")) verbose = 1;
    else if ((v = app_opt(argc, argv, &i, "--broker", &bad))) broker_url = v;
    else if ((v = app_opt(argc, argv, &i, "--session", &bad))) session = v;
    else if ((v = app_opt(argc, argv, &i, "--samples", &bad))) d.samples = atoi(v);
    else if ((v = app_opt(argc, argv, &i, "--period-ms", &bad))) period = atoi(v);
    else if ((v = app_opt(argc, argv, &i, "--png", &bad))) d.png = v;
    else if ((v = app_opt(argc, argv, &i, "--csv", &bad))) d.csv = v;
    else if (bad) return 2;
    else return app_bad_flag("demo", argv[i]);
    if (bad) return 2;
  }
  if (d.samples < 1 || period < 1) { fprintf(stderr, "tern demo: --samples and --period-ms must be positive\n"); return 2; }
  snprintf(d.session, sizeof(d.session), "%s", session);
  snprintf(d.topic_data, sizeof(d.topic_data), "%s/data", session);
  snprintf(d.topic_plot, sizeof(d.topic_plot), "%s/plot", session);
  setvbuf(stdout, NULL, _IOLBF, 0);
  d.loop = app_loop_new(NULL);
  if (!d.loop) return 1;
  tern_log_set(d.loop, verbose ? TERN_LOG_INFO : TERN_LOG_WARN, NULL, NULL);
  printf("tern demo: everything runs on this machine (loopback only)\n");

  struct tern_broker *broker = NULL;
  char url[300];
  if (broker_url) {
    snprintf(url, sizeof(url), "%s", broker_url);
    printf("[broker] using %s\n", url);
  } else {
    /* local only, so anonymous clients are fine */
    struct tern_broker_opts bo = {.listen = {"tcp://127.0.0.1:0"}, .allow_anonymous = 1};
    int err;
    broker = tern_broker_start(d.loop, &bo, &err);
    if (!broker) { fprintf(stderr, "tern demo: broker: %s\n", tern_strerror(err)); return 1; }
    snprintf(url, sizeof(url), "mqtt://127.0.0.1:%u", tern_broker_port(broker, 0));
    printf("[broker] tern broker on 127.0.0.1:%u\n", tern_broker_port(broker, 0));
  }

  int err, rc = 1;
  struct tern_mqtt_opts ho = {.url = url, .client_id = "demo-host"};
  d.host = tern_mqtt_new(d.loop, &ho, &err);
  struct tern_mqtt_opts dopt = {.url = url, .client_id = "demo-device"};
  d.device = tern_mqtt_new(d.loop, &dopt, &err);
  if (!d.host || !d.device) { fprintf(stderr, "tern demo: %s\n", tern_strerror(err)); goto out; }
  tern_mqtt_subscribe(d.host, d.topic_data, 1, on_data, &d);
  tern_mqtt_subscribe(d.host, d.topic_plot, 1, on_plot, &d);
  if ((err = tern_mqtt_connect_wait(d.host, 10000)) != 0) {
    fprintf(stderr, "tern demo: host cannot connect to %s: %s\n", url, tern_strerror(err));
    goto out;
  }
  printf("[host] subscribed to %s and %s\n", d.topic_data, d.topic_plot);
  if ((err = tern_mqtt_connect_wait(d.device, 10000)) != 0) {
    fprintf(stderr, "tern demo: device cannot connect to %s: %s\n", url, tern_strerror(err));
    goto out;
  }
  printf("[device] connected to %s; publishing %d samples every %d ms\n", url, d.samples, period);
  tern_timer_start(d.loop, &d.tick, (uint32_t)period, (uint32_t)period, device_tick, &d);
  app_signals(d.loop);
  uint32_t start = tern_loop_now(d.loop);
  while (!app_stop && !d.plotted) {
    tern_loop_poll(d.loop, 500);
    if (tern_loop_now(d.loop) - start > 60000u + (uint32_t)(d.samples * period)) {
      fprintf(stderr, "tern demo: the plot did not come in time\n");
      goto out;
    }
  }
  rc = d.plotted ? 0 : 1;
  if (!exit_after && d.plotted) {
    printf("Serving until Ctrl-C (broker %s); try: build/bin/tern sub -L '%s/%s/#' -v\n", url, url, session);
    while (!app_stop) tern_loop_poll(d.loop, 1000);
  }
out:
  tern_timer_stop(d.loop, &d.tick);
  if (d.device) tern_mqtt_disconnect(d.device);
  if (d.host) tern_mqtt_disconnect(d.host);
  tern_loop_poll(d.loop, 50);
  tern_mqtt_free(d.device);
  tern_mqtt_free(d.host);
  tern_broker_stop(broker);
  tern_loop_poll(d.loop, 0);
  tern_loop_free(d.loop);
  series_free(&d.series);
  return rc;
}
