/* tern broker: the embedded MQTT broker as a program. */
#define _DEFAULT_SOURCE /* setgroups */
#define _POSIX_C_SOURCE 200809L
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "app.h"
#include "tern/broker.h"
#include "tern/error.h"
#include "tern/log.h"

static const char usage[] =
    "usage: tern broker [-c FILE] [-p PORT] [-b ADDR] [--allow-anonymous] [--passwd FILE]\n"
    "                   [--acl FILE] [--persist DIR] [--fsync] [--tls-port PORT --cert F --key F] "
    "[-v]\n"
    "An MQTT 3.1.1 broker. Listens on 127.0.0.1:1883 unless told otherwise.\n"
    "  -c FILE            a Mosquitto configuration file (mosquitto.conf(5)): listeners with\n"
    "                     TLS, client certificates and WebSocket, per_listener_settings,\n"
    "                     password_file, acl_file, persistence, limits, logging, pid_file,\n"
    "                     include_dir. A setting tern cannot honour exactly stops it (exit 3).\n"
    "                     Also tern's fsync and slow_subscriber_timeout. See docs/BROKER.md.\n"
    "  -p, --port PORT    TCP port (default 1883; 0 picks a free one); with -c, the first\n"
    "                     listener's\n"
    "  -b, --bind ADDR    address to listen on (default 127.0.0.1); with -c, the first listener's\n"
    "  --allow-anonymous  accept clients without a user name (refused by default)\n"
    "  --passwd FILE      password file ($7$, from tern passwd or mosquitto_passwd)\n"
    "  --acl FILE         ACL file in Mosquitto's acl_file format\n"
    "  --persist DIR      keep sessions, retained and queued messages in DIR\n"
    "  --fsync            fsync before acknowledging (survives power loss)\n"
    "  --topic-aliases-out  send MQTT 5 Topic Aliases to clients that allow them\n"
    "  --tls-port PORT    also listen with TLS (needs --cert and --key)\n"
    "  --max-queued N     messages an offline session keeps (beyond: dropped, counted);\n"
    "                     an online one this far behind pauses its publishers (default 100000;\n"
    "                     publishers pause at 1000 already). Key: max_queued_messages\n"
    "  --slow-subscriber-timeout S  a subscriber behind and taking nothing for S seconds is\n"
    "                     disconnected (default 60). Key: slow_subscriber_timeout\n"
    "  --bridge HOST[:PORT]  bridge to another broker (Mosquitto's connection block, one):\n"
    "    --bridge-topic 'PATTERN [out|in|both [QOS [LOCAL REMOTE]]]' (repeat), --bridge-clientid "
    "ID,\n"
    "    --bridge-user U, --bridge-password P, --bridge-cafile F (TLS), --bridge-cert F,\n"
    "    --bridge-key F, --bridge-insecure, --bridge-protocol mqttv50|mqttv311 (default\n"
    "    mqttv311; mqttv50 goes on in 3.1.1 with a broker that lacks it). Its queue is kept\n"
    "    with --persist DIR.\n"
    "  -v                 log connections and errors (-v -v: debug)\n"
    "SIGTERM/SIGINT stop cleanly; SIGHUP reloads the password and ACL files.\n";

struct flags {
  const char *port, *bind, *passwd, *acl, *persist, *tls_port, *cert, *key;
  char bridge[4096]; /* --bridge* flags as the configuration lines they stand for */
  size_t bridge_len;
  int anon, fsync, verbose, aliases_out;
  long max_queued, slow_s;
};

/* A whole number from lo to hi, or -1. */
static long number(const char *v, long lo, long hi) {
  char *end;
  long n = strtol(v, &end, 10);
  return *v && !*end && n >= lo && n <= hi ? n : -1;
}

static void bridge_line(struct flags *f, const char *key, const char *value) {
  int n = snprintf(f->bridge + f->bridge_len, sizeof(f->bridge) - f->bridge_len, "%s%s %s\n",
                   f->bridge_len ? "" : "connection bridge\n", key, value);
  if (n > 0 && (size_t)n < sizeof(f->bridge) - f->bridge_len) f->bridge_len += (size_t)n;
}

/* --bridge-X VALUE: the configuration key it stands for */
static int bridge_flag(int argc, char **argv, int *i, struct flags *f, int *bad) {
  static const char *const map[][2] = {{"--bridge", "address"},
                                       {"--bridge-topic", "topic"},
                                       {"--bridge-clientid", "remote_clientid"},
                                       {"--bridge-user", "remote_username"},
                                       {"--bridge-password", "remote_password"},
                                       {"--bridge-cafile", "bridge_cafile"},
                                       {"--bridge-cert", "bridge_certfile"},
                                       {"--bridge-key", "bridge_keyfile"},
                                       {"--bridge-protocol", "bridge_protocol_version"}};
  for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
    const char *v = app_opt(argc, argv, i, map[k][0], bad);
    if (v) {
      bridge_line(f, map[k][1], v);
      return 1;
    }
  }
  return 0;
}

static int parse_flags(int argc, char **argv, struct flags *f, const char **conf) {
  int bad = 0;
  for (int i = 1; i < argc && !bad; i++) {
    const char *a = argv[i], *v;
    if (app_is_help(a)) {
      fputs(usage, stdout);
      exit(0);
    }
    if ((v = app_opt(argc, argv, &i, "-c", &bad))) *conf = v;
    else if ((v = app_opt(argc, argv, &i, "-p", &bad)) ||
             (v = app_opt(argc, argv, &i, "--port", &bad)))
      f->port = v;
    else if ((v = app_opt(argc, argv, &i, "-b", &bad)) ||
             (v = app_opt(argc, argv, &i, "--bind", &bad)))
      f->bind = v;
    else if (!strcmp(a, "--allow-anonymous")) f->anon = 1;
    else if ((v = app_opt(argc, argv, &i, "--passwd", &bad))) f->passwd = v;
    else if ((v = app_opt(argc, argv, &i, "--acl", &bad))) f->acl = v;
    else if ((v = app_opt(argc, argv, &i, "--persist", &bad))) f->persist = v;
    else if (!strcmp(a, "--fsync")) f->fsync = 1;
    else if (!strcmp(a, "--topic-aliases-out")) f->aliases_out = 1;
    else if ((v = app_opt(argc, argv, &i, "--tls-port", &bad))) f->tls_port = v;
    else if ((v = app_opt(argc, argv, &i, "--cert", &bad))) f->cert = v;
    else if ((v = app_opt(argc, argv, &i, "--key", &bad))) f->key = v;
    else if ((v = app_opt(argc, argv, &i, "--max-queued", &bad)) ||
             (v = app_opt(argc, argv, &i, "--slow-subscriber-timeout", &bad))) {
      long n = number(v, 1, a[2] == 'm' ? 100000000 : 86400);
      if (n < 0) {
        fprintf(stderr, "tern broker: %s %s: want a whole number, at least 1\n", a, v);
        return 2;
      }
      *(a[2] == 'm' ? &f->max_queued : &f->slow_s) = n;
    } else if (!strcmp(a, "-v")) f->verbose++;
    else if (!strcmp(a, "--bridge-insecure")) bridge_line(f, "bridge_insecure", "true");
    else if (bridge_flag(argc, argv, &i, f, &bad)) continue;
    else if (!bad) return app_bad_flag("broker", a);
  }
  if (bad) return 2;
  if (f->port && number(f->port, 0, 65535) < 0) {
    fprintf(stderr, "tern broker: -p %s: want a port number\n", f->port);
    return 2;
  }
  if (f->tls_port && (!f->cert || !f->key)) {
    fprintf(stderr, "tern broker: --tls-port needs --cert and --key\n");
    return 2;
  }
  return 0;
}

/* "tcp://HOST:PORT" from a host (bare IPv6 gets brackets) and a port. */
static void make_url(char *out, size_t len, const char *host, const char *port) {
  snprintf(out, len, strchr(host, ':') ? "tcp://[%s]:%s" : "tcp://%s:%s", host, port);
}

/* -p / -b on the first listener of a file: its URL rebuilt with them. */
static void override_first(struct tern_broker_listener *l, const struct flags *f, char *url,
                           size_t len) {
  char host[80] = "", port[8] = "";
  const char *hp = l->url + 6, *colon = strrchr(hp, ':');
  snprintf(host, sizeof(host), "%.*s", (int)(colon - hp), hp);
  snprintf(port, sizeof(port), "%s", colon + 1);
  if (host[0] == '[') { /* unbracket */
    memmove(host, host + 1, strlen(host));
    host[strlen(host) - 1] = '\0';
  }
  make_url(url, len, f->bind ? f->bind : host, f->port ? f->port : port);
  l->url = url;
}

/* log_dest: any of a file, stdout and stderr */
struct log_dests {
  FILE *f;
  int out, err;
};

static void log_line(void *ctx, int level, const char *line) {
  (void)level;
  struct log_dests *d = ctx;
  long long now = (long long)time(NULL);
  if (d->f) fprintf(d->f, "%lld: %s\n", now, line), fflush(d->f);
  if (d->out) fprintf(stdout, "%lld: %s\n", now, line), fflush(stdout);
  if (d->err) fprintf(stderr, "%lld: %s\n", now, line);
}

static int drop_privileges(const char *user) {
  if (getuid() != 0) return 0; /* as Mosquitto: only root changes user */
  struct passwd *pw = getpwnam(user);
  if (!pw) {
    fprintf(stderr, "tern broker: user %s: no such user\n", user);
    return -1;
  }
  if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    perror("tern broker: cannot change user");
    return -1;
  }
  return 0;
}

int cmd_broker(int argc, char **argv) {
  struct flags f = {0};
  const char *conf_path = NULL;
  int rc = parse_flags(argc, argv, &f, &conf_path);
  if (rc) return rc;
  struct tern_broker_conf *conf = tern_broker_conf_new();
  if (!conf) return 1;
  char err[600];
  if (conf_path && tern_broker_conf_load(conf, conf_path, err, sizeof(err)) != 0) {
    fprintf(stderr, "tern broker: %s\n", err);
    tern_broker_conf_free(conf);
    return 3;
  }
  if (f.bridge_len && tern_broker_conf_parse(conf, f.bridge, "--bridge flags", err, sizeof(err))) {
    fprintf(stderr, "tern broker: %s\n", err);
    tern_broker_conf_free(conf);
    return 3;
  }
  int from_file = conf_path && tern_broker_conf_listeners(conf) > 0;
  struct tern_broker_opts *o = tern_broker_conf_opts(conf);
  const struct tern_broker_conf_app *app = tern_broker_conf_app(conf);
  /* the flags, over the file */
  char url[128], tls_url[128];
  if (!from_file) { /* tern's own default: loopback, anonymous only when asked */
    make_url(url, sizeof(url), f.bind ? f.bind : "127.0.0.1", f.port ? f.port : "1883");
    o->listeners[0].url = url;
    if (!conf_path) o->auth.allow_anonymous = 0;
  } else if (f.port || f.bind) {
    override_first(&o->listeners[0], &f, url, sizeof(url));
  }
  if (f.tls_port) {
    int i = 0;
    while (i < TERN_BROKER_MAX_LISTENERS && o->listeners[i].url) i++;
    if (i == TERN_BROKER_MAX_LISTENERS) {
      fprintf(stderr, "tern broker: --tls-port: no room for another listener\n");
      return 3;
    }
    make_url(tls_url, sizeof(tls_url), f.bind ? f.bind : "127.0.0.1", f.tls_port);
    o->listeners[i] =
        (struct tern_broker_listener){.url = tls_url, .cert_file = f.cert, .key_file = f.key};
  }
  if (f.anon) o->auth.allow_anonymous = 1;
  if (f.passwd) o->auth.passwd_file = f.passwd;
  if (f.acl) o->auth.acl_file = f.acl;
  if (f.persist) o->persist_dir = f.persist;
  if (f.fsync) o->fsync = 1;
  if (f.aliases_out) o->topic_aliases_out = 1;
  if (f.max_queued > 0) o->max_queued = (size_t)f.max_queued;
  if (f.slow_s > 0) o->slow_subscriber_s = (uint32_t)f.slow_s;

  struct tern_loop *loop = app_loop_new(NULL);
  if (!loop) return 1;
  int level = f.verbose >= 2        ? TERN_LOG_DEBUG
              : f.verbose           ? TERN_LOG_INFO
              : app->log_level >= 0 ? app->log_level
              : conf_path           ? TERN_LOG_INFO /* Mosquitto's default log_type */
                                    : TERN_LOG_WARN;
  struct log_dests lf = {NULL, app->log_stdout, app->log_stderr};
  if (app->log_none && !f.verbose) level = TERN_LOG_NONE;
  if (app->log_file && !(lf.f = fopen(app->log_file, "a"))) {
    fprintf(stderr, "tern broker: log_dest file %s: cannot open for appending\n", app->log_file);
    return 3;
  }
  int custom = lf.f || lf.out || lf.err;
  tern_log_set(loop, level, custom ? log_line : NULL, custom ? &lf : NULL);
  int anon_any = o->auth.allow_anonymous;
  for (int i = 0; o->per_listener_settings && i < TERN_BROKER_MAX_LISTENERS; i++)
    anon_any |= o->listeners[i].auth.allow_anonymous || o->listeners[i].auth.passwd_file;
  if (!anon_any && !o->auth.passwd_file)
    fprintf(stderr,
            "tern broker: no --passwd and no --allow-anonymous: every client will be refused\n");
  if (app->autosave_given)
    tern_log(loop, TERN_LOG_INFO,
             "autosave_interval: not needed: tern writes every change to its "
             "log as it happens%s",
             o->fsync ? " and syncs it before acknowledging" : " (fsync true: also synced)");
  int e = 0;
  struct tern_broker *b = tern_broker_start(loop, o, &e);
  if (!b) {
    fprintf(stderr, "tern broker: cannot start: %s\n", tern_strerror(e));
    tern_loop_free(loop);
    return 1;
  }
  for (int i = 0; i < TERN_BROKER_MAX_LISTENERS && o->listeners[i].url; i++) {
    const struct tern_broker_listener *l = &o->listeners[i];
    const char *hp = l->url + 6;
    printf("tern broker listening on %.*s:%u%s%s%s\n", (int)(strrchr(hp, ':') - hp), hp,
           tern_broker_port(b, i), l->cert_file ? " (TLS)" : "",
           l->websockets ? " (WebSocket)" : "", i == 0 && o->persist_dir ? " (persistent)" : "");
  }
  fflush(stdout);
  FILE *pf = app->pid_file ? fopen(app->pid_file, "w") : NULL;
  if (app->pid_file && !pf)
    fprintf(stderr, "tern broker: pid_file %s: cannot write\n", app->pid_file);
  if (pf) {
    fprintf(pf, "%ld\n", (long)getpid());
    fclose(pf);
  }
  if (app->user && drop_privileges(app->user) != 0) {
    tern_broker_stop(b);
    tern_loop_free(loop);
    return 1;
  }
  app_signals(loop);
  while (!app_stop) {
    tern_loop_poll(loop, 1000);
    if (app_hup) {
      app_hup = 0;
      if (tern_broker_reload(b) == 0)
        fprintf(stderr, "tern broker: reloaded password and ACL files\n");
    }
  }
  /* goodbye to every client (5.0: DISCONNECT 0x8B), waiting a second at most */
  uint32_t t0 = tern_loop_now(loop);
  while (tern_broker_shutdown(b) && tern_loop_now(loop) - t0 < 1000) tern_loop_poll(loop, 50);
  tern_broker_stop(b);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  if (app->pid_file) unlink(app->pid_file);
  if (lf.f) fclose(lf.f);
  tern_broker_conf_free(conf);
  return 0;
}
