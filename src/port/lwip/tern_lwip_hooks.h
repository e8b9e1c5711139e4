/* The lwIP hooks tern's port implements (net_lwip.c); lwipopts.h names them. */
#ifndef TERN_LWIP_HOOKS_H
#define TERN_LWIP_HOOKS_H
#include "lwip/netif.h"
#include "lwip/prot/dhcp.h"
struct pbuf;
void tern_lwip_dhcp_append(struct dhcp_msg *msg, u16_t *options_len);
void tern_lwip_dhcp_option(struct netif *netif, u8_t msg_type, u8_t option, u8_t len,
                           struct pbuf *p, u16_t offset);
#endif
