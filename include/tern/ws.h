/* WebSocket (RFC 6455): a sans-I/O frame codec, and the server side on top
 * of the HTTP server (upgrade from a route handler). */
#ifndef TERN_WS_H
#define TERN_WS_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

enum {
  TERN_WS_CONT = 0,
  TERN_WS_TEXT = 1,
  TERN_WS_BINARY = 2,
  TERN_WS_CLOSE = 8,
  TERN_WS_PING = 9,
  TERN_WS_PONG = 10
};

#ifndef TERN_WS_MAX_MESSAGE
#define TERN_WS_MAX_MESSAGE (1024 * 1024) /* a whole (reassembled) message */
#endif

struct tern_ws_frame {
  uint8_t fin, opcode, masked;
  uint8_t mask[4];
  uint64_t len;
  size_t header_len;
};

/* Parse a frame header: its length (> 0), TERN_EAGAIN, or TERN_EPROTO
 * (reserved bits, unknown opcode, oversized or fragmented control frame,
 * a non-minimal length, or the wrong masking for the direction). */
int tern_ws_parse_header(const uint8_t *buf, size_t len, int from_client, struct tern_ws_frame *f);
/* Write a frame header into h; returns its length (2 to 14). */
size_t tern_ws_header(uint8_t h[14], int opcode, int fin, uint64_t len, const uint8_t *mask_key);
/* Append a frame; a client masks with mask_key (4 bytes), a server passes NULL. */
int tern_ws_encode(struct tern_buf *out, int opcode, int fin, const void *data, size_t len,
                   const uint8_t *mask_key);
/* XOR payload bytes with the mask, starting at payload offset 'offset'. */
void tern_ws_unmask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);
/* Sec-WebSocket-Accept for a Sec-WebSocket-Key; out gets 29 bytes + NUL. */
int tern_ws_accept_key(const char *key, size_t key_len, char out[32]);
/* The whole "101 Switching Protocols" answer to a handshake with this key,
 * naming protocol (the chosen subprotocol) when not NULL: its length, or
 * TERN_EFULL. */
int tern_ws_accept_response(const char *key, size_t key_len, const char *protocol, char *out,
                            size_t outlen);

struct tern_conn;
struct tern_http_request;
typedef void (*tern_ws_fn)(struct tern_conn *c, int opcode, const void *data, size_t len,
                           void *arg);
/* From a route handler: answer 101 and speak WebSocket on this connection.
 * fn gets each whole message (TEXT or BINARY), and TERN_WS_CLOSE at the end. */
int tern_http_ws_upgrade(struct tern_http_request *req, tern_ws_fn fn, void *arg);
/* One whole message (TERN_WS_TEXT or TERN_WS_BINARY) to a client; it may be
 * larger than the send buffer. TERN_EINVAL when c is not a WebSocket. */
int tern_ws_send(struct tern_conn *c, int opcode, const void *data, size_t len);
#pragma GCC visibility pop
#endif
