/* wlan_probe IFACE [--ctrl DIR --ssid S --password P --timeout MS --assume-wireless]
 * Prints "ready", then one line per bus event: "up ADDR", "down", "addr ADDR",
 * each with connected=0|1; after a connect attempt ends, "status N REASON". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/error.h"
#include "tern/wlan.h"

static struct tern_wlan *w;

static void on_bus(struct tern_loop *loop, int ev, const void *data, void *arg) {
  (void)loop;
  (void)arg;
  struct tern_wlan_ifconfig ifc;
  tern_wlan_ifconfig(w, &ifc);
  if (ev == TERN_BUS_NET_UP)
    printf("up %s connected=%d netmask=%s\n", (const char *)data, tern_wlan_isconnected(w),
           ifc.netmask);
  else if (ev == TERN_BUS_NET_DOWN) printf("down connected=%d\n", tern_wlan_isconnected(w));
  else if (ev == TERN_BUS_ADDR_CHANGED)
    printf("addr %s connected=%d\n", (const char *)data, tern_wlan_isconnected(w));
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  struct tern_wlan_opts o = {.ifname = argv[1]};
  const char *ssid = NULL, *pw = NULL;
  uint32_t timeout = 10000;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--ctrl") && i + 1 < argc) o.wpa_ctrl_dir = argv[++i];
    else if (!strcmp(argv[i], "--ssid") && i + 1 < argc) ssid = argv[++i];
    else if (!strcmp(argv[i], "--password") && i + 1 < argc) pw = argv[++i];
    else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout = (uint32_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--assume-wireless")) o.assume_wireless = 1;
  }
  struct tern_loop *loop = tern_loop_new(NULL);
  int err;
  w = tern_wlan_new(loop, &o, &err);
  if (!w) {
    printf("error %s\n", tern_strerror(err));
    return 1;
  }
  tern_bus_subscribe(loop, on_bus, NULL);
  printf("ready connected=%d active=%d\n", tern_wlan_isconnected(w), tern_wlan_active(w));
  fflush(stdout);
  int attempting = 0;
  if (ssid) {
    int rc = tern_wlan_connect(w, ssid, pw, timeout);
    printf("connect %s\n", rc ? tern_strerror(rc) : "started");
    fflush(stdout);
    attempting = rc == 0;
  }
  for (;;) {
    tern_loop_poll(loop, 200);
    if (attempting && tern_wlan_status(w) != TERN_WLAN_CONNECTING) {
      printf("status %d %s\n", tern_wlan_status(w), tern_wlan_reason(w));
      fflush(stdout);
      attempting = 0;
    }
  }
}
