#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "app.h"
#include "mqtt_cli.h"
#include "tern/error.h"
#include "tern/url.h"

const char mqtt_cli_common_help[] =
    "  -h HOST        broker host (default localhost)\n"
    "  -p PORT        broker port (default 1883, or 8883 with TLS)\n"
    "  -L URL         mqtt(s)://[user[:pass]@]host[:port]/topic\n"
    "  -A ADDR        connect from this local address (numeric)\n"
    "  -t TOPIC       topic\n"
    "  -q QOS         quality of service 0, 1 or 2 (default 0)\n"
    "  -i ID          client id (default: generated)\n"
    "  -I PREFIX      client id: PREFIX and the process id\n"
    "  -u USER        user name\n"
    "  -P PASS        password\n"
    "  -k SECONDS     keepalive (default 60)\n"
    "  -c             persistent session (clean session off; use with -i)\n"
    "  -V VERSION     protocol: 5 (mqttv5) or 311 (mqttv311, the default)\n"
    "  -x SECONDS     MQTT 5 session expiry with -c (-1: never, the default)\n"
    "  -D CMD PROP V  an MQTT 5 property: publish payload-format-indicator,\n"
    "                 message-expiry-interval, content-type, response-topic,\n"
    "                 correlation-data, user-property K V, topic-alias;\n"
    "                 subscribe subscription-identifier, user-property K V;\n"
    "                 connect session-expiry-interval, user-property K V\n"
    "  --cafile F     trust this CA (turns on TLS)\n"
    "  --capath DIR   trust the CAs in DIR (turns on TLS)\n"
    "  --tls-use-os-certs  trust the system's CAs (turns on TLS)\n"
    "  --cert F --key F  client certificate (turns on TLS)\n"
    "  --insecure     do not check the server's host name (the chain still is)\n"
    "  --will-topic T --will-payload M --will-qos Q --will-retain\n"
    "  -d             debug output: connecting, connected, what is awaited\n"
    "  --quiet        no error messages\n";

static int parse_int(const char *cmd, const char *flag, const char *v, int lo, int hi, int *out) {
  long n;
  if (app_parse_long(v, lo, hi, &n)) {
    fprintf(stderr, "tern %s: %s wants a number from %d to %d, not '%s'\n", cmd, flag, lo, hi, v);
    return 2;
  }
  *out = (int)n;
  return 0;
}

static int parse_url(struct mqtt_cli *c, const char *v) {
  struct tern_url u;
  if (tern_url_parse(v, strlen(v), &u) != 0 || !u.host.len ||
      !(tern_str_eq(u.scheme, "mqtt") || tern_str_eq(u.scheme, "mqtts"))) {
    fprintf(stderr, "tern %s: -L wants mqtt(s)://[user[:pass]@]host[:port]/topic\n", c->cmd);
    return 2;
  }
  static char user[256], pass[256], topic[1024];
  tern_str_copy(u.host, c->host, sizeof(c->host));
  c->use_tls = tern_str_eq(u.scheme, "mqtts");
  if (u.has_port) c->port = u.port;
  if (u.user.len && tern_url_decode(u.user.p, u.user.len, user, sizeof(user), 0) >= 0)
    c->user = user;
  if (u.pass.len && tern_url_decode(u.pass.p, u.pass.len, pass, sizeof(pass), 0) >= 0)
    c->pass = pass;
  if (u.path.len > 1 &&
      tern_url_decode(u.path.p + 1, u.path.len - 1, topic, sizeof(topic), 0) >= 0 &&
      c->ntopics < MQTT_CLI_MAX_TOPICS)
    c->topics[c->ntopics++] = topic;
  return 0;
}

/* -x: seconds, or -1 / 4294967295 / "∞" for never (mosquitto's spellings). */
static int expiry_flag(struct mqtt_cli *c, const char *v) {
  long n;
  if (!strcmp(v, "-1") || !strcmp(v, "\xe2\x88\x9e")) n = 4294967295L;
  else if (app_parse_long(v, 0, 4294967295L, &n)) {
    fprintf(stderr, "tern %s: -x wants seconds (or -1 for never), not '%s'\n", c->cmd, v);
    return 2;
  }
  c->session_expiry = (uint32_t)n;
  c->expiry_given = 1;
  return 0;
}

/* -D COMMAND PROPERTY VALUE [VALUE2]: mosquitto's names, for what tern sends. */
static int property_flag(struct mqtt_cli *c, int argc, char **argv, int *i) {
  const char *cmd = argv[*i + 1], *name = argv[*i + 2], *v = argv[*i + 3];
  struct tern_mqtt_props *pr = &c->pub_props;
  long n = 0;
  *i += 3;
  int numeric = !strcmp(name, "payload-format-indicator") ||
                !strcmp(name, "message-expiry-interval") ||
                !strcmp(name, "session-expiry-interval") || !strcmp(name, "topic-alias");
  if (numeric && app_parse_long(v, 0, 4294967295L, &n)) {
    fprintf(stderr, "tern %s: -D %s %s wants a number, not '%s'\n", c->cmd, cmd, name, v);
    return 2;
  }
  int is_sub = !strcmp(cmd, "subscribe"), is_conn = !strcmp(cmd, "connect");
  if (is_conn && !strcmp(name, "session-expiry-interval")) {
    c->session_expiry = (uint32_t)n;
    c->expiry_given = 1;
  } else if (is_sub && !strcmp(name, "subscription-identifier")) {
    if (app_parse_long(v, 1, 268435455L, &n)) {
      fprintf(stderr, "tern %s: -D subscribe subscription-identifier wants 1 to 268435455\n",
              c->cmd);
      return 2;
    }
    c->sub_props.sub_ids[0] = (uint32_t)n;
    c->sub_props.nsub_ids = 1;
  } else if (!strcmp(name, "user-property") && (is_sub || is_conn || !strcmp(cmd, "publish"))) {
    struct tern_buf *b = is_sub ? &c->sub_user : is_conn ? &c->connect_user : &c->user_props;
    struct tern_mqtt_props *to = is_sub ? &c->sub_props : is_conn ? &c->connect_props : pr;
    if (!b->alloc) tern_buf_init(b, NULL, 65536);
    if (*i + 1 >= argc || tern_mqtt_user_prop_add(b, v, argv[++*i]) != 0) {
      fprintf(stderr, "tern %s: -D %s user-property wants a name and a value (UTF-8)\n", c->cmd,
              cmd);
      return 2;
    }
    to->user = (struct tern_str){(const char *)b->data, b->len};
  } else if (strcmp(cmd, "publish")) {
    fprintf(stderr, "tern %s: -D %s %s: not a property tern sends\n", c->cmd, cmd, name);
    return 2;
  } else if (!strcmp(name, "payload-format-indicator") && n <= 1) {
    TERN_MQTT_SET(pr, TERN_MQTT_PROP_PAYLOAD_FORMAT);
    pr->payload_format = (uint8_t)n;
  } else if (!strcmp(name, "message-expiry-interval")) {
    TERN_MQTT_SET(pr, TERN_MQTT_PROP_MESSAGE_EXPIRY);
    pr->message_expiry = (uint32_t)n;
  } else if (!strcmp(name, "content-type")) {
    TERN_MQTT_SET(pr, TERN_MQTT_PROP_CONTENT_TYPE);
    pr->content_type = (struct tern_str){v, strlen(v)};
  } else if (!strcmp(name, "response-topic")) {
    TERN_MQTT_SET(pr, TERN_MQTT_PROP_RESPONSE_TOPIC);
    pr->response_topic = (struct tern_str){v, strlen(v)};
  } else if (!strcmp(name, "correlation-data")) {
    TERN_MQTT_SET(pr, TERN_MQTT_PROP_CORRELATION_DATA);
    pr->correlation_data = (struct tern_str){v, strlen(v)};
  } else if (!strcmp(name, "topic-alias")) {
    /* tern gives repeated topics aliases by itself, up to the broker's maximum */
  } else {
    fprintf(stderr, "Error: Invalid property name given in --property argument.\n");
    return 2;
  }
  return 0;
}

int mqtt_cli_flag(struct mqtt_cli *c, int argc, char **argv, int *i) {
  int bad = 0;
  const char *v;
  if ((v = app_opt(argc, argv, i, "-h", &bad)) || (v = app_opt(argc, argv, i, "--host", &bad))) {
    snprintf(c->host, sizeof(c->host), "%s", v);
  } else if ((v = app_opt(argc, argv, i, "-p", &bad)) ||
             (v = app_opt(argc, argv, i, "--port", &bad))) {
    return parse_int(c->cmd, "-p", v, 1, 65535, &c->port) ? 2 : 1;
  } else if ((v = app_opt(argc, argv, i, "-L", &bad)) ||
             (v = app_opt(argc, argv, i, "--url", &bad))) {
    return parse_url(c, v) ? 2 : 1;
  } else if ((v = app_opt(argc, argv, i, "-A", &bad))) {
    struct tern_addr a;
    if (tern_addr_parse(v, 0, &a) != 0) {
      fprintf(stderr, "tern %s: -A wants a numeric local address, not '%s'\n", c->cmd, v);
      return 2;
    }
    c->bind_address = v;
  } else if ((v = app_opt(argc, argv, i, "-t", &bad)) ||
             (v = app_opt(argc, argv, i, "--topic", &bad))) {
    if (c->ntopics == MQTT_CLI_MAX_TOPICS) {
      fprintf(stderr, "tern %s: too many -t\n", c->cmd);
      return 2;
    }
    c->topics[c->ntopics++] = v;
  } else if ((v = app_opt(argc, argv, i, "-q", &bad)) ||
             (v = app_opt(argc, argv, i, "--qos", &bad))) {
    return parse_int(c->cmd, "-q", v, 0, 2, &c->qos) ? 2 : 1;
  } else if ((v = app_opt(argc, argv, i, "-i", &bad)) ||
             (v = app_opt(argc, argv, i, "--id", &bad))) {
    c->id = v;
  } else if ((v = app_opt(argc, argv, i, "-u", &bad)) ||
             (v = app_opt(argc, argv, i, "--username", &bad))) {
    c->user = v;
  } else if ((v = app_opt(argc, argv, i, "-P", &bad)) ||
             (v = app_opt(argc, argv, i, "--pw", &bad))) {
    c->pass = v;
  } else if ((v = app_opt(argc, argv, i, "-k", &bad)) ||
             (v = app_opt(argc, argv, i, "--keepalive", &bad))) {
    return parse_int(c->cmd, "-k", v, 5, 65535, &c->keepalive) ? 2 : 1;
  } else if (!strcmp(argv[*i], "-c") || !strcmp(argv[*i], "--disable-clean-session")) {
    c->persistent = 1;
  } else if ((v = app_opt(argc, argv, i, "-V", &bad)) ||
             (v = app_opt(argc, argv, i, "--protocol-version", &bad))) {
    if (!strcmp(v, "5") || !strcmp(v, "mqttv5")) {
      c->version = TERN_MQTT_V5;
    } else if (!strcmp(v, "311") || !strcmp(v, "mqttv311")) {
      c->version = TERN_MQTT_V311;
    } else {
      fprintf(stderr, "tern %s: -V wants 5 (mqttv5) or 311 (mqttv311)%s, not '%s'\n", c->cmd,
              !strcmp(v, "31") || !strcmp(v, "mqttv31") ? "; MQTT 3.1 is not spoken" : "", v);
      return 2;
    }
  } else if ((v = app_opt(argc, argv, i, "-x", &bad)) ||
             (v = app_opt(argc, argv, i, "--session-expiry-interval", &bad))) {
    return expiry_flag(c, v) ? 2 : 1;
  } else if (!strcmp(argv[*i], "-D") || !strcmp(argv[*i], "--property")) {
    if (*i + 3 >= argc) {
      fprintf(stderr, "tern %s: -D wants COMMAND PROPERTY VALUE\n", c->cmd);
      return 2;
    }
    int rc = property_flag(c, argc, argv, i);
    return rc ? 2 : 1;
  } else if ((v = app_opt(argc, argv, i, "-I", &bad)) ||
             (v = app_opt(argc, argv, i, "--id-prefix", &bad))) {
    snprintf(c->id_buf, sizeof(c->id_buf), "%.40s%ld", v, (long)getpid());
    c->id = c->id_buf;
  } else if ((v = app_opt(argc, argv, i, "--capath", &bad))) {
    c->capath = v;
    c->use_tls = 1;
  } else if (!strcmp(argv[*i], "--tls-use-os-certs")) {
    c->os_certs = 1;
    c->use_tls = 1;
  } else if (!strcmp(argv[*i], "--quiet")) {
    c->quiet = 1;
  } else if ((v = app_opt(argc, argv, i, "--cafile", &bad))) {
    c->cafile = v;
    c->use_tls = 1;
  } else if ((v = app_opt(argc, argv, i, "--cert", &bad))) {
    c->cert = v;
    c->use_tls = 1;
  } else if ((v = app_opt(argc, argv, i, "--key", &bad))) {
    c->key = v;
    c->use_tls = 1;
  } else if (!strcmp(argv[*i], "--insecure")) {
    c->insecure = 1;
  } else if ((v = app_opt(argc, argv, i, "--will-topic", &bad))) {
    c->will_topic = v;
  } else if ((v = app_opt(argc, argv, i, "--will-payload", &bad))) {
    c->will_payload = v;
  } else if ((v = app_opt(argc, argv, i, "--will-qos", &bad))) {
    return parse_int(c->cmd, "--will-qos", v, 0, 2, &c->will_qos) ? 2 : 1;
  } else if (!strcmp(argv[*i], "--will-retain")) {
    c->will_retain = 1;
  } else if (!strcmp(argv[*i], "-d") || !strcmp(argv[*i], "--debug")) {
    c->debug = 1;
  } else {
    return bad ? 2 : 0;
  }
  return bad ? 2 : 1;
}

void mqtt_cli_opts(struct mqtt_cli *c, struct tern_mqtt_opts *o) {
  if (!c->host[0]) strcpy(c->host, "localhost");
  if (!c->port) c->port = c->use_tls ? 8883 : 1883;
  snprintf(c->url, sizeof(c->url), strchr(c->host, ':') ? "%s://[%s]:%d" : "%s://%s:%d",
           c->use_tls ? "mqtts" : "mqtt", c->host, c->port);
  memset(&c->tls, 0, sizeof(c->tls));
  c->tls.ca_file = c->cafile; /* neither (--tls-use-os-certs): the system's bundle */
  c->tls.ca_path = c->capath;
  c->tls.cert_file = c->cert;
  c->tls.key_file = c->key;
  c->tls.skip_hostname = c->insecure;
  memset(o, 0, sizeof(*o));
  o->url = c->url;
  o->client_id = c->id;
  o->bind_address = c->bind_address;
  o->username = c->user;
  o->password = c->pass;
  o->keepalive = (uint16_t)(c->keepalive ? c->keepalive : 60);
  o->persistent = c->persistent;
  o->version = c->version;
  o->session_expiry = c->session_expiry;
  if (c->connect_props.user.len) o->connect_props = &c->connect_props;
  /* -x 0: nothing kept after the disconnect; in tern's options that is a
   * clean session (session_expiry 0 there means "for ever", 3.1.1's -c) */
  if (c->version == TERN_MQTT_V5 && c->expiry_given && c->session_expiry == 0) o->persistent = 0;
  o->tls = &c->tls;
  if (c->will_topic) {
    o->will_topic = c->will_topic;
    o->will_payload = c->will_payload ? c->will_payload : "";
    o->will_len = c->will_payload ? strlen(c->will_payload) : 0;
    o->will_qos = (uint8_t)c->will_qos;
    o->will_retain = (uint8_t)c->will_retain;
  }
}

void mqtt_cli_free(struct mqtt_cli *c) {
  tern_buf_free(&c->user_props);
  tern_buf_free(&c->sub_user);
  tern_buf_free(&c->connect_user);
}

int mqtt_cli_connect_error(const struct mqtt_cli *c, int err) {
  const char *why;
  switch (err) {
  case TERN_EAUTH: why = "connection refused: bad user name or password"; break;
  case TERN_EDENIED: why = "connection refused: not authorised"; break;
  case TERN_ECONNREFUSED: why = "unreachable: connection refused"; break;
  case TERN_EUNREACH: why = "unreachable: no route to host"; break;
  case TERN_ERESOLVE: why = "unreachable: host name does not resolve"; break;
  case TERN_ETIMEDOUT: why = "unreachable: timed out"; break;
  case TERN_EADDRNOTAVAIL: why = "cannot connect from that local address (not on this host)"; break;
  case TERN_ETLS_CA: why = "TLS error: certificate not trusted (unknown CA)"; break;
  case TERN_ETLS_HOST: why = "TLS error: certificate does not match the host name"; break;
  case TERN_ETLS_EXPIRED: why = "TLS error: certificate expired or not yet valid"; break;
  case TERN_ETLS: why = "TLS error: handshake failed"; break;
  default: why = tern_strerror(err); break;
  }
  if (!c->quiet)
    fprintf(stderr, "tern %s: cannot connect to %s:%d: %s\n", c->cmd, c->host, c->port, why);
  return err == TERN_EAUTH || err == TERN_EDENIED ? 5 : 1;
}
