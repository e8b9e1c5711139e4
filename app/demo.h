/* tern demo's board mode (demo_mcu.c): the device as firmware in QEMU. */
#ifndef TERN_APP_DEMO_H
#define TERN_APP_DEMO_H
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* TAP mode (root): the board on a TAP interface made for the run, with its
 * own subnet, DHCP from dnsmasq on that interface only, and mDNS. */
struct demo_tap {
  char ifname[16], host_ip[16], dir[64];
  pid_t dnsmasq;
  int up;
};
int demo_tap_setup(struct demo_tap *t, const char *dir, char *why, size_t whylen);
void demo_tap_teardown(struct demo_tap *t);

struct demo_mcu_opts {
  const char *image, *dir, *name, *password_hash;
  const char *capture; /* where the frames go (pcap); NULL: the run's folder */
  const char *tap;     /* TAP mode: this interface, the host at host_ip; NULL: user networking */
  const char *host_ip;
  int broker_port, ntp_port, console_port, http_port, samples, period_ms;
};

struct demo_mcu {
  pid_t pid;
  FILE *uart;
  char line[400], pcap[300], ip[16]; /* ip: the board's, once it says */
  size_t line_len;
  int connected;
};

int demo_mcu_find_image(const char *given, char *out, size_t outlen);
int demo_mcu_start(struct demo_mcu *m, const struct demo_mcu_opts *o);
void demo_mcu_show(struct demo_mcu *m);
void demo_mcu_stop(struct demo_mcu *m);
/* host_ip: TAP mode's (its /24 is allowed), or NULL */
long demo_mcu_check_capture(const char *pcap, const char *host_ip, char *bad, size_t badlen);
#endif
