/* lwIP's options for tern's firmware: the raw API on one thread (NO_SYS),
 * IPv4 with DHCP, IGMP (for mDNS), UDP and TCP. Every pool is sized for the
 * device runtime (a handful of connections: MQTT, a console, a page, a
 * client GET) and counts against the RAM budget in docs/BENCHMARKS.md.
 * tern has its own DNS resolver and SNTP client, so lwIP's are off. */
#ifndef TERN_LWIPOPTS_H
#define TERN_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* the Ethernet interrupt only sets a flag */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_RAW 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
/* Packets to an address ARP has not resolved yet wait for the answer
 * (without this, lwIP keeps only the latest: the SNTP query sent beside
 * the MQTT connection's SYN at boot was lost and waited out a retry). */
#define ARP_QUEUEING 1
#define MEMP_NUM_ARP_QUEUE 8
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
#ifndef LWIP_IGMP
#define LWIP_IGMP 1 /* multicast for mDNS; an image without mDNS may set 0 (three.elf does) */
#endif
#define LWIP_DNS 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0 /* the port polls the PHY itself */
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_STATS 0
#define LWIP_NOASSERT 1 /* lwIP's checks of its own invariants: their messages cost flash */
#define LWIP_STATS_DISPLAY 0
#define LWIP_PROVIDE_ERRNO 1
#define IP_REASSEMBLY 0 /* no fragmented datagrams: mDNS and SNTP fit one frame */
#define IP_FRAG 0
#define SO_REUSE 1 /* several UDP PCBs on port 5353 (responder and browser) */

/* ---- memory ---- */
#define MEM_ALIGNMENT 4
#define MEM_SIZE (4 * 1024) /* lwIP's heap: outgoing TCP segments (copied) and UDP */
#define MEMP_NUM_PBUF 8
#define MEMP_NUM_UDP_PCB 6 /* DHCP, mDNS x2, SNTP, resolver, one spare */
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 3 /* console, page, one spare */
#define MEMP_NUM_TCP_SEG 16
#define MEMP_NUM_IGMP_GROUP 4
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
#define PBUF_POOL_SIZE 4       /* received frames: each is copied out and freed at once */
#define PBUF_POOL_BUFSIZE 1540 /* one frame per pbuf, CRC word included */

/* ---- TCP ---- */
#define TCP_MSS 1460
#define TCP_WND (2 * TCP_MSS) /* at most a connection's buffer (net_lwip.c checks it) */
#define TCP_SND_BUF (2 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1
#define LWIP_TCP_KEEPALIVE 0 /* MQTT pings, the console and the page time out idle peers */
#define TCP_QUEUE_OOSEQ 0    /* one LAN hop: a segment out of order is resent, not kept */

/* ---- hooks ---- */
/* With LWIP_DNS 0 lwIP's DHCP keeps no DNS servers: tern asks for options 6
 * and 42 and keeps them itself (net_lwip.c). */
#define LWIP_SINGLE_NETIF 1 /* one Ethernet interface: no list of netifs to walk */
#define LWIP_HOOK_FILENAME "tern_lwip_hooks.h"
#define LWIP_HOOK_DHCP_APPEND_OPTIONS(netif, dhcp, state, msg, msg_type, options_len_ptr)          \
  tern_lwip_dhcp_append(msg, options_len_ptr)
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset)  \
  ((void)(msg), tern_lwip_dhcp_option(netif, msg_type, option, len, pbuf, offset))
#include <stdint.h>
uint32_t tern_lwip_rand(void);
#define LWIP_RAND() tern_lwip_rand()

/* Without IGMP, joining a group answers TERN_EUNSUPPORTED and mDNS does not
 * start (it says so): the LAN9118's multicast filter is programmed through
 * IGMP, never by passing all multicast up. */
#if LWIP_DNS
#error "tern resolves names itself (src/dns/resolver.c); lwIP's resolver would be dead weight"
#endif
#if TCP_SND_BUF < 2 * TCP_MSS
#error "TCP_SND_BUF below two segments stalls on delayed ACKs"
#endif
#if PBUF_POOL_BUFSIZE < 1536
#error "a received frame must fit one pool pbuf (lan9118.c reads it in one go)"
#endif
#endif
