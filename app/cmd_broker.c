/* tern broker: the embedded MQTT broker as a program. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/broker.h"
#include "tern/conf.h"
#include "tern/error.h"
#include "tern/log.h"

static const char usage[] =
    "usage: tern broker [-c FILE] [-p PORT] [-b ADDR] [--allow-anonymous] [--passwd FILE]\n"
    "                   [--acl FILE] [--persist DIR] [--fsync] [--tls-port PORT --cert F --key F] "
    "[-v]\n"
    "An MQTT 3.1.1 broker. Listens on 127.0.0.1:1883 unless told otherwise.\n"
    "  -c FILE            config file: one 'key value' per line, keys as the long options\n"
    "                     (port, bind, allow_anonymous, passwd, acl, persist, fsync, tls_port,\n"
    "                     cert, key; Mosquitto's password_file, acl_file, persistence_location,\n"
    "                     certfile, keyfile and 'listener PORT [ADDR]' are understood too)\n"
    "  -p, --port PORT    TCP port (default 1883; 0 picks a free one)\n"
    "  -b, --bind ADDR    address to listen on (default 127.0.0.1)\n"
    "  --allow-anonymous  accept clients without a user name (refused by default)\n"
    "  --passwd FILE      password file ($7$, from tern passwd or mosquitto_passwd)\n"
    "  --acl FILE         ACL file in Mosquitto's acl_file format\n"
    "  --persist DIR      keep sessions, retained and queued messages in DIR\n"
    "  --fsync            fsync before acknowledging (survives power loss)\n"
    "  --tls-port PORT    also listen with TLS (needs --cert and --key)\n"
    "  --max-queued N     messages an offline session keeps (beyond: dropped, counted);\n"
    "                     an online one this far behind pauses its publishers (default 100000;\n"
    "                     publishers pause at 1000 already). Key: max_queued_messages\n"
    "  --slow-subscriber-timeout S  a subscriber behind and taking nothing for S seconds is\n"
    "                     disconnected (default 60). Key: slow_subscriber_timeout\n"
    "  -v                 log connections and errors (-v -v: debug)\n"
    "SIGTERM/SIGINT stop cleanly; SIGHUP reloads the password and ACL files.\n";

struct cfg {
  char port[16], bind[64], passwd[512], acl[512], persist[512], tls_port[16], cert[512], key[512];
  int anon, fsync, verbose;
  long max_queued, slow_s;
};

/* A whole number from lo to hi, or -1. */
static long number(const char *v, long lo, long hi) {
  char *end;
  long n = strtol(v, &end, 10);
  return *v && !*end && n >= lo && n <= hi ? n : -1;
}

static int truthy(const char *v) {
  return !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes");
}

static int set_key(struct cfg *c, const char *k, const char *v) {
#define SET(field) snprintf(c->field, sizeof(c->field), "%s", v)
  if (!strcmp(k, "port")) SET(port);
  else if (!strcmp(k, "bind") || !strcmp(k, "bind_address")) SET(bind);
  else if (!strcmp(k, "allow_anonymous") || !strcmp(k, "allow-anonymous")) c->anon = truthy(v);
  else if (!strcmp(k, "passwd") || !strcmp(k, "password_file")) SET(passwd);
  else if (!strcmp(k, "acl") || !strcmp(k, "acl_file")) SET(acl);
  else if (!strcmp(k, "persist") || !strcmp(k, "persistence_location")) SET(persist);
  else if (!strcmp(k, "fsync")) c->fsync = truthy(v);
  else if (!strcmp(k, "tls_port") || !strcmp(k, "tls-port")) SET(tls_port);
  else if (!strcmp(k, "cert") || !strcmp(k, "certfile")) SET(cert);
  else if (!strcmp(k, "key") || !strcmp(k, "keyfile")) SET(key);
  else if (!strcmp(k, "max_queued_messages") || !strcmp(k, "max-queued"))
    return (c->max_queued = number(v, 1, 100000000)) < 0 ? -2 : 0;
  else if (!strcmp(k, "slow_subscriber_timeout") || !strcmp(k, "slow-subscriber-timeout"))
    return (c->slow_s = number(v, 1, 86400)) < 0 ? -2 : 0;
  else if (!strcmp(k, "persistence") || !strcmp(k, "log_type") ||
           !strcmp(k, "log_dest")) { /* accepted, no effect */
  } else return -1;
#undef SET
  return 0;
}

/* A line of the config file (the shared reader, conf.h). Mosquitto's
 * "listener PORT [ADDRESS]" sets the port and address. */
static int from_file(void *arg, const char *key, const char *value, int line, char *why,
                     size_t whylen) {
  (void)line;
  struct cfg *c = arg;
  if (!strcmp(key, "listener")) {
    char port[16] = "", addr[64] = "";
    if (sscanf(value, "%15s %63s", port, addr) < 1) {
      snprintf(why, whylen, "want PORT [ADDRESS]");
      return TERN_EINVAL;
    }
    strcpy(c->port, port);
    if (addr[0]) strcpy(c->bind, addr);
    return 0;
  }
  int rc = set_key(c, key, value);
  if (rc == -2) {
    snprintf(why, whylen, "want a whole number, at least 1");
    return TERN_EINVAL;
  }
  if (rc) {
    snprintf(why, whylen, "unknown key");
    return TERN_ENOTFOUND;
  }
  return 0;
}

static int read_config(struct cfg *c, const char *path) {
  char err[400];
  if (tern_conf_load(NULL, path, from_file, c, err, sizeof(err)) == 0) return 0;
  fprintf(stderr, "tern broker: %s\n", err);
  return -1;
}

int cmd_broker(int argc, char **argv) {
  struct cfg c;
  memset(&c, 0, sizeof(c));
  strcpy(c.port, "1883");
  strcpy(c.bind, "127.0.0.1");
  int bad = 0;
  /* the config file first, so that flags override it */
  for (int i = 1; i < argc; i++) {
    const char *v = app_opt(argc, argv, &i, "-c", &bad);
    if (v && read_config(&c, v) != 0) return 2;
  }
  for (int i = 1; i < argc && !bad; i++) {
    const char *a = argv[i], *v;
    if (app_is_help(a)) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "-c", &bad))) continue;
    if ((v = app_opt(argc, argv, &i, "-p", &bad)) || (v = app_opt(argc, argv, &i, "--port", &bad)))
      set_key(&c, "port", v);
    else if ((v = app_opt(argc, argv, &i, "-b", &bad)) ||
             (v = app_opt(argc, argv, &i, "--bind", &bad)))
      set_key(&c, "bind", v);
    else if (!strcmp(a, "--allow-anonymous")) c.anon = 1;
    else if ((v = app_opt(argc, argv, &i, "--passwd", &bad))) set_key(&c, "passwd", v);
    else if ((v = app_opt(argc, argv, &i, "--acl", &bad))) set_key(&c, "acl", v);
    else if ((v = app_opt(argc, argv, &i, "--persist", &bad))) set_key(&c, "persist", v);
    else if (!strcmp(a, "--fsync")) c.fsync = 1;
    else if ((v = app_opt(argc, argv, &i, "--tls-port", &bad))) set_key(&c, "tls_port", v);
    else if ((v = app_opt(argc, argv, &i, "--cert", &bad))) set_key(&c, "cert", v);
    else if ((v = app_opt(argc, argv, &i, "--key", &bad))) set_key(&c, "key", v);
    else if ((v = app_opt(argc, argv, &i, "--max-queued", &bad)) ||
             (v = app_opt(argc, argv, &i, "--slow-subscriber-timeout", &bad))) {
      if (set_key(&c, a[2] == 'm' ? "max-queued" : "slow-subscriber-timeout", v) != 0) {
        fprintf(stderr, "tern broker: %s %s: want a whole number, at least 1\n", a, v);
        return 2;
      }
    } else if (!strcmp(a, "-v")) c.verbose++;
    else if (!bad) return app_bad_flag("broker", a);
  }
  if (bad) return 2;
  if (c.tls_port[0] && (!c.cert[0] || !c.key[0])) {
    fprintf(stderr, "tern broker: --tls-port needs --cert and --key\n");
    return 2;
  }
  struct tern_loop *loop = app_loop_new(NULL);
  if (!loop) return 1;
  tern_log_set(loop,
               c.verbose >= 2 ? TERN_LOG_DEBUG
               : c.verbose    ? TERN_LOG_INFO
                              : TERN_LOG_WARN,
               NULL, NULL);
  char url[128], tls_url[128];
  snprintf(url, sizeof(url), strchr(c.bind, ':') ? "tcp://[%s]:%s" : "tcp://%s:%s", c.bind, c.port);
  snprintf(tls_url, sizeof(tls_url), strchr(c.bind, ':') ? "tcp://[%s]:%s" : "tcp://%s:%s", c.bind,
           c.tls_port);
  struct tern_broker_opts o = {0};
  o.listen[0] = url;
  o.allow_anonymous = c.anon;
  o.passwd_file = c.passwd[0] ? c.passwd : NULL;
  o.acl_file = c.acl[0] ? c.acl : NULL;
  o.persist_dir = c.persist[0] ? c.persist : NULL;
  o.fsync = c.fsync;
  o.max_queued = c.max_queued > 0 ? (size_t)c.max_queued : 0;
  o.slow_subscriber_s = c.slow_s > 0 ? (uint32_t)c.slow_s : 0;
  if (c.tls_port[0]) {
    o.tls_listen = tls_url;
    o.cert_file = c.cert;
    o.key_file = c.key;
  }
  if (!o.allow_anonymous && !o.passwd_file)
    fprintf(stderr,
            "tern broker: no --passwd and no --allow-anonymous: every client will be refused\n");
  int err = 0;
  struct tern_broker *b = tern_broker_start(loop, &o, &err);
  if (!b) {
    fprintf(stderr, "tern broker: cannot start: %s\n", tern_strerror(err));
    tern_loop_free(loop);
    return 1;
  }
  printf("tern broker listening on %s:%u%s\n", c.bind, tern_broker_port(b, 0),
         o.persist_dir ? " (persistent)" : "");
  if (c.tls_port[0])
    printf("tern broker listening on %s:%u (TLS)\n", c.bind, tern_broker_port(b, 1));
  fflush(stdout);
  app_signals(loop);
  while (!app_stop) {
    tern_loop_poll(loop, 1000);
    if (app_hup) {
      app_hup = 0;
      if (tern_broker_reload(b) == 0)
        fprintf(stderr, "tern broker: reloaded password and ACL files\n");
    }
  }
  tern_broker_stop(b);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  return 0;
}
