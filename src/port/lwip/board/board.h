/* Board support for QEMU's mps2-an386 (Cortex-M4, CMSDK UART, LAN9118):
 * what the lwIP port and the firmware's main need from the hardware. */
#ifndef TERN_BOARD_H
#define TERN_BOARD_H
#include <stddef.h>
#include <stdint.h>

void tern_board_init(void);       /* clocks, SysTick, UART, interrupts */
uint32_t tern_board_millis(void); /* SysTick count since boot */
uint64_t tern_board_micros(void); /* SysTick count plus the current tick's progress */
void tern_board_enable_eth_irq(void);
void tern_board_idle(void); /* sleep until the next interrupt (wfi) */
void tern_board_uart_write(const void *data, size_t n);
size_t tern_board_stack_used(void); /* high-water mark of the painted stack */
size_t tern_board_stack_size(void);

/* Semihosting (ARM's host interface, bkpt 0xab): the command line and the
 * exit status, and host files for the storage area. */
int tern_semihost_cmdline(char *buf, size_t len);
void tern_semihost_exit(int status) __attribute__((noreturn));
int tern_semihost_open(const char *path, int mode); /* mode: 0 "rb", 4 "wb", 8 "ab"; -1 error */
int tern_semihost_close(int fd);
long tern_semihost_read(int fd, void *buf, size_t n);       /* bytes read */
int tern_semihost_write(int fd, const void *buf, size_t n); /* 0: all written */
long tern_semihost_flen(int fd);
int tern_semihost_seek(int fd, long pos);
int tern_semihost_remove(const char *path);
int tern_semihost_rename(const char *from, const char *to);

/* The LAN9118 (lan9118.c). */
struct tern_lan9118_stats {
  uint32_t rx_frames, tx_frames, rx_dropped, rx_errors, tx_full;
};
int tern_lan9118_init(uint8_t mac[6]); /* 0, or -1: no chip (id neither 0x0118 nor 0x9220) */
uint32_t tern_lan9118_id(void);
int tern_lan9118_link_up(void);
void tern_lan9118_loopback(int on); /* the PHY sends every frame back (driver tests) */
/* The length of the next received frame (0: none), and reading it. */
size_t tern_lan9118_rx_peek(void);
void tern_lan9118_rx_read(void *buf, size_t len); /* len as peeked; whole frame */
void tern_lan9118_rx_drop(void);                  /* the frame does not fit: skip it */
/* Sends one frame of total bytes: begin (-1 when the chip's FIFO has no
 * room: the caller counts, lwIP retransmits TCP), the bytes in as many
 * pieces as come (an lwIP pbuf chain), end. */
int tern_lan9118_tx_begin(size_t total);
void tern_lan9118_tx_write(const void *data, size_t len);
void tern_lan9118_tx_end(void);
/* The 64-bit multicast hash filter: bit (CRC32(mac) >> 26). */
void tern_lan9118_hash_set(uint32_t hi, uint32_t lo);
uint32_t tern_lan9118_hash_bit(const uint8_t mac[6]);
int tern_lan9118_pending(void);     /* the interrupt fired since the last call */
void tern_lan9118_irq_enable(void); /* after the loop read every frame */
void tern_lan9118_stats(struct tern_lan9118_stats *st);
#endif
