/* The device runtime (device.h): services on one loop, wired together by
 * the bus (network up, time synced), never by calling each other. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/console.h"
#include "tern/device.h"
#include "tern/error.h"
#include "tern/file.h"
#include "tern/fmt.h"
#include "tern/http.h"
#include "tern/log.h"
#include "tern/mdns.h"
#include "tern/mqtt.h"
#include "tern/sntp.h"
#include "tern/tls.h"
#include "tern/wlan.h"

#define MAX_FILE_VALUES 100000 /* a sensor file larger than this is refused */

struct tern_device {
  struct tern_device_opts c;
  struct tern_loop *loop;
  struct tern_tz tz;
  struct tern_wlan *wlan;
  struct tern_mdns *mdns;
  struct tern_sntp *sntp;
  struct tern_shell *shell;
  struct tern_console *console;
  struct tern_http_server *http;
  struct tern_mqtt *mqtt;
  struct tern_tls_opts tls;
  struct tern_timer tick, ntp_watch, clock_wait;
  char *broker_key;  /* read from broker-key-file, wiped at stop */
  int waiting_clock; /* MQTT over TLS waits for the first SNTP sync */
  char ip[48], topic_data[128], topic_plot[128], topic_led[128], topic_led_state[128],
      topic_status[128];
  char will[256];
  int led, sample, plot_sent, synced_reported, ntp_failed_reported, mqtt_up;
  double *file_values;
  int nfile_values;
};

/* ---- options ---- */

const char *const tern_device_keys[] = {"name",
                                        "iface",
                                        "ssid",
                                        "password-file",
                                        "connect-timeout",
                                        "tz",
                                        "bind",
                                        "ntp",
                                        "console-port",
                                        "console-user",
                                        "console-password-file",
                                        "console-password-hash",
                                        "http-port",
                                        "broker",
                                        "cafile",
                                        "broker-user",
                                        "broker-key-file",
                                        "session",
                                        "qos",
                                        "keepalive",
                                        "sensor",
                                        "samples",
                                        "period-ms",
                                        "led",
                                        "once",
                                        NULL};

const char *const tern_device_file_keys[] = {"cafile", "broker-key-file", "console-password-file",
                                             "password-file", NULL};

void tern_device_opts_init(struct tern_device_opts *o) {
  memset(o, 0, sizeof(*o));
  strcpy(o->name, "tern");
  strcpy(o->tz, "UTC0");
  strcpy(o->bind, "127.0.0.1");
  strcpy(o->console_user, "admin");
  strcpy(o->broker, "mqtt://127.0.0.1:1883");
  strcpy(o->sensor, "sine");
  o->connect_timeout_s = 10;
  o->console_port = 2323;
  o->http_port = 8080;
  o->qos = 1;
  o->keepalive_s = 60;
  o->samples = 100;
  o->period_ms = 100;
}

static int set_str(char *field, size_t size, const char *v, char *why, size_t whylen) {
  if (strlen(v) >= size) {
    snprintf(why, whylen, "longer than %lu characters", (unsigned long)(size - 1));
    return TERN_EINVAL;
  }
  strcpy(field, v);
  return 0;
}

static int set_int(int *field, const char *v, int lo, int hi, char *why, size_t whylen) {
  char *end;
  long n = strtol(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) {
    snprintf(why, whylen, "want a whole number from %d to %d", lo, hi);
    return TERN_EINVAL;
  }
  *field = (int)n;
  return 0;
}

static int set_bool(int *field, const char *v, const char *yes, const char *no, char *why,
                    size_t whylen) {
  if (!*v || !strcmp(v, yes) || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") ||
      !strcmp(v, "ON"))
    *field = 1;
  else if (!strcmp(v, no) || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") ||
           !strcmp(v, "OFF"))
    *field = 0;
  else {
    snprintf(why, whylen, "want %s or %s", yes, no);
    return TERN_EINVAL;
  }
  return 0;
}

int tern_device_opts_set(struct tern_device_opts *o, const char *key, const char *v, char *why,
                         size_t whylen) {
  char k[32];
  if (strlen(key) >= sizeof(k)) return TERN_ENOTFOUND;
  for (size_t i = 0; (k[i] = key[i] == '_' ? '-' : key[i]); i++) {
  } /* console_port = console-port */
#define STR(f) set_str(o->f, sizeof(o->f), v, why, whylen)
  if (!strcmp(k, "name")) return STR(name);
  if (!strcmp(k, "iface")) return STR(iface);
  if (!strcmp(k, "ssid")) return STR(ssid);
  if (!strcmp(k, "password-file")) return STR(password_file);
  if (!strcmp(k, "connect-timeout")) return set_int(&o->connect_timeout_s, v, 1, 3600, why, whylen);
  if (!strcmp(k, "tz")) return STR(tz);
  if (!strcmp(k, "bind")) return STR(bind);
  if (!strcmp(k, "ntp")) {
    if (o->nntp == TERN_DEVICE_MAX_NTP) {
      snprintf(why, whylen, "at most %d servers", TERN_DEVICE_MAX_NTP);
      return TERN_ELIMIT;
    }
    int rc = set_str(o->ntp[o->nntp], sizeof(o->ntp[0]), v, why, whylen);
    if (!rc) o->nntp++;
    return rc;
  }
  if (!strcmp(k, "console-port")) return set_int(&o->console_port, v, 0, 65535, why, whylen);
  if (!strcmp(k, "console-user")) return STR(console_user);
  if (!strcmp(k, "console-password-file")) return STR(console_password_file);
  if (!strcmp(k, "console-password-hash")) {
    if (strncmp(v, "$7$", 3) && strncmp(v, "$6$", 3)) {
      snprintf(why, whylen, "want the hash part of a tern passwd line ($7$...)");
      return TERN_EINVAL;
    }
    return STR(console_password_hash);
  }
  if (!strcmp(k, "http-port")) return set_int(&o->http_port, v, 0, 65535, why, whylen);
  if (!strcmp(k, "broker")) return STR(broker);
  if (!strcmp(k, "cafile")) return STR(cafile);
  if (!strcmp(k, "broker-user")) return STR(broker_user);
  if (!strcmp(k, "broker-key-file")) return STR(broker_key_file);
  if (!strcmp(k, "session")) return STR(session);
  if (!strcmp(k, "qos")) return set_int(&o->qos, v, 0, 2, why, whylen);
  if (!strcmp(k, "keepalive")) return set_int(&o->keepalive_s, v, 5, 65535, why, whylen);
  if (!strcmp(k, "sensor")) return STR(sensor);
  if (!strcmp(k, "samples")) return set_int(&o->samples, v, 0, 100000000, why, whylen);
  if (!strcmp(k, "period-ms")) return set_int(&o->period_ms, v, 1, 86400000, why, whylen);
  if (!strcmp(k, "led")) return set_bool(&o->led, v, "on", "off", why, whylen);
  if (!strcmp(k, "once")) return set_bool(&o->once, v, "true", "false", why, whylen);
#undef STR
  snprintf(why, whylen, "unknown key");
  return TERN_ENOTFOUND;
}

int tern_device_opts_print(const struct tern_device_opts *c, char *out, size_t outlen) {
  size_t n = 0;
#define PUT(...)                                                                                   \
  n += (size_t)snprintf(out + (n < outlen ? n : outlen), n < outlen ? outlen - n : 0, __VA_ARGS__)
  PUT("name = %s\niface = %s\nssid = %s\npassword-file = %s\nconnect-timeout = %d\ntz = %s\nbind = "
      "%s\n",
      c->name, c->iface, c->ssid, c->password_file, c->connect_timeout_s, c->tz, c->bind);
  for (int i = 0; i < c->nntp; i++) PUT("ntp = %s\n", c->ntp[i]);
  PUT("console-port = %d\nconsole-user = %s\nconsole-password-file = %s\n", c->console_port,
      c->console_user, c->console_password_file);
  if (c->console_password_hash[0]) PUT("console-password-hash = %s\n", c->console_password_hash);
  if (c->broker_user[0]) PUT("broker-user = %s\n", c->broker_user);
  if (c->broker_key_file[0]) PUT("broker-key-file = %s\n", c->broker_key_file);
  PUT("http-port = %d\nbroker = %s\n"
      "cafile = %s\nsession = %s\nqos = %d\nkeepalive = %d\nsensor = %s\nsamples = %d\nperiod-ms = "
      "%d\nled = "
      "%s\nonce = %s\n",
      c->http_port, c->broker, c->cafile, c->session[0] ? c->session : c->name, c->qos,
      c->keepalive_s, c->sensor, c->samples, c->period_ms, c->led ? "on" : "off",
      c->once ? "true" : "false");
#undef PUT
  return n < outlen ? 0 : TERN_EFULL;
}

/* ---- what the device shows ---- */

static void say(struct tern_device *d, int problem, const char *fmt, va_list ap) {
  void (*fn)(void *, const char *) = problem && d->c.on_problem ? d->c.on_problem : d->c.on_status;
  if (!fn) return;
  char line[300];
  vsnprintf(line, sizeof(line), fmt, ap);
  fn(d->c.arg, line);
}
static void problem(struct tern_device *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(struct tern_device *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say(d, 1, fmt, ap);
  va_end(ap);
}
static void status(struct tern_device *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void status(struct tern_device *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say(d, 0, fmt, ap);
  va_end(ap);
}

static void now_text(struct tern_device *d, char *out, size_t n) {
  struct tern_localtime lt;
  tern_localtime(&d->tz, tern_rtc_seconds(d->loop), &lt);
  tern_strftime(out, n, "%c", &lt);
}

static void publish_led(struct tern_device *d) {
  if (d->mqtt)
    tern_mqtt_publish(d->mqtt, d->topic_led_state, d->led ? "ON" : "OFF", d->led ? 2 : 3, 1, 1);
}

static void set_led(struct tern_device *d, int on) {
  if (d->led == on) return;
  d->led = on;
  if (d->c.on_led) d->c.on_led(d->c.arg, on);
  publish_led(d);
}

int tern_device_led(const struct tern_device *d) { return d->led; }

static void publish_status(struct tern_device *d) {
  char payload[256];
  int n = snprintf(payload, sizeof(payload), "{\"name\":\"%s\",\"ip\":\"%s\",\"online\":true}",
                   d->c.name, d->ip);
  tern_mqtt_publish(d->mqtt, d->topic_status, payload, (size_t)n, 1, 1);
}

/* sin(x) within 2e-11 of libm's for the sensor's t/10 (t below 10^6): reduced to [-pi/2, pi/2] and
 * a Taylor series to x^17. The sensor's one use of sin should not pull 4.5 KB of libm's general
 * range reduction into a firmware image. */
static double sine(double x) {
  const double pi = 3.14159265358979323846, two_pi = 6.28318530717958647692;
  x -= two_pi * (double)(long long)(x / two_pi + (x >= 0 ? 0.5 : -0.5)); /* [-pi, pi] */
  if (x > pi / 2) x = pi - x;
  else if (x < -pi / 2) x = -pi - x;
  double x2 = x * x, term = x, sum = x;
  for (int k = 1; k <= 8; k++) {
    term *= -x2 / ((2 * k) * (2 * k + 1));
    sum += term;
  }
  return sum;
}

static double reading(struct tern_device *d, int t) {
  if (!strcmp(d->c.sensor, "random")) {
    uint32_t r = 0;
    tern_random(d->loop, &r, sizeof(r));
    return r / 4294967295.0;
  }
  if (d->nfile_values) return d->file_values[t % d->nfile_values];
  return sine(t / 10.0);
}

/* ---- MQTT ---- */

static void on_led_msg(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct tern_device *d = arg;
  if (msg->len == 2 && !memcmp(msg->payload, "ON", 2)) set_led(d, 1);
  else if (msg->len == 3 && !memcmp(msg->payload, "OFF", 3)) set_led(d, 0);
}

static void on_mqtt_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  struct tern_device *d = arg;
  if (ev == TERN_MQTT_EV_CONNECTED) {
    char server[300]; /* the node of the list it reached, without credentials */
    status(d, "MQTT: %s to %s as %s", d->mqtt_up ? "reconnected" : "connected",
           tern_mqtt_server(m, server, sizeof(server)), tern_mqtt_client_id(m));
    d->mqtt_up = 1;
    publish_status(d);
    publish_led(d);
  } else if (ev == TERN_MQTT_EV_DISCONNECTED && d->mqtt_up) {
    problem(d, "MQTT: %s (reconnecting)", (const char *)data);
  } else if (ev == TERN_MQTT_EV_ERROR && !d->mqtt_up) {
    problem(d, "MQTT: %s (retrying)", (const char *)data);
  }
}

static void tick(struct tern_timer *t, void *arg) {
  struct tern_device *d = arg;
  if (d->sample < d->c.samples) {
    char payload[64], v[TERN_FMT_DOUBLE_LEN];
    int n = snprintf(payload, sizeof(payload), "%d,%s", d->sample,
                     tern_fmt_double(v, reading(d, d->sample), 7, 0, 0)); /* 7 digits */
    if (tern_mqtt_publish(d->mqtt, d->topic_data, payload, (size_t)n, d->c.qos, 0) > 0) d->sample++;
    return;
  }
  /* every data message acknowledged (QoS 0: written) before the plot request */
  if (!d->plot_sent && tern_mqtt_pending(d->mqtt) == 0) {
    tern_mqtt_publish(d->mqtt, d->topic_plot, "create the plot", 15, d->c.qos, 0);
    d->plot_sent = 1;
    status(d, "MQTT: published %d samples on %s, then the plot request", d->c.samples,
           d->topic_data);
    tern_timer_stop(d->loop, t);
    if (d->c.once && d->c.on_done)
      d->c.on_done(d->c.arg); /* the battery pattern: report, then sleep */
  }
}

/* ---- web page ---- */

static void page(struct tern_http_request *req, void *arg) {
  struct tern_device *d = arg;
  char v[8];
  if (tern_form_get(req->query, "LED", v, sizeof(v)) == 0) set_led(d, !strcmp(v, "ON"));
  char when[64], html[2560];
  now_text(d, when, sizeof(when));
  /* online: its link to the broker, as the host's dashboard shows it */
  int up = d->mqtt && tern_mqtt_is_connected(d->mqtt);
  const char *net = !d->c.broker[0] ? "no broker set" : up ? "online" : "offline";
  /* the dashboard's look (app/dashboard.html), small enough for a board */
  snprintf(html, sizeof(html),
           "<!doctype html><html lang=en><head><meta charset=utf-8>"
           "<meta name=viewport content=\"width=device-width,initial-scale=1\"><title>%s</title>"
           "<style>body{font-family:system-ui,-apple-system,\"DejaVu Sans\",sans-serif;"
           "color:#1b1f24;max-width:32rem;margin:0 auto;padding:1rem}h1{font-size:1.35rem}"
           ".card{background:#f6f8fa;border:1px solid #d0d7de;border-radius:.5rem;"
           "padding:.75rem 1rem;margin:.75rem 0}.label{color:#57606a;font-size:.75rem;"
           "text-transform:uppercase;letter-spacing:.05em}.value{font-size:1.25rem;"
           "font-weight:600}.online{color:#1a7f37}.offline{color:#b42318}button{font:inherit;"
           "padding:.45rem 1.1rem;margin:.3rem .3rem 0 0;border-radius:.4rem;"
           "border:1px solid #d0d7de;background:#fff}</style></head><body><h1>%s</h1>"
           "<div class=card><div class=label>LED</div><div class=value id=led>%s</div>"
           "<form action=/ method=get><button id=on name=LED value=ON>ON</button>"
           "<button id=off name=LED value=OFF>OFF</button></form></div>"
           "<div class=card><div class=label>Status</div>"
           "<div class=\"value %s\" id=online>%s</div><div>Time: <span id=time>%s</span></div>"
           "</div></body></html>\n",
           d->c.name, d->c.name, d->led ? "ON" : "OFF", up ? "online" : "offline", net, when);
  tern_http_reply_text(req, 200, "text/html; charset=utf-8", html);
}

static void api_led(struct tern_http_request *req, void *arg) {
  struct tern_device *d = arg;
  if (tern_str_eq(req->method, "POST")) {
    struct tern_str v;
    if (tern_json_get(req->body.p, req->body.len, "led", &v) != TERN_JSON_STRING ||
        (!tern_str_eq(v, "on") && !tern_str_eq(v, "off"))) {
      tern_http_reply_text(req, 400, "application/json",
                           "{\"error\":\"want {\\\"led\\\":\\\"on\\\"} or off\"}\n");
      return;
    }
    set_led(d, tern_str_eq(v, "on"));
  }
  tern_http_reply_text(req, 200, "application/json",
                       d->led ? "{\"led\":\"on\"}\n" : "{\"led\":\"off\"}\n");
}

/* ---- console commands ---- */

static int sh_led(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  struct tern_device *d = arg;
  if (argc == 2 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off")))
    set_led(d, !strcmp(argv[1], "on"));
  else if (argc != 1) {
    tern_shell_printf(s, "usage: led [on|off]\r\n");
    return 0;
  }
  tern_shell_printf(s, "LED %s\r\n", d->led ? "on" : "off");
  return 0;
}

static int sh_time(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc, (void)argv;
  struct tern_device *d = arg;
  char when[64];
  now_text(d, when, sizeof(when));
  tern_shell_printf(s, "%s%s\r\n", when, tern_rtc_synced(d->loop) ? "" : " (not synced)");
  return 0;
}

static int sh_ifconfig(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc, (void)argv;
  struct tern_device *d = arg;
  struct tern_wlan_ifconfig ic;
  if (!d->wlan || tern_wlan_ifconfig(d->wlan, &ic) != 0) {
    tern_shell_printf(s, "no address\r\n");
    return 0;
  }
  tern_shell_printf(s, "%s: address %s netmask %s gateway %s dns %s\r\n", d->c.iface, ic.address,
                    ic.netmask, ic.gateway[0] ? ic.gateway : "-", ic.dns[0] ? ic.dns : "-");
  return 0;
}

static int sh_sensor(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc, (void)argv;
  struct tern_device *d = arg;
  char v[TERN_FMT_DOUBLE_LEN];
  tern_shell_printf(s, "%s: sample %d = %s\r\n", d->c.sensor, d->sample,
                    tern_fmt_double(v, reading(d, d->sample), 7, 0, 0));
  return 0;
}

static int sh_mqtt(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  struct tern_device *d = arg;
  if (!d->mqtt) {
    tern_shell_printf(s, "MQTT is off\r\n");
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "status")) {
    tern_shell_printf(s, "%s %s, %lu pending, %d/%d samples sent\r\n", d->c.broker,
                      tern_mqtt_is_connected(d->mqtt) ? "connected" : "disconnected",
                      (unsigned long)tern_mqtt_pending(d->mqtt), d->sample, d->c.samples);
  } else if (argc == 4 && !strcmp(argv[1], "pub")) {
    int64_t id = tern_mqtt_publish(d->mqtt, argv[2], argv[3], strlen(argv[3]), d->c.qos, 0);
    tern_shell_printf(s, id > 0 ? "queued\r\n" : "refused: %s\r\n", tern_strerror((int)id));
  } else {
    tern_shell_printf(s, "usage: mqtt status | mqtt pub TOPIC MESSAGE\r\n");
  }
  return 0;
}

static int sh_ntp(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc, (void)argv;
  struct tern_device *d = arg;
  const struct tern_sntp_result *r = d->sntp ? tern_sntp_result(d->sntp) : NULL;
  if (!r) tern_shell_printf(s, "NTP is off\r\n");
  else if (r->synced) {
    char off[TERN_FMT_US_LEN], delay[TERN_FMT_US_LEN];
    tern_shell_printf(s, "synced with %s: offset %s s, delay %s s, stratum %d\r\n", r->server,
                      tern_fmt_us(off, r->offset_us, 1), tern_fmt_us(delay, r->delay_us, 0),
                      r->stratum);
  } else
    tern_shell_printf(s, "not synced: %s\r\n", r->error[0] ? r->error : "waiting for an answer");
  return 0;
}

/* ---- bus: what the services tell each other ---- */

static void connect_mqtt(struct tern_device *d);

static void on_bus(struct tern_loop *loop, int ev, const void *data, void *arg) {
  (void)loop;
  struct tern_device *d = arg;
  if (ev == TERN_BUS_TIME_SYNCED && !d->synced_reported) {
    char when[64];
    now_text(d, when, sizeof(when));
    status(d, "Time: %s", when);
    d->synced_reported = 1;
    if (d->waiting_clock) connect_mqtt(d);
  } else if (ev == TERN_BUS_NET_UP || ev == TERN_BUS_ADDR_CHANGED) {
    snprintf(d->ip, sizeof(d->ip), "%s", (const char *)data);
    status(d, "Connected, IP %s", d->ip);
    if (d->mqtt && tern_mqtt_is_connected(d->mqtt)) publish_status(d);
  } else if (ev == TERN_BUS_NET_DOWN) {
    problem(d, "Network down");
  }
}

static void on_mdns(int ev, const char *name, void *arg) {
  struct tern_device *d = arg;
  if (ev == TERN_MDNS_EV_NAME) status(d, "mDNS: %s.local", name);
  else problem(d, "mDNS: %s.local is taken; renaming", name);
}

static void ntp_watch(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_device *d = arg;
  const struct tern_sntp_result *r = tern_sntp_result(d->sntp);
  if (!r->synced && r->error[0] && !d->ntp_failed_reported) {
    problem(d, "Unable to get NTP time (%s); retrying in the background", r->error);
    d->ntp_failed_reported = 1;
  }
}

/* "sine", "random", or a file of numbers (white space between them). */
static int load_sensor_file(struct tern_device *d, char *why, size_t whylen) {
  if (!strcmp(d->c.sensor, "sine") || !strcmp(d->c.sensor, "random")) return 0;
  const struct tern_allocator *a = tern_loop_alloc(d->loop);
  char *text;
  int rc = tern_file_load(a, d->c.sensor, 16 * 1024 * 1024, &text, NULL);
  if (rc) {
    snprintf(why, whylen, "cannot read sensor file %s: %s", d->c.sensor, tern_strerror(rc));
    return rc;
  }
  int cap = 0;
  for (char *p = text, *end;; p = end) {
    double v = tern_parse_double(p, &end);
    if (end == p || d->nfile_values == MAX_FILE_VALUES) break;
    if (d->nfile_values == cap) {
      double *bigger = tern_alloc(a, (size_t)(cap = cap ? cap * 2 : 64) * sizeof(double));
      if (!bigger) break;
      if (d->nfile_values) memcpy(bigger, d->file_values, (size_t)d->nfile_values * sizeof(double));
      tern_free(a, d->file_values);
      d->file_values = bigger;
    }
    d->file_values[d->nfile_values++] = v;
  }
  tern_free(a, text);
  if (!d->nfile_values) snprintf(why, whylen, "no numbers in sensor file %s", d->c.sensor);
  return d->nfile_values ? 0 : TERN_EPARSE;
}

/* ---- the services, in order ---- */

static void start_network(struct tern_device *d) {
  if (!d->c.iface[0]) return;
  status(d, "Connecting to network ...");
  struct tern_wlan_opts wo = {.ifname = d->c.iface};
  int err;
  d->wlan = tern_wlan_new(d->loop, &wo, &err);
  if (!d->wlan) {
    problem(d, "Unable to connect: %s", tern_strerror(err));
  } else if (tern_wlan_isconnected(d->wlan)) {
    struct tern_wlan_ifconfig ic;
    tern_wlan_ifconfig(d->wlan, &ic);
    snprintf(d->ip, sizeof(d->ip), "%s", ic.address);
    status(d, "Connected, IP %s", d->ip);
  } else {
    char *pw = NULL;
    if (d->c.password_file[0] &&
        tern_file_load(tern_loop_alloc(d->loop), d->c.password_file, 1024, &pw, NULL) == 0)
      pw[strcspn(pw, "\r\n")] = '\0';
    if (tern_wlan_connect(d->wlan, d->c.ssid, pw ? pw : "",
                          (uint32_t)d->c.connect_timeout_s * 1000u) != 0)
      problem(d, "Unable to connect: %s", tern_wlan_reason(d->wlan));
    if (pw) {
      memset(pw, 0, strlen(pw)); /* the Wi-Fi password stays in memory no longer than needed */
      tern_free(tern_loop_alloc(d->loop), pw);
    }
  }
}

static void start_mdns(struct tern_device *d) {
  if (!d->c.iface[0]) return;
  struct tern_mdns_opts mo = {.name = d->c.name, .ifaces = {d->c.iface}, .fn = on_mdns, .arg = d};
  int err;
  d->mdns = tern_mdns_start(d->loop, &mo, &err);
  if (!d->mdns) {
    problem(d, "mDNS: unavailable: %s", tern_strerror(err));
    return;
  }
  if (d->c.console_port) {
    struct tern_mdns_service s1 = {.type = "_telnet._tcp", .port = (uint16_t)d->c.console_port};
    struct tern_mdns_service s2 = {.type = "_repl._tcp", .port = (uint16_t)d->c.console_port};
    tern_mdns_add_service(d->mdns, &s1);
    tern_mdns_add_service(d->mdns, &s2);
  }
  if (d->c.http_port) {
    struct tern_mdns_service s3 = {
        .type = "_http._tcp", .port = (uint16_t)d->c.http_port, .txt = {"path=/"}};
    tern_mdns_add_service(d->mdns, &s3);
  }
}

static void start_clock(struct tern_device *d) {
  if (!d->c.nntp) return;
  struct tern_sntp_opts so = {.timeout_ms = 2000, .poll_s = 1024};
  for (int i = 0; i < d->c.nntp; i++) so.servers[i] = d->c.ntp[i];
  d->sntp = tern_sntp_start(d->loop, &so);
  if (d->sntp) tern_timer_start(d->loop, &d->ntp_watch, 500, 500, ntp_watch, d);
}

/* Where a person reaches a service: the bound address, or the device's own
 * when it listens on every address (as firmware does). */
static const char *shown_addr(const struct tern_device *d) {
  return strcmp(d->c.bind, "0.0.0.0") || !d->ip[0] ? d->c.bind : d->ip;
}

static void start_console(struct tern_device *d) {
  d->shell = tern_shell_new(d->loop, d->c.name);
  tern_shell_register(d->shell, "led", "led [on|off]", sh_led, d);
  tern_shell_register(d->shell, "time", "the local time", sh_time, d);
  tern_shell_register(d->shell, "ifconfig", "address, netmask, gateway, DNS", sh_ifconfig, d);
  tern_shell_register(d->shell, "sensor", "the current reading", sh_sensor, d);
  tern_shell_register(d->shell, "mqtt", "mqtt status | mqtt pub TOPIC MESSAGE", sh_mqtt, d);
  tern_shell_register(d->shell, "ntp", "clock sync state", sh_ntp, d);
  tern_device_shell_common_tls(d->shell, 0, &d->tls); /* get URL, post URL FORM */
  if (!d->c.console_port) return;
  if (!d->c.console_password_file[0] && !d->c.console_password_hash[0]) {
    status(d, "Console: off (no console-password-file; make one with tern passwd)");
    return;
  }
  char url[128];
  snprintf(url, sizeof(url), "tcp://%s:%d", d->c.bind, d->c.console_port);
  struct tern_console_opts co = {
      .listen = url,
      .passwd_file = d->c.console_password_hash[0] ? NULL : d->c.console_password_file,
      .passwd_hash = d->c.console_password_hash[0] ? d->c.console_password_hash : NULL,
      .user = d->c.console_user,
      .shell = d->shell};
  int err;
  d->console = tern_console_start(d->loop, &co, &err);
  if (d->console)
    status(d, "Console: telnet %s %u (login %s)", shown_addr(d), tern_console_port(d->console, 0),
           d->c.console_user);
  else problem(d, "Console: unavailable: %s", tern_strerror(err));
}

static void start_page(struct tern_device *d) {
  if (!d->c.http_port) return;
  char url[128];
  snprintf(url, sizeof(url), "tcp://%s:%d", d->c.bind, d->c.http_port);
  struct tern_http_server_opts ho = {.listen = url};
  int err;
  d->http = tern_http_server_start(d->loop, &ho, &err);
  if (!d->http) {
    problem(d, "Web page: unavailable: %s", tern_strerror(err));
    return;
  }
  tern_http_route(d->http, "GET", "/", 0, page, d);
  tern_http_route(d->http, NULL, "/api/led", 0, api_led, d);
  status(d, "Web page: http://%s:%u/", shown_addr(d), tern_http_server_port(d->http));
}

/* The client exists from start_mqtt on (samples and commands queue in it);
 * this connects it and starts the samples. */
static void connect_mqtt(struct tern_device *d) {
  d->waiting_clock = 0;
  tern_timer_stop(d->loop, &d->clock_wait);
  tern_mqtt_connect(d->mqtt);
  tern_timer_start(d->loop, &d->tick, (uint32_t)d->c.period_ms, (uint32_t)d->c.period_ms, tick, d);
}

static void clock_wait_over(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_device *d = arg;
  problem(d,
          "MQTT: no time from SNTP after %d s: connecting; the broker's certificate dates are "
          "not checked",
          TERN_DEVICE_CLOCK_WAIT_S);
  connect_mqtt(d);
}

/* Over TLS, the broker's certificate dates are judged by the clock: a
 * device that has never synced (a board reads 1970) first waits for SNTP,
 * up to TERN_DEVICE_CLOCK_WAIT_S, then connects with the chain and the
 * name checked but not the dates (tls.h), and says so. */
static void start_mqtt(struct tern_device *d) {
  if (!d->c.broker[0]) return;
  if (d->c.broker_key_file[0]) {
    int rc =
        tern_file_load(tern_loop_alloc(d->loop), d->c.broker_key_file, 1024, &d->broker_key, NULL);
    if (rc) {
      problem(d, "MQTT: cannot read broker-key-file %s: %s", d->c.broker_key_file,
              tern_strerror(rc));
      return;
    }
    d->broker_key[strcspn(d->broker_key, "\r\n")] = '\0'; /* one line, as a key file has */
  }
  const char *s = d->c.session;
  snprintf(d->topic_data, sizeof(d->topic_data), "%.60s/data", s);
  snprintf(d->topic_plot, sizeof(d->topic_plot), "%.60s/plot", s);
  snprintf(d->topic_led, sizeof(d->topic_led), "%.60s/led", s);
  snprintf(d->topic_led_state, sizeof(d->topic_led_state), "%.60s/led/state", s);
  snprintf(d->topic_status, sizeof(d->topic_status), "%.60s/status", s);
  int wl = snprintf(d->will, sizeof(d->will), "{\"name\":\"%s\",\"online\":false}", d->c.name);
  char cid[96];
  snprintf(cid, sizeof(cid), "tern-device-%s", d->c.name);
  struct tern_mqtt_opts mo = {.url = d->c.broker,
                              .client_id = cid,
                              .will_topic = d->topic_status,
                              .will_payload = d->will,
                              .will_len = (size_t)wl,
                              .will_qos = 1,
                              .will_retain = 1,
                              .username = d->c.broker_user[0] ? d->c.broker_user : NULL,
                              .password = d->broker_key,
                              .tls = &d->tls,
                              .on_event = on_mqtt_event,
                              .arg = d,
                              .keepalive = (uint16_t)d->c.keepalive_s,
                              .reconnect_max_ms = 5000};
  int err;
  d->mqtt = tern_mqtt_new(d->loop, &mo, &err);
  if (!d->mqtt) {
    problem(d, "MQTT: bad broker URL %s: %s", d->c.broker, tern_strerror(err));
    return;
  }
  tern_mqtt_subscribe(d->mqtt, d->topic_led, 1, on_led_msg, d);
  if (tern_mqtt_uses_tls(d->mqtt) && d->sntp && tern_rtc_seconds(d->loop) < TERN_TLS_CLOCK_FLOOR) {
    status(d, "MQTT: waiting for the clock (SNTP, up to %d s) to check the broker's certificate",
           TERN_DEVICE_CLOCK_WAIT_S);
    d->waiting_clock = 1;
    tern_timer_start(d->loop, &d->clock_wait, TERN_DEVICE_CLOCK_WAIT_S * 1000u, 0, clock_wait_over,
                     d);
    return;
  }
  connect_mqtt(d);
}

struct tern_device *tern_device_start(struct tern_loop *loop, const struct tern_device_opts *o,
                                      int *err, char *why, size_t whylen) {
  struct tern_device *d = tern_alloc(tern_loop_alloc(loop), sizeof(*d));
  if (!d) {
    *err = TERN_ENOMEM;
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  d->loop = loop;
  d->c = *o;
  d->tls.ca_file = d->c.cafile[0] ? d->c.cafile : NULL; /* MQTT's, and the console's get/post */
  if (!d->c.session[0]) snprintf(d->c.session, sizeof(d->c.session), "%s", d->c.name);
  if (tern_tz_parse(d->c.tz, &d->tz) != 0) {
    snprintf(why, whylen, "bad tz '%s' (a POSIX TZ string)", d->c.tz);
    *err = TERN_EINVAL;
  } else {
    *err = load_sensor_file(d, why, whylen);
  }
  if (*err) {
    tern_free(tern_loop_alloc(loop), d);
    return NULL;
  }
  d->led = d->c.led;
  tern_bus_subscribe(loop, on_bus, d);
  start_network(d);
  start_mdns(d);
  start_clock(d);
  start_console(d);
  start_page(d);
  start_mqtt(d);
  return d;
}

void tern_device_stop(struct tern_device *d) {
  if (!d) return;
  if (d->mqtt && tern_mqtt_is_connected(d->mqtt)) {
    tern_mqtt_publish(d->mqtt, d->topic_status, d->will, strlen(d->will), 1, 1);
    tern_mqtt_drain(d->mqtt, 2000);
    tern_mqtt_disconnect(d->mqtt);
    tern_loop_poll(d->loop, 100);
  }
  tern_bus_unsubscribe(d->loop, on_bus, d);
  tern_mdns_stop(d->mdns);
  tern_timer_stop(d->loop, &d->tick);
  tern_timer_stop(d->loop, &d->ntp_watch);
  tern_timer_stop(d->loop, &d->clock_wait);
  tern_mqtt_free(d->mqtt);
  if (d->broker_key) {
    memset(d->broker_key, 0, strlen(d->broker_key));
    tern_free(tern_loop_alloc(d->loop), d->broker_key);
  }
  tern_sntp_stop(d->sntp);
  tern_console_stop(d->console);
  tern_http_server_stop(d->http);
  tern_shell_free(d->shell);
  tern_wlan_free(d->wlan);
  tern_free(tern_loop_alloc(d->loop), d->file_values);
  tern_free(tern_loop_alloc(d->loop), d);
}
