/* Bridges from this broker to others (Mosquitto's "connection" blocks).
 * Each bridge is a tern_mqtt client: what it publishes upstream stays in
 * its queue, and in its store file in the persistence directory, until
 * upstream acknowledges it, so nothing accepted here is lost to a cut
 * link, an upstream restart or a crash of this process; after a reconnect
 * the queue is resent at once. When the queue nears its cap the local
 * publishers that feed it are paused (their PUBLISH packets wait), as for
 * a slow subscriber, rather than anything being dropped. */
#include <stdio.h>
#include <string.h>
#include "broker_internal.h"
#include "mqtt_props.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/mqtt.h"
#include "tern/store.h"
#include "tern/tls.h"

/* local_prefix + rest, or remote_prefix + rest, into out */
static int join(char *out, size_t outlen, const char *prefix, const char *rest, size_t restlen) {
  size_t pl = prefix ? strlen(prefix) : 0;
  if (pl + restlen >= outlen) return TERN_ELIMIT;
  memcpy(out, prefix ? prefix : "", pl);
  memcpy(out + pl, rest, restlen);
  out[pl + restlen] = '\0';
  return (int)(pl + restlen);
}

static size_t queue_cap(const struct bbridge *br) { return br->broker->opts.max_queued; }

/* The gate closes at three quarters of the queue's cap, so that what a
 * paused publisher already had in flight still fits; it opens at half. */
static void update_gate(struct bbridge *br) {
  size_t pending = tern_mqtt_pending(br->client), cap = queue_cap(br);
  if (pending >= cap / 4 * 3) br->gate.full = 1;
  else if (pending <= cap / 2) br->gate.full = 0;
}

static void notify(struct bbridge *br, int up) {
  if (br->cfg->no_notifications) return;
  struct tern_broker *b = br->broker;
  const char *v = up ? "1" : "0";
  /* from this bridge, so it never goes back out on it */
  tern_broker_route_from(b, br, br->state_topic, strlen(br->state_topic), v, 1, 1, 1, NULL);
  if (up) tern_mqtt_publish(br->client, br->state_topic, v, 1, 1, 1);
}

static void on_in(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  const struct bin *in = arg;
  struct bbridge *br = in->br;
  const struct tern_bridge_topic *t = in->t;
  size_t rl = t->remote_prefix ? strlen(t->remote_prefix) : 0;
  if (msg->topic_len < rl || (rl && memcmp(msg->topic, t->remote_prefix, rl) != 0)) return;
  char topic[512];
  int n = join(topic, sizeof(topic), t->local_prefix, msg->topic + rl, msg->topic_len - rl);
  if (n < 0) {
    TERN_WARN(br->broker->loop, "bridge %s: topic too long, not taken: %.*s", br->cfg->name,
              (int)msg->topic_len, msg->topic);
    return;
  }
  uint8_t qos = msg->qos < t->qos ? msg->qos : t->qos;
  /* 5.0: its properties come along (bmsg_new5 keeps what passes on) */
  tern_broker_route_from(br->broker, br, topic, (size_t)n, msg->payload, msg->len, qos, msg->retain,
                         msg->props);
}

static void on_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m;
  struct bbridge *br = arg;
  struct tern_loop *loop = br->broker->loop;
  switch (ev) {
  case TERN_MQTT_EV_CONNECTED:
    br->connected = 1;
    TERN_INFO(loop, "bridge %s: connected (%zu queued to send)", br->cfg->name,
              tern_mqtt_pending(br->client));
    notify(br, 1);
    break;
  case TERN_MQTT_EV_DISCONNECTED:
    br->connected = 0;
    TERN_WARN(loop, "bridge %s: %s (%zu kept to send)", br->cfg->name, (const char *)data,
              tern_mqtt_pending(br->client));
    notify(br, 0);
    break;
  case TERN_MQTT_EV_ERROR:
    TERN_WARN(loop, "bridge %s: %s", br->cfg->name, (const char *)data);
    break;
  case TERN_MQTT_EV_ACKED: update_gate(br); break;
  }
}

/* m upstream as topic; in 5.0 with its properties and what is left of its
 * Message Expiry (a 3.1.1 link drops them, as a 3.1.1 subscriber would). */
static int64_t publish_up(struct bbridge *br, const struct bmsg *m, const char *topic,
                          uint8_t qos) {
  int retain = m->retain && !br->cfg->no_outgoing_retain;
  if (br->cfg->protocol_version != TERN_MQTT_V5 || (!m->props_len && !m->expires_us))
    return tern_mqtt_publish(br->client, topic, m->payload, m->payload_len, qos, retain);
  struct tern_mqtt_props pr;
  uint8_t reason;
  memset(&pr, 0, sizeof(pr));
  /* the block was checked when it came in and written by us: it reads back */
  if (tern_mqtt_props_read(m->props, m->props_len, TERN_MQTT_PUBLISH, TERN_MQTT_FROM_CLIENT, &pr,
                           &reason) != 0)
    return TERN_EPARSE;
  if (m->expires_us) {
    uint64_t now = tern_loop_micros(br->broker->loop);
    if (m->expires_us <= now) return 0; /* expired on its way: never delivered */
    TERN_MQTT_SET(&pr, TERN_MQTT_PROP_MESSAGE_EXPIRY);
    pr.message_expiry = tern_mqtt_expiry_left(m->expires_us, now);
  }
  return tern_mqtt_publish_props(br->client, topic, m->payload, m->payload_len, qos, retain, &pr);
}

void tern_broker_bridges_out(struct tern_broker *b, struct bmsg *m) {
  if (m->topic[0] == '$') return; /* $SYS and the like stay here */
  for (int i = 0; i < b->nbridges; i++) {
    struct bbridge *br = b->bridges[i];
    if (br == b->from_bridge) continue; /* it came in on this one */
    for (int k = 0; k < TERN_BRIDGE_MAX_TOPICS && br->cfg->topics[k].pattern; k++) {
      const struct tern_bridge_topic *t = &br->cfg->topics[k];
      if (!(t->direction & TERN_BRIDGE_OUT)) continue;
      char filter[512];
      size_t ll = t->local_prefix ? strlen(t->local_prefix) : 0;
      int fl = join(filter, sizeof(filter), t->local_prefix, t->pattern, strlen(t->pattern));
      if (fl < 0 || !tern_mqtt_topic_matches(filter, (size_t)fl, m->topic, m->topic_len)) continue;
      char topic[512];
      int n = join(topic, sizeof(topic), t->remote_prefix, m->topic + ll, m->topic_len - ll);
      uint8_t qos = m->qos < t->qos ? m->qos : t->qos;
      int64_t rc = n < 0 ? TERN_ELIMIT : publish_up(br, m, topic, qos);
      if (rc < 0) {
        /* only past the gate, which paused the publishers long before */
        b->st.msgs_dropped++;
        TERN_WARN(b->loop, "bridge %s: cannot queue '%s': %s", br->cfg->name, topic,
                  tern_strerror((int)rc));
      }
      update_gate(br);
      if (br->gate.full && !b->hit_full && b->publisher) b->hit_full = &br->gate;
      break; /* once per bridge, whichever of its topics matched first */
    }
  }
}

static int start_one(struct tern_broker *b, const struct tern_broker_bridge *cfg) {
  struct tern_loop *loop = b->loop;
  struct bbridge *br = tern_alloc(tern_loop_alloc(loop), sizeof(*br));
  if (!br) return TERN_ENOMEM;
  br->broker = b;
  br->cfg = cfg;
  b->bridges[b->nbridges++] = br;
  char url[300], cid[160], store[4096];
  snprintf(url, sizeof(url), "%s://%s", cfg->cafile ? "mqtts" : "mqtt", cfg->address);
  snprintf(cid, sizeof(cid), "%s", cfg->remote_clientid ? cfg->remote_clientid : "");
  if (!cid[0]) snprintf(cid, sizeof(cid), "tern-bridge.%s", cfg->name);
  if (cfg->notification_topic)
    snprintf(br->state_topic, sizeof(br->state_topic), "%s", cfg->notification_topic);
  else snprintf(br->state_topic, sizeof(br->state_topic), "$SYS/broker/connection/%s/state", cid);
  struct tern_tls_opts tls = {.ca_file = cfg->cafile,
                              .cert_file = cfg->certfile,
                              .key_file = cfg->keyfile,
                              .skip_hostname = cfg->insecure};
  struct tern_mqtt_opts o = {
      .url = url,
      .client_id = cid,
      .username = cfg->remote_username,
      .password = cfg->remote_password,
      .keepalive = cfg->keepalive,
      .persistent = !cfg->cleansession,
      .tls = cfg->cafile ? &tls : NULL,
      .queue_max = queue_cap(br),
      .reconnect_min_ms = (cfg->restart_min_s ? cfg->restart_min_s : 5) * 1000u,
      .reconnect_max_ms = (cfg->restart_max_s ? cfg->restart_max_s : 30) * 1000u,
      .fallbacks = cfg->fallbacks,
      .round_robin = cfg->round_robin,
      .bridge = !cfg->no_try_private,
      /* 5.0 as Mosquitto's bridges speak it: 3.1.1 if upstream only has that */
      .version = cfg->protocol_version == TERN_MQTT_V5 ? TERN_MQTT_V5 : TERN_MQTT_V311,
      .fallback_311 = 1,
      .on_event = on_event,
      .arg = br,
  };
  if (!cfg->no_notifications) { /* upstream learns we are gone from our will */
    o.will_topic = br->state_topic;
    o.will_payload = "0";
    o.will_len = 1;
    o.will_qos = 1;
    o.will_retain = 1;
  }
  if (b->opts.persist_dir) {
    snprintf(store, sizeof(store), "%s/bridge-%s.db", b->opts.persist_dir, cfg->name);
    o.store_path = store;
    o.store_sync = b->opts.fsync ? TERN_STORE_FSYNC : TERN_STORE_OS;
  } else {
    TERN_WARN(loop,
              "bridge %s: no persistence: what waits for upstream is lost if this broker "
              "stops (set persistence)",
              cfg->name);
  }
  int err;
  if (!(br->client = tern_mqtt_new(loop, &o, &err))) {
    TERN_ERR(loop, "bridge %s: %s: %s", cfg->name, url, tern_strerror(err));
    return err;
  }
  for (int i = 0; i < TERN_BRIDGE_MAX_TOPICS && cfg->topics[i].pattern; i++) {
    const struct tern_bridge_topic *t = &cfg->topics[i];
    if (!(t->direction & TERN_BRIDGE_IN)) continue;
    br->in[i] = (struct bin){br, t};
    char filter[512];
    if (join(filter, sizeof(filter), t->remote_prefix, t->pattern, strlen(t->pattern)) < 0)
      return TERN_ELIMIT;
    /* 5.0: what we publish up does not come back, and retained stays retained
     * (3.1.1 gets that from try_private, where upstream knows bridges) */
    int opts = cfg->protocol_version == TERN_MQTT_V5
                   ? TERN_MQTT_SUB_NO_LOCAL | TERN_MQTT_SUB_RETAIN_AS_PUBLISHED
                   : 0;
    int rc = tern_mqtt_subscribe(br->client, filter, t->qos | opts, on_in, &br->in[i]);
    if (rc) return rc;
  }
  update_gate(br);
  TERN_INFO(loop, "bridge %s: to %s as %s, MQTT %s%s", cfg->name, url, cid,
            o.version == TERN_MQTT_V5 ? "5.0" : "3.1.1",
            tern_mqtt_pending(br->client) ? " (resending what was kept)" : "");
  return tern_mqtt_connect(br->client);
}

int tern_broker_bridges_start(struct tern_broker *b) {
  for (int i = 0; i < TERN_BROKER_MAX_BRIDGES && b->opts.bridges[i].name; i++) {
    int rc = start_one(b, &b->opts.bridges[i]);
    if (rc) return rc;
  }
  return 0;
}

size_t tern_broker_bridges_shutdown(struct tern_broker *b) {
  size_t open = 0;
  for (int i = 0; i < b->nbridges; i++) {
    struct bbridge *br = b->bridges[i];
    if (!br->connected) continue;
    if (!br->leaving) {
      /* a DISCONNECT drops the will, so upstream would keep "1": say "0"
       * first (here too), and go once upstream has it */
      br->leaving = 1;
      if (!br->cfg->no_notifications) {
        notify(br, 0);
        tern_mqtt_publish(br->client, br->state_topic, "0", 1, 1, 1);
      }
    }
    if (br->leaving == 1 && tern_mqtt_pending(br->client) == 0) {
      br->leaving = 2;
      tern_mqtt_disconnect(br->client);
    }
    open++; /* until its connection has closed */
  }
  return open;
}

void tern_broker_bridges_stop(struct tern_broker *b) {
  for (int i = 0; i < b->nbridges; i++) {
    struct bbridge *br = b->bridges[i];
    if (br->client) {
      if (br->connected) tern_mqtt_disconnect(br->client);
      tern_mqtt_free(br->client);
    }
    tern_free(tern_loop_alloc(b->loop), br);
  }
  b->nbridges = 0;
}
