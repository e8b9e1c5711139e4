/* Telnet (RFC 854) as a sans-I/O decoder with RFC 1143's Q method, so
 * option negotiation can never loop. The server side wants ECHO and
 * SUPPRESS-GO-AHEAD for itself and NAWS from the client, and refuses every
 * other option. */
#ifndef TERN_TELNET_H
#define TERN_TELNET_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

enum {
  TERN_TELNET_IAC = 255,
  TERN_TELNET_DONT = 254,
  TERN_TELNET_DO = 253,
  TERN_TELNET_WONT = 252,
  TERN_TELNET_WILL = 251,
  TERN_TELNET_SB = 250,
  TERN_TELNET_SE = 240,
  TERN_TELNET_IP = 244,
  TERN_TELNET_BRK = 243,
  TERN_TELNET_AYT = 246,
  TERN_TELNET_EC = 247,
  TERN_TELNET_EL = 248
};
enum { TERN_TELOPT_ECHO = 1, TERN_TELOPT_SGA = 3, TERN_TELOPT_NAWS = 31 };
#define TERN_TELNET_SB_MAX 64 /* subnegotiation bytes kept; the rest are dropped */

/* One option's Q-method state for one side (RFC 1143 section 7). */
enum { TQ_NO, TQ_YES, TQ_WANTNO, TQ_WANTYES };
struct tern_telnet_opt {
  uint8_t us, him, us_q, him_q;
}; /* q: 0 EMPTY, 1 OPPOSITE */

struct tern_telnet {
  int state;
  uint8_t verb; /* WILL/WONT/DO/DONT being read */
  uint8_t sb[TERN_TELNET_SB_MAX];
  size_t sb_len;
  int sb_overflow;
  int cr; /* last data byte was CR */
  struct tern_telnet_opt opts[256];
  uint16_t width, height; /* from NAWS */
  unsigned interrupts;    /* IP / BRK seen (Ctrl-C) */
};

/* A fresh decoder (no options agreed, 80x24 until NAWS says otherwise). */
void tern_telnet_init(struct tern_telnet *t);
/* Start negotiating: WILL ECHO, WILL SGA, DO NAWS (written to out). */
void tern_telnet_start(struct tern_telnet *t, struct tern_buf *out);
/* Decode bytes from the peer: data goes to 'data' (CR LF and CR NUL become
 * '\r'; IAC IAC becomes 0xff; IP and BRK become 0x03), replies to 'out'. */
int tern_telnet_decode(struct tern_telnet *t, const uint8_t *in, size_t len, struct tern_buf *data,
                       struct tern_buf *out);
/* Encode data for the peer: 0xff doubled, "\n" sent as "\r\n". */
int tern_telnet_encode(const void *data, size_t len, struct tern_buf *out);
#pragma GCC visibility pop
#endif
