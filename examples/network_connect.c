/* Join the network and print the address (the seed's "connect to WiFi").
 *   network_connect IFACE [SSID PASSWORD] [TIMEOUT_S]     (or TERN_IFACE, TERN_SSID, TERN_PASSWORD)
 */
#include <stdio.h>
#include <stdlib.h>
#include "tern/error.h"
#include "tern/wlan.h"

int main(int argc, char **argv) {
  const char *iface = argc > 1 ? argv[1] : getenv("TERN_IFACE");
  const char *ssid = argc > 2 ? argv[2] : getenv("TERN_SSID");
  const char *password = argc > 3 ? argv[3] : getenv("TERN_PASSWORD");
  int timeout_s = argc > 4 ? atoi(argv[4]) : 10;
  if (!iface) {
    fprintf(stderr, "usage: network_connect IFACE [SSID PASSWORD] [TIMEOUT_S]\n");
    return 2;
  }

  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_wlan_opts opts = {.ifname = iface};
  int err;
  struct tern_wlan *wlan = tern_wlan_new(loop, &opts, &err);
  if (!wlan) {
    fprintf(stderr, "Unable to connect: %s\n", tern_strerror(err));
    return 1;
  }
  printf("Connecting to network ...\n");
  if (tern_wlan_connect_wait(wlan, ssid, password, (uint32_t)timeout_s * 1000u) != 0) {
    printf("Unable to connect: %s\n", tern_wlan_reason(wlan));
    tern_wlan_free(wlan); /* frees what connect took */
    return 1;
  }
  struct tern_wlan_ifconfig ic;
  tern_wlan_ifconfig(wlan, &ic);
  printf("Connected, IP %s (netmask %s, gateway %s, DNS %s)\n", ic.address, ic.netmask,
         ic.gateway[0] ? ic.gateway : "-", ic.dns[0] ? ic.dns : "-");
  tern_wlan_free(wlan);
  tern_loop_free(loop);
  return 0;
}
