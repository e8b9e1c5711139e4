/* MQTT 3.1.1 and 5.0 client on the tern loop.
 *
 * Never loses data: QoS 1/2 messages handed to tern_mqtt_publish() stay
 * queued (in memory, and in a tern_store file with opts.store_path) until
 * the broker acknowledges them, across disconnects and reconnects; with a
 * store they also survive kill -9 of the process and are replayed in order
 * under the same client id and persistent session. Safe once written to
 * the OS (process crash), or after fsync with TERN_STORE_FSYNC (power loss).
 * When the queue is full, tern_mqtt_publish() refuses the new message with
 * TERN_EFULL: nothing already accepted is dropped. */
#ifndef TERN_MQTT_H
#define TERN_MQTT_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

struct tern_mqtt;
struct tern_tls_opts;
struct tern_mqtt_props; /* mqtt_codec.h */

struct tern_mqtt_message {
  const char *topic;
  size_t topic_len;
  const void *payload;
  size_t len;
  uint8_t qos, retain, dup;
  uint16_t packet_id;                  /* QoS 1 and 2 (mosquitto_sub's %m) */
  const struct tern_mqtt_props *props; /* MQTT 5: its properties (borrowed); NULL in 3.1.1 */
};

/* MQTT 5: a message the broker refused (PUBACK or PUBREC with a reason of
 * 0x80 or more): it is not retried. */
struct tern_mqtt_refusal {
  uint64_t id;    /* as tern_mqtt_publish returned it */
  uint8_t reason; /* TERN_MQTT_RC_... (tern_mqtt_reason_str) */
};

/* What on_event is told, with what data points to. */
enum tern_mqtt_event {
  TERN_MQTT_EV_CONNECTED = 1, /* data: int * session_present */
  TERN_MQTT_EV_DISCONNECTED,  /* data: const char * reason */
  TERN_MQTT_EV_ERROR,         /* data: const char * reason; tern_mqtt_last_error() has the code */
  TERN_MQTT_EV_MESSAGE, /* data: const struct tern_mqtt_message * (no subscription handler took it)
                         */
  TERN_MQTT_EV_ACKED,   /* data: uint64_t * message id: the broker has it */
  TERN_MQTT_EV_SUBACK,  /* data: const uint8_t * granted QoS (0x80 and up: refused, the reason) */
  TERN_MQTT_EV_REFUSED  /* data: const struct tern_mqtt_refusal * (MQTT 5; ACKED follows) */
};

typedef void (*tern_mqtt_event_fn)(struct tern_mqtt *m, int ev, const void *data, void *arg);
typedef void (*tern_mqtt_msg_fn)(struct tern_mqtt *m, const struct tern_mqtt_message *msg,
                                 void *arg);

struct tern_mqtt_opts {
  /* mqtt://[user[:pass]@]host[:port] or mqtts://... (8883); or a list of
   * brokers (the nodes of a cluster), "URL,URL,...", each a URL of the
   * same kind or host[:port], tried in turn like fallbacks below */
  const char *url;
  const char *client_id;           /* NULL or "": generated */
  const char *username, *password; /* override the URL's */
  const char *bind_address;        /* numeric local address to connect from; NULL: any */
  uint16_t keepalive;              /* seconds; 0: 60 */
  int persistent;                  /* clean session off: the broker keeps our session */
  const char *will_topic;          /* the will (copied, as every string here) */
  const void *will_payload;
  size_t will_len;
  uint8_t will_qos, will_retain;
  const struct tern_tls_opts *tls; /* for mqtts; NULL: system CAs, full verification */
  const char *store_path;          /* keep unacknowledged messages in this file */
  int store_sync;                  /* TERN_STORE_OS (default) or TERN_STORE_FSYNC */
  size_t queue_max;                /* messages waiting or in flight; 0: TERN_MQTT_QUEUE_MAX */
  size_t inflight;                 /* unacknowledged at once; 0: TERN_MQTT_INFLIGHT */
  uint32_t reconnect_min_ms;       /* backoff start; 0: 250 */
  uint32_t reconnect_max_ms;       /* backoff cap; 0: 30000 */
  int no_reconnect;                /* give up after the first connection ends */
  /* More brokers to try in turn when one cannot be reached ("host[:port]",
   * same scheme and credentials as url; NULL-terminated). After a lost
   * link the client starts again from url, or with round_robin goes on to
   * the next. */
  const char *const *fallbacks;
  int round_robin;
  int bridge; /* announce a bridge (protocol level 0x84, Mosquitto's try_private);
                 a broker that refuses it, or closes on it unanswered, is retried
                 at once as a plain client */
  /* MQTT 5 (version 5; 0 or 4: 3.1.1). With persistent, the broker keeps
   * the session session_expiry seconds after a disconnect (0: for ever), and
   * queues what arrives meanwhile. Repeated topics go out as Topic Aliases,
   * up to what the broker allows; Receive Maximum is respected. */
  int version;
  uint32_t session_expiry;
  /* with version 5: a broker that answers as a 3.1.1 one (Unsupported
   * Protocol Version), or closes on the CONNECT without an answer (RabbitMQ
   * 3.x), is asked again at once in 3.1.1 (as Mosquitto's bridges do) */
  int fallback_311;
  /* MQTT 5: more CONNECT properties (user properties, Receive Maximum ...;
   * copied; its Session Expiry is session_expiry's) */
  const struct tern_mqtt_props *connect_props;
  tern_mqtt_event_fn on_event;
  void *arg;
};

/* A client for o->url (copied, as the other strings in o); nothing is sent
 * until tern_mqtt_connect. NULL with *err: TERN_EINVAL (a bad URL or
 * option), TERN_ENOMEM. Free with tern_mqtt_free. */
struct tern_mqtt *tern_mqtt_new(struct tern_loop *loop, const struct tern_mqtt_opts *o, int *err);
int tern_mqtt_connect(struct tern_mqtt *m); /* asynchronous; reconnects by itself */
/* Returns a message id (> 0) or a negative TERN_E code. Copies topic and payload. */
int64_t tern_mqtt_publish(struct tern_mqtt *m, const char *topic, const void *payload, size_t len,
                          int qos, int retain);
/* The same with MQTT 5 properties (copied, kept with the message in the
 * store): those a PUBLISH may carry (payload format, message expiry,
 * content type, response topic, correlation data, user properties). NULL
 * props, or a 3.1.1 connection: none are sent. */
int64_t tern_mqtt_publish_props(struct tern_mqtt *m, const char *topic, const void *payload,
                                size_t len, int qos, int retain,
                                const struct tern_mqtt_props *props);
/* fn (may be NULL: use opts.on_event) gets every message matching filter;
 * kept and re-sent after a reconnect. In MQTT 5, qos may carry the option
 * bits (TERN_MQTT_SUB_NO_LOCAL, _RETAIN_AS_PUBLISHED, Retain Handling). */
int tern_mqtt_subscribe(struct tern_mqtt *m, const char *filter, int qos, tern_mqtt_msg_fn fn,
                        void *arg);
/* The same with MQTT 5 SUBSCRIBE properties (a Subscription Identifier, user
 * properties; copied, and sent again with it after a reconnect). */
int tern_mqtt_subscribe_props(struct tern_mqtt *m, const char *filter, int qos,
                              const struct tern_mqtt_props *props, tern_mqtt_msg_fn fn, void *arg);
/* Forgets filter and, when connected, sends UNSUBSCRIBE (also for a filter
 * this client did not subscribe in this run: a persistent session may hold
 * it). TERN_ENOTFOUND: neither known here nor connected. */
int tern_mqtt_unsubscribe(struct tern_mqtt *m, const char *filter);
int tern_mqtt_disconnect(struct tern_mqtt *m); /* graceful: DISCONNECT, no will */
/* Closes the connection at once (no DISCONNECT: the broker sends the will)
 * and frees everything; what was queued in memory is lost. NULL is fine. */
void tern_mqtt_free(struct tern_mqtt *m);

/* 1 from CONNACK until the link is lost. */
int tern_mqtt_is_connected(const struct tern_mqtt *m);
/* 1 when its brokers are reached over TLS (mqtts://, ssl://). */
int tern_mqtt_uses_tls(const struct tern_mqtt *m);
size_t tern_mqtt_pending(const struct tern_mqtt *m); /* queued + unacknowledged */
/* The TERN_E... code of the last failed attempt (0: none yet). */
int tern_mqtt_last_error(const struct tern_mqtt *m);
/* MQTT 5: the reason code of the last CONNACK or server DISCONNECT (0: none). */
int tern_mqtt_last_reason(const struct tern_mqtt *m);
/* The client id in use (the options', or the one generated); owned by m. */
const char *tern_mqtt_client_id(const struct tern_mqtt *m);
/* The broker of the current (or last) connection, "mqtt://host:port"; returns buf. */
char *tern_mqtt_server(const struct tern_mqtt *m, char *buf, size_t len);

/* ---- blocking convenience for short programs (never from a handler) ---- */
/* Wait for the first CONNACK: 0, or TERN_EAUTH (bad user/password),
 * TERN_EDENIED (not authorised), TERN_ECONNREFUSED, TERN_ETLS*, TERN_ETIMEDOUT... */
int tern_mqtt_connect_wait(struct tern_mqtt *m, uint32_t timeout_ms);
/* Publish and wait until the broker acknowledged it (QoS 0: until written). */
int tern_mqtt_publish_wait(struct tern_mqtt *m, const char *topic, const void *payload, size_t len,
                           int qos, int retain, uint32_t timeout_ms);
/* Run the loop once without waiting: handlers fire for what has arrived. */
int tern_mqtt_check_msg(struct tern_mqtt *m);
/* Run the loop until one message was delivered, or the timeout passed. */
int tern_mqtt_wait_msg(struct tern_mqtt *m, uint32_t timeout_ms);
/* Wait until nothing is queued or unacknowledged. */
int tern_mqtt_drain(struct tern_mqtt *m, uint32_t timeout_ms);

#pragma GCC visibility pop
#endif
