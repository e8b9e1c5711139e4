/* tern_wlan on Linux: netlink notifications for link and address changes,
 * getifaddrs for the state, /proc/net/route for the gateway, and
 * wpa_supplicant's control socket for joining a WiFi network. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "../../core/loop_internal.h"
#include "tern/error.h"
#include "tern/wlan.h"

struct tern_wlan {
  struct tern_loop *loop;
  char ifname[IF_NAMESIZE + 1];
  char ctrl_dir[80];
  struct tern_conn *nl;
  int up, connected, status;
  char addr[48];
  int net_id; /* wpa_supplicant network we added, or -1 */
  int assume_wireless;
  struct tern_timer timer;
  char reason[200];
};

/* Current link flags and IPv4 address of the interface. */
static void read_state(struct tern_wlan *w, int *up, char *addr, size_t addrlen, char *mask,
                       size_t masklen) {
  struct ifaddrs *list, *a;
  *up = 0;
  addr[0] = '\0';
  if (mask) mask[0] = '\0';
  if (getifaddrs(&list) != 0) return;
  for (a = list; a; a = a->ifa_next) {
    if (strcmp(a->ifa_name, w->ifname) != 0) continue;
    if ((a->ifa_flags & IFF_UP) && (a->ifa_flags & IFF_RUNNING)) *up = 1;
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && !addr[0]) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, addr, (socklen_t)addrlen);
      if (mask && a->ifa_netmask)
        inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_netmask)->sin_addr, mask,
                  (socklen_t)masklen);
    }
  }
  freeifaddrs(list);
}

/* Compare with what we knew and tell the bus what changed. */
static void refresh(struct tern_wlan *w) {
  int up;
  char addr[48];
  read_state(w, &up, addr, sizeof(addr), NULL, 0);
  int connected = up && addr[0];
  int was = w->connected;
  int addr_changed = connected && was && strcmp(addr, w->addr) != 0;
  w->up = up;
  w->connected = connected;
  snprintf(w->addr, sizeof(w->addr), "%s", addr);
  if (connected && !was) {
    w->status = TERN_WLAN_GOT_IP;
    tern_timer_stop(w->loop, &w->timer);
    tern_bus_post(w->loop, TERN_BUS_NET_UP, w->addr);
  } else if (!connected && was) {
    w->status = TERN_WLAN_IDLE;
    tern_bus_post(w->loop, TERN_BUS_NET_DOWN, w->ifname);
  } else if (addr_changed) {
    tern_bus_post(w->loop, TERN_BUS_ADDR_CHANGED, w->addr);
  }
}

static void on_netlink(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  /* Any link or address message may concern us: re-read the state. */
  if (ev == TERN_EV_READ) refresh(c->fn_data);
}

struct tern_wlan *tern_wlan_new(struct tern_loop *loop, const struct tern_wlan_opts *o, int *err) {
  if (!o->ifname || strlen(o->ifname) > IF_NAMESIZE) {
    *err = TERN_EINVAL;
    return NULL;
  }
  struct tern_wlan *w = tern_alloc(loop->alloc, sizeof(*w));
  if (!w) {
    *err = TERN_ENOMEM;
    return NULL;
  }
  w->loop = loop;
  w->net_id = -1;
  w->assume_wireless = o->assume_wireless;
  snprintf(w->ifname, sizeof(w->ifname), "%s", o->ifname);
  snprintf(w->ctrl_dir, sizeof(w->ctrl_dir), "%.79s",
           o->wpa_ctrl_dir ? o->wpa_ctrl_dir : "/var/run/wpa_supplicant");
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR};
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    if (fd >= 0) close(fd);
    tern_free(loop->alloc, w);
    *err = TERN_EIO;
    return NULL;
  }
  w->nl = tern_port_adopt_fd(loop, fd, on_netlink, w);
  /* the starting state, without events: nothing changed yet */
  read_state(w, &w->up, w->addr, sizeof(w->addr), NULL, 0);
  w->connected = w->up && w->addr[0];
  w->status = w->connected ? TERN_WLAN_GOT_IP : TERN_WLAN_IDLE;
  *err = 0;
  return w;
}

int tern_wlan_active(struct tern_wlan *w) { return if_nametoindex(w->ifname) != 0 && w->up; }

int tern_wlan_isconnected(struct tern_wlan *w) { return w->connected; }
int tern_wlan_status(struct tern_wlan *w) { return w->status; }
const char *tern_wlan_reason(struct tern_wlan *w) { return w->reason; }

static int is_wireless(const char *ifname) {
  char path[128];
  struct stat st;
  snprintf(path, sizeof(path), "/sys/class/net/%s/wireless", ifname);
  return stat(path, &st) == 0;
}

/* One request/reply on wpa_supplicant's control socket (a local datagram
 * socket: the answer comes within milliseconds, so this waits at most 1 s). */
static int wpa_request(struct tern_wlan *w, const char *cmd, char *reply, size_t replylen) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return TERN_EIO;
  struct sockaddr_un local = {.sun_family = AF_UNIX}, remote = {.sun_family = AF_UNIX};
  static unsigned counter;
  snprintf(local.sun_path, sizeof(local.sun_path), "/tmp/tern-wpa-%d-%u", (int)getpid(), counter++);
  snprintf(remote.sun_path, sizeof(remote.sun_path), "%s/%s", w->ctrl_dir, w->ifname);
  unlink(local.sun_path);
  struct timeval tv = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int rc = TERN_EIO;
  if (bind(fd, (struct sockaddr *)&local, sizeof(local)) == 0 &&
      connect(fd, (struct sockaddr *)&remote, sizeof(remote)) == 0 &&
      send(fd, cmd, strlen(cmd), 0) >= 0) {
    ssize_t n = recv(fd, reply, replylen - 1, 0);
    if (n >= 0) {
      reply[n] = '\0';
      rc = 0;
    } else rc = TERN_ETIMEDOUT;
  }
  close(fd);
  unlink(local.sun_path);
  return rc;
}

static int wpa_join(struct tern_wlan *w, const char *ssid, const char *password) {
  char cmd[256], reply[2048];
  if (wpa_request(w, "ADD_NETWORK", reply, sizeof(reply)) != 0) return TERN_EUNREACH;
  w->net_id = atoi(reply);
  if (tern_wpa_set_quoted(cmd, sizeof(cmd), w->net_id, "ssid", ssid) < 0) return TERN_EINVAL;
  if (wpa_request(w, cmd, reply, sizeof(reply)) != 0 || strncmp(reply, "OK", 2)) return TERN_EPROTO;
  if (password && *password) {
    if (tern_wpa_set_quoted(cmd, sizeof(cmd), w->net_id, "psk", password) < 0) return TERN_EINVAL;
  } else {
    snprintf(cmd, sizeof(cmd), "SET_NETWORK %d key_mgmt NONE", w->net_id);
  }
  if (wpa_request(w, cmd, reply, sizeof(reply)) != 0 || strncmp(reply, "OK", 2)) return TERN_EPROTO;
  snprintf(cmd, sizeof(cmd), "ENABLE_NETWORK %d", w->net_id);
  if (wpa_request(w, cmd, reply, sizeof(reply)) != 0 || strncmp(reply, "OK", 2)) return TERN_EPROTO;
  return 0;
}

static void connect_timeout(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_wlan *w = arg;
  refresh(w);
  if (w->connected) return;
  char reply[2048], state[64] = "";
  if (w->net_id >= 0 && wpa_request(w, "STATUS", reply, sizeof(reply)) == 0)
    tern_wpa_status_get(reply, "wpa_state", state, sizeof(state));
  if (!strcmp(state, "4WAY_HANDSHAKE")) w->status = TERN_WLAN_WRONG_PASSWORD;
  else if (!strcmp(state, "SCANNING") || !strcmp(state, "DISCONNECTED"))
    w->status = TERN_WLAN_NO_AP;
  else w->status = TERN_WLAN_FAIL;
  snprintf(w->reason, sizeof(w->reason), "%s",
           w->status == TERN_WLAN_WRONG_PASSWORD ? "wrong password"
           : w->status == TERN_WLAN_NO_AP        ? "network not found"
           : w->up                               ? "no address on the link"
                                                 : "link is down");
  tern_wlan_disconnect(w); /* free what connect took */
}

int tern_wlan_connect(struct tern_wlan *w, const char *ssid, const char *password,
                      uint32_t timeout_ms) {
  refresh(w);
  w->reason[0] = '\0';
  if (w->connected) return 0;
  if (!if_nametoindex(w->ifname)) {
    snprintf(w->reason, sizeof(w->reason), "no interface named %s", w->ifname);
    w->status = TERN_WLAN_FAIL;
    return TERN_ENOTFOUND;
  }
  w->status = TERN_WLAN_CONNECTING;
  if (ssid && *ssid) {
    if (!w->assume_wireless && !is_wireless(w->ifname)) {
      TERN_INFO(w->loop, "wlan: %s is not a wireless interface: using the link as it is",
                w->ifname);
    } else {
      int rc = wpa_join(w, ssid, password);
      if (rc) {
        snprintf(w->reason, sizeof(w->reason), "wpa_supplicant (%s/%s): %s", w->ctrl_dir, w->ifname,
                 tern_strerror(rc));
        w->status = TERN_WLAN_FAIL;
        return rc;
      }
    }
  }
  tern_timer_start(w->loop, &w->timer, timeout_ms ? timeout_ms : 10000, 0, connect_timeout, w);
  return 0;
}

int tern_wlan_connect_wait(struct tern_wlan *w, const char *ssid, const char *password,
                           uint32_t timeout_ms) {
  int rc = tern_wlan_connect(w, ssid, password, timeout_ms);
  if (rc) return rc;
  while (w->status == TERN_WLAN_CONNECTING) tern_loop_poll(w->loop, 1000);
  return w->connected ? 0 : TERN_ETIMEDOUT;
}

int tern_wlan_ifconfig(struct tern_wlan *w, struct tern_wlan_ifconfig *out) {
  int up;
  memset(out, 0, sizeof(*out));
  read_state(w, &up, out->address, sizeof(out->address), out->netmask, sizeof(out->netmask));
  if (!out->address[0]) return TERN_ENOTFOUND;
  /* the default route through this interface */
  FILE *f = fopen("/proc/net/route", "r");
  char line[256], ifn[IF_NAMESIZE + 1];
  unsigned long dest, gw;
  while (f && fgets(line, sizeof(line), f)) {
    if (sscanf(line, "%16s %lx %lx", ifn, &dest, &gw) == 3 && !strcmp(ifn, w->ifname) &&
        dest == 0) {
      struct in_addr a = {.s_addr = (in_addr_t)gw};
      inet_ntop(AF_INET, &a, out->gateway, sizeof(out->gateway));
    }
  }
  if (f) fclose(f);
  f = fopen("/etc/resolv.conf", "r");
  while (f && fgets(line, sizeof(line), f))
    if (!out->dns[0] && sscanf(line, " nameserver %47s", out->dns) == 1) break;
  if (f) fclose(f);
  return 0;
}

int tern_wlan_disconnect(struct tern_wlan *w) {
  tern_timer_stop(w->loop, &w->timer);
  if (w->net_id >= 0) {
    char cmd[64], reply[256];
    snprintf(cmd, sizeof(cmd), "REMOVE_NETWORK %d", w->net_id);
    wpa_request(w, cmd, reply, sizeof(reply));
    w->net_id = -1;
  }
  if (w->status == TERN_WLAN_CONNECTING) w->status = TERN_WLAN_IDLE;
  return 0;
}

void tern_wlan_free(struct tern_wlan *w) {
  if (!w) return;
  tern_wlan_disconnect(w);
  if (w->nl) {
    w->nl->fn = NULL;
    tern_close_now(w->nl);
  }
  tern_free(w->loop->alloc, w);
}

int tern_port_iface_ipv4(const char *ifname, struct tern_addr *out) {
  struct ifaddrs *list, *a;
  int rc = TERN_ENOTFOUND;
  if (getifaddrs(&list) != 0) return TERN_EIO;
  for (a = list; a; a = a->ifa_next) {
    if (strcmp(a->ifa_name, ifname) || !a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    memset(out, 0, sizeof(*out));
    memcpy(out->ip, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, 4);
    rc = 0;
    break;
  }
  freeifaddrs(list);
  return rc;
}

int tern_port_iface_ipv6(const char *ifname, struct tern_addr *out) {
  struct ifaddrs *list, *a;
  int rc = TERN_ENOTFOUND;
  if (getifaddrs(&list) != 0) return TERN_EIO;
  for (a = list; a; a = a->ifa_next) {
    if (strcmp(a->ifa_name, ifname) || !a->ifa_addr || a->ifa_addr->sa_family != AF_INET6) continue;
    memset(out, 0, sizeof(*out));
    memcpy(out->ip, &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, 16);
    out->is_ip6 = 1;
    rc = 0;
    break;
  }
  freeifaddrs(list);
  return rc;
}

int tern_port_dns_servers(struct tern_addr *out, int max) {
  (void)out, (void)max;
  return 0; /* Linux keeps them in /etc/resolv.conf: the resolver reads it */
}

int tern_port_ifaces(struct tern_iface_info *out, int max) {
  struct ifaddrs *list, *a;
  int n = 0;
  if (getifaddrs(&list) != 0) return TERN_EIO;
  for (a = list; a && n < max; a = a->ifa_next) {
    if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
      continue;
    struct tern_iface_info *i = &out[n++];
    memset(i, 0, sizeof(*i));
    snprintf(i->name, sizeof(i->name), "%s", a->ifa_name);
    if (a->ifa_addr->sa_family == AF_INET) {
      memcpy(i->addr.ip, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, 4);
    } else {
      memcpy(i->addr.ip, &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, 16);
      i->addr.is_ip6 = 1;
    }
    i->up = (a->ifa_flags & IFF_UP) != 0;
    i->multicast = (a->ifa_flags & IFF_MULTICAST) != 0;
    i->loopback = (a->ifa_flags & IFF_LOOPBACK) != 0;
  }
  freeifaddrs(list);
  return n;
}
