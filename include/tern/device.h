/* The device runtime: the IoT device as a library module, the same code in
 * `tern device` on Linux and in firmware. Independent services on one
 * loop, none holding up another:
 *   network up and its address (wlan.h), mDNS NAME.local with _telnet,
 *   _repl and _http services, the clock from SNTP, a console with its
 *   commands, the LED page and /api/led, and MQTT: SESSION/data samples
 *   "t,value", then SESSION/plot; SESSION/status (retained, with a will),
 *   SESSION/led commands and SESSION/led/state.
 * What a program shows a person (status lines, the LED) comes out through
 * callbacks, so a board can blink a real LED and print to its UART. */
#ifndef TERN_DEVICE_H
#define TERN_DEVICE_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include "loop.h"
#include "shell.h"

#define TERN_DEVICE_MAX_NTP 4

struct tern_device_opts {
  char name[40], iface[32], ssid[64], password_file[256], tz[64], bind[64];
  char ntp[TERN_DEVICE_MAX_NTP][128];
  int nntp;
  int connect_timeout_s;
  int console_port; /* 0: no console */
  char console_user[64], console_password_file[256];
  char console_password_hash[160]; /* instead of the file: "$7$..." (boards without files) */
  int http_port;                   /* 0: no page */
  char broker[300], cafile[256], session[64];
  char broker_user[64], broker_key_file[256]; /* instead of the URL's user:key (Adafruit IO) */
  int qos, samples, period_ms;
  int keepalive_s;  /* MQTT keep-alive; how soon the broker notices a dead device */
  char sensor[256]; /* sine, random, or a file of numbers */
  int led, once;
  /* a line for the person watching ("Connected, IP ...", "mDNS: ..."); NULL: none */
  void (*on_status)(void *arg, const char *line);
  /* what went wrong (cannot connect, retrying, unavailable): here when set
   * (tern device: standard error), else through on_status */
  void (*on_problem)(void *arg, const char *line);
  /* the LED changed (from the page, the console or MQTT) */
  void (*on_led)(void *arg, int on);
  /* with once: the samples and the plot request are out, the device may sleep */
  void (*on_done)(void *arg);
  void *arg;
};

/* Defaults: name tern, tz UTC0, bind 127.0.0.1, console 2323 (user admin),
 * page 8080, broker mqtt://127.0.0.1:1883, qos 1, 100 samples every 100 ms,
 * sine sensor, LED off. No NTP server is set (the caller adds one). */
void tern_device_opts_init(struct tern_device_opts *o);
/* Sets one option by its name ("console-port", or console_port), as flags
 * and config files give it; "ntp" adds a server. TERN_ENOTFOUND for an
 * unknown key, TERN_EINVAL for a bad value (why says which). */
int tern_device_opts_set(struct tern_device_opts *o, const char *key, const char *value, char *why,
                         size_t whylen);
/* Every option as "key = value" lines (what --print-config shows). */
int tern_device_opts_print(const struct tern_device_opts *o, char *out, size_t outlen);
/* Each option name, NULL-terminated (flags are --NAME). */
extern const char *const tern_device_keys[];
/* The keys whose value names a file (certificates, keys, passwords): a
 * provisioned image holds the file's content instead (tern provision). */
extern const char *const tern_device_file_keys[];

struct tern_device;
/* Starts every service whose settings are there; a service that cannot
 * start says why through on_status and the others go on. NULL only for bad
 * options (err, why). */
struct tern_device *tern_device_start(struct tern_loop *loop, const struct tern_device_opts *o,
                                      int *err, char *why, size_t whylen);
/* A clean stop: mDNS goodbyes, the offline status, MQTT disconnect. */
void tern_device_stop(struct tern_device *d);
/* The LED's state as last set by a command (1 on, 0 off). */
int tern_device_led(const struct tern_device *d);

/* Console commands any program may add to its shell: get URL (asynchronous,
 * with output backpressure), and with_ifconfig, ifconfig (every interface). */
void tern_device_shell_common(struct tern_shell *sh, int with_ifconfig);
struct tern_tls_opts;
/* The same, with TLS options for get and post (https://; NULL: the defaults). */
void tern_device_shell_common_tls(struct tern_shell *sh, int with_ifconfig,
                                  const struct tern_tls_opts *tls);
#pragma GCC visibility pop
#endif
