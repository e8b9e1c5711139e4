/* The HTTP/1.1 server driver: one request at a time per connection
 * (pipelined requests wait their turn in rx), routes, static files with
 * ETag and Range, Basic auth, Server-Sent Events, and the limits that keep
 * a small device alive: connection cap with eviction of the oldest idle
 * connection, 431/413 caps, 408 for requests that never finish. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/base64.h"
#include "tern/creds.h"
#include "tern/error.h"
#include "tern/fmt.h"
#include "tern/file.h"
#include "tern/fmt.h"
#include "tern/hash.h"
#include "tern/http.h"
#include "tern/tls.h"
#include "tern/ws.h"

struct route {
  struct route *next;
  char *method, *pattern;
  int protect;
  tern_http_handler fn;
  void *arg;
};

enum { HS_HEAD, HS_BODY, HS_FILE, HS_SSE, HS_DONE, HS_LINGER, HS_WS, HS_CHUNKED };

struct hconn {
  struct hconn *next, *prev; /* the server's connections, oldest first */
  struct tern_http_server *srv;
  struct tern_conn *conn;
  int state;
  uint32_t started; /* first byte of the current request, 0 if none */
  uint32_t last_active;
  size_t head_len;
  int64_t body_left; /* Content-Length bytes still to read */
  struct tern_http_chunked chunked;
  int is_chunked, keep_alive, is_head;
  struct tern_buf body;
  struct tern_file *file; /* static file being sent */
  uint64_t file_off, file_left;
  struct tern_buf pending; /* response bytes waiting for room in tx */
  uint32_t linger_since;   /* after an error reply: reading and discarding */
  /* WebSocket, after an upgrade */
  tern_ws_fn ws_fn;
  void *ws_arg;
  struct tern_ws_frame ws_frame;
  int ws_in_frame, ws_msg_opcode;
  uint64_t ws_done;       /* payload bytes of the current frame already taken */
  struct tern_buf ws_msg; /* the message being reassembled */
#if TERN_HTTP_ACCESS_LOG
  char reqline[200], user[64]; /* for the access log: the request line, the Basic-auth user */
#endif
};

struct tern_http_server {
  struct tern_loop *loop;
  struct tern_http_server_opts o;
  struct tern_conn *listener;
  struct route *routes;
  struct hconn *head, *tail;
  size_t nconns;
  struct tern_http_msg msg; /* scratch: the request being handled */
  char *root;
};

const char *tern_http_status_text(int status) {
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 201: return "Created";
  case 204: return "No Content";
  case 206: return "Partial Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 413: return "Content Too Large";
  case 416: return "Range Not Satisfiable";
  case 426: return "Upgrade Required";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 503: return "Service Unavailable";
  default: return "Unknown";
  }
}

static void on_data(struct hconn *h);

/* ---- writing ---- */

#if TERN_HTTP_ACCESS_LOG
/* "127.0.0.1 - alice [02/Dec/2026:09:35:00 +0000] "GET / HTTP/1.1" 200 1234" */
static void access_log(struct tern_conn *c, const char *date, int status, int64_t length) {
  struct hconn *h = c->proto;
  if (!h || !h->srv->o.access_log) return;
  char host[64], line[400], num[TERN_FMT_U64_LEN];
  tern_addr_str(&c->peer, host, sizeof(host), 0);
  /* date is RFC 9110's "Wed, 02 Dec 2026 09:35:00 GMT" */
  snprintf(line, sizeof(line), "%s - %s [%.2s/%.3s/%.4s:%.8s +0000] \"%s\" %d %s", host,
           h->user[0] ? h->user : "-", date + 5, date + 8, date + 12, date + 17,
           h->reqline[0] ? h->reqline : "-", status,
           length >= 0 ? tern_fmt_u64(num, (uint64_t)length, 0) : "-");
  h->srv->o.access_log(h->srv->o.access_log_arg, line);
}
#endif

static int write_head(struct tern_conn *c, int status, const char *headers, int64_t length,
                      int keep_alive) {
  char line[512], date[32];
  tern_http_date(tern_rtc_seconds(c->loop), date); /* the device clock, SNTP-corrected */
#if TERN_HTTP_ACCESS_LOG
  access_log(c, date, status, length);
#endif
  int n = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\nServer: tern\r\nDate: %s\r\n", status,
                   tern_http_status_text(status), date);
  int rc = tern_send(c, line, (size_t)n);
  if (!rc && length >= 0) {
    char num[TERN_FMT_U64_LEN];
    n = snprintf(line, sizeof(line), "Content-Length: %s\r\n",
                 tern_fmt_u64(num, (uint64_t)length, 0));
    rc = tern_send(c, line, (size_t)n);
  }
  if (!rc && !keep_alive) rc = tern_send(c, "Connection: close\r\n", 19);
  if (!rc && headers) rc = tern_send(c, headers, strlen(headers));
  if (!rc) rc = tern_send(c, "\r\n", 2);
  return rc;
}

/* Body bytes: what fits goes to tx, the rest waits in h->pending and
 * follows as tx drains (SENT), so a reply may be larger than the tx cap. */
static int send_body(struct hconn *h, const void *data, size_t len) {
  struct tern_conn *c = h->conn;
  if (!len) return 0;
  size_t room = c->tx.cap - c->tx.len;
  if (h->pending.len == 0) {
    size_t now = len < room ? len : room;
    int rc = tern_send(c, data, now);
    if (rc) return rc;
    data = (const uint8_t *)data + now;
    len -= now;
  }
  return len ? tern_buf_append(&h->pending, data, len) : 0;
}

static void flush_pending(struct hconn *h) {
  struct tern_conn *c = h->conn;
  size_t room = c->tx.cap - c->tx.len;
  size_t n = h->pending.len < room ? h->pending.len : room;
  if (!n) return;
  if (tern_send(c, h->pending.data, n) == 0) tern_buf_consume(&h->pending, n);
  if (!h->pending.len && h->state == HS_DONE && !h->keep_alive) tern_close(c);
}

static void finish(struct hconn *h) {
  /* the response is queued: keep going on this connection, or close after it */
  h->state = HS_DONE;
  if (!h->keep_alive && !h->pending.len) tern_close(h->conn);
}

static void reply_simple(struct hconn *h, int status, const char *headers, const char *body) {
  size_t len = body ? strlen(body) : 0;
  write_head(h->conn, status, headers, (int64_t)len, h->keep_alive);
  if (len && !h->is_head) send_body(h, body, len);
  finish(h);
}

int tern_http_reply(struct tern_http_request *req, int status, const char *headers,
                    const void *body, size_t len) {
  struct hconn *h = req->conn->proto;
  if (!h || h->state == HS_DONE) return TERN_EINVAL;
  int rc = write_head(req->conn, status, headers, (int64_t)len, h->keep_alive);
  if (!rc && len && !h->is_head) rc = send_body(h, body, len);
  finish(h);
  return rc;
}

int tern_http_reply_text(struct tern_http_request *req, int status, const char *content_type,
                         const char *text) {
  char hdr[128];
  snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\n",
           content_type ? content_type : "text/plain; charset=utf-8");
  return tern_http_reply(req, status, hdr, text, strlen(text));
}

int tern_http_reply_chunked(struct tern_http_request *req, int status, const char *headers) {
  struct hconn *h = req->conn->proto;
  if (!h || h->state == HS_DONE) return TERN_EINVAL;
  char hdr[512];
  snprintf(hdr, sizeof(hdr), "Transfer-Encoding: chunked\r\n%s", headers ? headers : "");
  int rc = write_head(req->conn, status, hdr, -1, h->keep_alive);
  h->state = HS_CHUNKED;
  return rc;
}

int tern_http_chunk(struct tern_conn *c, const void *data, size_t len) {
  struct hconn *h = c->proto;
  if (!h || h->state != HS_CHUNKED) return TERN_EINVAL;
  if (!len) return 0; /* a zero-size chunk would end the body */
  char size[24];
  int n = snprintf(size, sizeof(size), "%lx\r\n", (unsigned long)len);
  int rc = send_body(h, size, (size_t)n);
  if (!rc) rc = send_body(h, data, len);
  return rc ? rc : send_body(h, "\r\n", 2);
}

int tern_http_chunk_end(struct tern_conn *c) {
  struct hconn *h = c->proto;
  if (!h || h->state != HS_CHUNKED) return TERN_EINVAL;
  int rc = send_body(h, "0\r\n\r\n", 5);
  finish(h);
  /* a pipelined request may be waiting behind this response */
  if (h->keep_alive && !h->pending.len && h->conn->rx.len) on_data(h);
  return rc;
}

int tern_http_sse_start(struct tern_http_request *req) {
  struct hconn *h = req->conn->proto;
  int rc = write_head(req->conn, 200,
                      "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n", -1, 1);
  h->state = HS_SSE;
  return rc;
}

int tern_http_sse_send(struct tern_conn *c, const char *event, const char *data) {
  char line[128];
  int rc = 0;
  if (event) {
    int n = snprintf(line, sizeof(line), "event: %s\n", event);
    rc = tern_send(c, line, (size_t)n);
  }
  /* each line of data is its own "data:" field */
  const char *p = data;
  while (!rc) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    rc = tern_send(c, "data: ", 6);
    if (!rc) rc = tern_send(c, p, n);
    if (!rc) rc = tern_send(c, "\n", 1);
    if (!nl) break;
    p = nl + 1;
  }
  return rc ? rc : tern_send(c, "\n", 1);
}

/* ---- static files ---- */

#if TERN_HTTP_STATIC_FILES
static const char *mime_type(const char *path) {
  static const struct {
    const char *ext, *type;
  } types[] = {{".html", "text/html; charset=utf-8"},
               {".htm", "text/html; charset=utf-8"},
               {".css", "text/css"},
               {".js", "text/javascript"},
               {".json", "application/json"},
               {".png", "image/png"},
               {".jpg", "image/jpeg"},
               {".jpeg", "image/jpeg"},
               {".gif", "image/gif"},
               {".svg", "image/svg+xml"},
               {".ico", "image/x-icon"},
               {".txt", "text/plain; charset=utf-8"},
               {".csv", "text/csv"},
               {".wasm", "application/wasm"},
               {".pdf", "application/pdf"},
               {".xml", "application/xml"}};
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
    if (!strcmp(dot, types[i].ext)) return types[i].type;
  return "application/octet-stream";
}

/* Map the URL path to a file under root, refusing every way out of it:
 * ".." segments (also when percent-encoded), encoded slashes, backslashes
 * and NULs. Returns 0, or the HTTP status to answer. */
static int map_path(const char *root, struct tern_str path, char *out, size_t outlen) {
  char decoded[1024];
  for (size_t i = 0; i + 2 < path.len; i++)
    if (path.p[i] == '%' && path.p[i + 1] == '2' && (path.p[i + 2] | 32) == 'f')
      return 400; /* encoded '/' */
  int n = tern_url_decode(path.p, path.len, decoded, sizeof(decoded), 0);
  if (n < 0 || (size_t)n != strlen(decoded) || strchr(decoded, '\\')) return 400;
  size_t o = (size_t)snprintf(out, outlen, "%s", root);
  const char *p = decoded;
  while (*p) {
    while (*p == '/') p++;
    const char *e = strchr(p, '/');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == 0) break;
    if (l == 2 && p[0] == '.' && p[1] == '.') return 403;
    if (!(l == 1 && p[0] == '.')) {
      if (o + l + 2 >= outlen) return 414;
      out[o++] = '/';
      memcpy(out + o, p, l);
      o += l;
      out[o] = '\0';
    }
    p += l;
  }
  return 0;
}

static void pump_file(struct hconn *h) {
  struct tern_conn *c = h->conn;
  while (h->file && h->file_left && c->tx.len < 64 * 1024) {
    char chunk[16384];
    size_t want = h->file_left < sizeof(chunk) ? (size_t)h->file_left : sizeof(chunk);
    long got = tern_file_read(h->file, h->file_off, chunk, want);
    if (got <= 0) {
      tern_close_now(c);
      break;
    } /* the file shrank: the length is now a lie */
    tern_send(c, chunk, (size_t)got);
    h->file_off += (uint64_t)got;
    h->file_left -= (uint64_t)got;
  }
  if (h->file && !h->file_left) {
    tern_file_close(h->file);
    h->file = NULL;
    finish(h);
  }
}

/* A folder's entries as an HTML page, names escaped, folders ending in '/' */
#define LIT(b, s) tern_buf_append((b), (s), sizeof(s) - 1)
struct listing {
  struct tern_buf *page;
  const char *dir;
};
static void html_escaped(struct tern_buf *b, const char *s) {
  for (; *s; s++) {
    const char *e = *s == '<'   ? "&lt;"
                    : *s == '>' ? "&gt;"
                    : *s == '&' ? "&amp;"
                    : *s == '"' ? "&quot;"
                                : NULL;
    if (e) tern_buf_append(b, e, strlen(e));
    else tern_buf_append(b, s, 1);
  }
}
static int list_entry(void *arg, const char *name) {
  struct listing *l = arg;
  char path[2300];
  struct tern_file_info fi;
  snprintf(path, sizeof(path), "%s/%s", l->dir, name);
  int dir = tern_file_stat(path, &fi) == 0 && fi.is_dir;
  struct tern_buf enc;
  tern_buf_init(&enc, l->page->alloc, 1024);
  tern_url_encode(name, strlen(name), &enc, 0);
  LIT(l->page, "<li><a href=\"");
  tern_buf_append(l->page, enc.data, enc.len);
  if (dir) LIT(l->page, "/\">");
  else LIT(l->page, "\">");
  tern_buf_free(&enc);
  html_escaped(l->page, name);
  if (dir) LIT(l->page, "/");
  LIT(l->page, "</a></li>\n");
  return 0;
}
static void list_dir(struct hconn *h, struct tern_http_request *req, const char *dir) {
  struct tern_buf page;
  tern_buf_init(&page, tern_loop_alloc(h->srv->loop), 1024 * 1024);
  char title[600];
  snprintf(title, sizeof(title), "%.*s", (int)req->path.len, req->path.p);
  LIT(&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
  html_escaped(&page, title);
  LIT(&page, "</title></head><body>\n<h1>");
  html_escaped(&page, title);
  LIT(&page, "</h1>\n<ul>\n");
  struct listing l = {&page, dir};
  tern_file_list(dir, list_entry, &l);
  LIT(&page, "</ul>\n</body></html>\n");
  write_head(h->conn, 200, "Content-Type: text/html; charset=utf-8\r\n", (int64_t)page.len,
             h->keep_alive);
  if (!h->is_head) send_body(h, page.data, page.len);
  tern_buf_free(&page);
  finish(h);
}

static void serve_file(struct hconn *h, struct tern_http_request *req) {
  struct tern_http_server *s = h->srv;
  char path[2048], hdr[512];
  int status = map_path(s->root, req->path, path, sizeof(path) - 16);
  if (status) {
    reply_simple(h, status, NULL, tern_http_status_text(status));
    return;
  }
  struct tern_file_info fi;
  if (tern_file_stat(path, &fi) == 0 && fi.is_dir) {
    size_t dir_len = strlen(path);
    strcat(path, "/index.html");
    if (tern_file_stat(path, &fi) != 0 || fi.is_dir) {
      path[dir_len] = '\0';
      if (s->o.list_dirs) list_dir(h, req, path);
      else reply_simple(h, 404, NULL, "Not Found\n");
      return;
    }
  } else if (tern_file_stat(path, &fi) != 0) {
    /* the health check answers only where no file of its name is served */
    if (s->o.health_path && tern_str_eq(req->path, s->o.health_path))
      reply_simple(h, 200, "Content-Type: text/plain; charset=utf-8\r\n", "ok\n");
    else reply_simple(h, 404, NULL, "Not Found\n");
    return;
  }
  uint64_t size = fi.size;
  int64_t mtime = fi.mtime;
  char etag[64];
  char n1[TERN_FMT_U64_LEN], n2[TERN_FMT_U64_LEN], n3[TERN_FMT_U64_LEN];
  snprintf(etag, sizeof(etag), "\"%s-%s\"", tern_fmt_u64(n1, size, 1),
           tern_fmt_u64(n2, (uint64_t)mtime, 1));
  const struct tern_str *inm = tern_http_header(req->head, "if-none-match");
  if (inm && (tern_str_eq(*inm, etag) || tern_str_eq(*inm, "*"))) {
    snprintf(hdr, sizeof(hdr), "ETag: %s\r\n", etag);
    write_head(h->conn, 304, hdr, -1, h->keep_alive);
    finish(h);
    return;
  }
  uint64_t start = 0, end = size ? size - 1 : 0;
  int partial = 0;
  const struct tern_str *range = tern_http_header(req->head, "range");
  if (range && range->len > 6 && !memcmp(range->p, "bytes=", 6) &&
      !memchr(range->p, ',', range->len)) {
    char r[64];
    if (tern_str_copy((struct tern_str){range->p + 6, range->len - 6}, r, sizeof(r)) == 0) {
      char *dash = strchr(r, '-');
      if (dash) {
        *dash = '\0';
        char *e1 = NULL, *e2 = NULL;
        int ok = 1;
        if (r[0] == '\0') { /* bytes=-N: the last N */
          unsigned long long nlast = strtoull(dash + 1, &e2, 10);
          ok = dash[1] && !*e2 && nlast > 0;
          if (ok) start = nlast >= size ? 0 : size - nlast;
        } else {
          start = strtoull(r, &e1, 10);
          ok = !*e1;
          if (ok && dash[1]) {
            end = strtoull(dash + 1, &e2, 10);
            ok = !*e2 && end >= start;
          }
          if (ok && end >= size) end = size ? size - 1 : 0;
        }
        if (ok && (start >= size)) {
          snprintf(hdr, sizeof(hdr), "Content-Range: bytes */%s\r\n", tern_fmt_u64(n1, size, 0));
          reply_simple(h, 416, hdr, NULL);
          return;
        }
        partial = ok;
      }
    }
  }
  if (!partial) {
    start = 0;
    end = size ? size - 1 : 0;
  }
  uint64_t length = size ? end - start + 1 : 0;
  struct tern_file *f = NULL;
  if (tern_file_open(path, &f) != 0) {
    reply_simple(h, 403, NULL, "Forbidden\n");
    return;
  }
  int n = snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\nETag: %s\r\nAccept-Ranges: bytes\r\n",
                   mime_type(path), etag);
  if (partial)
    snprintf(hdr + n, sizeof(hdr) - (size_t)n, "Content-Range: bytes %s-%s/%s\r\n",
             tern_fmt_u64(n1, start, 0), tern_fmt_u64(n2, end, 0), tern_fmt_u64(n3, size, 0));
  write_head(h->conn, partial ? 206 : 200, hdr, (int64_t)length, h->keep_alive);
  if (h->is_head || length == 0) {
    tern_file_close(f);
    finish(h);
    return;
  }
  h->file = f;
  h->file_off = start;
  h->file_left = length;
  h->state = HS_FILE;
  pump_file(h);
}
#else /* a board's build: no files to serve */
static void serve_file(struct hconn *h, struct tern_http_request *req) {
  (void)req;
  reply_simple(h, 404, NULL, "Not Found\n");
}
static void pump_file(struct hconn *h) { (void)h; }
#endif

#if TERN_HTTP_WEBSOCKET
/* ---- WebSocket (RFC 6455) ---- */

int tern_http_ws_upgrade(struct tern_http_request *req, tern_ws_fn fn, void *arg) {
  struct hconn *h = req->conn->proto;
  const struct tern_str *up = tern_http_header(req->head, "upgrade");
  const struct tern_str *key = tern_http_header(req->head, "sec-websocket-key");
  const struct tern_str *ver = tern_http_header(req->head, "sec-websocket-version");
  uint8_t raw[32];
  if (!up || !tern_str_eq(*up, "websocket") || !req->head->upgrade || !key ||
      tern_base64_decode(key->p, key->len, raw, sizeof(raw)) != 16 ||
      !tern_str_eq(req->method, "GET")) {
    reply_simple(h, 400, NULL, "not a WebSocket handshake\n");
    return TERN_EPROTO;
  }
  if (!ver || !tern_str_eq(*ver, "13")) {
    reply_simple(h, 426, "Sec-WebSocket-Version: 13\r\n", NULL);
    return TERN_EUNSUPPORTED;
  }
  char hdr[160];
  int n = tern_ws_accept_response(key->p, key->len, NULL, hdr, sizeof(hdr));
  if (n < 0) return n;
  tern_send(h->conn, hdr, (size_t)n);
  h->state = HS_WS;
  h->ws_fn = fn;
  h->ws_arg = arg;
  tern_buf_init(&h->ws_msg, tern_loop_alloc(h->srv->loop), TERN_WS_MAX_MESSAGE);
  return 0;
}

int tern_ws_send(struct tern_conn *c, int opcode, const void *data, size_t len) {
  struct hconn *h = c->proto;
  if (!h || h->state != HS_WS) return TERN_EINVAL;
  /* the header alone, then the payload through send_body, so a message may
   * be larger than the send buffer */
  uint8_t hdr[14];
  size_t hl = tern_ws_header(hdr, opcode, 1, len, NULL);
  int rc = send_body(h, hdr, hl);
  return rc ? rc : send_body(h, data, len);
}

static void ws_close(struct hconn *h, uint16_t code) {
  uint8_t b[2] = {(uint8_t)(code >> 8), (uint8_t)code};
  tern_ws_encode(&h->conn->tx, TERN_WS_CLOSE, 1, b, 2, NULL);
  tern_send(h->conn, NULL, 0);
  if (h->ws_fn) h->ws_fn(h->conn, TERN_WS_CLOSE, b, 2, h->ws_arg);
  h->ws_fn = NULL;
  tern_close(h->conn);
}

/* UTF-8 as RFC 3629 has it (U+0000 allowed, unlike MQTT). */
static int utf8_ok(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    size_t len = c < 0x80             ? 1
                 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    if (!len || i + len > n) return 0;
    uint32_t cp = len == 1 ? c : (uint32_t)(c & (0x7f >> len));
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += len;
  }
  return 1;
}

static void ws_frame_done(struct hconn *h, uint8_t *payload, size_t plen) {
  struct tern_ws_frame *f = &h->ws_frame;
  switch (f->opcode) {
  case TERN_WS_PING:
    tern_ws_encode(&h->conn->tx, TERN_WS_PONG, 1, payload, plen, NULL);
    tern_send(h->conn, NULL, 0);
    return;
  case TERN_WS_PONG: return;
  case TERN_WS_CLOSE: {
    uint16_t code = plen >= 2 ? (uint16_t)(payload[0] << 8 | payload[1]) : 1000;
    ws_close(h, plen == 1 ? 1002 : code);
    return;
  }
  }
  if (f->fin) {
    if (h->ws_msg_opcode == TERN_WS_TEXT && !utf8_ok(h->ws_msg.data, h->ws_msg.len)) {
      ws_close(h, 1007);
      return;
    }
    if (h->ws_fn) h->ws_fn(h->conn, h->ws_msg_opcode, h->ws_msg.data, h->ws_msg.len, h->ws_arg);
    h->ws_msg.len = 0;
    h->ws_msg_opcode = 0;
  }
}

static void ws_on_data(struct hconn *h) {
  struct tern_conn *c = h->conn;
  while (c->rx.len && h->state == HS_WS && !c->is_closing && !c->is_draining) {
    struct tern_ws_frame *f = &h->ws_frame;
    if (!h->ws_in_frame) {
      int n = tern_ws_parse_header(c->rx.data, c->rx.len, 1, f);
      if (n == TERN_EAGAIN) return;
      if (n < 0) {
        ws_close(h, 1002);
        return;
      }
      if (f->opcode <= 2) {
        /* a new message must start with TEXT/BINARY, a continuation needs one open */
        if ((f->opcode == TERN_WS_CONT) != (h->ws_msg_opcode != 0)) {
          ws_close(h, 1002);
          return;
        }
        if (f->opcode) h->ws_msg_opcode = f->opcode;
        if (h->ws_msg.len + f->len > TERN_WS_MAX_MESSAGE) {
          ws_close(h, 1009);
          return;
        }
      }
      tern_buf_consume(&c->rx, (size_t)n);
      h->ws_in_frame = 1;
      h->ws_done = 0;
    }
    if (f->opcode >= 8) { /* control: whole frame at once (at most 125 bytes) */
      if (c->rx.len < f->len) return;
      uint8_t payload[125];
      memcpy(payload, c->rx.data, (size_t)f->len);
      tern_ws_unmask(payload, (size_t)f->len, f->mask, 0);
      tern_buf_consume(&c->rx, (size_t)f->len);
      h->ws_in_frame = 0;
      ws_frame_done(h, payload, (size_t)f->len);
      continue;
    }
    size_t take = c->rx.len < f->len - h->ws_done ? c->rx.len : (size_t)(f->len - h->ws_done);
    size_t at = h->ws_msg.len;
    if (tern_buf_append(&h->ws_msg, c->rx.data, take)) {
      ws_close(h, 1009);
      return;
    }
    if (take) /* (a zero-length frame: nothing to unmask, and no buffer yet) */
      tern_ws_unmask(h->ws_msg.data + at, take, f->mask, h->ws_done);
    tern_buf_consume(&c->rx, take);
    h->ws_done += take;
    if (h->ws_done == f->len) {
      h->ws_in_frame = 0;
      ws_frame_done(h, NULL, 0);
    }
  }
}

/* ---- requests ---- */
#else /* a build without WebSocket: an upgrade is refused */
int tern_http_ws_upgrade(struct tern_http_request *req, tern_ws_fn fn, void *arg) {
  (void)req, (void)fn, (void)arg;
  return TERN_EUNSUPPORTED;
}
int tern_ws_send(struct tern_conn *c, int opcode, const void *data, size_t len) {
  (void)c, (void)opcode, (void)data, (void)len;
  return TERN_EUNSUPPORTED;
}
static void ws_on_data(struct hconn *h) { (void)h; }
#endif

static int route_matches(const struct route *r, struct tern_str method, struct tern_str path) {
  if (r->method && !tern_str_eq(method, r->method)) return 0;
  size_t pl = strlen(r->pattern);
  if (pl && r->pattern[pl - 1] == '*')
    return path.len >= pl - 1 && !memcmp(path.p, r->pattern, pl - 1);
  return path.len == pl && !memcmp(path.p, r->pattern, pl);
}

/* Basic auth, compared in constant time. Returns the user or NULL. */
static const char *check_auth(struct tern_http_server *s, const struct tern_http_msg *m) {
  if (!s->o.auth_user) return NULL;
  const struct tern_str *a = tern_http_header(m, "authorization");
  if (!a || a->len < 7 || !tern_str_eq((struct tern_str){a->p, 6}, "basic ")) return NULL;
  uint8_t raw[512];
  int n = tern_base64_decode(a->p + 6, a->len - 6, raw, sizeof(raw) - 1);
  if (n <= 0) return NULL;
  char want[512];
  int wl =
      snprintf(want, sizeof(want), "%s:%s", s->o.auth_user, s->o.auth_pass ? s->o.auth_pass : "");
  /* compare over the longer length so the time does not depend on where they differ */
  int same = n == wl && tern_ct_equal(raw, want, (size_t)wl);
  return same ? s->o.auth_user : NULL;
}

static void dispatch(struct hconn *h) {
  struct tern_http_server *s = h->srv;
  struct tern_http_msg *m = &s->msg;
  struct tern_http_request req;
  memset(&req, 0, sizeof(req));
  req.method = m->method;
  req.target = m->target;
  req.head = m;
  req.conn = h->conn;
  req.server = s;
  req.body = (struct tern_str){(const char *)h->body.data, h->body.len};
  const char *q = memchr(m->target.p, '?', m->target.len);
  req.path = (struct tern_str){m->target.p, q ? (size_t)(q - m->target.p) : m->target.len};
  if (q) req.query = (struct tern_str){q + 1, m->target.len - (size_t)(q + 1 - m->target.p)};
  if (req.path.len == 0 || req.path.p[0] != '/') {
    reply_simple(h, 400, NULL, "Bad Request\n");
    return;
  }
  req.user = check_auth(s, m);
#if TERN_HTTP_ACCESS_LOG
  snprintf(h->reqline, sizeof(h->reqline), "%.*s %.*s HTTP/1.%d", (int)m->method.len, m->method.p,
           (int)(m->target.len < 150 ? m->target.len : 150), m->target.p, m->minor);
  for (char *p = h->reqline; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == '"') *p = '?'; /* one line, one quoted field */
  snprintf(h->user, sizeof(h->user), "%s", req.user ? req.user : "");
#endif
  for (struct route *r = s->routes; r; r = r->next) {
    if (!route_matches(r, m->method, req.path)) continue;
    if (r->protect && !req.user) {
      reply_simple(h, 401, "WWW-Authenticate: Basic realm=\"tern\"\r\n", "Unauthorized\n");
      return;
    }
    r->fn(&req, r->arg);
    if (h->state != HS_DONE && h->state != HS_SSE && h->state != HS_FILE && h->state != HS_WS &&
        h->state != HS_CHUNKED)
      reply_simple(h, 500, NULL, "the handler did not reply\n");
    return;
  }
  if (s->root && (tern_str_eq(m->method, "GET") || tern_str_eq(m->method, "HEAD"))) {
    if (s->o.auth_user && !req.user) {
      reply_simple(h, 401, "WWW-Authenticate: Basic realm=\"tern\"\r\n", "Unauthorized\n");
      return;
    }
    serve_file(h, &req);
    return;
  }
  reply_simple(h, 404, NULL, "Not Found\n");
}

static void reset(struct hconn *h) {
#if TERN_HTTP_ACCESS_LOG
  h->reqline[0] = h->user[0] = '\0';
#endif
  h->state = HS_HEAD;
  h->started = 0;
  h->body_left = 0;
  h->is_chunked = 0;
  memset(&h->chunked, 0, sizeof(h->chunked));
  h->body.len = 0;
  if (h->body.size > 4096) tern_buf_free(&h->body);
}

static void fail_request(struct hconn *h, int status) {
  h->keep_alive = 0; /* after a bad request the stream cannot be trusted */
  h->is_head = 0;
  write_head(h->conn, status, NULL, (int64_t)strlen(tern_http_status_text(status)), 0);
  tern_send(h->conn, tern_http_status_text(status), strlen(tern_http_status_text(status)));
  /* Lingering close: keep reading (and dropping) what the client still
   * sends for a moment, so closing with unread input does not reset the
   * connection and destroy the answer before the client reads it. */
  h->state = HS_LINGER;
  h->linger_since = tern_loop_now(h->srv->loop);
  tern_buf_consume(&h->conn->rx, h->conn->rx.len);
}

/* Remove n body bytes that follow the head in rx (they are in h->body now). */
static void drop_body_bytes(struct tern_conn *c, size_t head_len, size_t n) {
  memmove(c->rx.data + head_len, c->rx.data + head_len + n, c->rx.len - head_len - n);
  c->rx.len -= n;
}

/* Process what rx holds: possibly several pipelined requests. */
static void on_data(struct hconn *h) {
  struct tern_conn *c = h->conn;
  struct tern_http_server *s = h->srv;
  if (h->state == HS_LINGER) {
    tern_buf_consume(&c->rx, c->rx.len);
    return;
  }
  if (h->state == HS_WS) {
    ws_on_data(h);
    return;
  }
  while (!c->is_closing && !c->is_draining) {
    if (h->state == HS_DONE && h->pending.len) return; /* one response at a time */
    if (h->state == HS_DONE) reset(h);
    if (h->state == HS_HEAD) {
      if (c->rx.len == 0) return;
      if (!h->started) h->started = tern_loop_now(s->loop);
      int n = tern_http_parse_request(c->rx.data, c->rx.len, &s->msg);
      if (n == TERN_EAGAIN) return;
      if (n < 0) {
        fail_request(h, n == TERN_ELIMIT ? 431 : 400);
        return;
      }
      h->head_len = (size_t)n;
      h->keep_alive = s->msg.keep_alive;
      h->is_head = tern_str_eq(s->msg.method, "HEAD");
      if (s->msg.content_length > (int64_t)s->o.max_body) {
        fail_request(h, 413);
        return;
      }
      h->is_chunked = s->msg.chunked;
      h->body_left = s->msg.content_length > 0 ? s->msg.content_length : 0;
      if (s->msg.expect_continue && (h->is_chunked || h->body_left))
        tern_send(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
      h->state = HS_BODY;
    }
    if (h->state == HS_BODY) {
      /* The head stays at the front of rx (the request's strings point
       * there); body bytes after it move into h->body. */
      size_t avail = c->rx.len - h->head_len;
      const uint8_t *p = c->rx.data + h->head_len;
      size_t used = 0;
      if (h->is_chunked) {
        int done = 0;
        int n = tern_http_chunked_feed(&h->chunked, p, avail, &h->body, &done);
        if (n == TERN_EFULL || h->body.len > s->o.max_body) {
          fail_request(h, 413);
          return;
        }
        if (n < 0) {
          fail_request(h, 400);
          return;
        }
        used = (size_t)n;
        if (!done) {
          drop_body_bytes(c, h->head_len, used);
          return;
        }
      } else {
        size_t take = avail < (uint64_t)h->body_left ? avail : (size_t)h->body_left;
        if (tern_buf_append(&h->body, p, take)) {
          fail_request(h, 413);
          return;
        }
        h->body_left -= (int64_t)take;
        used = take;
        if (h->body_left) {
          drop_body_bytes(c, h->head_len, used);
          return;
        }
      }
      /* Complete: re-parse the head in place (the scratch may have been
       * used by another connection meanwhile), dispatch, drop the bytes. */
      tern_http_parse_request(c->rx.data, h->head_len, &s->msg);
      h->last_active = tern_loop_now(s->loop);
      dispatch(h);
      size_t consumed = h->head_len + used;
      tern_buf_consume(&c->rx, consumed <= c->rx.len ? consumed : c->rx.len);
      h->started = 0;
      if (h->state == HS_WS) {
        ws_on_data(h);
        return;
      } /* frames may follow the handshake */
      if (h->state == HS_FILE || h->state == HS_SSE || h->state == HS_CHUNKED) return;
    }
    if (h->state == HS_FILE || h->state == HS_SSE || h->state == HS_WS || h->state == HS_CHUNKED)
      return;
  }
}

static void unlink_conn(struct hconn *h) {
  struct tern_http_server *s = h->srv;
  if (h->prev) h->prev->next = h->next;
  else s->head = h->next;
  if (h->next) h->next->prev = h->prev;
  else s->tail = h->prev;
  s->nconns--;
}

static void check_timers(struct hconn *h) {
  struct tern_http_server *s = h->srv;
  uint32_t now = tern_loop_now(s->loop);
  if (h->state == HS_SSE || h->state == HS_FILE || h->state == HS_WS || h->state == HS_CHUNKED)
    return;
  if (h->state == HS_LINGER) {
    if (h->conn->tx.len == 0 && now - h->linger_since > 1000) tern_close(h->conn);
    return;
  }
  if (h->started && now - h->started > s->o.request_ms) {
    /* slowloris: a request that never completes loses its connection */
    fail_request(h, 408);
  } else if (!h->started && h->state != HS_BODY && now - h->last_active > s->o.idle_ms) {
    tern_close(h->conn);
  }
}

/* When full, the oldest connection that is only waiting for a next request
 * makes room; failing that, the one whose request head has been trickling
 * in longest (a slowloris client), so slow clients cannot lock others out.
 * If every connection is busy with a complete request, the newcomer waits
 * its turn outside (refused). */
static int make_room(struct tern_http_server *s) {
  if (s->nconns < s->o.max_conns) return 1;
  struct hconn *slowest = NULL;
  for (struct hconn *h = s->head; h; h = h->next) {
    if (h->conn->is_closing) continue;
    if (h->state == HS_HEAD && !h->started) {
      tern_close_now(h->conn);
      return 1;
    }
    if (h->state == HS_HEAD && (!slowest || tern_time_before(h->started, slowest->started)))
      slowest = h;
  }
  if (slowest) {
    tern_close_now(slowest->conn);
    return 1;
  }
  return 0;
}

static void server_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct tern_http_server *s = c->fn_data;
  struct hconn *h = c->proto;
  switch (ev) {
  case TERN_EV_ACCEPT:
    if (!make_room(s)) {
      tern_close_now(c);
      return;
    }
    h = tern_alloc(tern_loop_alloc(s->loop), sizeof(*h));
    if (!h) {
      tern_close_now(c);
      return;
    }
    h->srv = s;
    h->conn = c;
    h->last_active = tern_loop_now(s->loop);
    tern_buf_init(&h->body, tern_loop_alloc(s->loop), s->o.max_body);
    tern_buf_init(&h->pending, tern_loop_alloc(s->loop), 64u * 1024 * 1024);
    h->prev = s->tail;
    if (s->tail) s->tail->next = h;
    else s->head = h;
    s->tail = h;
    s->nconns++;
    c->proto = h;
    break;
  case TERN_EV_READ:
    if (h) {
      h->last_active = tern_loop_now(s->loop);
      on_data(h);
    }
    break;
  case TERN_EV_SENT:
    if (h && h->state == HS_FILE) pump_file(h);
    if (h && h->pending.len) {
      flush_pending(h);
      if (!h->pending.len && h->state == HS_DONE && h->keep_alive)
        on_data(h); /* the next pipelined request */
    }
    break;
  case TERN_EV_POLL:
    if (h) check_timers(h);
    break;
  case TERN_EV_CLOSE:
    if (!h) break;
    if (h->file) tern_file_close(h->file);
    tern_buf_free(&h->body);
    tern_buf_free(&h->pending);
    if (h->state == HS_WS && h->ws_fn) h->ws_fn(c, TERN_WS_CLOSE, NULL, 0, h->ws_arg);
    tern_buf_free(&h->ws_msg);
    unlink_conn(h);
    tern_free(tern_loop_alloc(s->loop), h);
    c->proto = NULL;
    break;
  }
}

static char *dup_s(struct tern_loop *loop, const char *z) {
  if (!z) return NULL;
  size_t n = strlen(z) + 1;
  char *p = tern_alloc(tern_loop_alloc(loop), n);
  if (p) memcpy(p, z, n);
  return p;
}

struct tern_http_server *tern_http_server_start(struct tern_loop *loop,
                                                const struct tern_http_server_opts *o, int *err) {
  struct tern_http_server *s = tern_alloc(tern_loop_alloc(loop), sizeof(*s));
  if (!s) {
    *err = TERN_ENOMEM;
    return NULL;
  }
  s->loop = loop;
  s->o = *o;
  if (!s->o.max_conns) s->o.max_conns = TERN_HTTP_MAX_CONNS;
  if (!s->o.max_body) s->o.max_body = TERN_HTTP_MAX_BODY;
  if (!s->o.idle_ms) s->o.idle_ms = TERN_HTTP_IDLE_MS;
  if (!s->o.request_ms) s->o.request_ms = TERN_HTTP_REQUEST_MS;
  s->root = dup_s(loop, o->root);
  s->listener = tern_listen(loop, o->listen ? o->listen : "tcp://127.0.0.1:8080", server_fn, s);
  if (!s->listener) {
    *err = tern_listen_error(loop);
    tern_free(tern_loop_alloc(loop), s->root);
    tern_free(tern_loop_alloc(loop), s);
    return NULL;
  }
  if (o->tls) tern_tls_listen(s->listener, o->tls);
  *err = 0;
  return s;
}

uint16_t tern_http_server_port(const struct tern_http_server *s) { return s->listener->local.port; }

int tern_http_route(struct tern_http_server *s, const char *method, const char *pattern,
                    int protect, tern_http_handler fn, void *arg) {
  struct route *r = tern_alloc(tern_loop_alloc(s->loop), sizeof(*r));
  if (!r) return TERN_ENOMEM;
  r->method = dup_s(s->loop, method);
  r->pattern = dup_s(s->loop, pattern);
  r->protect = protect;
  r->fn = fn;
  r->arg = arg;
  struct route **pp = &s->routes;
  while (*pp) pp = &(*pp)->next;
  *pp = r; /* first added, first matched */
  return 0;
}

void tern_http_server_stop(struct tern_http_server *s) {
  if (!s) return;
  s->listener->fn = NULL;
  tern_close_now(s->listener);
  while (s->head) {
    struct hconn *h = s->head;
    h->conn->fn = NULL;
    h->conn->proto = NULL;
    tern_close_now(h->conn);
    if (h->file) tern_file_close(h->file);
    tern_buf_free(&h->body);
    tern_buf_free(&h->pending);
    tern_buf_free(&h->ws_msg);
    unlink_conn(h);
    tern_free(tern_loop_alloc(s->loop), h);
  }
  while (s->routes) {
    struct route *r = s->routes;
    s->routes = r->next;
    tern_free(tern_loop_alloc(s->loop), r->method);
    tern_free(tern_loop_alloc(s->loop), r->pattern);
    tern_free(tern_loop_alloc(s->loop), r);
  }
  tern_free(tern_loop_alloc(s->loop), s->root);
  tern_free(tern_loop_alloc(s->loop), s);
}
