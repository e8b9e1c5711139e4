/* The LAN9118 driver against QEMU's model of the chip, with the PHY in
 * loopback so every frame sent comes back through the receive filter:
 * our own address and broadcast pass; a multicast group passes only while
 * its hash bit is set; other addresses and groups are dropped (the chip is
 * neither promiscuous nor passing all multicast). Exits with the number of
 * failed checks through semihosting (scripts: tests/integration/firmware_lan9118.sh). */
#include <stdio.h>
#include <string.h>
#include "board/board.h"

static int failed, passed;
static void check(const char *what, int ok) {
  printf("%s - %s\n", ok ? "ok  " : "FAIL", what);
  ok ? passed++ : failed++;
}

/* Sends a 60-byte frame to dst and says whether it came back intact. */
static int round_trip(const uint8_t mac[6], const uint8_t dst[6], uint8_t tag) {
  uint8_t frame[60] = {0}, back[64 + 8];
  memcpy(frame, dst, 6);
  memcpy(frame + 6, mac, 6);
  frame[12] = 0x88, frame[13] = 0xb5; /* the local experimental EtherType */
  for (int i = 14; i < 60; i++) frame[i] = (uint8_t)(tag + i);
  if (tern_lan9118_tx_begin(60) != 0) return -1;
  tern_lan9118_tx_write(frame, 21); /* in pieces of odd lengths, as a pbuf chain comes */
  tern_lan9118_tx_write(frame + 21, 30);
  tern_lan9118_tx_write(frame + 51, 9);
  tern_lan9118_tx_end();
  size_t len = tern_lan9118_rx_peek();
  if (!len) return 0;
  if (len > 64) {
    tern_lan9118_rx_drop();
    return -1;
  }
  tern_lan9118_rx_read(back, len);
  return len == 60 && !memcmp(back, frame, 60) ? 1 : -1;
}

int main(void) {
  tern_board_init();
  uint8_t mac[6];
  check("the chip answers with id 0x0118 or 0x9220", tern_lan9118_init(mac) == 0);
  printf("chip id %04x, mac %02x:%02x:%02x:%02x:%02x:%02x\n", (unsigned)tern_lan9118_id(), mac[0],
         mac[1], mac[2], mac[3], mac[4], mac[5]);
  tern_lan9118_loopback(1);
  static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                       mdns[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb},
                       other_group[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03},
                       stranger[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  uint32_t b_mdns = tern_lan9118_hash_bit(mdns), b_other = tern_lan9118_hash_bit(other_group);
  printf("hash bits: mDNS group %u, other group %u\n", (unsigned)b_mdns, (unsigned)b_other);
  check("the two groups fall in different hash bits", b_mdns != b_other);
  check("a frame to our own address comes back whole", round_trip(mac, mac, 1) == 1);
  check("a broadcast frame comes back", round_trip(mac, bcast, 2) == 1);
  check("a frame to another station's address is dropped", round_trip(mac, stranger, 3) == 0);
  check("a group not joined is dropped (empty hash)", round_trip(mac, mdns, 4) == 0);
  uint32_t hi = b_mdns & 32 ? 1u << (b_mdns & 31) : 0, lo = b_mdns & 32 ? 0 : 1u << b_mdns;
  tern_lan9118_hash_set(hi, lo);
  check("the joined group (224.0.0.251) passes", round_trip(mac, mdns, 5) == 1);
  check("a group not joined is still dropped", round_trip(mac, other_group, 6) == 0);
  tern_lan9118_hash_set(0, 0);
  check("after leaving, the group is dropped again", round_trip(mac, mdns, 7) == 0);
  struct tern_lan9118_stats st;
  tern_lan9118_stats(&st);
  check("counters: 7 frames sent, 3 received", st.tx_frames == 7 && st.rx_frames == 3);
  printf("%d passed, %d failed\n", passed, failed);
  return failed;
}
