/* The embedded MQTT 3.1.1 broker, on the tern loop. */
#ifndef TERN_BROKER_H
#define TERN_BROKER_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

#define TERN_BROKER_MAX_LISTENERS 4

struct tern_broker_opts {
  const char *listen[TERN_BROKER_MAX_LISTENERS]; /* "tcp://127.0.0.1:1883"; NULL-terminated */
  const char *tls_listen; /* "tcp://127.0.0.1:8883" with cert_file/key_file */
  const char *cert_file, *key_file;
  int allow_anonymous;     /* default: refused, as Mosquitto 2 */
  const char *passwd_file; /* $7$ file (tern passwd / mosquitto_passwd) */
  const char *acl_file;    /* Mosquitto acl_file format */
  const char *persist_dir; /* NULL: nothing survives a restart */
  int fsync;               /* fsync before acknowledging (power-loss safe) */
  size_t max_packet;       /* 0: TERN_MQTT_MAX_PACKET */
  size_t max_clients;      /* 0: TERN_BROKER_MAX_CLIENTS */
  size_t max_inflight;     /* per client, QoS 1/2 out; 0: TERN_MQTT_INFLIGHT */
  /* Flow control: an online subscriber TERN_BROKER_PAUSE_QUEUED (or
   * max_queued) messages behind pauses the publishers that feed it (their
   * PUBLISH packets wait; acks and pings are still answered), so nothing
   * acknowledged is dropped. An offline session keeps max_queued messages;
   * beyond that new ones are dropped and counted (Mosquitto drops for online
   * clients too). A subscriber that takes nothing for slow_subscriber_s
   * while behind is disconnected, so one cannot stall the others forever. */
  size_t max_queued;          /* 0: TERN_MQTT_QUEUE_MAX */
  uint32_t slow_subscriber_s; /* 0: TERN_BROKER_SLOW_SUBSCRIBER_S */
  uint32_t sys_interval_s;    /* $SYS/broker/... period; 0: 10 s */
};

struct tern_broker_stats {
  size_t clients_connected, clients_total, subscriptions, retained, queued;
  uint64_t msgs_received, msgs_sent, msgs_dropped, bytes_received, bytes_sent;
};

struct tern_broker;
/* Starts listening. On failure returns NULL and sets *err (a TERN_E code)
 * and logs why. */
struct tern_broker *tern_broker_start(struct tern_loop *loop, const struct tern_broker_opts *opts,
                                      int *err);
/* Disconnects everyone, writes state (with persist_dir), frees. */
void tern_broker_stop(struct tern_broker *b);
/* Re-read the password and ACL files (SIGHUP). */
int tern_broker_reload(struct tern_broker *b);
void tern_broker_get_stats(const struct tern_broker *b, struct tern_broker_stats *st);
/* The port actually bound by listener i (useful with port 0). */
uint16_t tern_broker_port(const struct tern_broker *b, int i);

#pragma GCC visibility pop
#endif
