/* tern_wlan (wlan.h) on the lwIP port: a wired Ethernet whose address
 * comes from DHCP. "Connected" means DHCP has bound an address; the port
 * posts NET_UP / ADDR_CHANGED / NET_DOWN on the bus itself. */
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/timer.h"
#include "tern/wlan.h"
#include "tern_lwip.h"

struct tern_wlan {
  struct tern_loop *loop;
  struct tern_timer timeout;
  int status;
  char reason[64];
};

struct tern_wlan *tern_wlan_new(struct tern_loop *loop, const struct tern_wlan_opts *o, int *err) {
  if (o->ifname && o->ifname[0] && strcmp(o->ifname, "en0")) {
    *err = TERN_ENOTFOUND; /* the board has one interface */
    return NULL;
  }
  struct tern_wlan *w = tern_alloc(tern_loop_alloc(loop), sizeof(*w));
  if (!w) {
    *err = TERN_ENOMEM;
    return NULL;
  }
  w->loop = loop;
  *err = 0;
  return w;
}

void tern_wlan_free(struct tern_wlan *w) {
  if (!w) return;
  tern_timer_stop(w->loop, &w->timeout);
  tern_free(tern_loop_alloc(w->loop), w);
}

int tern_wlan_active(struct tern_wlan *w) {
  (void)w;
  return tern_lwip_link_up();
}

int tern_wlan_isconnected(struct tern_wlan *w) {
  struct tern_wlan_ifconfig ic;
  return tern_wlan_ifconfig(w, &ic) == 0;
}

static void timed_out(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_wlan *w = arg;
  if (tern_wlan_isconnected(w)) return;
  w->status = TERN_WLAN_FAIL;
  snprintf(w->reason, sizeof(w->reason), "%s",
           tern_lwip_link_up() ? "no answer from a DHCP server" : "no Ethernet link");
}

int tern_wlan_connect(struct tern_wlan *w, const char *ssid, const char *password,
                      uint32_t timeout_ms) {
  (void)password;
  if (ssid && ssid[0]) {
    snprintf(w->reason, sizeof(w->reason), "this board is wired: no SSID to join");
    w->status = TERN_WLAN_NO_AP;
    return TERN_EUNSUPPORTED;
  }
  if (tern_wlan_isconnected(w)) {
    w->status = TERN_WLAN_GOT_IP;
    return 0;
  }
  w->status = TERN_WLAN_CONNECTING;
  tern_timer_start(w->loop, &w->timeout, timeout_ms ? timeout_ms : 10000, 0, timed_out, w);
  return 0; /* DHCP runs from boot; NET_UP comes on the bus */
}

int tern_wlan_connect_wait(struct tern_wlan *w, const char *ssid, const char *password,
                           uint32_t timeout_ms) {
  int rc = tern_wlan_connect(w, ssid, password, timeout_ms);
  if (rc) return rc;
  uint32_t start = tern_loop_now(w->loop);
  while (!tern_wlan_isconnected(w) && tern_loop_now(w->loop) - start < timeout_ms)
    tern_loop_poll(w->loop, 100);
  return tern_wlan_isconnected(w) ? 0 : TERN_ETIMEDOUT;
}

int tern_wlan_ifconfig(struct tern_wlan *w, struct tern_wlan_ifconfig *out) {
  (void)w;
  memset(out, 0, sizeof(*out));
  return tern_lwip_ifconfig(out->address, out->netmask, out->gateway, out->dns,
                            sizeof(out->address));
}

int tern_wlan_disconnect(struct tern_wlan *w) {
  w->status = TERN_WLAN_IDLE;
  return 0;
}

int tern_wlan_status(struct tern_wlan *w) {
  return tern_wlan_isconnected(w) ? TERN_WLAN_GOT_IP : w->status;
}

const char *tern_wlan_reason(struct tern_wlan *w) { return w->reason; }
