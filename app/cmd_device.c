/* tern device: the virtual IoT device. Independent services on one loop:
 * network, mDNS, clock, console, web page, MQTT. A slow or failed service
 * never holds up another. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/console.h"
#include "tern/error.h"
#include "tern/http.h"
#include "tern/log.h"
#include "tern/mdns.h"
#include "tern/mqtt.h"
#include "tern/shell.h"
#include "tern/sntp.h"
#include "tern/tls.h"
#include "tern/wlan.h"

static const char usage[] =
    "usage: tern device [-c FILE] [--key value | --key=value ...] [--print-config]\n"
    "The virtual device: network, mDNS, clock, console, LED web page and MQTT.\n"
    "Every key of the config file (INI: key = value) is also a flag:\n"
    "  name (tern)  iface  ssid  password-file  connect-timeout (10)  tz (UTC0)  bind (127.0.0.1)\n"
    "  ntp SERVER[:PORT] (repeatable; pool.ntp.org)  console-port (2323)  console-user (admin)\n"
    "  console-password-file  http-port (8080)  broker (mqtt://127.0.0.1:1883)  cafile  session (NAME)\n"
    "  qos (1)  sensor sine|random|FILE (sine)  samples (100)  period-ms (100)  led on|off (off)  once\n"
    "A port of 0 turns that service off.\n";

#define MAX_NTP 4
struct config {
  char name[40], iface[32], ssid[64], password_file[256], tz[64], bind[64], console_user[64];
  char console_password_file[256], broker[300], cafile[256], session[64], sensor[256];
  char ntp[MAX_NTP][128];
  int nntp, connect_timeout, console_port, http_port, qos, samples, period_ms, led, once;
};

static const char *const keys[] = {"name", "iface", "ssid", "password-file", "connect-timeout", "tz", "bind", "ntp",
                                   "console-port", "console-user", "console-password-file", "http-port", "broker",
                                   "cafile", "session", "qos", "sensor", "samples", "period-ms", "led", "once", NULL};

static int set_key(struct config *c, const char *k, const char *v) {
#define STR(field) snprintf(c->field, sizeof(c->field), "%s", v)
  if (!strcmp(k, "name")) STR(name);
  else if (!strcmp(k, "iface")) STR(iface);
  else if (!strcmp(k, "ssid")) STR(ssid);
  else if (!strcmp(k, "password-file")) STR(password_file);
  else if (!strcmp(k, "connect-timeout")) c->connect_timeout = atoi(v);
  else if (!strcmp(k, "tz")) STR(tz);
  else if (!strcmp(k, "bind")) STR(bind);
  else if (!strcmp(k, "ntp")) { if (c->nntp < MAX_NTP) snprintf(c->ntp[c->nntp++], sizeof(c->ntp[0]), "%s", v); }
  else if (!strcmp(k, "console-port")) c->console_port = atoi(v);
  else if (!strcmp(k, "console-user")) STR(console_user);
  else if (!strcmp(k, "console-password-file")) STR(console_password_file);
  else if (!strcmp(k, "http-port")) c->http_port = atoi(v);
  else if (!strcmp(k, "broker")) STR(broker);
  else if (!strcmp(k, "cafile")) STR(cafile);
  else if (!strcmp(k, "session")) STR(session);
  else if (!strcmp(k, "qos")) c->qos = atoi(v);
  else if (!strcmp(k, "sensor")) STR(sensor);
  else if (!strcmp(k, "samples")) c->samples = atoi(v);
  else if (!strcmp(k, "period-ms")) c->period_ms = atoi(v);
  else if (!strcmp(k, "led")) c->led = !strcmp(v, "on") || !strcmp(v, "ON") || !strcmp(v, "1");
  else if (!strcmp(k, "once")) c->once = !*v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes");
  else return -1;
#undef STR
  return 0;
}

static void defaults(struct config *c) {
  memset(c, 0, sizeof(*c));
  strcpy(c->name, "tern");
  strcpy(c->tz, "UTC0");
  strcpy(c->bind, "127.0.0.1");
  strcpy(c->console_user, "admin");
  strcpy(c->broker, "mqtt://127.0.0.1:1883");
  strcpy(c->sensor, "sine");
  c->connect_timeout = 10;
  c->console_port = 2323;
  c->http_port = 8080;
  c->qos = 1;
  c->samples = 100;
  c->period_ms = 100;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && strchr(" \t\r\n", s[n - 1])) s[--n] = '\0';
  return s;
}

static int read_config(struct config *c, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) { fprintf(stderr, "tern device: cannot open %s\n", path); return -1; }
  char line[512];
  int n = 0, rc = 0;
  while (fgets(line, sizeof(line), f)) {
    n++;
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';' || *s == '[') continue; /* comments and [sections] */
    char *eq = strchr(s, '=');
    char *k = s, *v = (char *)"";
    if (eq) { *eq = '\0'; v = trim(eq + 1); }
    k = trim(k);
    for (char *p = k; *p; p++) if (*p == '_') *p = '-'; /* console_port = console-port */
    if (set_key(c, k, v)) { fprintf(stderr, "tern device: %s:%d: unknown key '%s'\n", path, n, k); rc = -1; }
  }
  fclose(f);
  return rc;
}

static void print_config(const struct config *c) {
  printf("name = %s\niface = %s\nssid = %s\npassword-file = %s\nconnect-timeout = %d\ntz = %s\nbind = %s\n", c->name,
         c->iface, c->ssid, c->password_file, c->connect_timeout, c->tz, c->bind);
  for (int i = 0; i < c->nntp; i++) printf("ntp = %s\n", c->ntp[i]);
  printf("console-port = %d\nconsole-user = %s\nconsole-password-file = %s\nhttp-port = %d\nbroker = %s\ncafile = %s\n"
         "session = %s\nqos = %d\nsensor = %s\nsamples = %d\nperiod-ms = %d\nled = %s\nonce = %s\n",
         c->console_port, c->console_user, c->console_password_file, c->http_port, c->broker, c->cafile,
         c->session[0] ? c->session : c->name, c->qos, c->sensor, c->samples, c->period_ms, c->led ? "on" : "off",
         c->once ? "true" : "false");
}

/* ---- the device ---- */

struct device {
  struct config c;
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
  struct tern_timer tick;
  char ip[48], topic_data[128], topic_plot[128], topic_led[128], topic_led_state[128], topic_status[128];
  char will[256];
  int led, sample, plot_sent, synced_reported, ntp_failed_reported, mqtt_up;
  double *file_values;
  int nfile_values;
};

static void now_text(struct device *d, char *out, size_t n) {
  struct tern_localtime lt;
  tern_localtime(&d->tz, (int64_t)tern_rtc_now(d->loop), &lt);
  tern_strftime(out, n, "%c", &lt);
}

static void publish_led(struct device *d) {
  if (d->mqtt) tern_mqtt_publish(d->mqtt, d->topic_led_state, d->led ? "ON" : "OFF", d->led ? 2 : 3, 1, 1);
}

static void set_led(struct device *d, int on) {
  if (d->led == on) return;
  d->led = on;
  printf("LED %s\n", on ? "on" : "off");
  fflush(stdout);
  publish_led(d);
}

static void publish_status(struct device *d) {
  char payload[256];
  int n = snprintf(payload, sizeof(payload), "{\"name\":\"%s\",\"ip\":\"%s\",\"online\":true}", d->c.name, d->ip);
  tern_mqtt_publish(d->mqtt, d->topic_status, payload, (size_t)n, 1, 1);
}

static double reading(struct device *d, int t) {
  if (!strcmp(d->c.sensor, "random")) return rand() / (double)RAND_MAX;
  if (d->nfile_values) return d->file_values[t % d->nfile_values];
  return sin(t / 10.0);
}

/* ---- MQTT ---- */
static void on_led_msg(struct tern_mqtt *m, const struct tern_mqtt_message *msg, void *arg) {
  (void)m;
  struct device *d = arg;
  if (msg->len == 2 && !memcmp(msg->payload, "ON", 2)) set_led(d, 1);
  else if (msg->len == 3 && !memcmp(msg->payload, "OFF", 3)) set_led(d, 0);
}

static void on_mqtt_event(struct tern_mqtt *m, int ev, const void *data, void *arg) {
  (void)m;
  struct device *d = arg;
  if (ev == TERN_MQTT_EV_CONNECTED) {
    if (!d->mqtt_up) { printf("MQTT: connected to %s as %s\n", d->c.broker, tern_mqtt_client_id(d->mqtt)); fflush(stdout); }
    d->mqtt_up = 1;
    publish_status(d);
    publish_led(d);
  } else if (ev == TERN_MQTT_EV_ERROR && !d->mqtt_up) {
    fprintf(stderr, "MQTT: %s (retrying)\n", (const char *)data);
  }
}

static void tick(struct tern_timer *t, void *arg) {
  struct device *d = arg;
  if (d->sample < d->c.samples) {
    char payload[64];
    int n = snprintf(payload, sizeof(payload), "%d,%.7g", d->sample, reading(d, d->sample));
    if (tern_mqtt_publish(d->mqtt, d->topic_data, payload, (size_t)n, d->c.qos, 0) > 0) d->sample++;
    return;
  }
  /* every data message acknowledged (QoS 0: written) before the plot request */
  if (!d->plot_sent && tern_mqtt_pending(d->mqtt) == 0) {
    tern_mqtt_publish(d->mqtt, d->topic_plot, "create the plot", 15, d->c.qos, 0);
    d->plot_sent = 1;
    printf("MQTT: published %d samples on %s, then the plot request\n", d->c.samples, d->topic_data);
    fflush(stdout);
    if (d->c.once) app_stop = 1; /* the battery pattern: report, then sleep */
    tern_timer_stop(d->loop, t);
  }
}

/* ---- web page ---- */
static void page(struct tern_http_request *req, void *arg) {
  struct device *d = arg;
  char v[8];
  if (tern_form_get(req->query, "LED", v, sizeof(v)) == 0) set_led(d, !strcmp(v, "ON"));
  char when[64], html[2048];
  now_text(d, when, sizeof(when));
  snprintf(html, sizeof(html),
           "<!doctype html><html><head><meta charset=utf-8><title>%s</title></head><body>"
           "<h1>%s</h1><p>LED is <b id=led>%s</b></p><p>Time: <span id=time>%s</span></p>"
           "<form action=/ method=get><button id=on name=LED value=ON>ON</button> "
           "<button id=off name=LED value=OFF>OFF</button></form></body></html>\n",
           d->c.name, d->c.name, d->led ? "ON" : "OFF", when);
  tern_http_reply_text(req, 200, "text/html; charset=utf-8", html);
}

static void api_led(struct tern_http_request *req, void *arg) {
  struct device *d = arg;
  if (tern_str_eq(req->method, "POST")) {
    struct tern_str v;
    if (tern_json_get(req->body.p, req->body.len, "led", &v) != TERN_JSON_STRING ||
        (!tern_str_eq(v, "on") && !tern_str_eq(v, "off"))) {
      tern_http_reply_text(req, 400, "application/json", "{\"error\":\"want {\\\"led\\\":\\\"on\\\"} or off\"}\n");
      return;
    }
    set_led(d, tern_str_eq(v, "on"));
  }
  tern_http_reply_text(req, 200, "application/json", d->led ? "{\"led\":\"on\"}\n" : "{\"led\":\"off\"}\n");
}

/* ---- console commands ---- */
static int sh_led(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  struct device *d = arg;
  if (argc == 2 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) set_led(d, !strcmp(argv[1], "on"));
  else if (argc != 1) { tern_shell_printf(s, "usage: led [on|off]\r\n"); return 0; }
  tern_shell_printf(s, "LED %s\r\n", d->led ? "on" : "off");
  return 0;
}
static int sh_time(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc; (void)argv;
  char when[64];
  now_text(arg, when, sizeof(when));
  tern_shell_printf(s, "%s%s\r\n", when, tern_rtc_synced(((struct device *)arg)->loop) ? "" : " (not synced)");
  return 0;
}
static int sh_ifconfig(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc; (void)argv;
  struct device *d = arg;
  struct tern_wlan_ifconfig ic;
  if (!d->wlan || tern_wlan_ifconfig(d->wlan, &ic) != 0) { tern_shell_printf(s, "no address\r\n"); return 0; }
  tern_shell_printf(s, "%s: address %s netmask %s gateway %s dns %s\r\n", d->c.iface, ic.address, ic.netmask,
                    ic.gateway[0] ? ic.gateway : "-", ic.dns[0] ? ic.dns : "-");
  return 0;
}
static int sh_sensor(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc; (void)argv;
  struct device *d = arg;
  tern_shell_printf(s, "%s: sample %d = %.7g\r\n", d->c.sensor, d->sample, reading(d, d->sample));
  return 0;
}
static int sh_mqtt(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  struct device *d = arg;
  if (!d->mqtt) { tern_shell_printf(s, "MQTT is off\r\n"); return 0; }
  if (argc >= 2 && !strcmp(argv[1], "status")) {
    tern_shell_printf(s, "%s %s, %zu pending, %d/%d samples sent\r\n", d->c.broker,
                      tern_mqtt_is_connected(d->mqtt) ? "connected" : "disconnected", tern_mqtt_pending(d->mqtt),
                      d->sample, d->c.samples);
  } else if (argc == 4 && !strcmp(argv[1], "pub")) {
    int64_t id = tern_mqtt_publish(d->mqtt, argv[2], argv[3], strlen(argv[3]), d->c.qos, 0);
    tern_shell_printf(s, id > 0 ? "queued\r\n" : "refused: %s\r\n", tern_strerror((int)id));
  } else {
    tern_shell_printf(s, "usage: mqtt status | mqtt pub TOPIC MESSAGE\r\n");
  }
  return 0;
}
static int sh_ntp(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc; (void)argv;
  struct device *d = arg;
  const struct tern_sntp_result *r = d->sntp ? tern_sntp_result(d->sntp) : NULL;
  if (!r) tern_shell_printf(s, "NTP is off\r\n");
  else if (r->synced) tern_shell_printf(s, "synced with %s: offset %+.6f s, delay %.6f s, stratum %d\r\n", r->server, r->offset, r->delay, r->stratum);
  else tern_shell_printf(s, "not synced: %s\r\n", r->error[0] ? r->error : "waiting for an answer");
  return 0;
}

/* ---- bus: what the services tell each other ---- */
static void on_bus(struct tern_loop *loop, int ev, const void *data, void *arg) {
  (void)loop;
  struct device *d = arg;
  if (ev == TERN_BUS_TIME_SYNCED && !d->synced_reported) {
    char when[64];
    now_text(d, when, sizeof(when));
    printf("Time: %s\n", when);
    fflush(stdout);
    d->synced_reported = 1;
  } else if (ev == TERN_BUS_NET_UP || ev == TERN_BUS_ADDR_CHANGED) {
    snprintf(d->ip, sizeof(d->ip), "%s", (const char *)data);
    printf("Connected, IP %s\n", d->ip);
    fflush(stdout);
    if (d->mqtt && tern_mqtt_is_connected(d->mqtt)) publish_status(d);
  } else if (ev == TERN_BUS_NET_DOWN) {
    printf("Network down\n");
    fflush(stdout);
  }
}

static void on_mdns(int ev, const char *name, void *arg) {
  (void)arg;
  if (ev == TERN_MDNS_EV_NAME) printf("mDNS: %s.local\n", name);
  else printf("mDNS: %s.local is taken; renaming\n", name);
  fflush(stdout);
}

static void ntp_watch(struct tern_timer *t, void *arg) {
  (void)t;
  struct device *d = arg;
  const struct tern_sntp_result *r = tern_sntp_result(d->sntp);
  if (!r->synced && r->error[0] && !d->ntp_failed_reported) {
    printf("Unable to get NTP time (%s); retrying in the background\n", r->error);
    fflush(stdout);
    d->ntp_failed_reported = 1;
  }
}

static int load_sensor_file(struct device *d) {
  if (!strcmp(d->c.sensor, "sine") || !strcmp(d->c.sensor, "random")) return 0;
  FILE *f = fopen(d->c.sensor, "r");
  if (!f) { fprintf(stderr, "tern device: cannot read sensor file %s\n", d->c.sensor); return -1; }
  double v;
  int cap = 0;
  while (fscanf(f, "%lf", &v) == 1) {
    if (d->nfile_values == cap) {
      cap = cap ? cap * 2 : 64;
      double *p = realloc(d->file_values, (size_t)cap * sizeof(double));
      if (!p) break;
      d->file_values = p;
    }
    d->file_values[d->nfile_values++] = v;
  }
  fclose(f);
  return d->nfile_values ? 0 : -1;
}

int cmd_device(int argc, char **argv) {
  static struct device dev;
  struct device *d = &dev;
  defaults(&d->c);
  int bad = 0, print = 0;
  /* the config file first, so flags override it */
  for (int i = 1; i < argc; i++) {
    const char *v = app_opt(argc, argv, &i, "-c", &bad);
    if (v && read_config(&d->c, v)) return 2;
  }
  int ntp_from_flags = 0;
  for (int i = 1; i < argc && !bad; i++) {
    const char *a = argv[i], *v;
    if (app_is_help(a)) { fputs(usage, stdout); return 0; }
    if ((v = app_opt(argc, argv, &i, "-c", &bad))) continue;
    if (!strcmp(a, "--print-config")) { print = 1; continue; }
    if (!strcmp(a, "--once")) { d->c.once = 1; continue; }
    int taken = 0;
    for (int k = 0; keys[k] && !taken; k++) {
      char flag[64];
      snprintf(flag, sizeof(flag), "--%s", keys[k]);
      if ((v = app_opt(argc, argv, &i, flag, &bad))) {
        if (!strcmp(keys[k], "ntp") && !ntp_from_flags++) d->c.nntp = 0; /* flags replace the file's list */
        set_key(&d->c, keys[k], v);
        taken = 1;
      }
    }
    if (!taken && !bad) return app_bad_flag("device", a);
  }
  if (bad) return 2;
  if (!d->c.nntp) { strcpy(d->c.ntp[0], "pool.ntp.org"); d->c.nntp = 1; }
  if (!d->c.session[0]) snprintf(d->c.session, sizeof(d->c.session), "%s", d->c.name);
  if (print) { print_config(&d->c); return 0; }
  if (d->c.qos < 0 || d->c.qos > 2 || d->c.period_ms < 1 || d->c.samples < 0) { fprintf(stderr, "tern device: bad qos, samples or period-ms\n"); return 2; }
  if (tern_tz_parse(d->c.tz, &d->tz) != 0) { fprintf(stderr, "tern device: bad tz '%s' (a POSIX TZ string)\n", d->c.tz); return 2; }
  if (load_sensor_file(d)) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  d->loop = app_loop_new(NULL);
  tern_log_set(d->loop, TERN_LOG_WARN, NULL, NULL);
  tern_bus_subscribe(d->loop, on_bus, d);
  d->led = d->c.led;

  /* 1. network */
  if (d->c.iface[0]) {
    printf("Connecting to network ...\n");
    struct tern_wlan_opts wo = {.ifname = d->c.iface};
    int err;
    d->wlan = tern_wlan_new(d->loop, &wo, &err);
    if (!d->wlan) printf("Unable to connect: %s\n", tern_strerror(err));
    else if (tern_wlan_isconnected(d->wlan)) {
      struct tern_wlan_ifconfig ic;
      tern_wlan_ifconfig(d->wlan, &ic);
      snprintf(d->ip, sizeof(d->ip), "%s", ic.address);
      printf("Connected, IP %s\n", d->ip);
    } else {
      char pw[128] = "";
      FILE *pf = d->c.password_file[0] ? fopen(d->c.password_file, "r") : NULL;
      if (pf) { if (fgets(pw, sizeof(pw), pf)) pw[strcspn(pw, "\r\n")] = '\0'; fclose(pf); }
      if (tern_wlan_connect(d->wlan, d->c.ssid, pw, (uint32_t)d->c.connect_timeout * 1000u) != 0)
        printf("Unable to connect: %s\n", tern_wlan_reason(d->wlan));
      memset(pw, 0, sizeof(pw));
    }
  }
  /* 2. mDNS */
  if (d->c.iface[0]) {
    struct tern_mdns_opts mo = {.name = d->c.name, .ifaces = {d->c.iface}, .fn = on_mdns};
    int err;
    d->mdns = tern_mdns_start(d->loop, &mo, &err);
    if (!d->mdns) printf("mDNS: unavailable: %s\n", tern_strerror(err));
    else {
      if (d->c.console_port) {
        struct tern_mdns_service s1 = {.type = "_telnet._tcp", .port = (uint16_t)d->c.console_port};
        struct tern_mdns_service s2 = {.type = "_repl._tcp", .port = (uint16_t)d->c.console_port};
        tern_mdns_add_service(d->mdns, &s1);
        tern_mdns_add_service(d->mdns, &s2);
      }
      if (d->c.http_port) {
        struct tern_mdns_service s3 = {.type = "_http._tcp", .port = (uint16_t)d->c.http_port, .txt = {"path=/"}};
        tern_mdns_add_service(d->mdns, &s3);
      }
    }
  }
  /* 3. clock */
  struct tern_sntp_opts so = {.timeout_ms = 2000, .poll_s = 1024};
  for (int i = 0; i < d->c.nntp; i++) so.servers[i] = d->c.ntp[i];
  d->sntp = tern_sntp_start(d->loop, &so);
  struct tern_timer ntp_timer = {0};
  tern_timer_start(d->loop, &ntp_timer, 500, 500, ntp_watch, d);
  /* 4. console */
  d->shell = tern_shell_new(d->loop, d->c.name);
  tern_shell_register(d->shell, "led", "led [on|off]", sh_led, d);
  tern_shell_register(d->shell, "time", "the local time", sh_time, d);
  tern_shell_register(d->shell, "ifconfig", "address, netmask, gateway, DNS", sh_ifconfig, d);
  tern_shell_register(d->shell, "sensor", "the current reading", sh_sensor, d);
  tern_shell_register(d->shell, "mqtt", "mqtt status | mqtt pub TOPIC MESSAGE", sh_mqtt, d);
  tern_shell_register(d->shell, "ntp", "clock sync state", sh_ntp, d);
  app_shell_register_common(d->shell, 0); /* get URL */
  char url[128];
  if (d->c.console_port) {
    if (!d->c.console_password_file[0]) printf("Console: off (no console-password-file; make one with tern passwd)\n");
    else {
      snprintf(url, sizeof(url), "tcp://%s:%d", d->c.bind, d->c.console_port);
      struct tern_console_opts co = {.listen = url, .passwd_file = d->c.console_password_file, .user = d->c.console_user, .shell = d->shell};
      int err;
      d->console = tern_console_start(d->loop, &co, &err);
      if (d->console) printf("Console: telnet %s %u (login %s)\n", d->c.bind, tern_console_port(d->console, 0), d->c.console_user);
      else printf("Console: unavailable: %s\n", tern_strerror(err));
    }
  }
  /* 5. web page */
  if (d->c.http_port) {
    snprintf(url, sizeof(url), "tcp://%s:%d", d->c.bind, d->c.http_port);
    struct tern_http_server_opts ho = {.listen = url};
    int err;
    d->http = tern_http_server_start(d->loop, &ho, &err);
    if (!d->http) printf("Web page: unavailable: %s\n", tern_strerror(err));
    else {
      tern_http_route(d->http, "GET", "/", 0, page, d);
      tern_http_route(d->http, NULL, "/api/led", 0, api_led, d);
      printf("Web page: http://%s:%u/\n", d->c.bind, tern_http_server_port(d->http));
    }
  }
  /* 6. MQTT */
  if (d->c.broker[0]) {
    snprintf(d->topic_data, sizeof(d->topic_data), "%.60s/data", d->c.session);
    snprintf(d->topic_plot, sizeof(d->topic_plot), "%.60s/plot", d->c.session);
    snprintf(d->topic_led, sizeof(d->topic_led), "%.60s/led", d->c.session);
    snprintf(d->topic_led_state, sizeof(d->topic_led_state), "%.60s/led/state", d->c.session);
    snprintf(d->topic_status, sizeof(d->topic_status), "%.60s/status", d->c.session);
    int wl = snprintf(d->will, sizeof(d->will), "{\"name\":\"%s\",\"online\":false}", d->c.name);
    d->tls.ca_file = d->c.cafile[0] ? d->c.cafile : NULL;
    char cid[96];
    snprintf(cid, sizeof(cid), "tern-device-%s", d->c.name);
    struct tern_mqtt_opts mo = {.url = d->c.broker, .client_id = cid, .will_topic = d->topic_status, .will_payload = d->will,
                                .will_len = (size_t)wl, .will_qos = 1, .will_retain = 1, .tls = &d->tls,
                                .on_event = on_mqtt_event, .arg = d, .reconnect_max_ms = 5000};
    int err;
    d->mqtt = tern_mqtt_new(d->loop, &mo, &err);
    if (!d->mqtt) printf("MQTT: bad broker URL %s: %s\n", d->c.broker, tern_strerror(err));
    else {
      tern_mqtt_subscribe(d->mqtt, d->topic_led, 1, on_led_msg, d);
      tern_mqtt_connect(d->mqtt);
      tern_timer_start(d->loop, &d->tick, (uint32_t)d->c.period_ms, (uint32_t)d->c.period_ms, tick, d);
    }
  }
  app_signals(d->loop);
  while (!app_stop) tern_loop_poll(d->loop, 1000);

  /* 7. a clean stop: goodbyes, offline status, disconnect */
  printf("Stopping\n");
  if (d->mqtt && tern_mqtt_is_connected(d->mqtt)) {
    tern_mqtt_publish(d->mqtt, d->topic_status, d->will, strlen(d->will), 1, 1);
    tern_mqtt_drain(d->mqtt, 2000);
    tern_mqtt_disconnect(d->mqtt);
    tern_loop_poll(d->loop, 100);
  }
  tern_mdns_stop(d->mdns);
  tern_timer_stop(d->loop, &d->tick);
  tern_timer_stop(d->loop, &ntp_timer);
  tern_mqtt_free(d->mqtt);
  tern_sntp_stop(d->sntp);
  tern_console_stop(d->console);
  tern_http_server_stop(d->http);
  tern_shell_free(d->shell);
  tern_wlan_free(d->wlan);
  tern_loop_poll(d->loop, 0);
  tern_loop_free(d->loop);
  free(d->file_values);
  return 0;
}
