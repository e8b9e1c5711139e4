/* The fleet simulator (fleet.h). Every simulated device is one tern_mqtt
 * client on the shared loop: nothing here touches a socket. The books are
 * kept per sample: the id the client gave it (acknowledgements come back by
 * id), whether the broker acknowledged it, and how often the receiver got
 * it, so a loss is a sample acknowledged and never delivered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/error.h"
#include "tern/fleet.h"
#include "tern/fmt.h"
#include "tern/log.h"
#include "tern/mqtt.h"
#include "tern/timer.h"

#define MAX_BROKERS (TERN_MQTT_MAX_FALLBACKS + 1)

struct sim {
  struct tern_fleet *f;
  struct tern_mqtt *m;
  int index, ever, up;
  uint32_t sent;  /* samples handed to the client; the next one's number */
  uint64_t *ids;  /* the client's id of each sample, increasing */
  uint8_t *acked; /* per sample */
  struct tern_timer tick;
  char topic[96]; /* PREFIX/dN/data */
};

struct tern_fleet {
  struct tern_loop *loop;
  struct tern_fleet_opts o;
  char prefix[64];
  char *lists[MAX_BROKERS]; /* the broker list rotated to start at each broker */
  int nbrokers;
  struct sim *sims;
  uint32_t quota;   /* samples per device */
  uint8_t *got;     /* deliveries per sample, devices x quota */
  uint32_t *lat_us; /* latency of each first delivery */
  uint64_t nlat;
  struct tern_mqtt *rx;
  int rx_ready, started, connected;
  uint32_t period_ms;
  struct tern_timer ramp, phase;
  uint64_t reconnects, sent, acked, duplicated;
  int publishing, done;
  uint32_t start_ms, publish_end_ms;
  double p50, p99;
};

static struct tern_allocator const *A(struct tern_fleet *f) { return tern_loop_alloc(f->loop); }

static uint64_t now_us(struct tern_fleet *f) { return tern_loop_micros(f->loop); }

/* ---- the receiver ---- */

/* Decimal digits at p (at most max_digits, and at least one) into *out;
 * returns how many were read, 0 for none or too many. */
static size_t decimal(const char *p, size_t n, size_t max_digits, uint64_t *out) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9') {
    if (i == max_digits) return 0;
    v = v * 10 + (uint64_t)(p[i++] - '0');
  }
  *out = v;
  return i;
}

int tern_fleet_parse_sample(const char *prefix, const char *topic, size_t topic_len,
                            const void *payload, size_t len, uint32_t *device, uint32_t *seq,
                            uint64_t *sent_us) {
  size_t pl = strlen(prefix), k;
  uint64_t dev, sq, t;
  if (topic_len < pl + 3 || memcmp(topic, prefix, pl) || topic[pl] != '/' || topic[pl + 1] != 'd')
    return TERN_EPROTO;
  const char *p = topic + pl + 2, *end = topic + topic_len;
  if (!(k = decimal(p, (size_t)(end - p), 10, &dev)) || dev > UINT32_MAX ||
      (size_t)(end - (p + k)) != 5 || memcmp(p + k, "/data", 5))
    return TERN_EPROTO;
  const char *b = payload, *bend = b + len;
  if (!(k = decimal(b, len, 10, &sq)) || sq > UINT32_MAX || b + k == bend || b[k] != ',')
    return TERN_EPROTO;
  b += k + 1;
  if (!(k = decimal(b, (size_t)(bend - b), 20, &t)) || b + k != bend) return TERN_EPROTO;
  *device = (uint32_t)dev;
  *seq = (uint32_t)sq;
  *sent_us = t;
  return 0;
}

static void on_sample(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct tern_fleet *f = arg;
  uint32_t dev, seq;
  uint64_t sent_at, now = now_us(f);
  if (tern_fleet_parse_sample(f->prefix, msg->topic, msg->topic_len, msg->payload, msg->len, &dev,
                              &seq, &sent_at) != 0 ||
      dev >= (uint32_t)f->o.devices || seq >= f->quota)
    return;
  uint8_t *g = &f->got[(size_t)dev * f->quota + seq];
  if (*g) {
    f->duplicated++;
  } else {
    f->lat_us[f->nlat++] = (uint32_t)(now > sent_at ? now - sent_at : 0);
  }
  if (*g < 255) (*g)++;
}

/* ---- the devices ---- */

static void tick(struct tern_timer *t, void *arg) {
  (void)t;
  struct sim *s = arg;
  struct tern_fleet *f = s->f;
  if (s->sent >= f->quota) {
    tern_timer_stop(f->loop, &s->tick);
    return;
  }
  char payload[48], n1[TERN_FMT_U64_LEN], n2[TERN_FMT_U64_LEN];
  int n = snprintf(payload, sizeof(payload), "%s,%s", tern_fmt_u64(n1, s->sent, 0),
                   tern_fmt_u64(n2, now_us(f), 0));
  int64_t id = tern_mqtt_publish(s->m, s->topic, payload, (size_t)n, f->o.qos, 0);
  if (id <= 0) return; /* the client's queue is full: this tick is skipped, as a device would */
  s->ids[s->sent++] = (uint64_t)id;
  f->sent++;
}

static void on_led(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m, (void)msg, (void)arg; /* subscribed as the device is; commands are not simulated */
}

static void on_device_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  struct sim *s = arg;
  struct tern_fleet *f = s->f;
  if (ev == TERN_MQTT_EV_CONNECTED) {
    char topic[96];
    snprintf(topic, sizeof(topic), "%s/d%d/status", f->prefix, s->index);
    tern_mqtt_publish(m, topic, "online", 6, 1, 1);
    if (s->ever) f->reconnects++;
    s->ever = s->up = 1;
    f->connected++;
  } else if (ev == TERN_MQTT_EV_DISCONNECTED) {
    if (s->up) f->connected--;
    s->up = 0;
  } else if (ev == TERN_MQTT_EV_ACKED && f->o.qos) {
    /* (at QoS 0 the client reports a sample done once written: no broker said so) */
    uint64_t id = *(const uint64_t *)data;
    uint32_t lo = 0, hi = s->sent; /* ids increase with the sample number */
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (s->ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    if (lo < s->sent && s->ids[lo] == id && !s->acked[lo]) {
      s->acked[lo] = 1;
      f->acked++;
    }
  }
}

static int start_device(struct tern_fleet *f, int i) {
  struct sim *s = &f->sims[i];
  char id[80], will[96], led[96];
  snprintf(id, sizeof(id), "%s-d%d", f->prefix, i);
  for (char *p = id; *p; p++)
    if (*p == '/') *p = '-';
  snprintf(will, sizeof(will), "%s/d%d/status", f->prefix, i);
  snprintf(led, sizeof(led), "%s/d%d/led", f->prefix, i);
  snprintf(s->topic, sizeof(s->topic), "%s/d%d/data", f->prefix, i);
  struct tern_mqtt_opts mo = {.url = f->lists[i % f->nbrokers],
                              .client_id = id,
                              .keepalive = f->o.keepalive_s,
                              .will_topic = will,
                              .will_payload = "offline",
                              .will_len = 7,
                              .will_qos = 1,
                              .will_retain = 1,
                              .on_event = on_device_event,
                              .arg = s};
  int err;
  s->f = f;
  s->index = i;
  if (!(s->m = tern_mqtt_new(f->loop, &mo, &err))) return err;
  tern_mqtt_subscribe(s->m, led, 1, on_led, s);
  /* the first sample at a random point of the first period, so the fleet
   * does not publish in lockstep */
  uint32_t r;
  tern_random(f->loop, &r, sizeof(r));
  tern_timer_start(f->loop, &s->tick, r % f->period_ms, f->period_ms, tick, s);
  return tern_mqtt_connect(s->m);
}

/* ---- phases ---- */

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t received(const struct tern_fleet *f) { return f->nlat; }

static void finish(struct tern_fleet *f) {
  f->done = 1;
  f->publishing = 0;
  tern_timer_stop(f->loop, &f->phase);
  if (f->nlat) {
    qsort(f->lat_us, (size_t)f->nlat, sizeof(uint32_t), cmp_u32);
    f->p50 = f->lat_us[(f->nlat - 1) / 2] / 1000.0;
    f->p99 = f->lat_us[(f->nlat * 99 + 99) / 100 - 1] / 1000.0;
  }
}

/* Once a second: publishing ends when every device has its quota out (or
 * a minute after it should have: a device that never reached a broker
 * must not hold the report back); the drain ends when every acknowledged
 * sample (QoS 0: every sample) has arrived, or after drain_s. */
static void phase_cb(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_fleet *f = arg;
  uint32_t ms = tern_loop_now(f->loop);
  uint32_t ramp_ms = (uint32_t)((uint64_t)f->o.devices * 1000 / f->o.connect_rate);
  if (f->publishing && (f->sent == (uint64_t)f->o.devices * f->quota ||
                        ms - f->start_ms > ramp_ms + f->o.duration_s * 1000u + 60000)) {
    f->publishing = 0;
    f->publish_end_ms = ms;
    for (int i = 0; i < f->started; i++) tern_timer_stop(f->loop, &f->sims[i].tick);
  }
  if (f->publishing) return;
  int all_in = f->o.qos ? f->acked == f->sent && received(f) >= f->acked : received(f) == f->sent;
  if (all_in || ms - f->publish_end_ms >= (f->o.drain_s ? f->o.drain_s : 10) * 1000u) finish(f);
}

static void ramp_cb(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_fleet *f = arg;
  if (!f->rx_ready) return;
  /* connect_rate a second, in steps of 10 ms */
  uint32_t per_step = f->o.connect_rate / 100 ? f->o.connect_rate / 100 : 1;
  for (uint32_t k = 0; k < per_step && f->started < f->o.devices; k++) {
    int rc = start_device(f, f->started);
    if (rc) TERN_WARN(f->loop, "fleet: device %d: %s", f->started, tern_strerror(rc));
    f->started++;
  }
  if (f->started == f->o.devices) tern_timer_stop(f->loop, &f->ramp);
}

static void on_rx_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m;
  struct tern_fleet *f = arg;
  if (ev == TERN_MQTT_EV_SUBACK && !f->rx_ready) {
    if (*(const uint8_t *)data == 0x80) {
      TERN_ERR(f->loop, "fleet: the broker refused the receiver's subscription");
      finish(f);
      return;
    }
    f->rx_ready = 1; /* devices start once every sample has somewhere to go */
  }
}

/* ---- the API ---- */

struct tern_fleet *tern_fleet_start(struct tern_loop *loop, const struct tern_fleet_opts *o,
                                    int *err) {
  *err = TERN_EINVAL;
  if (!o->brokers || o->devices <= 0 || !(o->rate >= 0.01 && o->rate <= 1000) ||
      o->duration_s == 0 || o->qos < 0 || o->qos > 2)
    return NULL;
  double quota = o->rate * o->duration_s;
  if (quota < 1 || quota * o->devices > 1e9) return NULL;
  struct tern_fleet *f = tern_alloc(tern_loop_alloc(loop), sizeof(*f));
  *err = TERN_ENOMEM;
  if (!f) return NULL;
  f->loop = loop;
  f->o = *o;
  if (!f->o.connect_rate) f->o.connect_rate = 1000;
  if (!f->o.keepalive_s) f->o.keepalive_s = 30;
  f->quota = (uint32_t)(quota + 0.5);
  f->period_ms = (uint32_t)(1000 / o->rate + 0.5);
  if (!f->period_ms) f->period_ms = 1;
  if (o->prefix) {
    snprintf(f->prefix, sizeof(f->prefix), "%s", o->prefix);
  } else {
    uint32_t r;
    tern_random(loop, &r, sizeof(r));
    snprintf(f->prefix, sizeof(f->prefix), "fleet/%08x", (unsigned)r);
  }
  /* the list once per starting broker: "A,B,C", "B,C,A", "C,A,B" */
  const char *starts[MAX_BROKERS];
  size_t lens[MAX_BROKERS], total = strlen(o->brokers);
  for (const char *p = o->brokers; *p && f->nbrokers < MAX_BROKERS; p += lens[f->nbrokers++]) {
    p += *p == ',';
    starts[f->nbrokers] = p;
    lens[f->nbrokers] = strcspn(p, ",");
  }
  for (int k = 0; k < f->nbrokers; k++) {
    char *l = f->lists[k] = tern_alloc(A(f), total + 2);
    if (!l) goto fail;
    for (int j = 0; j < f->nbrokers; j++) {
      int b = (k + j) % f->nbrokers;
      if (j) *l++ = ',';
      memcpy(l, starts[b], lens[b]);
      l += lens[b];
    }
  }
  size_t cells = (size_t)o->devices * f->quota;
  f->sims = tern_alloc(A(f), (size_t)o->devices * sizeof(*f->sims));
  f->got = tern_alloc(A(f), cells);
  f->lat_us = tern_alloc(A(f), cells * sizeof(uint32_t));
  if (!f->sims || !f->got || !f->lat_us) goto fail;
  for (int i = 0; i < o->devices; i++) {
    f->sims[i].ids = tern_alloc(A(f), f->quota * sizeof(uint64_t));
    f->sims[i].acked = tern_alloc(A(f), f->quota);
    if (!f->sims[i].ids || !f->sims[i].acked) goto fail;
  }
  /* the receiver: a clean session (a persistent one makes RabbitMQ write
   * every sample to disk); it stays on the first broker of the list, and a
   * sample it misses while reconnecting shows up as lost, never hidden */
  char id[80], filter[96];
  snprintf(id, sizeof(id), "%s-rx", f->prefix);
  for (char *p = id; *p; p++)
    if (*p == '/') *p = '-';
  snprintf(filter, sizeof(filter), "%s/+/data", f->prefix);
  struct tern_mqtt_opts ro = {.url = f->lists[0],
                              .client_id = id,
                              .keepalive = f->o.keepalive_s,
                              .on_event = on_rx_event,
                              .arg = f};
  if (!(f->rx = tern_mqtt_new(loop, &ro, err))) goto fail_err;
  if ((*err = tern_mqtt_subscribe(f->rx, filter, o->qos, on_sample, f)) != 0 ||
      (*err = tern_mqtt_connect(f->rx)) != 0)
    goto fail_err;
  f->publishing = 1;
  f->start_ms = tern_loop_now(loop);
  tern_timer_start(loop, &f->ramp, 10, 10, ramp_cb, f);
  tern_timer_start(loop, &f->phase, 1000, 1000, phase_cb, f);
  return f;
fail:
  *err = TERN_ENOMEM;
fail_err:
  tern_fleet_free(f);
  return NULL;
}

void tern_fleet_report(struct tern_fleet *f, struct tern_fleet_report *r) {
  memset(r, 0, sizeof(*r));
  r->devices = f->o.devices;
  r->connected = f->connected;
  r->reconnects = f->reconnects;
  r->sent = f->sent;
  r->acked = f->acked;
  r->received = received(f);
  r->duplicated = f->duplicated;
  r->publishing = f->publishing;
  r->done = f->done;
  if (f->done) {
    for (int i = 0; i < f->o.devices; i++)
      for (uint32_t q = 0; q < f->sims[i].sent; q++) {
        int got = f->got[(size_t)i * f->quota + q] != 0;
        if (f->o.qos && f->sims[i].acked[q] && !got) r->lost++;
        if (!f->o.qos && !got) r->missing_qos0++;
      }
    r->p50_ms = f->p50;
    r->p99_ms = f->p99;
  }
}

void tern_fleet_free(struct tern_fleet *f) {
  if (!f) return;
  tern_timer_stop(f->loop, &f->ramp);
  tern_timer_stop(f->loop, &f->phase);
  if (f->rx) tern_mqtt_free(f->rx);
  for (int i = 0; f->sims && i < f->o.devices; i++) {
    struct sim *s = &f->sims[i];
    if (s->m) {
      tern_timer_stop(f->loop, &s->tick);
      tern_mqtt_free(s->m);
    }
    tern_free(A(f), s->ids);
    tern_free(A(f), s->acked);
  }
  for (int k = 0; k < f->nbrokers; k++) tern_free(A(f), f->lists[k]);
  tern_free(A(f), f->sims);
  tern_free(A(f), f->got);
  tern_free(A(f), f->lat_us);
  tern_free(A(f), f);
}
