/* Mosquitto's configuration file (mosquitto.conf(5)) read into broker
 * options. The rule: a setting tern can honour exactly is honoured; any
 * other stops the broker with "FILE:LINE: KEY: reason", never a broker
 * that runs weaker than the file asks (a TLS listener in clear, a refused
 * anonymous login let in).
 *
 * As in Mosquitto: "listener PORT [ADDRESS]" opens a block that the
 * listener settings after it belong to; listener settings before the first
 * listener line (and "port") configure the default listener; a listener
 * with no address binds every interface; with no listener at all the
 * broker binds 127.0.0.1:1883 and lets anonymous clients in (local-only
 * mode), otherwise allow_anonymous is false unless set. With
 * per_listener_settings true, allow_anonymous, password_file and acl_file
 * belong to the listener block they are in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/broker.h"
#include "tern/conf.h"
#include "tern/error.h"
#include "tern/file.h"
#include "tern/log.h"
#include "tern/mqtt_codec.h"

#define STRINGS 16384
#define MAX_INCLUDES 64

struct lconf { /* one listener block, before it becomes a URL */
  char port[8];
  const char *bind;
  int domain; /* 0: any, 4, 6 */
  int used;   /* the default listener (slot 0) exists only if something set it */
};

struct tern_broker_conf {
  struct tern_broker_opts opts;
  struct tern_broker_conf_app app;
  struct lconf l[TERN_BROKER_MAX_LISTENERS];
  int cur;      /* the block settings go to: 0 is the default listener */
  int nbridges; /* connection blocks; bridge settings go to the last */
  int nl;       /* slots in use, the default's included */
  int anon_set[TERN_BROKER_MAX_LISTENERS + 1]; /* [0]: global; [i+1]: listener i */
  int auth_seen;   /* a security setting was read (per_listener_settings must come first) */
  int depth;       /* include_dir nesting */
  int persistence; /* "persistence true" */
  const char *location;
  size_t used;
  char urls[TERN_BROKER_MAX_LISTENERS][80];
  char strings[STRINGS];
};

static const char *keep(struct tern_broker_conf *c, const char *v) {
  size_t n = strlen(v) + 1;
  if (c->used + n > sizeof(c->strings)) return NULL;
  char *p = memcpy(c->strings + c->used, v, n);
  c->used += n;
  return p;
}

static int want(char *why, size_t whylen, const char *what) {
  snprintf(why, whylen, "%s", what);
  return TERN_EINVAL;
}

static int boolean(const char *v, int *out, char *why, size_t whylen) {
  if (!strcmp(v, "true")) *out = 1;
  else if (!strcmp(v, "false")) *out = 0;
  else return want(why, whylen, "want true or false");
  return 0;
}

/* A whole number lo..hi into *out. */
static int number(const char *v, long lo, long hi, long *out, char *why, size_t whylen) {
  char *end;
  long n = strtol(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) {
    snprintf(why, whylen, "want a whole number from %ld to %ld", lo, hi);
    return TERN_EINVAL;
  }
  *out = n;
  return 0;
}

static int path(struct tern_broker_conf *c, const char *v, const char **out, char *why,
                size_t whylen) {
  if (!*v) return want(why, whylen, "want a path");
  if (!(*out = keep(c, v))) return want(why, whylen, "too many settings (tern's limit)");
  return 0;
}

/* Keys Mosquitto knows that tern does not do: refused by name, so that
 * the message says "not supported" rather than "unknown". */
static const char *const unsupported[] = {"allow_duplicate_messages",
                                          "allow_zero_length_clientid",
                                          "auth_opt_",
                                          "auth_plugin",
                                          "auto_id_prefix",
                                          "bridge_",
                                          "capath",
                                          "certfile_",
                                          "check_retain_source",
                                          "ciphers",
                                          "clientid_prefixes",
                                          "connection",
                                          "crlfile",
                                          "dhparamfile",
                                          "enable_control_api",
                                          "http_dir",
                                          "keyfile_",
                                          "listener_",
                                          "max_queued_bytes",
                                          "memory_limit",
                                          "mount_point",
                                          "persistent_client_expiration",
                                          "plugin",
                                          "psk_file",
                                          "psk_hint",
                                          "queue_qos0_messages",
                                          "retain_available",
                                          "set_tcp_nodelay",
                                          "sys_interval_",
                                          "tls_engine",
                                          "tls_keyform",
                                          "tls_version",
                                          "upgrade_outgoing_qos",
                                          "use_subject_as_username",
                                          "use_username_as_clientid",
                                          "websockets_headers_size",
                                          "websockets_log_level",
                                          NULL};

static int is_unsupported(const char *k) {
  for (int i = 0; unsupported[i]; i++) {
    size_t n = strlen(unsupported[i]);
    if (unsupported[i][n - 1] == '_' ? !strncmp(k, unsupported[i], n) : !strcmp(k, unsupported[i]))
      return 1;
  }
  return 0;
}

static struct tern_broker_listener *cur(struct tern_broker_conf *c) {
  c->l[c->cur].used = 1;
  return &c->opts.listeners[c->cur];
}

static int load_file(struct tern_broker_conf *c, const char *file, char *err, size_t errlen);
static int check_complete(struct tern_broker_conf *c, const char *name, char *err, size_t errlen);

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

struct dir_list {
  struct tern_broker_conf *c;
  const char *names[MAX_INCLUDES];
  int n;
};

static int list_one(void *arg, const char *name) {
  struct dir_list *d = arg;
  size_t n = strlen(name);
  if (n < 6 || strcmp(name + n - 5, ".conf")) return 0; /* Mosquitto reads *.conf only */
  if (d->n == MAX_INCLUDES) return TERN_ELIMIT;
  return (d->names[d->n++] = keep(d->c, name)) ? 0 : TERN_ELIMIT;
}

/* include_dir: every *.conf in it, in byte order of their names. */
static int include_dir(struct tern_broker_conf *c, const char *dir, char *why, size_t whylen) {
  struct dir_list d = {c, {0}, 0};
  int rc = tern_file_list(dir, list_one, &d);
  if (rc) {
    snprintf(why, whylen, "%s: %s", dir,
             rc == TERN_ELIMIT ? "too many files (tern reads at most 64)" : tern_strerror(rc));
    return rc;
  }
  qsort(d.names, (size_t)d.n, sizeof(d.names[0]), cmp_names);
  for (int i = 0; i < d.n; i++) {
    char file[512];
    snprintf(file, sizeof(file), "%s/%s", dir, d.names[i]);
    /* why gets the included file's own "FILE:LINE: KEY: reason" */
    if ((rc = load_file(c, file, why, whylen)) != 0) return rc;
  }
  return 0;
}

static int listener_key(struct tern_broker_conf *c, const char *k, const char *v, char *why,
                        size_t whylen) {
  long n;
  int b, rc;
  if (!strcmp(k, "bind_address") || !strcmp(k, "bind")) {
    cur(c);
    return path(c, v, &c->l[c->cur].bind, why, whylen);
  }
  if (!strcmp(k, "certfile") || !strcmp(k, "cert"))
    return path(c, v, &cur(c)->cert_file, why, whylen);
  if (!strcmp(k, "keyfile") || !strcmp(k, "key")) return path(c, v, &cur(c)->key_file, why, whylen);
  if (!strcmp(k, "cafile")) return path(c, v, &cur(c)->ca_file, why, whylen);
  if (!strcmp(k, "require_certificate")) {
    if ((rc = boolean(v, &b, why, whylen)) == 0) cur(c)->require_certificate = b;
    return rc;
  }
  if (!strcmp(k, "use_identity_as_username")) {
    if ((rc = boolean(v, &b, why, whylen)) == 0) cur(c)->use_identity_as_username = b;
    return rc;
  }
  if (!strcmp(k, "protocol")) {
    if (strcmp(v, "mqtt") && strcmp(v, "websockets"))
      return want(why, whylen, "want mqtt or websockets");
    cur(c)->websockets = !strcmp(v, "websockets");
    return 0;
  }
  if (!strcmp(k, "max_connections")) { /* -1: no limit of its own */
    if ((rc = number(v, -1, 1000000, &n, why, whylen)) != 0) return rc;
    if (n == 0) return want(why, whylen, "0 would refuse everyone; -1 is no limit");
    cur(c)->max_connections = n < 0 ? 0 : (size_t)n;
    return 0;
  }
  if (!strcmp(k, "socket_domain")) {
    if (strcmp(v, "ipv4") && strcmp(v, "ipv6")) return want(why, whylen, "want ipv4 or ipv6");
    cur(c);
    c->l[c->cur].domain = v[3] == '4' ? 4 : 6;
    return 0;
  }
  return 1; /* not a listener key */
}

static int auth_key(struct tern_broker_conf *c, const char *k, const char *v, char *why,
                    size_t whylen) {
  int rc, b;
  /* per listener (the block's) or for all */
  int own = c->opts.per_listener_settings;
  struct tern_broker_auth *a = own ? &cur(c)->auth : &c->opts.auth;
  if (!strcmp(k, "allow_anonymous") || !strcmp(k, "allow-anonymous")) {
    if ((rc = boolean(v, &b, why, whylen)) != 0) return rc;
    a->allow_anonymous = b;
    c->anon_set[own ? c->cur + 1 : 0] = 1;
  } else if (!strcmp(k, "password_file") || !strcmp(k, "passwd")) {
    if ((rc = path(c, v, &a->passwd_file, why, whylen)) != 0) return rc;
  } else if (!strcmp(k, "acl_file") || !strcmp(k, "acl")) {
    if ((rc = path(c, v, &a->acl_file, why, whylen)) != 0) return rc;
  } else {
    return 1;
  }
  c->auth_seen = 1;
  return 0;
}

static int log_key(struct tern_broker_conf *c, const char *k, const char *v, char *why,
                   size_t whylen) {
  struct tern_broker_conf_app *a = &c->app;
  if (!strcmp(k, "log_dest")) {
    if (!strcmp(v, "stderr")) a->log_stderr = 1;
    else if (!strcmp(v, "stdout")) a->log_stdout = 1;
    else if (!strcmp(v, "none")) a->log_none = 1;
    else if (!strncmp(v, "file ", 5)) {
      const char *p = v + 5;
      while (*p == ' ') p++;
      return path(c, p, &a->log_file, why, whylen);
    } else {
      return want(why, whylen,
                  "tern logs to stderr, stdout, file PATH or none "
                  "(not syslog, topic or dlt)");
    }
    return 0;
  }
  if (!strcmp(k, "log_type")) {
    /* tern logs by level: the most detailed type named sets it */
    static const struct {
      const char *name;
      int level;
    } types[] = {{"none", TERN_LOG_NONE},        {"error", TERN_LOG_ERROR},
                 {"warning", TERN_LOG_WARN},     {"notice", TERN_LOG_WARN},
                 {"information", TERN_LOG_INFO}, {"subscribe", TERN_LOG_INFO},
                 {"unsubscribe", TERN_LOG_INFO}, {"websockets", TERN_LOG_INFO},
                 {"debug", TERN_LOG_DEBUG},      {"all", TERN_LOG_DEBUG}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
      if (!strcmp(v, types[i].name)) {
        if (a->log_level < types[i].level) a->log_level = types[i].level;
        return 0;
      }
    return want(why, whylen,
                "want error, warning, notice, information, subscribe, "
                "unsubscribe, websockets, debug, none or all");
  }
  if (!strcmp(k, "connection_messages")) {
    int b, rc = boolean(v, &b, why, whylen);
    if (!rc) c->opts.quiet_connections = !b;
    return rc;
  }
  if (!strcmp(k, "log_timestamp") || !strcmp(k, "log_timestamp_format"))
    return want(why, whylen, "tern's log format is fixed");
  return 1;
}

/* Mosquitto's bridge settings: "connection NAME" opens a block. */
static int bridge_key(struct tern_broker_conf *c, const char *k, const char *v, char *why,
                      size_t whylen) {
  static const char *const keys[] = {"address",
                                     "addresses",
                                     "round_robin",
                                     "topic",
                                     "remote_clientid",
                                     "clientid",
                                     "remote_username",
                                     "remote_password",
                                     "bridge_cafile",
                                     "bridge_certfile",
                                     "bridge_keyfile",
                                     "bridge_insecure",
                                     "bridge_protocol_version",
                                     "cleansession",
                                     "keepalive_interval",
                                     "restart_timeout",
                                     "notifications",
                                     "notification_topic",
                                     "try_private",
                                     "bridge_outgoing_retain",
                                     "start_type",
                                     NULL};
  long n;
  int rc, b;
  if (!strcmp(k, "connection")) {
    if (c->nbridges == TERN_BROKER_MAX_BRIDGES) return want(why, whylen, "at most 4 bridges");
    if (!*v || strpbrk(v, "/ \t")) return want(why, whylen, "want a name (no '/' or space)");
    struct tern_broker_bridge *br = &c->opts.bridges[c->nbridges++];
    return path(c, v, &br->name, why, whylen);
  }
  int known = 0;
  for (int i = 0; keys[i]; i++) known |= !strcmp(k, keys[i]);
  if (!known) return 1;
  if (!c->nbridges) return want(why, whylen, "a bridge setting before any 'connection' line");
  struct tern_broker_bridge *br = &c->opts.bridges[c->nbridges - 1];
  if (!strcmp(k, "address") || !strcmp(k, "addresses")) {
    /* space-separated: the first, then fallbacks */
    int i = 0;
    for (const char *p = v; *p;) {
      while (*p == ' ' || *p == '\t') p++;
      size_t len = strcspn(p, " \t");
      if (!len) break;
      if (i > TERN_MQTT_MAX_FALLBACKS) return want(why, whylen, "at most 4 addresses");
      char one[256];
      snprintf(one, sizeof(one), "%.*s", (int)len, p);
      if ((rc = path(c, one, i ? &br->fallbacks[i - 1] : &br->address, why, whylen)) != 0)
        return rc;
      i++;
      p += len;
    }
    return i ? 0 : want(why, whylen, "want HOST[:PORT] ...");
  }
  if (!strcmp(k, "topic")) {
    /* topic PATTERN [[[out|in|both] QOS] LOCAL_PREFIX REMOTE_PREFIX]; "" is empty */
    char f[5][256] = {{0}}, extra[2] = "";
    int nf = sscanf(v, "%255s %255s %255s %255s %255s %1s", f[0], f[1], f[2], f[3], f[4], extra);
    if (nf < 1 || extra[0])
      return want(why, whylen, "want PATTERN [out|in|both [QOS [LOCAL REMOTE]]]");
    int i = 0;
    while (i < TERN_BRIDGE_MAX_TOPICS && br->topics[i].pattern) i++;
    if (i == TERN_BRIDGE_MAX_TOPICS) return want(why, whylen, "at most 16 topics a bridge");
    struct tern_bridge_topic *t = &br->topics[i];
    for (int j = 0; j < nf && j < 5; j++)
      if (!strcmp(f[j], "\"\"")) f[j][0] = '\0';
    t->direction = TERN_BRIDGE_OUT;
    if (nf >= 2) {
      t->direction = !strcmp(f[1], "out")    ? TERN_BRIDGE_OUT
                     : !strcmp(f[1], "in")   ? TERN_BRIDGE_IN
                     : !strcmp(f[1], "both") ? TERN_BRIDGE_BOTH
                                             : 0;
      if (!t->direction) return want(why, whylen, "direction: want out, in or both");
    }
    if (nf >= 3) {
      if ((rc = number(f[2], 0, 2, &n, why, whylen)) != 0) return rc;
      t->qos = (uint8_t)n;
    }
    if (nf == 4) return want(why, whylen, "a local prefix needs a remote prefix too");
    if (nf == 5 && (!(t->local_prefix = keep(c, f[3])) || !(t->remote_prefix = keep(c, f[4]))))
      return want(why, whylen, "too many settings (tern's limit)");
    if (!f[0][0] && nf < 5) return want(why, whylen, "an empty pattern needs prefixes");
    if (strpbrk(f[3], "#+") || strpbrk(f[4], "#+"))
      return want(why, whylen, "prefixes cannot hold wildcards");
    if (!(t->pattern = keep(c, f[0]))) return want(why, whylen, "too many settings");
    return 0;
  }
  if (!strcmp(k, "remote_clientid") || !strcmp(k, "clientid"))
    return path(c, v, &br->remote_clientid, why, whylen);
  if (!strcmp(k, "remote_username")) return path(c, v, &br->remote_username, why, whylen);
  if (!strcmp(k, "remote_password")) return path(c, v, &br->remote_password, why, whylen);
  if (!strcmp(k, "bridge_cafile")) return path(c, v, &br->cafile, why, whylen);
  if (!strcmp(k, "bridge_certfile")) return path(c, v, &br->certfile, why, whylen);
  if (!strcmp(k, "bridge_keyfile")) return path(c, v, &br->keyfile, why, whylen);
  if (!strcmp(k, "notification_topic")) return path(c, v, &br->notification_topic, why, whylen);
  if (!strcmp(k, "bridge_protocol_version")) {
    if (!strcmp(v, "mqttv311") || !strcmp(v, "mqttv50")) {
      br->protocol_version = v[5] == '5' ? TERN_MQTT_V5 : TERN_MQTT_V311;
      return 0;
    }
    return want(why, whylen, "mqttv311 or mqttv50 (tern bridges do not speak MQTT 3.1)");
  }
  if (!strcmp(k, "keepalive_interval")) {
    if ((rc = number(v, 5, 65535, &n, why, whylen)) != 0) return rc;
    br->keepalive = (uint16_t)n;
    return 0;
  }
  if (!strcmp(k, "restart_timeout")) { /* "CONSTANT" or "BASE CAP" */
    long lo, hi;
    char a[16] = "", bb[16] = "", extra[2] = "";
    int nf = sscanf(v, "%15s %15s %1s", a, bb, extra);
    if (nf < 1 || extra[0] || number(a, 1, 86400, &lo, why, whylen) ||
        (nf == 2 && number(bb, 1, 86400, &hi, why, whylen)))
      return want(why, whylen, "want SECONDS or BASE CAP");
    br->restart_min_s = (uint32_t)lo;
    br->restart_max_s = (uint32_t)(nf == 2 ? hi : lo);
    return 0;
  }
  if (!strcmp(k, "start_type"))
    return strcmp(v, "automatic") ? want(why, whylen, "tern bridges start automatically") : 0;
  if ((rc = boolean(v, &b, why, whylen)) != 0) return rc;
  if (!strcmp(k, "round_robin")) br->round_robin = b;
  else if (!strcmp(k, "bridge_insecure")) br->insecure = b;
  else if (!strcmp(k, "cleansession")) br->cleansession = b;
  else if (!strcmp(k, "notifications")) br->no_notifications = !b;
  else if (!strcmp(k, "try_private")) br->no_try_private = !b;
  else if (!strcmp(k, "bridge_outgoing_retain")) br->no_outgoing_retain = !b;
  return 0;
}

static int on_setting(void *arg, const char *k, const char *v, int line, char *why, size_t whylen) {
  (void)line;
  struct tern_broker_conf *c = arg;
  long n;
  int rc, b;
  if (!strcmp(k, "listener")) {
    char port[16] = "", addr[256] = "", extra[2] = "";
    if (sscanf(v, "%15s %255s %1s", port, addr, extra) < 1 || extra[0] ||
        number(port, 0, 65535, &n, why, whylen))
      return want(why, whylen, "want PORT [ADDRESS] (tern has no unix sockets)");
    if (c->nl == TERN_BROKER_MAX_LISTENERS)
      return want(why, whylen, "too many listeners (tern: at most 8, the default one included)");
    c->cur = c->nl++;
    snprintf(c->l[c->cur].port, sizeof(c->l[c->cur].port), "%ld", n);
    c->l[c->cur].used = 1;
    if (addr[0]) return path(c, addr, &c->l[c->cur].bind, why, whylen);
    return 0;
  }
  if (!strcmp(k, "port")) { /* the default listener's */
    if ((rc = number(v, 0, 65535, &n, why, whylen)) != 0) return rc;
    snprintf(c->l[0].port, sizeof(c->l[0].port), "%ld", n);
    c->l[0].used = 1;
    return 0;
  }
  if ((rc = bridge_key(c, k, v, why, whylen)) <= 0) return rc;
  if ((rc = listener_key(c, k, v, why, whylen)) <= 0) return rc;
  if ((rc = auth_key(c, k, v, why, whylen)) <= 0) return rc;
  if ((rc = log_key(c, k, v, why, whylen)) <= 0) return rc;
  if (!strcmp(k, "per_listener_settings")) {
    if ((rc = boolean(v, &b, why, whylen)) != 0) return rc;
    if (c->nl > 1 || c->auth_seen)
      return want(why, whylen, "must come before any listener and security setting");
    c->opts.per_listener_settings = b;
  } else if (!strcmp(k, "persistence")) {
    return boolean(v, &c->persistence, why, whylen);
  } else if (!strcmp(k, "persistence_location") || !strcmp(k, "persist")) {
    if (!strcmp(k, "persist")) c->persistence = 1; /* tern's own key: a directory means on */
    return path(c, v, &c->location, why, whylen);
  } else if (!strcmp(k, "persistence_file")) {
    if (strchr(v, '/'))
      return want(why, whylen, "a file name (the directory is persistence_location)");
    return path(c, v, &c->opts.persist_file, why, whylen);
  } else if (!strcmp(k, "autosave_interval") || !strcmp(k, "autosave_on_changes")) {
    /* accepted: tern appends every change to its log as it happens (and
     * with fsync true syncs before acknowledging), so there is nothing to
     * save periodically */
    c->app.autosave_given = 1;
    if (!strcmp(k, "autosave_interval")) return number(v, 0, 86400 * 365, &n, why, whylen);
    return boolean(v, &b, why, whylen);
  } else if (!strcmp(k, "fsync")) { /* tern's: sync before acknowledging */
    return boolean(v, &c->opts.fsync, why, whylen);
  } else if (!strcmp(k, "max_queued_messages") || !strcmp(k, "max-queued")) {
    /* 0 is Mosquitto's "no limit" */
    if ((rc = number(v, 0, 100000000, &n, why, whylen)) != 0) return rc;
    c->opts.max_queued = n ? (size_t)n : (size_t)100000000;
  } else if (!strcmp(k, "max_inflight_messages")) {
    if ((rc = number(v, 0, 65535, &n, why, whylen)) != 0) return rc;
    c->opts.max_inflight = n ? (size_t)n : 65535; /* 0: no limit (the packet id space) */
  } else if (!strcmp(k, "message_size_limit")) {
    if ((rc = number(v, 0, 268435455, &n, why, whylen)) != 0) return rc;
    c->opts.max_payload = (size_t)n;
  } else if (!strcmp(k, "max_packet_size")) {
    if ((rc = number(v, 20, 268435460, &n, why, whylen)) != 0) return rc;
    c->opts.max_packet = (size_t)n;
  } else if (!strcmp(k, "max_keepalive")) {
    if ((rc = number(v, 10, 65535, &n, why, whylen)) != 0) return rc;
    c->opts.max_keepalive = (uint16_t)n;
  } else if (!strcmp(k, "slow_subscriber_timeout") || !strcmp(k, "slow-subscriber-timeout")) {
    if ((rc = number(v, 1, 86400, &n, why, whylen)) != 0) return rc;
    c->opts.slow_subscriber_s = (uint32_t)n;
  } else if (!strcmp(k, "sys_interval")) {
    if ((rc = number(v, 0, 86400, &n, why, whylen)) != 0) return rc;
    if (n == 0) return want(why, whylen, "tern always publishes $SYS (at least 1 s)");
    c->opts.sys_interval_s = (uint32_t)n;
  } else if (!strcmp(k, "pid_file")) {
    return path(c, v, &c->app.pid_file, why, whylen);
  } else if (!strcmp(k, "user")) {
    return path(c, v, &c->app.user, why, whylen);
  } else if (!strcmp(k, "include_dir")) {
    if (c->depth > 0) return want(why, whylen, "include_dir only in the main file (as Mosquitto)");
    c->depth++;
    rc = include_dir(c, v, why, whylen);
    c->depth--;
    return rc;
  } else if (!strcmp(k, "tls_port")) {
    return want(why, whylen, "use 'listener PORT' with certfile and keyfile");
  } else if (is_unsupported(k)) {
    return want(why, whylen, "a Mosquitto setting tern does not support");
  } else {
    return want(why, whylen, "unknown key");
  }
  return 0;
}

static int load_file(struct tern_broker_conf *c, const char *file, char *err, size_t errlen) {
  return tern_conf_load(NULL, file, on_setting, c, err, errlen);
}

struct tern_broker_conf *tern_broker_conf_new(void) {
  struct tern_broker_conf *c = tern_alloc(&tern_default_allocator, sizeof(*c));
  if (!c) return NULL;
  c->nl = 1; /* slot 0: the default listener */
  c->app.log_level = -1;
  return c;
}

void tern_broker_conf_free(struct tern_broker_conf *c) { tern_free(&tern_default_allocator, c); }

int tern_broker_conf_parse(struct tern_broker_conf *c, char *text, const char *name, char *err,
                           size_t errlen) {
  int rc = tern_conf_parse(text, name, on_setting, c, err, errlen);
  return rc ? rc : check_complete(c, name, err, errlen);
}

/* What a whole file must have, once read: every bridge an address and a topic. */
static int check_complete(struct tern_broker_conf *c, const char *name, char *err, size_t errlen) {
  for (int i = 0; i < c->nbridges; i++) {
    const struct tern_broker_bridge *br = &c->opts.bridges[i];
    if (!br->address || !br->topics[0].pattern) {
      snprintf(err, errlen, "%s: connection %s: %s", name, br->name,
               !br->address ? "no address line" : "no topic line (it would forward nothing)");
      return TERN_EINVAL;
    }
  }
  return 0;
}

int tern_broker_conf_load(struct tern_broker_conf *c, const char *file, char *err, size_t errlen) {
  int rc = load_file(c, file, err, errlen);
  return rc ? rc : check_complete(c, file, err, errlen);
}

const struct tern_broker_conf_app *tern_broker_conf_app(const struct tern_broker_conf *c) {
  return &c->app;
}

int tern_broker_conf_listeners(const struct tern_broker_conf *c) {
  int n = 0;
  for (int i = 0; i < c->nl; i++) n += c->l[i].used;
  return n;
}

struct tern_broker_opts *tern_broker_conf_opts(struct tern_broker_conf *c) {
  struct tern_broker_opts *o = &c->opts;
  int n = 0, any = tern_broker_conf_listeners(c);
  /* local-only mode: no listener in the file */
  if (!any) {
    c->l[0].used = 1;
    c->l[0].bind = "127.0.0.1";
    if (!c->anon_set[0]) o->auth.allow_anonymous = 1;
  }
  for (int i = 0; i < c->nl; i++) {
    if (!c->l[i].used) continue;
    struct lconf *l = &c->l[i];
    const char *host = l->bind ? l->bind : l->domain == 6 ? "::" : "0.0.0.0";
    snprintf(c->urls[n], sizeof(c->urls[n]), strchr(host, ':') ? "tcp://[%s]:%s" : "tcp://%s:%s",
             host, l->port[0] ? l->port : "1883");
    struct tern_broker_listener lst = o->listeners[i];
    lst.url = c->urls[n];
    o->listeners[n++] = lst;
  }
  for (int i = n; i < TERN_BROKER_MAX_LISTENERS; i++)
    memset(&o->listeners[i], 0, sizeof(o->listeners[i]));
  if (c->persistence) o->persist_dir = c->location ? c->location : ".";
  return o;
}
