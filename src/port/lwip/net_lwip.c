/* The lwIP port: port.h on lwIP 2.1's raw API, one thread, no OS (NO_SYS).
 * The loop owns the stack: each poll moves received frames from the
 * Ethernet driver into lwIP (netif->input runs here, never in the
 * interrupt), runs lwIP's timers, writes what connections queued, and
 * sleeps (wfi) when there is nothing to do.
 *
 * Backpressure both ways, nothing dropped:
 *  - receiving: segments are copied into the connection's buffer and the
 *    pbufs freed at once (received frames share one pool: a slow reader
 *    holding pool buffers would starve every other connection of its ACKs),
 *    but lwIP is told the bytes are taken (tcp_recved) only once the reader
 *    has consumed them. The window the peer sees is the room left in the
 *    reader's buffer, so a segment always fits (TCP_WND <= the buffer's cap,
 *    checked at init); should one not, lwIP keeps it and offers it again;
 *  - sending: tcp_write() takes what lwIP's send buffer has room for; the
 *    rest stays in the connection's buffer until tcp_sent() frees room.
 *
 * The board (LAN9118, SysTick, semihosting) is behind board/board.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../../core/loop_internal.h"
#include "../port.h"
#include "board/board.h"
#include "lwip/dhcp.h"
#include "lwip/prot/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/igmp.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"
#include "tern/error.h"
#include "tern_lwip.h"

#define TERN_LWIP_MAX_DNS 2

/* Per connection: the lwIP PCB, and what the reader has yet to consume of what it gave. */
struct lconn {
  struct tern_conn *c;
  struct tcp_pcb *tcp;
  struct udp_pcb *udp;
  size_t unread;                  /* bytes put in c's buffer and not yet consumed by it */
  uint8_t eof;                    /* the peer's FIN came, not yet told */
  uint32_t eof_rx_len, eof_since; /* the reader's progress while the FIN waits */
};

/* The one network interface and what DHCP said. lwIP itself is global (it
 * has one stack per image); this is the loop's view of it. */
struct lwport {
  struct tern_loop *loop;
  struct netif netif;
  uint8_t mac[6];
  int link_up, addr_posted;
  uint32_t last_link_check;
  ip4_addr_t dns[TERN_LWIP_MAX_DNS], ntp[TERN_LWIP_MAX_DNS];
  int ndns, nntp;
  uint8_t groups[64]; /* joins per hash bit of the multicast filter */
  struct tern_lwip_stats st;
};

static struct lwport *P; /* the port's state for lwIP's callbacks without an argument */

/* ---- the Ethernet interface ---- */

static err_t link_output(struct netif *netif, struct pbuf *p) {
  (void)netif;
  if (tern_lan9118_tx_begin(p->tot_len) != 0) {
    P->st.tx_full++;
    return ERR_MEM; /* TCP retransmits; a lost datagram is a lost datagram */
  }
  for (struct pbuf *q = p; q; q = q->next) tern_lan9118_tx_write(q->payload, q->len);
  tern_lan9118_tx_end();
  return ERR_OK;
}

#if LWIP_IGMP
/* Joining a group sets its bit in the chip's hash filter; leaving clears
 * it when no other joined group shares the bit. */
static err_t mac_filter(struct netif *netif, const ip4_addr_t *group,
                        enum netif_mac_filter_action act) {
  (void)netif;
  uint8_t mac[6] = {0x01, 0x00, 0x5e, ip4_addr2(group) & 0x7f, ip4_addr3(group), ip4_addr4(group)};
  uint32_t bit = tern_lan9118_hash_bit(mac);
  if (act == NETIF_ADD_MAC_FILTER) P->groups[bit]++;
  else if (P->groups[bit]) P->groups[bit]--;
  uint32_t hi = 0, lo = 0;
  for (int b = 0; b < 64; b++)
    if (P->groups[b]) {
      if (b & 32) hi |= 1u << (b & 31);
      else lo |= 1u << b;
    }
  tern_lan9118_hash_set(hi, lo);
  return ERR_OK;
}
#endif

static err_t eth_init(struct netif *netif) {
  netif->name[0] = 'e', netif->name[1] = 'n';
  netif->output = etharp_output;
  netif->linkoutput = link_output;
  netif->mtu = 1500;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, P->mac, 6);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
#if LWIP_IGMP
  netif->igmp_mac_filter = mac_filter;
  netif->flags |= NETIF_FLAG_IGMP;
#endif
  return ERR_OK;
}

/* Frames the chip holds go up the stack, here in the loop. */
static int receive_frames(void) {
  int n = 0;
  size_t len;
  while ((len = tern_lan9118_rx_peek()) != 0) {
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)((len + 3) / 4 * 4 + 4), PBUF_POOL);
    if (!p || p->next) { /* out of pool buffers (or one would not hold it): the chip drops */
      if (p) pbuf_free(p);
      tern_lan9118_rx_drop();
      P->st.rx_nobuf++;
      continue;
    }
    tern_lan9118_rx_read(p->payload, len);
    pbuf_realloc(p, (u16_t)len);
    if (P->netif.input(p, &P->netif) != ERR_OK) pbuf_free(p);
    n++;
  }
  return n;
}

static void post_addr(struct lwport *lp) {
  char ip[16];
  ip4addr_ntoa_r(netif_ip4_addr(&lp->netif), ip, sizeof(ip));
  tern_bus_post(lp->loop, lp->addr_posted ? TERN_BUS_ADDR_CHANGED : TERN_BUS_NET_UP, ip);
  lp->addr_posted = 1;
}

static void on_status(struct netif *netif) {
  if (!ip4_addr_isany_val(*netif_ip4_addr(netif))) post_addr(P);
}

static void check_link(struct lwport *lp) {
  int up = tern_lan9118_link_up();
  if (up == lp->link_up) return;
  lp->link_up = up;
  if (up) {
    netif_set_link_up(&lp->netif);
    dhcp_network_changed(&lp->netif);
  } else {
    netif_set_link_down(&lp->netif);
    lp->addr_posted = 0;
    tern_bus_post(lp->loop, TERN_BUS_NET_DOWN, NULL);
  }
}

/* ---- DHCP: the servers lwIP does not keep with LWIP_DNS 0 ---- */

/* The parameter request list is the last option lwIP wrote before this
 * hook: extend it in place with DNS (6) and NTP (42) servers. */
void tern_lwip_dhcp_append(struct dhcp_msg *msg, u16_t *options_len) {
  u16_t i = 0;
  while (i + 1 < *options_len) {
    u8_t op = msg->options[i], len = msg->options[i + 1];
    if (op == DHCP_OPTION_PAD) {
      i++;
      continue;
    }
    if (op == DHCP_OPTION_PARAMETER_REQUEST_LIST && i + 2 + len == *options_len &&
        *options_len + 2u < DHCP_OPTIONS_LEN - 1u) {
      msg->options[i + 1] = (u8_t)(len + 2);
      msg->options[(*options_len)++] = DHCP_OPTION_DNS_SERVER;
      msg->options[(*options_len)++] = DHCP_OPTION_NTP;
      return;
    }
    i = (u16_t)(i + 2 + len);
  }
}

void tern_lwip_dhcp_option(struct netif *netif, u8_t msg_type, u8_t option, u8_t len,
                           struct pbuf *p, u16_t offset) {
  (void)netif;
  if (msg_type != DHCP_ACK || (option != DHCP_OPTION_DNS_SERVER && option != DHCP_OPTION_NTP))
    return;
  ip4_addr_t *out = option == DHCP_OPTION_DNS_SERVER ? P->dns : P->ntp;
  int n = 0;
  for (u16_t k = 0; k + 4 <= len && n < TERN_LWIP_MAX_DNS; k += 4) {
    u32_t v;
    if (pbuf_copy_partial(p, &v, 4, (u16_t)(offset + k)) != 4) break;
    ip4_addr_set_u32(&out[n++], v);
  }
  if (option == DHCP_OPTION_DNS_SERVER) P->ndns = n;
  else P->nntp = n;
}

uint32_t tern_lwip_rand(void) {
  uint32_t r = 0;
  tern_port_random(&r, sizeof(r));
  return r;
}

/* lwIP's clock (NO_SYS: the loop provides it) */
u32_t sys_now(void) { return tern_board_millis(); }

/* ---- the loop ---- */

int tern_port_init(struct tern_loop *loop) {
  if (P) return TERN_ELIMIT;                       /* one stack, one loop */
  if (loop->buf_cap < TCP_WND) return TERN_EINVAL; /* a full window must fit a conn's buffer */
  struct lwport *lp = tern_alloc(loop->alloc, sizeof(*lp));
  if (!lp) return TERN_ENOMEM;
  lp->loop = loop;
  loop->port = P = lp;
  if (tern_lan9118_init(lp->mac) != 0) {
    tern_free(loop->alloc, lp);
    loop->port = P = NULL;
    return TERN_ENOTFOUND;
  }
  lwip_init();
  netif_add(&lp->netif, NULL, NULL, NULL, NULL, eth_init, ethernet_input);
  netif_set_default(&lp->netif);
  netif_set_status_callback(&lp->netif, on_status);
  netif_set_up(&lp->netif);
  lp->link_up = tern_lan9118_link_up();
  if (lp->link_up) netif_set_link_up(&lp->netif);
  dhcp_start(&lp->netif);
  return 0;
}

void tern_port_free(struct tern_loop *loop) {
  struct lwport *lp = loop->port;
  if (!lp) return;
  dhcp_release_and_stop(&lp->netif);
  netif_remove(&lp->netif);
  tern_free(loop->alloc, lp);
  loop->port = P = NULL;
}

int tern_port_wake(struct tern_loop *loop) {
  (void)loop;
  return 0; /* interrupts end the wfi by themselves */
}

static struct lconn *lc_of(struct tern_conn *c) {
  return c->fd >= 0 ? (struct lconn *)c->fd : NULL;
}

static struct lconn *lc_new(struct tern_conn *c) {
  struct lconn *lc = tern_alloc(c->loop->alloc, sizeof(*lc));
  if (!lc) return NULL;
  lc->c = c;
  c->fd = (intptr_t)lc;
  return lc;
}

static void to_tern_addr(const ip_addr_t *ip, uint16_t port, struct tern_addr *out) {
  memset(out, 0, sizeof(*out));
  u32_t v = ip4_addr_get_u32(ip_2_ip4(ip));
  memcpy(out->ip, &v, 4); /* both in network order */
  out->port = port;
}

static void to_ip(const struct tern_addr *a, ip_addr_t *out) {
  u32_t v;
  memcpy(&v, a->ip, 4);
  ip_addr_set_ip4_u32(out, v);
}

static int from_err(err_t e) {
  switch (e) {
  case ERR_OK: return 0;
  case ERR_MEM:
  case ERR_BUF: return TERN_ENOMEM;
  case ERR_USE: return TERN_EADDRINUSE;
  case ERR_RTE: return TERN_EUNREACH;
  case ERR_TIMEOUT: return TERN_ETIMEDOUT;
  case ERR_RST: return TERN_ECONNRESET;
  case ERR_ABRT: return TERN_ECONNRESET;
  case ERR_CLSD: return TERN_ECONNRESET;
  case ERR_VAL:
  case ERR_ARG: return TERN_EINVAL;
  default: return TERN_EIO;
  }
}

/* ---- TCP ---- */

/* What the reader consumed since the last look opens the window again;
 * a FIN waiting behind unread bytes is told once they are read. */
static int settle(struct lconn *lc) {
  struct tern_conn *c = lc->c;
  struct tern_buf *rx = tern_conn_wire_rx(c);
  int moved = 0;
  if (lc->unread > rx->len) {
    size_t done = lc->unread - rx->len;
    lc->unread = rx->len;
    for (; lc->tcp && done; moved = 1) {
      u16_t n = done > 0xffff ? 0xffff : (u16_t)done;
      tcp_recved(lc->tcp, n);
      done -= n;
    }
  }
  if (lc->eof && !c->is_closing) {
    /* The core closes a conn at EOF: while its reader is paused with bytes
     * still unread, the FIN waits (a reader that takes nothing for a second
     * is waiting for bytes that will never come: then it is told). */
    uint32_t now = tern_board_millis();
    if (rx->len != lc->eof_rx_len) lc->eof_rx_len = (uint32_t)rx->len, lc->eof_since = now;
    if (rx->len && now - lc->eof_since < 1000) return moved;
    lc->eof = 0;
    tern_core_on_eof(c);
    moved = 1;
  }
  return moved;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  struct lconn *lc = arg;
  (void)pcb;
  if (!lc) { /* the conn is gone: lwIP closes for us */
    if (p) pbuf_free(p);
    return ERR_OK;
  }
  if (err != ERR_OK && p) {
    pbuf_free(p);
    return ERR_OK;
  }
  struct tern_buf *rx = tern_conn_wire_rx(lc->c);
  if (!p) {
    lc->eof = 1;
    lc->eof_rx_len = (uint32_t)rx->len;
    lc->eof_since = tern_board_millis();
    settle(lc);
    return ERR_OK;
  }
  if (lc->c->is_closing) { /* nobody will read it: taken, and dropped */
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  if (rx->cap - rx->len < p->tot_len || tern_buf_reserve(rx, p->tot_len) != 0) {
    P->st.rx_refused++;
    return ERR_MEM; /* no room (or memory): lwIP keeps the segment and offers it again */
  }
  for (struct pbuf *q = p; q; q = q->next) tern_buf_append(rx, q->payload, q->len);
  lc->unread += p->tot_len;
  pbuf_free(p);
  tern_core_on_data(lc->c);
  settle(lc); /* the reader may have taken it all at once */
  return ERR_OK;
}

/* Write what c queued, as much as lwIP's send buffer takes. */
static int flush_tcp(struct lconn *lc) {
  struct tern_conn *c = lc->c;
  struct tern_buf *tx = tern_conn_wire_tx(c);
  if (!lc->tcp || !tx->len || c->is_connecting) return 0;
  size_t n = tx->len, room = tcp_sndbuf(lc->tcp);
  if (n > room) n = room;
  if (n > 0xffff) n = 0xffff;
  if (n == 0) return 0;
  /* copied into lwIP's segments: the connection's buffer is free at once */
  err_t e = tcp_write(lc->tcp, tx->data, (u16_t)n, TCP_WRITE_FLAG_COPY);
  if (e == ERR_MEM) {
    P->st.tx_waits++;
    return 0; /* no segment memory now: tcp_sent() brings us back */
  }
  if (e != ERR_OK) {
    tern_conn_fail(c, from_err(e), "tcp_write failed");
    return 0;
  }
  tcp_output(lc->tcp);
  tern_buf_consume(tx, n);
  tern_core_on_sent(c, n);
  return 1;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)pcb, (void)len;
  struct lconn *lc = arg;
  if (lc) flush_tcp(lc);
  return ERR_OK;
}

static void on_err(void *arg, err_t err) {
  struct lconn *lc = arg;
  if (!lc) return;
  lc->tcp = NULL; /* lwIP has freed the PCB */
  struct tern_conn *c = lc->c;
  if (c->is_connecting)
    tern_conn_fail(c, err == ERR_RST ? TERN_ECONNREFUSED : from_err(err),
                   err == ERR_RST ? "connection refused" : "connect failed");
  else tern_conn_fail(c, from_err(err), err == ERR_RST ? "connection reset by peer" : NULL);
}

static void attach_tcp(struct lconn *lc, struct tcp_pcb *pcb) {
  lc->tcp = pcb;
  tcp_arg(pcb, lc);
  tcp_recv(pcb, on_recv);
  tcp_sent(pcb, on_sent);
  tcp_err(pcb, on_err);
  tcp_nagle_disable(pcb); /* tern writes whole messages: send them now */
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
  struct lconn *ll = arg;
  if (err != ERR_OK || !pcb || !ll) return ERR_VAL;
  struct tern_conn *l = ll->c;
  struct tern_conn *c = tern_conn_alloc(l->loop, l->fn, l->fn_data);
  struct lconn *lc = c ? lc_new(c) : NULL;
  if (!lc) {
    if (c) tern_conn_mark_closing(c);
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  attach_tcp(lc, pcb);
  to_tern_addr(&pcb->local_ip, pcb->local_port, &c->local);
  to_tern_addr(&pcb->remote_ip, pcb->remote_port, &c->peer);
  tern_core_on_accept(l, c);
  return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  struct lconn *lc = arg;
  if (!lc) return ERR_ABRT;
  if (err != ERR_OK) return ERR_OK; /* on_err follows */
  to_tern_addr(&pcb->local_ip, pcb->local_port, &lc->c->local);
  tern_core_on_connected(lc->c);
  flush_tcp(lc);
  return ERR_OK;
}

/* ---- UDP ---- */

static void on_datagram(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port) {
  (void)pcb;
  struct lconn *lc = arg;
  if (lc && !lc->c->is_closing) {
    struct tern_addr from;
    to_tern_addr(addr, port, &from);
    /* one frame, one pool pbuf (no IP reassembly): never a chain */
    if (!p->next) tern_core_on_datagram(lc->c, &from, p->payload, p->len);
  }
  pbuf_free(p);
}

static int udp_open(struct tern_conn *c, struct lconn *lc, const struct tern_addr *a) {
  lc->udp = udp_new();
  if (!lc->udp) return TERN_ENOMEM;
  ip_set_option(lc->udp, SOF_REUSEADDR); /* mDNS: the responder and a browser share 5353 */
  ip_addr_t ip;
  to_ip(a, &ip);
  err_t e = udp_bind(lc->udp, &ip, a->port);
  if (e != ERR_OK) return from_err(e);
  udp_recv(lc->udp, on_datagram, lc);
  to_tern_addr(&ip, lc->udp->local_port, &c->local);
  return 0;
}

/* ---- port.h: connections ---- */

int tern_port_listen(struct tern_conn *c, const struct tern_addr *a) {
  if (a->is_ip6) return TERN_EUNSUPPORTED;
  struct lconn *lc = lc_new(c);
  if (!lc) return TERN_ENOMEM;
  if (c->is_udp) return udp_open(c, lc, a);
  struct tcp_pcb *pcb = tcp_new();
  if (!pcb) return TERN_ENOMEM;
  ip_set_option(pcb, SOF_REUSEADDR);
  ip_addr_t ip;
  to_ip(a, &ip);
  err_t e = tcp_bind(pcb, &ip, a->port);
  if (e != ERR_OK) {
    tcp_close(pcb);
    return from_err(e);
  }
  struct tcp_pcb *l = tcp_listen_with_backlog(pcb, 2);
  if (!l) {
    tcp_close(pcb);
    return TERN_ENOMEM;
  }
  lc->tcp = l;
  tcp_arg(l, lc);
  tcp_accept(l, on_accept);
  c->local = *a;
  c->local.port = l->local_port;
  return 0;
}

/* lwIP binds to any address it is given; the sockets API (and so tern)
 * refuses one that no interface has. */
static int local_ip_ok(const struct tern_addr *a) {
  if (a->is_ip6) return TERN_EUNSUPPORTED;
  ip_addr_t ip;
  to_ip(a, &ip);
  if (ip_addr_isany(&ip)) return 0;
  struct netif *n;
  NETIF_FOREACH(n) {
    if (ip_addr_cmp(&n->ip_addr, &ip)) return 0;
  }
  return TERN_EADDRNOTAVAIL;
}

int tern_port_connect(struct tern_conn *c, const struct tern_addr *a) {
  if (a->is_ip6) return TERN_EUNSUPPORTED;
  struct tern_addr local = {.port = 0};
  if (c->is_bound_local) {
    int rc = local_ip_ok(&c->local);
    if (rc) return rc;
    local = c->local;
  }
  struct lconn *lc = lc_new(c);
  if (!lc) return TERN_ENOMEM;
  if (c->is_udp) {
    int rc = udp_open(c, lc, &local);
    if (rc) return rc;
    ip_addr_t ip;
    to_ip(a, &ip);
    return from_err(udp_connect(lc->udp, &ip, a->port));
  }
  struct tcp_pcb *pcb = tcp_new();
  if (!pcb) return TERN_ENOMEM;
  attach_tcp(lc, pcb);
  ip_addr_t ip;
  err_t e = ERR_OK;
  if (c->is_bound_local) {
    to_ip(&local, &ip);
    e = tcp_bind(pcb, &ip, 0);
  }
  to_ip(a, &ip);
  if (e == ERR_OK) e = tcp_connect(pcb, &ip, a->port, on_connected);
  if (e != ERR_OK) {
    tcp_arg(pcb, NULL);
    tcp_abort(pcb);
    lc->tcp = NULL;
    return from_err(e);
  }
  return 0;
}

void tern_port_close(struct tern_conn *c) {
  struct lconn *lc = lc_of(c);
  if (!lc) return;
  if (lc->tcp) {
    struct tcp_pcb *pcb = lc->tcp;
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
      tcp_close(pcb);
    } else {
      tcp_recv(pcb, NULL);
      tcp_sent(pcb, NULL);
      tcp_err(pcb, NULL);
      /* a reset when data is left unread (as the sockets API does) */
      if (tern_conn_wire_rx(c)->len || tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
    }
  }
  if (lc->udp) udp_remove(lc->udp);
  tern_free(c->loop->alloc, lc);
  c->fd = -1;
}

void tern_port_want_write(struct tern_conn *c) {
  struct lconn *lc = lc_of(c);
  if (lc && lc->tcp && !c->is_listening) flush_tcp(lc);
}

int tern_port_sendto(struct tern_conn *c, const struct tern_addr *to, const void *d, size_t n) {
  struct lconn *lc = lc_of(c);
  if (!lc || !lc->udp) return TERN_EINVAL;
  if (n > 1472) return TERN_ELIMIT;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
  if (!p) return TERN_ENOMEM;
  memcpy(p->payload, d, n);
  ip_addr_t ip;
  to_ip(to, &ip);
  err_t e = udp_sendto(lc->udp, p, &ip, to->port);
  pbuf_free(p);
  return from_err(e);
}

int tern_port_udp_join(struct tern_conn *c, const char *group, const char *ifname) {
  (void)ifname; /* one interface */
  struct lconn *lc = lc_of(c);
  ip4_addr_t g;
  if (!lc || !lc->udp || !ip4addr_aton(group, &g)) return TERN_EINVAL;
#if LWIP_IGMP
  return from_err(igmp_joingroup_netif(&P->netif, &g));
#else
  return TERN_EUNSUPPORTED; /* built without multicast (LWIP_IGMP 0) */
#endif
}

int tern_port_udp_mcast_if(struct tern_conn *c, const char *ifname, int loop_back, int ttl) {
  (void)ifname, (void)loop_back; /* one interface; lwIP does not loop its own multicast back */
  struct lconn *lc = lc_of(c);
  if (!lc || !lc->udp) return TERN_EINVAL;
#if LWIP_MULTICAST_TX_OPTIONS
  udp_set_multicast_ttl(lc->udp, (u8_t)(ttl > 0 ? ttl : 1));
  udp_set_multicast_netif_addr(lc->udp, netif_ip4_addr(&P->netif));
  return 0;
#else
  (void)ttl;
  return TERN_EUNSUPPORTED;
#endif
}

struct tern_conn *tern_port_adopt_fd(struct tern_loop *loop, intptr_t fd, tern_conn_fn fn,
                                     void *fn_data) {
  (void)loop, (void)fd, (void)fn, (void)fn_data;
  return NULL; /* no descriptors on a microcontroller */
}

/* ---- time and randomness ---- */

uint32_t tern_port_millis(void) { return tern_board_millis(); }
uint64_t tern_port_micros(void) { return tern_board_micros(); }
int64_t tern_port_wall_micros(void) { return 0; } /* no battery clock: SNTP sets tern's */
int tern_port_set_wall_micros(int64_t unix_us) {
  (void)unix_us;
  return TERN_EUNSUPPORTED;
}

/* The board has no random number generator: a seed from the host
 * (--entropy-seed, see tern_lwip_seed) stirred with the timer's low bits.
 * Good enough for ports, IDs and DNS query IDs; not for keys (docs/PORTING.md). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
void tern_lwip_seed(const void *seed, size_t n) {
  const uint8_t *s = seed;
  for (size_t i = 0; i < n; i++) rng_state = (rng_state ^ s[i]) * 0x100000001b3ull;
}
int tern_port_random(void *buf, size_t n) {
  uint8_t *p = buf;
  rng_state ^= tern_board_micros();
  for (size_t i = 0; i < n; i++) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    p[i] = (uint8_t)((rng_state * 2685821657736338717ull) >> 56);
  }
  return 0;
}

/* ---- interfaces ---- */

int tern_port_ifaces(struct tern_iface_info *out, int max) {
  if (max < 1 || !P) return 0;
  memset(out, 0, sizeof(*out));
  strcpy(out->name, "en0");
  to_tern_addr(&P->netif.ip_addr, 0, &out->addr);
  out->up = netif_is_up(&P->netif) && netif_is_link_up(&P->netif);
  out->multicast = 1;
  return 1;
}

int tern_port_iface_ipv4(const char *ifname, struct tern_addr *out) {
  if (!P || (ifname && ifname[0] && strcmp(ifname, "en0"))) return TERN_ENOTFOUND;
  if (ip4_addr_isany_val(*netif_ip4_addr(&P->netif))) return TERN_ENOTFOUND;
  to_tern_addr(&P->netif.ip_addr, 0, out);
  return 0;
}

int tern_port_iface_ipv6(const char *ifname, struct tern_addr *out) {
  (void)ifname, (void)out;
  return TERN_ENOTFOUND;
}

void tern_port_release_memory(void) {}

void tern_lwip_diag(const char *fmt, ...) {
  char line[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  line[strcspn(line, "\n")] = '\0';
  tern_port_log(line);
}

void tern_port_log(const char *line) {
  tern_board_uart_write(line, strlen(line));
  tern_board_uart_write("\r\n", 2);
}

/* ---- what the rest of the firmware asks the port ---- */

int tern_lwip_ifconfig(char *addr, char *mask, char *gw, char *dns, size_t len) {
  if (!P || ip4_addr_isany_val(*netif_ip4_addr(&P->netif))) return TERN_ENOTFOUND;
  ip4addr_ntoa_r(netif_ip4_addr(&P->netif), addr, (int)len);
  ip4addr_ntoa_r(netif_ip4_netmask(&P->netif), mask, (int)len);
  ip4addr_ntoa_r(netif_ip4_gw(&P->netif), gw, (int)len);
  dns[0] = '\0';
  if (P->ndns) ip4addr_ntoa_r(&P->dns[0], dns, (int)len);
  return 0;
}

int tern_lwip_link_up(void) { return P && P->link_up; }

/* DHCP's option 6, as the last lease gave it */
int tern_port_dns_servers(struct tern_addr *out, int max) {
  int n = 0;
  for (int i = 0; P && i < P->ndns && n < max; i++, n++) {
    memset(&out[n], 0, sizeof(out[n]));
    memcpy(out[n].ip, &P->dns[i].addr, 4); /* lwIP keeps it in network order, as tern does */
    out[n].port = 53;
  }
  return n;
}

int tern_lwip_ntp_servers(char out[][16], int max) {
  int n = 0;
  for (int i = 0; P && i < P->nntp && n < max; i++) ip4addr_ntoa_r(&P->ntp[i], out[n++], 16);
  return n;
}

void tern_lwip_get_stats(struct tern_lwip_stats *st) {
  if (P) *st = P->st;
  else memset(st, 0, sizeof(*st));
}

/* ---- polling ---- */

static int pending_work(struct tern_loop *loop) {
  if (tern_lan9118_rx_peek()) return 1;
  for (struct tern_conn *c = loop->conns; c; c = c->next) {
    struct lconn *lc = lc_of(c);
    if (!lc || c->is_closing) continue;
    struct tern_buf *rx = tern_conn_wire_rx(c);
    if (lc->unread > rx->len || (lc->eof && !rx->len)) return 1;
  }
  return 0;
}

int tern_port_poll(struct tern_loop *loop, int timeout_ms) {
  struct lwport *lp = loop->port;
  int n = 0;
  uint32_t start = tern_board_millis();
  for (;;) {
    n += receive_frames();
    sys_check_timeouts();
    for (struct tern_conn *c = loop->conns; c; c = c->next) {
      struct lconn *lc = lc_of(c);
      if (!lc || c->is_closing) continue;
      if (lc->unread > tern_conn_wire_rx(c)->len || lc->eof) n += settle(lc);
      if (lc->tcp && !c->is_listening) n += flush_tcp(lc);
    }
    uint32_t now = tern_board_millis();
    if (tern_lan9118_pending() || now - lp->last_link_check >= 500) {
      lp->last_link_check = now;
      check_link(lp);
      tern_lan9118_irq_enable();
    }
    if (n || pending_work(loop)) break;
    if (timeout_ms >= 0 && (int32_t)(now - start) >= timeout_ms) break;
    /* the next lwIP timer or a frame wakes us; SysTick every millisecond at the latest */
    tern_board_idle();
  }
  return n;
}
