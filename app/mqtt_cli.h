/* Flags shared by tern pub and tern sub, with mosquitto_pub/sub's meaning. */
#ifndef TERN_APP_MQTT_CLI_H
#define TERN_APP_MQTT_CLI_H
#include "tern/buf.h"
#include "tern/mqtt.h"
#include "tern/mqtt_codec.h"
#include "tern/tls.h"

#define MQTT_CLI_MAX_TOPICS 32
/* mosquitto_pub and mosquitto_sub exit 1 on every usage error; so do tern pub and sub */
#define MQTT_CLI_USAGE 1

struct mqtt_cli {
  const char *cmd;
  char host[256];
  int port;
  const char *id, *user, *pass, *cafile, *capath, *cert, *key, *bind_address;
  char id_buf[64]; /* -I PREFIX: PREFIX and the process id */
  int keepalive, persistent, insecure, debug, qos, quiet, os_certs;
  const char *topics[MQTT_CLI_MAX_TOPICS];
  int ntopics;
  const char *will_topic, *will_payload;
  int will_qos, will_retain;
  int use_tls;
  char url[600];
  struct tern_tls_opts tls;
  /* MQTT 5 (-V 5): -x, and what -D gave */
  int version;
  uint32_t session_expiry;
  int expiry_given;
  struct tern_mqtt_props pub_props;                /* -D publish ... (strings point into argv) */
  struct tern_buf user_props;                      /* -D publish user-property K V, encoded */
  struct tern_mqtt_props sub_props, connect_props; /* -D subscribe / connect ... */
  struct tern_buf sub_user, connect_user;
  uint8_t corr[256]; /* -D publish correlation-data, as bytes */
};

/* Parses one common flag at argv[*i]. Returns 1 if taken, 0 if not ours,
 * 2 on a bad value (the message printed). */
int mqtt_cli_flag(struct mqtt_cli *c, int argc, char **argv, int *i);
/* Fills opts from the flags; after all flags are parsed. */
void mqtt_cli_opts(struct mqtt_cli *c, struct tern_mqtt_opts *o);
/* Frees what -D kept. */
void mqtt_cli_free(struct mqtt_cli *c);
/* Prints the first connect failure and returns the exit code. */
int mqtt_cli_connect_error(const struct mqtt_cli *c, int err);
extern const char mqtt_cli_common_help[];
#endif
