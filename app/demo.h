/* tern demo's board mode (demo_mcu.c): the device as firmware in QEMU. */
#ifndef TERN_APP_DEMO_H
#define TERN_APP_DEMO_H
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct demo_mcu_opts {
  const char *image, *dir, *name, *password_hash;
  const char *capture; /* where the frames go (pcap); NULL: the run's folder */
  int broker_port, ntp_port, console_port, http_port, samples, period_ms;
};

struct demo_mcu {
  pid_t pid;
  FILE *uart;
  char line[400], pcap[300];
  size_t line_len;
  int connected;
};

int demo_mcu_find_image(const char *given, char *out, size_t outlen);
int demo_mcu_start(struct demo_mcu *m, const struct demo_mcu_opts *o);
void demo_mcu_show(struct demo_mcu *m);
void demo_mcu_stop(struct demo_mcu *m);
long demo_mcu_check_capture(const char *pcap, char *bad, size_t badlen);
#endif
