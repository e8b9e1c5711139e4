/* A fleet of simulated devices on one loop: what thousands of devices do to
 * a broker (or a cluster), measured end to end. Each simulated device does
 * what the device runtime does over MQTT: connects with a will on
 * PREFIX/NAME/status, publishes "online" there retained, subscribes to
 * PREFIX/NAME/led, and publishes samples on PREFIX/NAME/data at the set
 * rate. One receiver, subscribed to PREFIX/+/data, checks every sample:
 * lost (acknowledged by the broker, never delivered), duplicated, and the
 * latency from publish to delivery. Devices spread over the brokers of the
 * list (device i starts at broker i mod n) and move to the next one when
 * theirs fails. */
#ifndef TERN_FLEET_H
#define TERN_FLEET_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

struct tern_fleet_opts {
  const char *brokers;   /* "URL[,URL...]" */
  int devices;           /* how many */
  double rate;           /* samples per second per device (0.01 .. 1000) */
  uint32_t duration_s;   /* publishing time; then up to drain_s for the last deliveries */
  uint32_t drain_s;      /* 0: 10 */
  int qos;               /* 0, 1 or 2 (samples and the receiver's subscription) */
  uint32_t connect_rate; /* new connections per second at the start; 0: 1000 */
  const char *prefix;    /* topic prefix; NULL: "fleet/RANDOM" (so runs never mix) */
  uint16_t keepalive_s;  /* 0: 30 */
};

struct tern_fleet_report {
  int devices, connected; /* connected now */
  uint64_t reconnects;    /* connections after the first, over all devices */
  uint64_t sent;          /* samples handed to the client */
  uint64_t acked;         /* the broker acknowledged (QoS 1/2) */
  uint64_t received;      /* distinct samples the receiver got */
  uint64_t lost;          /* acknowledged, never received (after the drain) */
  uint64_t duplicated;    /* deliveries beyond the first */
  uint64_t missing_qos0;  /* QoS 0: sent, never received (no acknowledgement to count) */
  double p50_ms, p99_ms;  /* publish to delivery */
  int publishing, done;   /* in the publishing phase; everything over */
};

struct tern_fleet;
/* Starts connecting. NULL with *err for bad options (a list that does not
 * parse, a rate out of range). */
struct tern_fleet *tern_fleet_start(struct tern_loop *loop, const struct tern_fleet_opts *o,
                                    int *err);
/* The figures so far (the latency percentiles once done). */
void tern_fleet_report(struct tern_fleet *f, struct tern_fleet_report *r);
/* Closes every connection (the devices' wills fire) and frees the fleet. */
void tern_fleet_free(struct tern_fleet *f);

/* A sample as the receiver takes it (sans-I/O, fuzzed): topic
 * "PREFIX/dN/data", payload "SEQ,MICROS", decimal numbers of at most 10
 * and 20 digits. 0, or TERN_EPROTO for anything else (another publisher on
 * the prefix), never reading outside the two buffers. */
int tern_fleet_parse_sample(const char *prefix, const char *topic, size_t topic_len,
                            const void *payload, size_t len, uint32_t *device, uint32_t *seq,
                            uint64_t *sent_us);
#pragma GCC visibility pop
#endif
