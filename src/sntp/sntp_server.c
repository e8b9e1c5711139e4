/* An SNTP server: answers each request with the device clock, so a host or
 * gateway can give devices on a LAN the time without the internet. */
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/sntp.h"

struct tern_sntp_server {
  struct tern_loop *loop;
  struct tern_conn *udp;
  int stratum;
};

static void on_request(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct tern_sntp_server *s = c->fn_data;
  if (ev != TERN_EV_READ) return;
  tern_ntp_time received = tern_ntp_from_unix_us(tern_rtc_micros(s->loop));
  struct tern_sntp_packet q, p;
  if (tern_sntp_decode(c->rx.data, c->rx.len, &q) != 0 || q.mode != TERN_SNTP_MODE_CLIENT) return;
  memset(&p, 0, sizeof(p));
  p.li = 0;
  p.version = q.version >= 3 && q.version <= 4 ? q.version : 4;
  p.mode = TERN_SNTP_MODE_SERVER;
  p.stratum = (uint8_t)s->stratum;
  p.poll = q.poll;
  p.precision = -20;           /* about a microsecond */
  p.root_dispersion = 1 << 10; /* ~16 ms, in 16.16 seconds */
  memcpy(p.ref_id, "LOCL", 4);
  p.ref = received;
  p.origin = q.transmit;
  p.receive = received;
  p.transmit = tern_ntp_from_unix_us(tern_rtc_micros(s->loop));
  uint8_t out[48];
  tern_sntp_encode(&p, out);
  tern_sendto(c, &c->peer, out, sizeof(out));
}

struct tern_sntp_server *tern_sntp_server_start(struct tern_loop *loop, const char *listen_url,
                                                int stratum) {
  struct tern_sntp_server *s = tern_alloc(tern_loop_alloc(loop), sizeof(*s));
  if (!s) return NULL;
  s->loop = loop;
  s->stratum = stratum > 0 && stratum < 16 ? stratum : 2;
  s->udp = tern_listen(loop, listen_url, on_request, s);
  if (!s->udp) {
    tern_free(tern_loop_alloc(loop), s);
    return NULL;
  }
  return s;
}

void tern_sntp_server_stop(struct tern_sntp_server *s) {
  if (!s) return;
  s->udp->fn = NULL;
  tern_close_now(s->udp);
  tern_free(tern_loop_alloc(s->loop), s);
}

uint16_t tern_sntp_server_port(const struct tern_sntp_server *s) { return s->udp->local.port; }
