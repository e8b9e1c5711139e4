/* SNTP packets (RFC 5905 section 7.3) and the checks RFC 4330 section 5
 * asks of a client. */
#include <string.h>
#include "tern/error.h"
#include "tern/fmt.h"
#include "tern/sntp.h"

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)(v >> 32));
  put32(p + 4, (uint32_t)v);
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

void tern_sntp_encode(const struct tern_sntp_packet *p, uint8_t out[48]) {
  out[0] = (uint8_t)((p->li & 3) << 6 | (p->version & 7) << 3 | (p->mode & 7));
  out[1] = p->stratum;
  out[2] = (uint8_t)p->poll;
  out[3] = (uint8_t)p->precision;
  put32(out + 4, p->root_delay);
  put32(out + 8, p->root_dispersion);
  memcpy(out + 12, p->ref_id, 4);
  put64(out + 16, p->ref);
  put64(out + 24, p->origin);
  put64(out + 32, p->receive);
  put64(out + 40, p->transmit);
}

int tern_sntp_decode(const uint8_t *buf, size_t len, struct tern_sntp_packet *p) {
  if (len < 48) return TERN_EPARSE; /* extension fields and MACs after 48 bytes are ignored */
  p->li = buf[0] >> 6;
  p->version = (buf[0] >> 3) & 7;
  p->mode = buf[0] & 7;
  p->stratum = buf[1];
  p->poll = (int8_t)buf[2];
  p->precision = (int8_t)buf[3];
  p->root_delay = get32(buf + 4);
  p->root_dispersion = get32(buf + 8);
  memcpy(p->ref_id, buf + 12, 4);
  p->ref = get64(buf + 16);
  p->origin = get64(buf + 24);
  p->receive = get64(buf + 32);
  p->transmit = get64(buf + 40);
  return 0;
}

int tern_sntp_check_reply(const struct tern_sntp_packet *p, tern_ntp_time sent) {
  if (p->mode != TERN_SNTP_MODE_SERVER && p->mode != 5) return TERN_EPROTO;
  if (p->version < 3 || p->version > 4) return TERN_EPROTO;
  if (p->origin != sent) return TERN_EPROTO; /* not an answer to our request */
  if (p->stratum == 0) {                     /* Kiss-o'-Death */
    if (!memcmp(p->ref_id, "RATE", 4)) return TERN_ELIMIT;
    if (!memcmp(p->ref_id, "DENY", 4) || !memcmp(p->ref_id, "RSTR", 4)) return TERN_EDENIED;
    return TERN_EAGAIN;
  }
  if (p->transmit == 0) return TERN_EPROTO;
  if (p->li == 3 || p->stratum >= 16) return TERN_EAGAIN; /* the server is not synchronised */
  return 0;
}

/* 32.32 fixed-point seconds to microseconds, rounded to nearest, without
 * overflowing int64 (the whole seconds and the fraction apart). */
static int64_t fixed_to_us(int64_t f) {
  int64_t whole = f >> 32; /* floor, also for negative f */
  uint64_t frac = (uint64_t)f & 0xffffffffu;
  return whole * 1000000 + (int64_t)((frac * 1000000 + 0x80000000u) >> 32);
}

/* Differences of NTP times as signed 64-bit fixed point, so an era
 * boundary (2036) between the timestamps does not matter. */
static int64_t diff_us(tern_ntp_time a, tern_ntp_time b) { return fixed_to_us((int64_t)(a - b)); }

void tern_sntp_offset_delay(tern_ntp_time t1, tern_ntp_time t2, tern_ntp_time t3, tern_ntp_time t4,
                            int64_t *offset_us, int64_t *delay_us) {
  int64_t sum = diff_us(t2, t1) + diff_us(t3, t4);
  *offset_us = sum >= 0 ? (sum + 1) / 2 : -((-sum + 1) / 2); /* half, rounded away from 0 */
  *delay_us = diff_us(t4, t1) - diff_us(t3, t2);
}

/* Era 0 (1900-2036) for times before 2036, era 1 after: the 64-bit value
 * keeps only the low 32 bits of the seconds, as on the wire. */
tern_ntp_time tern_ntp_from_unix_us(int64_t unix_us) {
  uint32_t us;
  int64_t sec = tern_div_floor(unix_us, 1000000, &us);
  uint64_t whole = (uint64_t)(sec + (int64_t)TERN_NTP_UNIX_OFFSET);
  uint64_t frac = tern_div_u64(((uint64_t)us << 32) + 500000, 1000000, NULL);
  return (whole << 32) + frac; /* frac may round up to exactly one second */
}

int64_t tern_ntp_to_unix_us(tern_ntp_time t) {
  return (int64_t)(t >> 32) * 1000000 - (int64_t)TERN_NTP_UNIX_OFFSET * 1000000 +
         (int64_t)(((t & 0xffffffffu) * 1000000 + 0x80000000u) >> 32);
}
