/* MQTT over WebSocket for the broker (MQTT 3.1.1 section 6, RFC 6455):
 * the HTTP upgrade with subprotocol "mqtt", then binary frames. MQTT bytes
 * are streamed out of frames into bc->ws->in, whose cap bounds what is
 * taken from the socket (a frame may carry part of a packet, or several);
 * what the broker sends is wrapped as it is encoded, one frame a packet. */
#include <stdio.h>
#include <string.h>
#include "broker_internal.h"
#include "tern/base64.h"
#include "tern/error.h"
#include "tern/http_codec.h"
#include "tern/log.h"
#include "tern/ws.h"

/* Does the comma-separated list hold token (case-insensitive)? */
static int has_token(const struct tern_str *list, const char *token) {
  size_t n = strlen(token);
  for (size_t i = 0; list && i < list->len;) {
    while (i < list->len && (list->p[i] == ' ' || list->p[i] == ',')) i++;
    size_t j = i;
    while (j < list->len && list->p[j] != ',' && list->p[j] != ' ') j++;
    if (j - i == n && tern_str_eq((struct tern_str){list->p + i, n}, token)) return 1;
    i = j;
  }
  return 0;
}

static int refuse(struct tern_conn *c, const char *status, const char **why) {
  char r[96];
  int n = snprintf(r, sizeof(r), "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                   status);
  tern_send(c, r, (size_t)n);
  *why = "not a WebSocket handshake for MQTT";
  return TERN_EPROTO;
}

static int handshake(struct bconn *bc, const char **why) {
  struct tern_conn *c = bc->conn;
  struct tern_http_msg m;
  int n = tern_http_parse_request(c->rx.data, c->rx.len, &m);
  if (n == TERN_EAGAIN) {
    if (c->rx.len < c->rx.cap) return 0;
    n = TERN_ELIMIT;
  }
  if (n < 0) return refuse(c, n == TERN_ELIMIT ? "431 Too Large" : "400 Bad Request", why);
  const struct tern_str *up = tern_http_header(&m, "upgrade");
  const struct tern_str *key = tern_http_header(&m, "sec-websocket-key");
  const struct tern_str *ver = tern_http_header(&m, "sec-websocket-version");
  const struct tern_str *proto = tern_http_header(&m, "sec-websocket-protocol");
  uint8_t raw[32];
  if (!tern_str_eq(m.method, "GET") || !up || !tern_str_eq(*up, "websocket") || !m.upgrade ||
      !key || tern_base64_decode(key->p, key->len, raw, sizeof(raw)) != 16)
    return refuse(c, "400 Bad Request", why);
  if (!ver || !tern_str_eq(*ver, "13")) return refuse(c, "426 Upgrade Required", why);
  /* "mqtt" (3.1.1); "mqttv3.1" from older clients. A client that names
   * neither is refused: it would not speak MQTT to us. */
  const char *sub = !proto                         ? NULL
                    : has_token(proto, "mqtt")     ? "mqtt"
                    : has_token(proto, "mqttv3.1") ? "mqttv3.1"
                                                   : "";
  if (sub && !*sub) return refuse(c, "400 Bad Request", why);
  char hdr[224];
  int len = tern_ws_accept_response(key->p, key->len, sub, hdr, sizeof(hdr));
  if (len < 0) return len;
  int rc = tern_send(c, hdr, (size_t)len);
  if (rc) return rc;
  tern_buf_consume(&c->rx, (size_t)n);
  bc->ws->upgraded = 1;
  return 0;
}

/* A control frame, whole in rx at off: PING is answered, CLOSE closes. */
static int control(struct bconn *bc, const struct tern_ws_frame *f, size_t off, const char **why) {
  struct tern_conn *c = bc->conn;
  uint8_t data[125];
  memcpy(data, c->rx.data + off + f->header_len, (size_t)f->len);
  if (f->masked) tern_ws_unmask(data, (size_t)f->len, f->mask, 0);
  if (f->opcode == TERN_WS_PING) {
    int rc = tern_ws_encode(&c->tx, TERN_WS_PONG, 1, data, (size_t)f->len, NULL);
    if (rc == 0) tern_send(c, NULL, 0);
    return rc;
  }
  if (f->opcode == TERN_WS_CLOSE) {
    /* echo the status code back, as RFC 6455 5.5.1 asks */
    if (tern_ws_encode(&c->tx, TERN_WS_CLOSE, 1, data, f->len >= 2 ? 2 : 0, NULL) == 0)
      tern_send(c, NULL, 0);
    *why = "WebSocket closed by the client";
    return TERN_ECLOSED;
  }
  return 0; /* PONG */
}

int tern_broker_ws_unwrap(struct bconn *bc, const char **why) {
  struct tern_conn *c = bc->conn;
  struct bws *ws = bc->ws;
  int rc;
  if (!ws->upgraded && ((rc = handshake(bc, why)) != 0 || !ws->upgraded)) return rc;
  size_t off = 0;
  rc = 0;
  while (off < c->rx.len && ws->in.len < ws->in.cap) {
    if (ws->left == 0) { /* a frame header */
      struct tern_ws_frame f;
      int n = tern_ws_parse_header(c->rx.data + off, c->rx.len - off, 1, &f);
      if (n == TERN_EAGAIN) break;
      if (n < 0) {
        *why = "malformed WebSocket frame";
        rc = TERN_EPROTO;
        break;
      }
      if (f.opcode >= TERN_WS_CLOSE) {
        if (c->rx.len - off < f.header_len + f.len) break; /* wait for all of it */
        if ((rc = control(bc, &f, off, why)) != 0) break;
        off += f.header_len + (size_t)f.len;
        continue;
      }
      if (f.opcode == TERN_WS_TEXT || (f.opcode == TERN_WS_CONT) != (ws->opcode != 0)) {
        /* [MQTT-6.0.0-1]: MQTT travels in binary frames only */
        *why = f.opcode == TERN_WS_TEXT ? "WebSocket text frame (MQTT needs binary frames)"
                                        : "WebSocket continuation out of order";
        rc = TERN_EPROTO;
        break;
      }
      ws->opcode = f.fin ? 0 : TERN_WS_BINARY; /* a message still open after this frame */
      memcpy(ws->mask, f.mask, 4);
      ws->left = f.len;
      ws->off = 0;
      off += f.header_len;
      continue;
    }
    size_t n = c->rx.len - off, room = ws->in.cap - ws->in.len;
    if (n > ws->left) n = (size_t)ws->left;
    if (n > room) n = room;
    if ((rc = tern_buf_append(&ws->in, c->rx.data + off, n)) != 0) break;
    tern_ws_unmask(ws->in.data + ws->in.len - n, n, ws->mask, ws->off);
    ws->off += n;
    ws->left -= n;
    off += n;
  }
  tern_buf_consume(&c->rx, off);
  if (rc && !*why) *why = tern_strerror(rc);
  return rc;
}

int tern_broker_ws_frame(struct bconn *bc, size_t from) {
  struct tern_buf *tx = &bc->conn->tx;
  size_t len = tx->len - from;
  uint8_t h[14];
  size_t hl = tern_ws_header(h, TERN_WS_BINARY, 1, len, NULL);
  int rc = tern_buf_reserve(tx, hl);
  if (rc) return rc;
  memmove(tx->data + from + hl, tx->data + from, len);
  memcpy(tx->data + from, h, hl);
  tx->len += hl;
  return 0;
}

void tern_broker_ws_free(struct bconn *bc) {
  if (!bc->ws) return;
  tern_buf_free(&bc->ws->in);
  tern_free(tern_loop_alloc(bc->broker->loop), bc->ws);
  bc->ws = NULL;
}
