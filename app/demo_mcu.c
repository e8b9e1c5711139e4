/* tern demo --mcu: the demo's device as firmware on an emulated board
 * (QEMU's mps2-an386: Cortex-M4, LAN9118) instead of a Linux process.
 *
 * QEMU's user networking: the board is 10.0.2.15 behind QEMU's NAT and
 * reaches this machine's loopback as 10.0.2.2 (the broker and the SNTP
 * server listen on 127.0.0.1); its console and LED page are forwarded to
 * loopback ports. User networking would pass the board's packets on to the
 * world, so every frame is recorded (filter-dump) and checked at the end:
 * each must be between the board and this machine.
 *
 * As root, TAP mode instead: a TAP interface made for the run (a /24 of its
 * own, dnsmasq giving DHCP on it and nothing else), so the board is on a
 * real link with this machine: mDNS (demo.local) works, its console and
 * page are at its own address. Removed at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "demo.h"

extern char **environ;

/* The firmware image: --firmware, $TERN_FIRMWARE, or build-fw/ beside the
 * build folder this tern runs from (make firmware puts it there). */
int demo_mcu_find_image(const char *given, char *out, size_t outlen) {
  const char *env = getenv("TERN_FIRMWARE");
  if (given || env) {
    snprintf(out, outlen, "%s", given ? given : env);
    return access(out, R_OK) == 0 ? 0 : -1;
  }
  char exe[512];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return -1;
  exe[n] = '\0';
  for (int up = 0; up < 3; up++) { /* build/bin/tern -> build/bin -> build -> the tree */
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
  }
  snprintf(out, outlen, "%s/build-fw/tern-device.elf", exe);
  return access(out, R_OK) == 0 ? 0 : -1;
}

/* Runs a command to its end; 0 when it succeeded. Its output is dropped. */
static int run(char *const argv[]) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int status = -1;
  if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0) waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&fa);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int demo_tap_setup(struct demo_tap *t, const char *dir, char *why, size_t whylen) {
  memset(t, 0, sizeof(*t));
  /* one subnet per run: 10.239.N.0/24 from the pid, the host .1, the board from DHCP */
  int net = (int)(getpid() % 200) + 20;
  snprintf(t->ifname, sizeof(t->ifname), "ternmcu%d", (int)(getpid() % 100000));
  snprintf(t->host_ip, sizeof(t->host_ip), "10.239.%d.1", net);
  snprintf(t->dir, sizeof(t->dir), "%s", dir);
  char cidr[24], range[64], leases[128], pidf[128];
  snprintf(cidr, sizeof(cidr), "%s/24", t->host_ip);
  snprintf(range, sizeof(range), "10.239.%d.50,10.239.%d.60,255.255.255.0,1h", net, net);
  snprintf(leases, sizeof(leases), "--dhcp-leasefile=%s/leases", dir);
  snprintf(pidf, sizeof(pidf), "--pid-file=%s/dnsmasq.pid", dir);
  char *add[] = {"ip", "tuntap", "add", "dev", t->ifname, "mode", "tap", NULL};
  char *addr[] = {"ip", "addr", "add", cidr, "dev", t->ifname, NULL};
  char *up[] = {"ip", "link", "set", t->ifname, "up", "multicast", "on", NULL};
  if (run(add) != 0) {
    snprintf(why, whylen, "cannot make a TAP interface (ip tuntap)");
    return -1;
  }
  t->up = 1;
  if (run(addr) != 0 || run(up) != 0) {
    snprintf(why, whylen, "cannot address %s", t->ifname);
    demo_tap_teardown(t);
    return -1;
  }
  char iface[40], listen[40], dhcp[80];
  snprintf(iface, sizeof(iface), "--interface=%s", t->ifname);
  snprintf(listen, sizeof(listen), "--listen-address=%s", t->host_ip);
  snprintf(dhcp, sizeof(dhcp), "--dhcp-range=%s", range);
  /* DHCP on this interface only; no DNS (port 0) */
  char *dm[] = {"dnsmasq",
                "-k",
                "--conf-file=/dev/null",
                iface,
                "--bind-interfaces",
                listen,
                "--port=0",
                "--no-resolv",
                "--no-hosts",
                dhcp,
                leases,
                pidf,
                NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawnp(&t->dnsmasq, "dnsmasq", &fa, NULL, dm, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    snprintf(why, whylen, "cannot run dnsmasq (apt-get install dnsmasq-base)");
    t->dnsmasq = 0;
    demo_tap_teardown(t);
    return -1;
  }
  return 0;
}

void demo_tap_teardown(struct demo_tap *t) {
  if (t->dnsmasq > 0) {
    kill(t->dnsmasq, SIGTERM);
    waitpid(t->dnsmasq, NULL, 0);
    t->dnsmasq = 0;
  }
  if (t->up) {
    char *del[] = {"ip", "link", "del", t->ifname, NULL};
    run(del);
    t->up = 0;
  }
}

int demo_mcu_start(struct demo_mcu *m, const struct demo_mcu_opts *o) {
  char seed[65], semi[2048], net[256], dump[400], uart[320];
  uint8_t r[32];
  FILE *rnd = fopen("/dev/urandom", "rb");
  if (!rnd || fread(r, 1, sizeof(r), rnd) != sizeof(r)) {
    if (rnd) fclose(rnd);
    return -1;
  }
  fclose(rnd);
  for (int i = 0; i < 32; i++) snprintf(seed + 2 * i, 3, "%02x", r[i]);
  /* the board's flags, one semihosting argument each (no spaces, commas doubled) */
  const char *host = o->tap ? o->host_ip : "10.0.2.2"; /* this machine, seen from the board */
  snprintf(semi, sizeof(semi),
           "enable=on,target=native,arg=tern-device,arg=--name,arg=%s,arg=--broker,"
           "arg=mqtt://%s:%d,arg=--ntp,arg=%s:%d,arg=--console-port,arg=2323,"
           "arg=--console-password-hash,arg=%s,arg=--http-port,arg=80,arg=--samples,arg=%d,"
           "arg=--period-ms,arg=%d,arg=--entropy-seed,arg=%s",
           o->name, host, o->broker_port, host, o->ntp_port, o->password_hash, o->samples,
           o->period_ms, seed);
  if (o->tap) snprintf(net, sizeof(net), "tap,id=n0,ifname=%s,script=no,downscript=no", o->tap);
  else
    snprintf(net, sizeof(net),
             "user,id=n0,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:%d-:2323,"
             "hostfwd=tcp:127.0.0.1:%d-:80",
             o->console_port, o->http_port);
  if (o->capture) snprintf(m->pcap, sizeof(m->pcap), "%s", o->capture);
  else snprintf(m->pcap, sizeof(m->pcap), "%s/board.pcap", o->dir);
  snprintf(dump, sizeof(dump), "filter-dump,id=d0,netdev=n0,file=%s", m->pcap);
  snprintf(uart, sizeof(uart), "%s/board.log", o->dir);
  char *argv[] = {"qemu-system-arm",
                  "-M",
                  "mps2-an386",
                  "-nographic",
                  "-kernel",
                  (char *)o->image,
                  "-semihosting-config",
                  semi,
                  "-netdev",
                  net,
                  "-net",
                  "nic,netdev=n0,model=lan9118",
                  "-object",
                  dump,
                  NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  /* the board's files (its NV seed) live in the run's folder, not the user's */
  posix_spawn_file_actions_addchdir_np(&fa, o->dir);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, uart, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  int rc = posix_spawnp(&m->pid, "qemu-system-arm", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  m->uart = fopen(uart, "r");
  m->line_len = 0;
  return 0;
}

/* The board's UART lines as they come, each shown as "[board] ...". */
void demo_mcu_show(struct demo_mcu *m) {
  if (!m->uart) return;
  int ch;
  clearerr(m->uart);
  while ((ch = fgetc(m->uart)) != EOF) {
    if (ch == '\r') continue;
    if (ch != '\n' && m->line_len < sizeof(m->line) - 1) {
      m->line[m->line_len++] = (char)ch;
      continue;
    }
    if (ch != '\n') continue; /* an overlong line: the rest is dropped */
    m->line[m->line_len] = '\0';
    /* (QEMU's own word on the SIGTERM that ends the run is not the board's) */
    if (m->line_len && strncmp(m->line, "qemu-system-arm: terminating", 28))
      printf("[board] %s\n", m->line);
    if (strstr(m->line, "MQTT: connected")) m->connected = 1;
    if (!strncmp(m->line, "Connected, IP ", 14))
      snprintf(m->ip, sizeof(m->ip), "%.*s", (int)strcspn(m->line + 14, " "), m->line + 14);
    m->line_len = 0;
  }
}

void demo_mcu_stop(struct demo_mcu *m) {
  if (m->pid <= 0) return;
  kill(m->pid, SIGTERM);
  waitpid(m->pid, NULL, 0);
  m->pid = 0;
  demo_mcu_show(m);
  if (m->uart) fclose(m->uart);
  m->uart = NULL;
}

static uint32_t rd32(const uint8_t *p, int big) {
  return big ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
             : (uint32_t)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
}

/* Every IPv4 address in the recorded frames (and ARP's, which show where a
 * packet was about to go) must be the board's, QEMU's host side (10.0.2.2,
 * 10.0.2.3), broadcast or a link-local multicast group. Returns the frame
 * count, or -1 with the first address that is not, in bad. */
long demo_mcu_check_capture(const char *pcap, const char *host_ip, char *bad, size_t badlen) {
  FILE *f = fopen(pcap, "rb");
  uint8_t h[24], rec[16], frame[1600];
  long frames = 0;
  if (!f || fread(h, 1, 24, f) != 24) {
    if (f) fclose(f);
    snprintf(bad, badlen, "no capture at %s", pcap);
    return -1;
  }
  int big = rd32(h, 0) != 0xa1b2c3d4u && rd32(h, 0) != 0xa1b23c4du;
  while (fread(rec, 1, 16, f) == 16) {
    uint32_t incl = rd32(rec + 8, big);
    if (incl > sizeof(frame) || fread(frame, 1, incl, f) != incl) break;
    frames++;
    const uint8_t *a[2];
    if (incl >= 34 && frame[12] == 0x08 && frame[13] == 0x00) a[0] = frame + 26, a[1] = frame + 30;
    else if (incl >= 42 && frame[12] == 0x08 && frame[13] == 0x06)
      a[0] = frame + 28, a[1] = frame + 38;
    else continue;
    for (int i = 0; i < 2; i++) {
      const uint8_t *p = a[i];
      char text[16];
      snprintf(text, sizeof(text), "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
      /* TAP mode: the run's own /24 (the board's and this machine's side) */
      int ok = (host_ip && !strncmp(text, host_ip, strlen(host_ip) - 1)) ||
               (p[0] == 10 && p[1] == 0 && p[2] == 2 && (p[3] == 2 || p[3] == 3 || p[3] == 15)) ||
               (p[0] == 224 && p[1] == 0 && p[2] == 0) || !memcmp(p, "\0\0\0\0", 4) ||
               !memcmp(p, "\xff\xff\xff\xff", 4);
      if (!ok) {
        snprintf(bad, badlen, "%s", text);
        fclose(f);
        return -1;
      }
    }
  }
  fclose(f);
  return frames;
}
