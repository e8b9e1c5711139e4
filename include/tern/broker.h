/* The embedded MQTT 3.1.1 broker, on the tern loop. */
#ifndef TERN_BROKER_H
#define TERN_BROKER_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "loop.h"

#define TERN_BROKER_MAX_LISTENERS 8

/* Who may connect and what they may do: the broker's, or one listener's
 * own with per_listener_settings (as in Mosquitto). */
struct tern_broker_auth {
  int allow_anonymous;     /* default: refused, as Mosquitto 2 */
  const char *passwd_file; /* $7$ file (tern passwd / mosquitto_passwd) */
  const char *acl_file;    /* Mosquitto acl_file format */
};

struct tern_broker_listener {
  const char *url; /* "tcp://127.0.0.1:1883"; "tcp://0.0.0.0:1883": every interface */
  int websockets;  /* MQTT over WebSocket (subprotocol "mqtt"), any path */
  /* TLS when cert_file is set. With ca_file, clients are asked for a
   * certificate signed by it; require_certificate refuses those without. */
  const char *cert_file, *key_file, *ca_file;
  int require_certificate;
  int use_identity_as_username; /* the certificate's CN is the user name */
  size_t max_connections;       /* 0: only the broker's max_clients */
  struct tern_broker_auth auth; /* used with per_listener_settings */
};

/* A bridge to another broker (Mosquitto's "connection" block). Messages
 * on 'out' topics are forwarded upstream through a client whose queue is
 * kept in persist_dir (bridge-NAME.db): removed only once upstream has
 * acknowledged them, so they survive a lost link, an upstream restart and
 * kill -9 of this broker (and power loss with fsync). 'in' topics flow
 * back. A message never goes back out on the bridge it came in on. */
#define TERN_BROKER_MAX_BRIDGES 4
#define TERN_BRIDGE_MAX_TOPICS 16
enum { TERN_BRIDGE_OUT = 1, TERN_BRIDGE_IN = 2, TERN_BRIDGE_BOTH = 3 };
struct tern_bridge_topic {
  const char *pattern; /* "sensors/#"; "" with prefixes: the prefixes alone */
  int direction;       /* TERN_BRIDGE_OUT (default), _IN, _BOTH */
  uint8_t qos;
  const char *local_prefix, *remote_prefix; /* NULL: none */
};
struct tern_broker_bridge {
  const char *name;
  const char *address;                                /* "host[:port]" */
  const char *fallbacks[TERN_MQTT_MAX_FALLBACKS + 1]; /* more, tried in turn; NULL ends */
  int round_robin;
  struct tern_bridge_topic topics[TERN_BRIDGE_MAX_TOPICS]; /* pattern NULL ends */
  const char *remote_clientid;                             /* NULL: tern-bridge.NAME */
  const char *remote_username, *remote_password;
  const char *cafile, *certfile, *keyfile; /* TLS when cafile is set */
  int insecure;                            /* do not check the host name */
  int cleansession;                        /* default 0: upstream keeps the session */
  uint16_t keepalive;                      /* 0: 60 */
  uint32_t restart_min_s, restart_max_s;   /* reconnect backoff; 0: 5 and 30 */
  int no_notifications;                    /* 0: state "1"/"0" published, retained */
  const char *notification_topic;          /* NULL: $SYS/broker/connection/CLIENTID/state */
  int no_try_private;                      /* 0: announce a bridge (protocol level 0x84) */
  int no_outgoing_retain;                  /* 0: the retain flag is kept going upstream */
  int protocol_version; /* 5: MQTT 5.0, or 3.1.1 if upstream refuses it; 0 or 4: 3.1.1 */
};

struct tern_broker_opts {
  /* NULL url ends the list; none at all: tcp://127.0.0.1:1883 */
  struct tern_broker_listener listeners[TERN_BROKER_MAX_LISTENERS];
  struct tern_broker_auth auth; /* every listener's, unless per_listener_settings */
  int per_listener_settings;
  struct tern_broker_bridge bridges[TERN_BROKER_MAX_BRIDGES]; /* NULL name ends */
  int quiet_connections;    /* Mosquitto's connection_messages false */
  const char *persist_dir;  /* NULL: nothing survives a restart */
  const char *persist_file; /* in persist_dir; NULL: tern-broker.db */
  int fsync;                /* fsync before acknowledging (power-loss safe) */
  size_t max_packet;        /* 0: TERN_MQTT_MAX_PACKET */
  size_t max_payload;       /* bigger PUBLISH payloads are acked and dropped (counted); 0: none */
  uint16_t max_keepalive;   /* a client asking for more is refused; 0: no limit */
  size_t max_clients;       /* 0: TERN_BROKER_MAX_CLIENTS */
  size_t max_inflight;      /* per client, QoS 1/2 out; 0: TERN_MQTT_INFLIGHT */
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
  /* MQTT 5 Topic Aliases toward clients whose CONNECT allows them. Off by
   * default: Mosquitto never sends them, and libmosquitto 2.0 and paho 1.6
   * clients that announce a Topic Alias Maximum still mishandle them. */
  int topic_aliases_out;
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
/* A graceful end: stops taking connections and tells each MQTT 5.0 client
 * why (DISCONNECT 0x8B, Server shutting down); every client connection
 * closes once what was written to it is sent (no wills: the server ended
 * them). A bridge with notifications sets its state "0" upstream, then
 * disconnects once that is acknowledged. Returns how many connections are
 * still open: poll the loop until 0, or as long as the caller will wait,
 * then call tern_broker_stop. */
size_t tern_broker_shutdown(struct tern_broker *b);
/* Disconnects everyone at once, writes state (with persist_dir), frees. */
void tern_broker_stop(struct tern_broker *b);
/* Re-read the password and ACL files, every listener's (SIGHUP). */
int tern_broker_reload(struct tern_broker *b);
/* A copy of the counters into st (the caller's memory). */
void tern_broker_get_stats(const struct tern_broker *b, struct tern_broker_stats *st);
/* The port actually bound by listener i (useful with port 0). */
uint16_t tern_broker_port(const struct tern_broker *b, int i);

/* Mosquitto's configuration file (mosquitto.conf(5)) as broker options.
 * Every setting is honoured exactly or refused: load returns TERN_EINVAL
 * (or the file's read error) with "FILE:LINE: KEY: reason" in err, and
 * include_dir is followed. What belongs to the program (logging, the pid
 * file, the user to run as) comes back in tern_broker_conf_app. */
struct tern_broker_conf_app {
  int log_level;                        /* TERN_LOG_*, from log_type; -1: not given */
  int log_stderr, log_stdout, log_none; /* log_dest */
  const char *log_file;                 /* log_dest file PATH */
  const char *pid_file, *user;
  int autosave_given; /* autosave_interval/_on_changes: nothing to do, said once at start */
};
struct tern_broker_conf;
/* An empty configuration (Mosquitto's defaults); NULL without memory.
 * Free it with tern_broker_conf_free once the broker it configured stops. */
struct tern_broker_conf *tern_broker_conf_new(void);
/* Reads the file at path (and the include_dirs it names) into c; may be
 * called for several files. 0, or TERN_EINVAL (a refused setting) or the
 * file's error, with "FILE:LINE: KEY: reason" in err. */
int tern_broker_conf_load(struct tern_broker_conf *c, const char *path, char *err, size_t errlen);
/* The same from text in memory (cut into strings in place; c keeps copies). */
int tern_broker_conf_parse(struct tern_broker_conf *c, char *text, const char *name, char *err,
                           size_t errlen);
/* How many listeners the files configured (0: Mosquitto's local-only mode). */
int tern_broker_conf_listeners(const struct tern_broker_conf *c);
/* The options, Mosquitto's defaults applied; call once, after the last
 * load. They point into c: keep it until the broker stops. */
struct tern_broker_opts *tern_broker_conf_opts(struct tern_broker_conf *c);
/* The program's part of the files (logging, pid file, user); owned by c. */
const struct tern_broker_conf_app *tern_broker_conf_app(const struct tern_broker_conf *c);
/* Frees c and every string the options point to; NULL is fine. */
void tern_broker_conf_free(struct tern_broker_conf *c);

#pragma GCC visibility pop
#endif
