/* Telnet decoding and RFC 1143 option negotiation, without I/O. */
#include <string.h>
#include "tern/error.h"
#include "tern/telnet.h"

enum { S_DATA, S_IAC, S_VERB, S_SB, S_SB_IAC };

void tern_telnet_init(struct tern_telnet *t) { memset(t, 0, sizeof(*t)); }

static int send3(struct tern_buf *out, uint8_t verb, uint8_t opt) {
  uint8_t b[3] = {TERN_TELNET_IAC, verb, opt};
  return tern_buf_append(out, b, 3);
}

/* Which options we agree to: us = we perform it, him = the peer does. */
static int we_may(uint8_t opt) { return opt == TERN_TELOPT_ECHO || opt == TERN_TELOPT_SGA; }
static int he_may(uint8_t opt) { return opt == TERN_TELOPT_NAWS || opt == TERN_TELOPT_SGA; }

/* RFC 1143 7: asking for an option on our side or his */
static void ask(struct tern_telnet *t, struct tern_buf *out, uint8_t opt, int ours) {
  struct tern_telnet_opt *o = &t->opts[opt];
  uint8_t *st = ours ? &o->us : &o->him;
  if (*st == TQ_NO) {
    *st = TQ_WANTYES;
    send3(out, ours ? TERN_TELNET_WILL : TERN_TELNET_DO, opt);
  }
}

void tern_telnet_start(struct tern_telnet *t, struct tern_buf *out) {
  ask(t, out, TERN_TELOPT_ECHO, 1);
  ask(t, out, TERN_TELOPT_SGA, 1);
  ask(t, out, TERN_TELOPT_NAWS, 0);
}

/* The peer said WILL/WONT (about him) or DO/DONT (about us). */
static void negotiate(struct tern_telnet *t, struct tern_buf *out, uint8_t verb, uint8_t opt) {
  struct tern_telnet_opt *o = &t->opts[opt];
  int about_us = verb == TERN_TELNET_DO || verb == TERN_TELNET_DONT;
  int positive = verb == TERN_TELNET_WILL || verb == TERN_TELNET_DO;
  uint8_t *st = about_us ? &o->us : &o->him;
  uint8_t *q = about_us ? &o->us_q : &o->him_q;
  uint8_t yes = about_us ? TERN_TELNET_WILL : TERN_TELNET_DO,
          no = about_us ? TERN_TELNET_WONT : TERN_TELNET_DONT;
  int agree = about_us ? we_may(opt) : he_may(opt);
  if (positive) {
    switch (*st) {
    case TQ_NO:
      if (agree) {
        *st = TQ_YES;
        send3(out, yes, opt);
      } else send3(out, no, opt);
      break;
    case TQ_YES: break; /* already: no answer, so no loop */
    case TQ_WANTNO:
      if (*q) {
        *st = TQ_YES;
        *q = 0;
      } else *st = TQ_NO; /* "DONT answered by WILL": an error; settle */
      break;
    case TQ_WANTYES:
      if (*q) {
        *st = TQ_WANTNO;
        *q = 0;
        send3(out, no, opt);
      } else *st = TQ_YES;
      break;
    }
  } else {
    switch (*st) {
    case TQ_NO: break;
    case TQ_YES:
      *st = TQ_NO;
      send3(out, no, opt);
      break;
    case TQ_WANTNO:
      if (*q) {
        *st = TQ_WANTYES;
        *q = 0;
        send3(out, yes, opt);
      } else *st = TQ_NO;
      break;
    case TQ_WANTYES:
      *st = TQ_NO;
      *q = 0;
      break;
    }
  }
}

static void subnegotiation(struct tern_telnet *t) {
  if (t->sb_overflow || t->sb_len < 1) return;
  if (t->sb[0] == TERN_TELOPT_NAWS && t->sb_len == 5 && t->opts[TERN_TELOPT_NAWS].him == TQ_YES) {
    t->width = (uint16_t)(t->sb[1] << 8 | t->sb[2]);
    t->height = (uint16_t)(t->sb[3] << 8 | t->sb[4]);
  }
}

int tern_telnet_decode(struct tern_telnet *t, const uint8_t *in, size_t len, struct tern_buf *data,
                       struct tern_buf *out) {
  for (size_t i = 0; i < len; i++) {
    uint8_t c = in[i];
    int rc = 0;
    switch (t->state) {
    case S_DATA:
      if (c == TERN_TELNET_IAC) {
        t->state = S_IAC;
        break;
      }
      if (t->cr) {
        t->cr = 0;
        if (c == '\n' || c == 0) break; /* CR LF and CR NUL are one end of line */
      }
      if (c == '\r') t->cr = 1;
      rc = tern_buf_append(data, &c, 1);
      break;
    case S_IAC:
      t->state = S_DATA;
      if (c == TERN_TELNET_IAC) {
        rc = tern_buf_append(data, &c, 1);
        break;
      } /* a literal 0xff */
      if (c >= TERN_TELNET_WILL && c <= TERN_TELNET_DONT) {
        t->verb = c;
        t->state = S_VERB;
        break;
      }
      if (c == TERN_TELNET_SB) {
        t->sb_len = 0;
        t->sb_overflow = 0;
        t->state = S_SB;
        break;
      }
      if (c == TERN_TELNET_IP || c == TERN_TELNET_BRK) {
        uint8_t ctrl_c = 3;
        t->interrupts++;
        rc = tern_buf_append(data, &ctrl_c, 1);
      } else if (c == TERN_TELNET_EC) {
        uint8_t bs = 0x7f;
        rc = tern_buf_append(data, &bs, 1);
      } else if (c == TERN_TELNET_EL) {
        uint8_t kill = 0x15;
        rc = tern_buf_append(data, &kill, 1);
      } else if (c == TERN_TELNET_AYT) rc = tern_buf_append(out, "\r\n[yes]\r\n", 9);
      break; /* NOP, GA, DM and the rest: nothing to do */
    case S_VERB:
      negotiate(t, out, t->verb, c);
      t->state = S_DATA;
      break;
    case S_SB:
      if (c == TERN_TELNET_IAC) {
        t->state = S_SB_IAC;
        break;
      }
      /* bounded: an endless subnegotiation costs nothing but time */
      if (t->sb_len < TERN_TELNET_SB_MAX) t->sb[t->sb_len++] = c;
      else t->sb_overflow = 1;
      break;
    case S_SB_IAC:
      if (c == TERN_TELNET_SE) {
        subnegotiation(t);
        t->state = S_DATA;
      } else if (c == TERN_TELNET_IAC) {
        if (t->sb_len < TERN_TELNET_SB_MAX) t->sb[t->sb_len++] = c;
        else t->sb_overflow = 1;
        t->state = S_SB;
      } else t->state = S_SB; /* a stray IAC x inside SB: ignore it */
      break;
    }
    if (rc) return rc;
  }
  return 0;
}

int tern_telnet_encode(const void *data, size_t len, struct tern_buf *out) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    int rc;
    if (p[i] == TERN_TELNET_IAC) rc = tern_buf_append(out, "\xff\xff", 2);
    else if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) rc = tern_buf_append(out, "\r\n", 2);
    else rc = tern_buf_append(out, &p[i], 1);
    if (rc) return rc;
  }
  return 0;
}
