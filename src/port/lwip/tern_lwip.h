/* What the lwIP port offers the firmware beyond port.h: the address DHCP
 * gave, the servers it named, the random seed, and counters. Used by the
 * port's own wlan.h and file backends and by the firmware's main. */
#ifndef TERN_LWIP_H
#define TERN_LWIP_H
#include <stddef.h>
#include <stdint.h>

struct tern_lwip_stats {
  uint32_t tx_full;    /* frames the chip's FIFO had no room for */
  uint32_t tx_waits;   /* tcp_write found no segment memory: waited for tcp_sent */
  uint32_t rx_nobuf;   /* received frames dropped for want of a pool pbuf */
  uint32_t rx_refused; /* segments lwIP offered again: no room in the reader's buffer */
};

/* Address, netmask, gateway and first DNS server as dotted text. */
int tern_lwip_ifconfig(char *addr, char *mask, char *gw, char *dns, size_t len);
int tern_lwip_link_up(void);
/* DHCP's NTP servers (option 42), dotted; the count. */
int tern_lwip_ntp_servers(char out[][16], int max);
/* Stirs bytes from the host (the firmware's --entropy-seed) into the generator. */
void tern_lwip_seed(const void *seed, size_t n);
/* The same seed for mbedTLS's entropy (entropy_lwip.c, TLS builds only);
 * ready once at least 16 bytes were given. */
void tern_lwip_entropy_seed(const void *seed, size_t n);
int tern_lwip_entropy_ready(void);
void tern_lwip_get_stats(struct tern_lwip_stats *st);
/* Files held in memory (the provisioned area's file-valued settings): the
 * port's file calls ask fn first; it returns the bytes of path, or NULL. */
typedef const uint8_t *(*tern_lwip_mem_file_fn)(void *arg, const char *path, size_t *len);
void tern_lwip_set_mem_files(tern_lwip_mem_file_fn fn, void *arg);
#endif
