/* tern fleet: many simulated devices against a broker or a cluster (fleet.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/error.h"
#include "tern/fleet.h"
#include "tern/fmt.h"
#include "tern/log.h"

static const char usage[] =
    "usage: tern fleet --broker URL[,URL...] --devices N --rate MSGS_PER_S_PER_DEVICE\n"
    "                  --duration SECONDS [--qos Q] [--connect-rate N] [--drain SECONDS]\n"
    "N simulated devices, spread over the brokers (device i starts at broker i mod n and\n"
    "moves on when its broker fails): each connects with a will, publishes a retained\n"
    "status, subscribes to its LED topic and publishes samples at the rate (QoS 1 by\n"
    "default). One receiver checks every sample. A progress line each second on standard\n"
    "error; at the end, on standard output:\n"
    "  devices N connected N sent N acked N received N lost N duplicated N p50 X ms p99 Y ms\n"
    "lost: acknowledged by the broker, never received (QoS 0: sent, never received, shown\n"
    "apart as qos0-missing). Exit 0 when nothing acknowledged was lost.\n";

static int number(const char *flag, const char *v, double min, double max, double *out) {
  char *end;
  double d = strtod(v, &end);
  if (end == v || *end || !(d >= min && d <= max)) {
    fprintf(stderr, "tern fleet: %s wants a number from %g to %g, not '%s'\n", flag, min, max, v);
    return 2;
  }
  *out = d;
  return 0;
}

int cmd_fleet(int argc, char **argv) {
  struct tern_fleet_opts o = {.qos = 1};
  double devices = 0, rate = 0, duration = 0, qos = 1, crate = 1000, drain = 10;
  int bad = 0, rc = 0;
  for (int i = 1; i < argc && !rc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--broker", &bad))) o.brokers = v;
    else if ((v = app_opt(argc, argv, &i, "--devices", &bad)))
      rc = number("--devices", v, 1, 1000000, &devices);
    else if ((v = app_opt(argc, argv, &i, "--rate", &bad)))
      rc = number("--rate", v, 0.01, 1000, &rate);
    else if ((v = app_opt(argc, argv, &i, "--duration", &bad)))
      rc = number("--duration", v, 1, 86400, &duration);
    else if ((v = app_opt(argc, argv, &i, "--qos", &bad))) rc = number("--qos", v, 0, 2, &qos);
    else if ((v = app_opt(argc, argv, &i, "--connect-rate", &bad)))
      rc = number("--connect-rate", v, 1, 100000, &crate);
    else if ((v = app_opt(argc, argv, &i, "--drain", &bad)))
      rc = number("--drain", v, 1, 3600, &drain);
    else if (bad) return 2;
    else return app_bad_flag("fleet", argv[i]);
    if (bad) return 2;
  }
  if (rc) return rc;
  if (!o.brokers || !devices || !rate || !duration) {
    fprintf(stderr, "tern fleet: --broker, --devices, --rate and --duration are required\n");
    return 2;
  }
  o.devices = (int)devices;
  o.rate = rate;
  o.duration_s = (uint32_t)duration;
  o.qos = (int)qos;
  o.connect_rate = (uint32_t)crate;
  o.drain_s = (uint32_t)drain;
  struct tern_alloc_count heap = {0, 0}; /* what tern holds, for the memory per device */
  struct tern_allocator counting = {tern_counting_realloc, &heap};
  /* small connection buffers: a simulated device sends and receives little */
  struct tern_loop_opts lo = {.alloc = &counting, .conn_buf_cap = 16 * 1024};
  struct tern_loop *loop = app_loop_new(&lo);
  tern_log_set(loop, TERN_LOG_WARN, NULL, NULL);
  int err;
  size_t before = heap.now;
  struct tern_fleet *f = tern_fleet_start(loop, &o, &err);
  if (!f) {
    fprintf(stderr, "tern fleet: %s\n", tern_strerror(err));
    return err == TERN_EINVAL ? 2 : 1;
  }
  size_t books = heap.now - before; /* the fleet's own bookkeeping, before any connection */
  struct tern_fleet_report r;
  uint32_t t0 = tern_loop_now(loop), last = t0;
  size_t per_device = 0;
  do {
    tern_loop_poll(loop, 100);
    tern_fleet_report(f, &r);
    if (r.connected == r.devices && !per_device)
      per_device = (heap.now - before - books) / (size_t)r.devices;
    uint32_t now = tern_loop_now(loop);
    if (now - last >= 1000 || r.done) {
      last = now;
      fprintf(stderr,
              "fleet: %3us %s connected %d/%d reconnects %llu sent %llu acked %llu received %llu\n",
              (unsigned)((now - t0) / 1000), r.publishing ? "publishing" : "draining   ",
              r.connected, r.devices, (unsigned long long)r.reconnects, (unsigned long long)r.sent,
              (unsigned long long)r.acked, (unsigned long long)r.received);
    }
  } while (!r.done);
  printf("devices %d connected %d sent %llu acked %llu received %llu lost %llu duplicated %llu "
         "p50 %.1f ms p99 %.1f ms reconnects %llu",
         r.devices, r.connected, (unsigned long long)r.sent, (unsigned long long)r.acked,
         (unsigned long long)r.received, (unsigned long long)r.lost,
         (unsigned long long)r.duplicated, r.p50_ms, r.p99_ms, (unsigned long long)r.reconnects);
  if (o.qos == 0) printf(" qos0-missing %llu", (unsigned long long)r.missing_qos0);
  printf("\n");
  fprintf(stderr, "fleet: tern's heap per connected device: %lu bytes (peak %lu bytes in all)\n",
          (unsigned long)per_device, (unsigned long)heap.peak);
  fflush(stdout);
  int lost = r.lost != 0;
  tern_fleet_free(f);
  tern_loop_free(loop);
  return lost ? 1 : 0;
}
