/* tern-device firmware: the device runtime (src/device/) on the emulated
 * mps2-an386 board over lwIP. The settings come from the semihosting
 * command line in `tern device`'s flag syntax (one string joined by spaces:
 * values cannot hold spaces); the UART shows the same lines as `tern device`
 * on Linux, and a last "Memory:" line with the RAM it used at peak. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "board/board.h"
#include "tern/conf.h"
#include "tern/device.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/provision.h"
#include "tern_lwip.h"

#define MAX_ARGS 48
#define CONN_BUF_CAP (4 * 1024) /* per connection: the device's messages are small */

extern uint8_t __heap_start[];
extern const uint8_t __config_start[], __config_size[]; /* the linker script's */
void *_sbrk(ptrdiff_t incr);

/* tern's allocations are counted (tern_counting_realloc): their peak is part of the RAM figure */
static int stop, exit_code, reported;
static size_t seed_bytes; /* --entropy-seed's length */

/* A line on the UART. (Not printf: newlib's stdio would cost 4 KB of flash
 * for buffering a UART that is written byte by byte anyway.) */
static void say(const char *fmt, ...) {
  char line[320];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  tern_board_uart_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
  tern_board_uart_write("\r\n", 2);
}
static struct tern_alloc_count heap_count;
static void memory_line(const struct tern_alloc_count *k);

static void print_line(void *arg, const char *line) {
  (void)arg;
  say("%s", line);
  /* the samples are out: the steady state, so report the memory it took */
  if (!strncmp(line, "MQTT: published", 15)) memory_line(&heap_count), reported = 1;
}
static void print_led(void *arg, int on) { print_line(arg, on ? "LED on" : "LED off"); }
static void done(void *arg) {
  (void)arg;
  stop = 1;
}

static void memory_line(const struct tern_alloc_count *k) {
  size_t heap = (size_t)((uint8_t *)_sbrk(0) - __heap_start);
  say("Memory: heap %u bytes at peak (tern %u), stack %u of %u bytes", (unsigned)heap,
      (unsigned)k->peak, (unsigned)tern_board_stack_used(), (unsigned)tern_board_stack_size());
}

static int hexval(int ch) {
  return ch >= '0' && ch <= '9'   ? ch - '0'
         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                  : -1;
}

static int from_file(void *arg, const char *key, const char *value, int line, char *why,
                     size_t whylen) {
  (void)line;
  if (*key == '[') return 0;
  return tern_device_opts_set(arg, key, value, why, whylen);
}

/* a board: its own address on its one interface, no public servers */
static void board_defaults(struct tern_device_opts *o) {
  tern_device_opts_init(o);
  strcpy(o->bind, "0.0.0.0");
  strcpy(o->iface, "en0");
  o->broker[0] = '\0';
}

/* ---- the provisioned area (tern provision; include/tern/provision.h) ---- */

/* Its file-valued settings (CA, keys, password files) stay in flash and are
 * read in place through the port's files as "config:KEY". */
#define CONFIG_FILES 4
static struct {
  const char *key, *data;
  size_t len;
} config_files[CONFIG_FILES];

static const uint8_t *config_file(void *arg, const char *path, size_t *len) {
  (void)arg;
  if (strncmp(path, "config:", 7)) return NULL;
  for (int i = 0; i < CONFIG_FILES && config_files[i].key; i++)
    if (!strcmp(config_files[i].key, path + 7)) {
      *len = config_files[i].len;
      return (const uint8_t *)config_files[i].data;
    }
  return NULL;
}

struct image_ctx {
  struct tern_device_opts *o;
  int n, nfiles, ntp;
  char *why;
  size_t whylen;
};

static int from_image(void *arg, const char *key, const char *value, size_t len) {
  struct image_ctx *c = arg;
  char path[80];
  for (int i = 0; tern_device_file_keys[i]; i++) {
    if (strcmp(key, tern_device_file_keys[i])) continue;
    if (c->nfiles == CONFIG_FILES) break;
    config_files[c->nfiles].key = key;
    config_files[c->nfiles].data = value;
    config_files[c->nfiles++].len = len;
    snprintf(path, sizeof(path), "config:%s", key);
    value = path;
  }
  if (!strcmp(key, "ntp") && !c->ntp++) c->o->nntp = 0;
  int rc = tern_device_opts_set(c->o, key, value, c->why, c->whylen);
  if (rc) {
    char why[120];
    snprintf(why, sizeof(why), "%s: %s", key, c->why);
    snprintf(c->why, c->whylen, "%s", why);
    return rc;
  }
  c->n++;
  return 0;
}

/* The image's settings under the command line's: a bad image is refused
 * whole (with a config: line) and the board runs on its command line. */
static void load_image(struct tern_device_opts *o) {
  char why[160];
  struct image_ctx c = {.o = o, .why = why, .whylen = sizeof(why)};
  unsigned long at = (unsigned long)(uintptr_t)__config_start;
  int rc = tern_provision_read(__config_start, (size_t)(uintptr_t)__config_size, from_image, &c,
                               why, sizeof(why));
  if (rc == 0) {
    tern_lwip_set_mem_files(config_file, NULL);
    say("config: %d settings from the provisioned area at 0x%08lx", c.n, at);
  } else if (rc == TERN_ENOTFOUND) {
    say("config: none provisioned at 0x%08lx; the command line's settings", at);
  } else {
    say("config: refused the provisioned area at 0x%08lx: %s; using the command line only", at,
        why);
    memset(config_files, 0, sizeof(config_files));
    board_defaults(o);
  }
}

/* --KEY VALUE or --KEY=VALUE, as `tern device`; plus --entropy-seed HEX and -c FILE (a host
 * file through semihosting). 2 for a bad flag, -1 to go on. */
static int parse(int argc, char **argv, struct tern_device_opts *o) {
  char why[160];
  int ntp_flags = 0;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i], *v = NULL, key[48];
    if (!strcmp(a, "--once")) {
      o->once = 1;
      continue;
    }
    if (strncmp(a, "--", 2) && strcmp(a, "-c")) {
      say("tern-device: unexpected '%s'", a);
      return 2;
    }
    char *eq = strchr(a, '=');
    snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
    if (eq) v = eq + 1;
    else if (i + 1 < argc) v = argv[++i];
    else {
      say("tern-device: %s needs a value", a);
      return 2;
    }
    if (!strcmp(key, "-c")) {
      char err[200];
      if (tern_conf_load(NULL, v, from_file, o, err, sizeof(err)) != 0) {
        say("tern-device: %s", err);
        return 2;
      }
      continue;
    }
    if (!strcmp(key, "--entropy-seed")) {
      uint8_t seed[64];
      size_t n = 0;
      for (; v[0] && v[1] && n < sizeof(seed); v += 2) {
        int hi = hexval(v[0]), lo = hexval(v[1]);
        if (hi < 0 || lo < 0) break;
        seed[n++] = (uint8_t)(hi << 4 | lo);
      }
      tern_lwip_seed(seed, n);
      tern_lwip_entropy_seed(seed, n);
      seed_bytes = n;
      continue;
    }
    if (!strcmp(key, "--ntp") && !ntp_flags++) o->nntp = 0;
    int rc = tern_device_opts_set(o, key + 2, v, why, sizeof(why));
    if (rc) {
      say("tern-device: %s %s: %s", key, v, why);
      return 2;
    }
  }
  return -1;
}

/* Settings, the network, then the device. What it needs only to start (the
 * command line, the options: 3.5 KB) lives on the heap and is freed before
 * the device runs, so it counts in neither the stack's peak nor the heap's. */
static struct tern_device *boot(struct tern_loop **loop_out, int *rc) {
  struct boot {
    char cmdline[1024];
    char *argv[MAX_ARGS];
    struct tern_device_opts o;
    char why[200];
  } *b = calloc(1, sizeof(*b));
  struct tern_device *d = NULL;
  *rc = 1;
  if (!b) return NULL;
  int argc = 0;
  if (tern_semihost_cmdline(b->cmdline, sizeof(b->cmdline)) != 0) b->cmdline[0] = '\0';
  for (char *p = b->cmdline; *p && argc < MAX_ARGS;) { /* words between spaces */
    while (*p == ' ') *p++ = '\0';
    if (*p) b->argv[argc++] = p;
    while (*p && *p != ' ') p++;
  }
  struct tern_device_opts *o = &b->o;
  board_defaults(o);
  load_image(o);
  if ((*rc = parse(argc, b->argv, o)) >= 0) goto out;
  /* no TRNG here: TLS keys come from the host's seed and the stored one */
  if (tern_lwip_entropy_ready())
    say("Entropy: a %u-byte seed from the host, mixed with the stored seed (NV seed)",
        (unsigned)seed_bytes);
  else say("Entropy: no seed from the host (--entropy-seed, 16 bytes or more): TLS cannot start");
  if (!o->session[0]) snprintf(o->session, sizeof(o->session), "%s", o->name);
  o->on_status = print_line;
  o->on_led = print_led;
  o->on_done = done;

  static const struct tern_allocator alloc = {tern_counting_realloc, &heap_count};
  struct tern_loop_opts lo = {.alloc = &alloc, .conn_buf_cap = CONN_BUF_CAP};
  struct tern_loop *loop = *loop_out = tern_loop_new(&lo);
  *rc = 1;
  if (!loop) {
    say("tern-device: cannot start the network (no LAN9118, or buffers below TCP_WND)");
    goto out;
  }
  tern_log_set(loop, TERN_LOG_WARN, NULL, NULL);

  /* DHCP first: it may name the NTP servers */
  uint32_t start = tern_loop_now(loop);
  char addr[16], mask[16], gw[16], dns[16];
  while (tern_lwip_ifconfig(addr, mask, gw, dns, sizeof(addr)) != 0 &&
         tern_loop_now(loop) - start < (uint32_t)o->connect_timeout_s * 1000u)
    tern_loop_poll(loop, 100);
  if (!o->nntp) {
    char ntp[TERN_DEVICE_MAX_NTP][16];
    int n = tern_lwip_ntp_servers(ntp, TERN_DEVICE_MAX_NTP);
    for (int i = 0; i < n; i++) snprintf(o->ntp[o->nntp++], sizeof(o->ntp[0]), "%s", ntp[i]);
    if (!n) print_line(NULL, "Time: no NTP server given (--ntp) or named by DHCP");
  }
  int err;
  d = tern_device_start(loop, o, &err, b->why, sizeof(b->why));
  if (!d) {
    say("tern-device: %s", b->why);
    *rc = 2;
  }
out:
  free(b);
  return d;
}

int main(void) {
  tern_board_init();
  say("\r\ntern firmware on mps2-an386 (Cortex-M4, LAN9118 id %04x, lwIP)",
      (unsigned)tern_lan9118_id());
  struct tern_loop *loop = NULL;
  int rc;
  struct tern_device *d = boot(&loop, &rc);
  if (!d) {
    if (loop) tern_loop_free(loop);
    return rc;
  }
  memory_line(&heap_count); /* running: from here on, each new peak is said */
  reported = 1;
  size_t shown_heap = 0, shown_stack = 0;
  while (!stop) {
    tern_loop_poll(loop, 1000);
    /* a new peak: said at once, so the last line holds even if the board is cut off */
    size_t heap = (size_t)((uint8_t *)_sbrk(0) - __heap_start), stack = tern_board_stack_used();
    if (shown_heap && (heap > shown_heap || stack > shown_stack + 64)) memory_line(&heap_count);
    if (shown_heap || reported) shown_heap = heap, shown_stack = stack;
  }
  print_line(NULL, "Stopping");
  tern_device_stop(d);
  tern_loop_poll(loop, 0);
  memory_line(&heap_count);
  tern_loop_free(loop);
  return exit_code;
}
