/* SNTP (RFC 4330 / RFC 5905): a sans-I/O packet codec, a client that sets
 * the device clock (tern_rtc) without blocking the loop, and a server. */
#ifndef TERN_SNTP_H
#define TERN_SNTP_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "loop.h"
#include "rtc.h"

/* NTP time: seconds since 1900 in the high 32 bits, fraction in the low. */
typedef uint64_t tern_ntp_time;
#define TERN_NTP_UNIX_OFFSET 2208988800ull /* 1900-01-01 to 1970-01-01 */

struct tern_sntp_packet {
  uint8_t li, version, mode, stratum;
  int8_t poll, precision;
  uint32_t root_delay, root_dispersion;
  uint8_t ref_id[4];
  tern_ntp_time ref, origin, receive, transmit;
};

enum { TERN_SNTP_MODE_CLIENT = 3, TERN_SNTP_MODE_SERVER = 4 };

/* p as the 48 bytes of an NTP packet (RFC 4330), no extension fields. */
void tern_sntp_encode(const struct tern_sntp_packet *p, uint8_t out[48]);
/* The first 48 bytes of buf into p (what follows is ignored); 0, or
 * TERN_EPARSE for fewer. Whether it answers our request is
 * tern_sntp_check_reply's to say. */
int tern_sntp_decode(const uint8_t *buf, size_t len, struct tern_sntp_packet *p);

/* Checks a reply to the request whose transmit time was 'sent'. Returns 0,
 * or TERN_EPROTO (bad mode/version, zero transmit, wrong origin: spoofed or
 * stale), TERN_EAGAIN (not synchronised: leap 3 or stratum 16), or a
 * Kiss-o'-Death: TERN_ELIMIT (RATE: slow down), TERN_EDENIED (DENY/RSTR:
 * never ask this server again). */
int tern_sntp_check_reply(const struct tern_sntp_packet *p, tern_ntp_time sent);
/* Offset and round-trip delay in microseconds from the four timestamps
 * (integers: no soft-float code on a board without a double FPU). */
void tern_sntp_offset_delay(tern_ntp_time t1, tern_ntp_time t2, tern_ntp_time t3, tern_ntp_time t4,
                            int64_t *offset_us, int64_t *delay_us);
/* Unix microseconds as an NTP timestamp (seconds since 1900, 32.32 fixed). */
tern_ntp_time tern_ntp_from_unix_us(int64_t unix_us);
/* And back; era 0 only (timestamps until February 2036). */
int64_t tern_ntp_to_unix_us(tern_ntp_time t);

/* POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3", "UTC0", "EST5EDT,M3.2.0,M11.1.0"). */
struct tern_tz {
  char std_name[8], dst_name[8];
  int32_t std_offset, dst_offset; /* seconds east of UTC */
  int has_dst;
  struct {
    int month, week, wday;
    int32_t time;
  } start, end;
};
/* spec into tz; 0, or TERN_EPARSE (tz is then unusable). */
int tern_tz_parse(const char *spec, struct tern_tz *tz);
/* Broken-down local time (struct tm fields as ints) for Unix time t. */
struct tern_localtime {
  int year, month, mday, hour, min, sec, wday, yday, isdst;
  int32_t gmtoff;
  const char *zone;
};
/* t in tz's local time, summer time applied by tz's rules; zone points into tz. */
void tern_localtime(const struct tern_tz *tz, int64_t t, struct tern_localtime *out);
/* strftime-like: %Y %m %d %H %M %S %a %b %c %Z %z %%; returns length. */
size_t tern_strftime(char *out, size_t len, const char *fmt, const struct tern_localtime *lt);

/* ---- client ---- */
#define TERN_SNTP_MAX_SERVERS 4
struct tern_sntp_opts {
  const char *servers[TERN_SNTP_MAX_SERVERS]; /* "host[:port]"; NULL-terminated */
  uint32_t timeout_ms;                        /* per attempt; 0: 2000 */
  uint32_t poll_s;                            /* resync period after success; 0: 1024 s */
  int step_system_clock;                      /* also set the OS clock (needs privileges) */
};
struct tern_sntp_result {
  int synced;
  int64_t offset_us, delay_us; /* how far our clock was behind; the round trip */
  int stratum;
  char server[64]; /* address:port that answered */
  char error[96];  /* why, when not synced */
};
struct tern_sntp;
/* Asks o's servers in turn (names resolved, port 123 when none is given),
 * adjusts the loop's clock (tern_rtc_adjust) on the first good answer and
 * again every poll_s. NULL without memory or resolver. o is copied. */
struct tern_sntp *tern_sntp_start(struct tern_loop *loop, const struct tern_sntp_opts *o);
/* Stops asking and frees s; NULL is fine. */
void tern_sntp_stop(struct tern_sntp *s);
/* The last round's outcome (synced, or error saying why); owned by s. */
const struct tern_sntp_result *tern_sntp_result(const struct tern_sntp *s);
/* Blocking: one round over all servers; 0 when synced, else TERN_ETIMEDOUT etc. */
int tern_sntp_sync(struct tern_loop *loop, const struct tern_sntp_opts *o, uint32_t timeout_ms,
                   struct tern_sntp_result *r);

/* ---- server ---- */
struct tern_sntp_server;
/* Answers SNTP requests with tern_rtc_micros() at stratum 'stratum'. */
struct tern_sntp_server *tern_sntp_server_start(struct tern_loop *loop, const char *listen_url,
                                                int stratum);
/* Closes the socket and frees s; NULL is fine. */
void tern_sntp_server_stop(struct tern_sntp_server *s);
/* The UDP port bound (useful with port 0). */
uint16_t tern_sntp_server_port(const struct tern_sntp_server *s);

#pragma GCC visibility pop
#endif
