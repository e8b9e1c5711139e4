/* SMSC LAN9118 (and LAN9220) Ethernet controller, 32-bit bus at 0x40200000
 * on mps2-an386. Frames go through FIFOs: a status word, then the frame as
 * little-endian words. The receive filter takes our own address, broadcast,
 * and multicast only through the 64-bit hash (CRC32 of the address, top 6
 * bits): joining a group sets its bit, and nothing else gets through (no
 * promiscuous or pass-all-multicast mode). The interrupt only raises a flag
 * and masks the chip; the loop reads the frames and unmasks it. */
#include <string.h>
#include "board.h"

#define ETH 0x40200000u
#define R(off) (*(volatile uint32_t *)(ETH + (off)))
#define RX_DATA R(0x00)
#define TX_DATA R(0x20)
#define RX_STATUS R(0x40)
#define TX_STATUS R(0x48)
#define ID_REV R(0x50)
#define IRQ_CFG R(0x54)
#define INT_STS R(0x58)
#define INT_EN R(0x5c)
#define BYTE_TEST R(0x64)
#define FIFO_INT R(0x68)
#define RX_CFG R(0x6c)
#define TX_CFG R(0x70)
#define HW_CFG R(0x74)
#define RX_DP_CTRL R(0x78)
#define RX_FIFO_INF R(0x7c)
#define TX_FIFO_INF R(0x80)
#define PMT_CTRL R(0x84)
#define MAC_CSR_CMD R(0xa4)
#define MAC_CSR_DATA R(0xa8)

/* MAC registers, reached through MAC_CSR_CMD/DATA */
enum { MAC_CR = 1, MAC_ADDRH, MAC_ADDRL, MAC_HASHH, MAC_HASHL, MAC_MII_ACC, MAC_MII_DATA };
#define MAC_CR_FDPX (1u << 20)
#define MAC_CR_HPFILT (1u << 13) /* multicast through the hash table */
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_RXEN (1u << 2)
#define INT_RSFL (1u << 3) /* a frame's status is in the RX status FIFO */
#define INT_PHY (1u << 18)
#define IRQ_EN (1u << 8)
#define IRQ_ACTIVE_HIGH 0x11u /* push-pull, active high: what the NVIC input wants */
#define RX_STS_ERROR (1u << 15)
#define RX_STS_FILTER_FAIL (1u << 30)
#define MAX_FRAME 1518

static volatile int irq_flag;
static struct tern_lan9118_stats stats;
static size_t rx_len; /* the frame whose status was read, with its CRC; 0: none */

static void busy_wait(volatile uint32_t *reg, uint32_t bit) {
  for (int i = 0; i < 100000 && (*reg & bit); i++) {}
}

static uint32_t mac_read(int reg) {
  MAC_CSR_CMD = 0xC0000000u | (uint32_t)reg; /* busy, read */
  busy_wait(&MAC_CSR_CMD, 0x80000000u);
  return MAC_CSR_DATA;
}

static void mac_write(int reg, uint32_t v) {
  MAC_CSR_DATA = v;
  MAC_CSR_CMD = 0x80000000u | (uint32_t)reg;
  busy_wait(&MAC_CSR_CMD, 0x80000000u);
}

static uint32_t phy_read(int reg) {
  mac_write(MAC_MII_ACC, (1u << 11) | ((uint32_t)reg << 6) | 1u); /* PHY 1, read, busy */
  for (int i = 0; i < 100000 && (mac_read(MAC_MII_ACC) & 1u); i++) {}
  return mac_read(MAC_MII_DATA) & 0xffff;
}

void tern_lan9118_isr(void) {
  INT_EN = 0; /* level-triggered: quiet until the loop has read the FIFO */
  irq_flag = 1;
}

int tern_lan9118_pending(void) {
  int f = irq_flag;
  irq_flag = 0;
  return f;
}

uint32_t tern_lan9118_id(void) { return ID_REV >> 16; }

int tern_lan9118_init(uint8_t mac[6]) {
  if (BYTE_TEST != 0x87654321u) return -1;
  uint32_t id = tern_lan9118_id();
  if (id != 0x0118 && id != 0x9220) return -1;
  HW_CFG = 1; /* soft reset */
  busy_wait(&HW_CFG, 1);
  for (int i = 0; i < 100000 && !(PMT_CTRL & 1u); i++) {} /* READY */
  uint32_t lo = mac_read(MAC_ADDRL), hi = mac_read(MAC_ADDRH);
  for (int i = 0; i < 4; i++) mac[i] = (uint8_t)(lo >> (8 * i));
  mac[4] = (uint8_t)hi, mac[5] = (uint8_t)(hi >> 8);
  if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) { /* no EEPROM: a local address */
    static const uint8_t local[6] = {0x02, 0x00, 0x74, 0x65, 0x72, 0x6e};
    memcpy(mac, local, 6);
    mac_write(MAC_ADDRL, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
                             (uint32_t)mac[3] << 24);
    mac_write(MAC_ADDRH, (uint32_t)mac[4] | (uint32_t)mac[5] << 8);
  }
  mac_write(MAC_HASHH, 0);
  mac_write(MAC_HASHL, 0);
  /* after reset the chip is promiscuous: this leaves only our address,
   * broadcast and the hashed groups */
  mac_write(MAC_CR, MAC_CR_FDPX | MAC_CR_HPFILT | MAC_CR_TXEN | MAC_CR_RXEN);
  RX_CFG = 0;       /* no offset, no end padding */
  TX_CFG = 1u << 1; /* TX_ON */
  FIFO_INT = 0;     /* RX status level 0: interrupt on the first frame */
  INT_STS = 0xffffffffu;
  IRQ_CFG = IRQ_EN | IRQ_ACTIVE_HIGH;
  INT_EN = INT_RSFL | INT_PHY;
  tern_board_enable_eth_irq();
  return 0;
}

void tern_lan9118_irq_enable(void) {
  INT_STS = INT_RSFL | INT_PHY;
  INT_EN = INT_RSFL | INT_PHY;
}

static void phy_write(int reg, uint32_t v) {
  mac_write(MAC_MII_DATA, v);
  mac_write(MAC_MII_ACC, (1u << 11) | ((uint32_t)reg << 6) | 2u | 1u); /* PHY 1, write, busy */
  for (int i = 0; i < 100000 && (mac_read(MAC_MII_ACC) & 1u); i++) {}
}

void tern_lan9118_loopback(int on) {
  uint32_t bmcr = phy_read(0);
  phy_write(0, on ? bmcr | (1u << 14) : bmcr & ~(1u << 14));
}

int tern_lan9118_link_up(void) { return (phy_read(1) & (1u << 2)) != 0; }

size_t tern_lan9118_rx_peek(void) {
  while (!rx_len && ((RX_FIFO_INF >> 16) & 0xff)) {
    uint32_t st = RX_STATUS;
    size_t len = (st >> 16) & 0x3fff;
    if ((st & (RX_STS_ERROR | RX_STS_FILTER_FAIL)) || len < 18 || len > MAX_FRAME) {
      stats.rx_errors++;
      for (size_t w = (len + 3) / 4; w; w--) (void)RX_DATA; /* skip its words */
      continue;
    }
    rx_len = len;
  }
  return rx_len ? rx_len - 4 : 0; /* without the CRC */
}

/* buf must hold the frame rounded up to 4 bytes plus 4: the CRC word(s) are read too */
void tern_lan9118_rx_read(void *buf, size_t len) {
  (void)len;
  uint32_t *w = buf;
  size_t words = (rx_len + 3) / 4, data_words = (rx_len - 4 + 3) / 4;
  for (size_t i = 0; i < data_words; i++) w[i] = RX_DATA;
  for (size_t i = data_words; i < words; i++) (void)RX_DATA;
  rx_len = 0;
  stats.rx_frames++;
}

void tern_lan9118_rx_drop(void) {
  for (size_t w = (rx_len + 3) / 4; w; w--) (void)RX_DATA;
  rx_len = 0;
  stats.rx_dropped++;
}

/* A frame goes out in three steps so that an lwIP pbuf chain streams into
 * the FIFO piece by piece: no gathering copy, no limit on the pieces. */
static uint32_t tx_acc;
static int tx_n;

int tern_lan9118_tx_begin(size_t total) {
  if (total > MAX_FRAME - 4) return -1;
  while ((TX_FIFO_INF >> 16) & 0xff) (void)TX_STATUS; /* statuses we do not need */
  if ((TX_FIFO_INF & 0xffff) < total + 8) {
    stats.tx_full++;
    return -1;
  }
  /* one buffer: first and last segment, no offset; the tag is the length */
  TX_DATA = (1u << 13) | (1u << 12) | (uint32_t)total;
  TX_DATA = ((uint32_t)total << 16) | (uint32_t)total;
  tx_acc = 0, tx_n = 0;
  return 0;
}

void tern_lan9118_tx_write(const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t k = 0; k < len; k++) { /* little-endian words */
    tx_acc |= (uint32_t)p[k] << (8 * tx_n);
    if (++tx_n == 4) {
      TX_DATA = tx_acc;
      tx_acc = 0, tx_n = 0;
    }
  }
}

void tern_lan9118_tx_end(void) {
  if (tx_n) TX_DATA = tx_acc;
  tx_n = 0;
  stats.tx_frames++;
}

/* The Ethernet CRC (bits in wire order, MSB-first shift): its top 6 bits
 * pick the hash filter bit, as in the datasheet's multicast hash table. */
uint32_t tern_lan9118_hash_bit(const uint8_t mac[6]) {
  uint32_t crc = 0xffffffffu;
  for (int i = 0; i < 6; i++) {
    uint8_t b = mac[i];
    for (int k = 0; k < 8; k++, b >>= 1) {
      uint32_t carry = ((crc >> 31) ^ b) & 1u;
      crc <<= 1;
      if (carry) crc = (crc ^ 0x04c11db6u) | carry;
    }
  }
  return crc >> 26;
}

void tern_lan9118_hash_set(uint32_t hi, uint32_t lo) {
  mac_write(MAC_HASHH, hi);
  mac_write(MAC_HASHL, lo);
}

void tern_lan9118_stats(struct tern_lan9118_stats *st) { *st = stats; }
