/* The device's view of "am I on the network": an interface, its link, its
 * address. Link and address changes are posted on the loop's event bus
 * (TERN_BUS_NET_UP, TERN_BUS_NET_DOWN, TERN_BUS_ADDR_CHANGED). On Linux the
 * backend follows netlink notifications and, when the interface is
 * wireless, drives wpa_supplicant through its control socket. */
#ifndef TERN_WLAN_H
#define TERN_WLAN_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stdint.h>
#include "loop.h"

/* Where joining the network stands (tern_wlan_status). */
enum tern_wlan_status {
  TERN_WLAN_IDLE = 0,
  TERN_WLAN_CONNECTING,
  TERN_WLAN_GOT_IP,
  TERN_WLAN_NO_AP,
  TERN_WLAN_WRONG_PASSWORD,
  TERN_WLAN_FAIL
};

struct tern_wlan_ifconfig {
  char address[48], netmask[48], gateway[48], dns[48];
};

struct tern_wlan_opts {
  const char *ifname;       /* "wlan0", "eth0", "lo" */
  const char *wpa_ctrl_dir; /* NULL: /var/run/wpa_supplicant */
  int assume_wireless;      /* treat the interface as wireless (tests with a
                               recorded wpa_supplicant exchange: no radio here) */
};

struct tern_wlan;
/* A handle on o->ifname (nothing is joined yet). NULL with *err:
 * TERN_EINVAL (no or too long a name), TERN_ENOMEM. */
struct tern_wlan *tern_wlan_new(struct tern_loop *loop, const struct tern_wlan_opts *o, int *err);
void tern_wlan_free(struct tern_wlan *w);  /* frees what connect took */
int tern_wlan_active(struct tern_wlan *w); /* the interface exists and is up */
/* Asynchronous: returns at once (0 when already connected); NET_UP on the
 * bus on success, or the status says why after timeout_ms (0: 10 s). With an
 * SSID on a wireless interface, wpa_supplicant is told to join it; on a wired
 * link (or without an SSID) the link is used as it is. */
int tern_wlan_connect(struct tern_wlan *w, const char *ssid, const char *password,
                      uint32_t timeout_ms);
/* Blocking form for short programs. */
int tern_wlan_connect_wait(struct tern_wlan *w, const char *ssid, const char *password,
                           uint32_t timeout_ms);
/* 1 while the link is up with an address. */
int tern_wlan_isconnected(struct tern_wlan *w);
/* The interface's address, netmask, gateway and DNS server as text (MicroPython's
 * ifconfig()); TERN_ENOTFOUND while it has no address. */
int tern_wlan_ifconfig(struct tern_wlan *w, struct tern_wlan_ifconfig *out);
/* Stops a connect in progress and leaves the network tern joined (the link
 * itself is left as it is). 0. */
int tern_wlan_disconnect(struct tern_wlan *w);
/* A TERN_WLAN_* value. */
int tern_wlan_status(struct tern_wlan *w);
const char *tern_wlan_reason(struct tern_wlan *w); /* why the last connect failed */

/* wpa_supplicant's control protocol, sans-I/O (src/wlan/wpa_ctrl.c). */
/* Writes 'SET_NETWORK id key "value"' with value quoted (SSIDs, passphrases). */
int tern_wpa_set_quoted(char *out, size_t outlen, int id, const char *key, const char *value);
/* Finds key in a STATUS reply ("key=value" lines); copies the value. */
int tern_wpa_status_get(const char *reply, const char *key, char *out, size_t outlen);
#pragma GCC visibility pop
#endif
