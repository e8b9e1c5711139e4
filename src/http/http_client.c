/* The HTTP/1.1 client: one request (and its redirects) at a time, over TCP
 * or TLS, with connect / header / total timeouts. A redirect to the same
 * origin reuses the kept-alive connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/base64.h"
#include "tern/dns.h"
#include "tern/error.h"
#include "tern/file.h"
#include "tern/http.h"
#include "tern/tls.h"

#define TERN_HTTP_VERSION "0.1"

enum { PH_CONNECT, PH_HEAD, PH_BODY, PH_DONE };

/* An idle kept-alive connection, and the TLS context it was made with. */
struct idle {
  struct tern_conn *conn;
  char origin[300];
};

struct tern_http_client {
  struct tern_loop *loop;
  struct idle idle[TERN_HTTP_CLIENT_IDLE];
};

struct fetch {
  struct tern_loop *loop;
  const struct tern_http_client_opts *o;
  struct tern_http_response *r;
  char url[TERN_URL_MAX + 1], host[256], origin[300];
  uint16_t port;
  int https;
  const char *method;
  const void *body;
  size_t body_len;
  int send_auth; /* credentials may go to this origin (not after a redirect to another) */
  struct tern_conn *conn;
  struct tern_tls_ctx *tls;
  int phase, done, err, reusable, reused, got_bytes;
  struct tern_http_client *client;
  struct tern_http_call *call; /* asynchronous: report through it */
  struct tern_http_chunked ch;
  int chunked, until_close;
  int paused;       /* streaming: on_body took less than it was given */
  int chunks_ended; /* ... and the last chunk was in what it has yet to take */
  int64_t left;
  struct tern_timer head_timer, total_timer;
};

struct tern_http_call {
  struct fetch f; /* first: finish() finds the call from it */
  struct tern_http_response r;
  struct tern_http_client_opts o;
  tern_http_done_fn fn;
  void *arg;
  char *file_body;
  struct tern_timer done_timer;
};

static void call_done(struct tern_timer *t, void *arg);

static void finish(struct fetch *f, int err, const char *why) {
  if (f->done) return;
  f->done = 1;
  f->err = err;
  if (err && why) snprintf(f->r->error, sizeof(f->r->error), "%s", why);
  tern_timer_stop(f->loop, &f->head_timer);
  /* asynchronous: report from a timer, outside the connection's handler */
  if (f->call)
    tern_timer_start(f->loop, &((struct tern_http_call *)f->call)->done_timer, 0, 0, call_done,
                     f->call);
}

static int set_url(struct fetch *f, const char *url) {
  struct tern_url u;
  if (strlen(url) >= sizeof(f->url)) return TERN_EINVAL;
  snprintf(f->url, sizeof(f->url), "%s", url);
  if (tern_url_parse(f->url, strlen(f->url), &u) != 0 || !u.host.len) return TERN_EINVAL;
  if (tern_str_eq(u.scheme, "https")) f->https = 1;
  else if (tern_str_eq(u.scheme, "http") || !u.scheme.len) f->https = 0;
  else return TERN_EUNSUPPORTED;
  if (tern_str_copy(u.host, f->host, sizeof(f->host))) return TERN_EINVAL;
  f->port = u.has_port ? u.port : (f->https ? 443 : 80);
  return 0;
}

static void conn_fn(struct tern_conn *c, int ev, void *ev_data);

static void idle_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct tern_http_client *cl = c->fn_data;
  if (ev == TERN_EV_READ) {
    tern_buf_consume(&c->rx, c->rx.len);
    tern_close_now(c);
  } /* no request: nothing may come */
  if (ev != TERN_EV_CLOSE) return;
  for (int i = 0; i < TERN_HTTP_CLIENT_IDLE; i++)
    if (cl->idle[i].conn == c) cl->idle[i].conn = NULL;
}

/* Take an idle connection to this origin, if the client holds one. */
static struct tern_conn *take_idle(struct tern_http_client *cl, const char *origin) {
  for (int i = 0; cl && i < TERN_HTTP_CLIENT_IDLE; i++) {
    struct tern_conn *c = cl->idle[i].conn;
    if (c && !c->is_closing && !c->is_draining && !strcmp(cl->idle[i].origin, origin)) {
      cl->idle[i].conn = NULL;
      return c;
    }
  }
  return NULL;
}

static void keep_idle(struct tern_http_client *cl, struct tern_conn *c, const char *origin) {
  int slot = -1;
  for (int i = 0; i < TERN_HTTP_CLIENT_IDLE && slot < 0; i++)
    if (!cl->idle[i].conn) slot = i;
  if (slot < 0) { /* full: the first slot gives way */
    cl->idle[0].conn->fn = NULL;
    tern_close(cl->idle[0].conn);
    slot = 0;
  }
  cl->idle[slot].conn = c;
  snprintf(cl->idle[slot].origin, sizeof(cl->idle[slot].origin), "%s", origin);
  c->fn = idle_fn;
  c->fn_data = cl;
}

/* Does a block of "Name: value\r\n" lines hold this header (any case)? */
static int has_header(const char *headers, const char *name) {
  size_t n = strlen(name), i;
  for (const char *p = headers; p && *p;) {
    for (i = 0; i < n && p[i] && (p[i] | 0x20) == name[i]; i++) {
    } /* name is lower case; '-' | 0x20 is '-' */
    if (i == n && p[n] == ':') return 1;
    p = strchr(p, '\n');
    if (p) p++;
  }
  return 0;
}

/* The request head goes out through here: sent, and kept when asked. */
static int sent(struct fetch *f, const void *data, size_t len) {
  if (f->o->record_request) tern_buf_append(&f->r->request, data, len);
  return tern_send(f->conn, data, len);
}

static int send_request(struct fetch *f) {
  struct tern_url u;
  tern_url_parse(f->url, strlen(f->url), &u);
  char line[TERN_URL_MAX + 600]; /* the request line (a URL) and the Host header */
  int default_port = f->port == (f->https ? 443 : 80);
  int n = snprintf(line, sizeof(line), "%s %.*s%s%.*s HTTP/1.1\r\nHost: %s%s%s%s", f->method,
                   (int)(u.path.len ? u.path.len : 1), u.path.len ? u.path.p : "/",
                   u.query.len ? "?" : "", (int)u.query.len, u.query.p,
                   strchr(f->host, ':') ? "[" : "", f->host, strchr(f->host, ':') ? "]" : "", "");
  if (!default_port) n += snprintf(line + n, sizeof(line) - (size_t)n, ":%u", f->port);
  /* the caller's own User-Agent or Accept replaces ours (curl -A, -H) */
  int own_ua = has_header(f->o->headers, "user-agent"),
      own_accept = has_header(f->o->headers, "accept");
  n += snprintf(line + n, sizeof(line) - (size_t)n, "\r\n%s%s",
                own_ua ? "" : "User-Agent: tern/" TERN_HTTP_VERSION "\r\n",
                own_accept ? "" : "Accept: */*\r\n");
  if (n >= (int)sizeof(line)) return TERN_EINVAL;
  if (f->o->record_request) f->r->request.len = 0;
  int rc = sent(f, line, (size_t)n);
  /* Basic auth: the caller's user, else the URL's user:password@ (as curl takes it) */
  const char *user = f->o->user, *pass = f->o->pass;
  char url_user[128], url_pass[256];
  if (!user && u.user.len &&
      tern_url_decode(u.user.p, u.user.len, url_user, sizeof(url_user), 0) >= 0 &&
      tern_url_decode(u.pass.p, u.pass.len, url_pass, sizeof(url_pass), 0) >= 0)
    user = url_user, pass = url_pass;
  if (f->send_auth && user) {
    char cred[512], b64[700];
    int cl = snprintf(cred, sizeof(cred), "%s:%s", user, pass ? pass : "");
    tern_base64_encode((const uint8_t *)cred, (size_t)cl, b64, sizeof(b64));
    n = snprintf(line, sizeof(line), "Authorization: Basic %s\r\n", b64);
    if (!rc) rc = sent(f, line, (size_t)n);
  } else if (f->send_auth && f->o->bearer) {
    n = snprintf(line, sizeof(line), "Authorization: Bearer %s\r\n", f->o->bearer);
    if (!rc) rc = sent(f, line, (size_t)n);
  }
  if (f->body) {
    n = snprintf(line, sizeof(line), "Content-Type: %s\r\nContent-Length: %lu\r\n",
                 f->o->content_type ? f->o->content_type : "application/x-www-form-urlencoded",
                 (unsigned long)f->body_len);
    if (!rc) rc = sent(f, line, (size_t)n);
  }
  if (!rc && f->o->headers) rc = sent(f, f->o->headers, strlen(f->o->headers));
  if (!rc) rc = sent(f, "\r\n", 2);
  if (!rc && f->body && f->body_len) rc = tern_send(f->conn, f->body, f->body_len);
  return rc;
}

static void head_timeout(struct tern_timer *t, void *arg) {
  (void)t;
  struct fetch *f = arg;
  finish(f, TERN_ETIMEDOUT, "timed out waiting for the response");
  if (f->conn) tern_close_now(f->conn);
}

static void total_timeout(struct tern_timer *t, void *arg) {
  (void)t;
  struct fetch *f = arg;
  finish(f, TERN_ETIMEDOUT, "timed out (whole request)");
  if (f->conn) tern_close_now(f->conn);
}

static int start(struct fetch *f) {
  f->phase = PH_CONNECT;
  memset(&f->ch, 0, sizeof(f->ch));
  f->r->body.len = 0;
  f->r->head.len = 0;
  if (f->conn && f->reusable) { /* same origin, kept alive: go straight on */
    f->phase = PH_HEAD;
    tern_timer_start(f->loop, &f->head_timer,
                     f->o->header_timeout_ms ? f->o->header_timeout_ms : 30000, 0, head_timeout, f);
    return send_request(f);
  }
  if (f->conn) {
    f->conn->fn = NULL;
    tern_close_now(f->conn);
    f->conn = NULL;
  }
  char origin[300];
  snprintf(origin, sizeof(origin), "%s:%u:%d", f->host, f->port, f->https);
  struct tern_conn *idle = take_idle(f->client, origin);
  if (idle) {
    snprintf(f->origin, sizeof(f->origin), "%s", origin);
    f->conn = idle;
    idle->fn = conn_fn;
    idle->fn_data = f;
    f->reused = 1;
    f->got_bytes = 0;
    f->phase = PH_HEAD;
    tern_timer_start(f->loop, &f->head_timer,
                     f->o->header_timeout_ms ? f->o->header_timeout_ms : 30000, 0, head_timeout, f);
    return send_request(f);
  }
  f->reused = 0;
  char url[320];
  snprintf(url, sizeof(url), strchr(f->host, ':') ? "tcp://[%s]:%u" : "tcp://%s:%u", f->host,
           f->port);
  f->conn = tern_connect(f->loop, url, conn_fn, f);
  if (!f->conn) return TERN_EINVAL;
  if (f->https) {
    if (!f->tls) {
      struct tern_tls_opts def = {0};
      f->tls = tern_tls_ctx_new(f->loop, f->o->tls ? f->o->tls : &def, 0, f->r->error,
                                sizeof(f->r->error));
      if (!f->tls) return TERN_ETLS;
    }
    if (tern_tls_client(f->conn, f->tls) != 0) return TERN_ETLS;
  }
  snprintf(f->origin, sizeof(f->origin), "%s:%u:%d", f->host, f->port, f->https);
  return 0;
}

static int is_redirect(int s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

static void follow(struct fetch *f) {
  const struct tern_str *loc = tern_http_header(&f->r->msg, "location");
  if (!loc || !loc->len) {
    finish(f, 0, NULL);
    return;
  }
  int max = f->o->max_redirects ? f->o->max_redirects : TERN_HTTP_MAX_REDIRECTS;
  if (++f->r->redirects > max && max > 0) {
    finish(f, TERN_ELIMIT, "too many redirects");
    return;
  }
  char next[TERN_URL_MAX + 1], old_origin[300];
  snprintf(old_origin, sizeof(old_origin), "%s", f->origin);
  if (loc->len >= sizeof(next)) {
    finish(f, TERN_EPARSE, "redirect location too long");
    return;
  }
  if (loc->p[0] == '/' && !(loc->len > 1 && loc->p[1] == '/')) {
    /* a path on the same origin */
    snprintf(next, sizeof(next), "%s://%s%s%s:%u%.*s", f->https ? "https" : "http",
             strchr(f->host, ':') ? "[" : "", f->host, strchr(f->host, ':') ? "]" : "", f->port,
             (int)loc->len, loc->p);
  } else {
    tern_str_copy(*loc, next, sizeof(next));
  }
  int status = f->r->status;
  int keep = f->r->msg.keep_alive && !f->until_close;
  if (set_url(f, next) != 0) {
    finish(f, TERN_EPARSE, "bad redirect location");
    return;
  }
  char origin[300];
  snprintf(origin, sizeof(origin), "%s:%u:%d", f->host, f->port, f->https);
  /* never carry credentials to another host [RFC 9110 15.4] */
  if (strcmp(origin, old_origin) != 0) f->send_auth = 0;
  f->reusable = keep && !strcmp(origin, old_origin);
  if (status == 303 || ((status == 301 || status == 302) && strcmp(f->method, "HEAD") != 0 &&
                        strcmp(f->method, "GET") != 0)) {
    f->method = "GET";
    f->body = NULL;
    f->body_len = 0;
  }
  int rc = start(f);
  if (rc) finish(f, rc, "cannot follow the redirect");
}

static void body_done(struct fetch *f) {
  f->phase = PH_DONE;
  if (f->o->follow_redirects && is_redirect(f->r->status)) follow(f);
  else finish(f, 0, NULL);
}

/* Streaming a chunked body: what the decoder put in r->body goes to
 * on_body; 0 when it did not take everything (paused). */
static int offer_decoded(struct fetch *f) {
  struct tern_buf *b = &f->r->body;
  size_t took = b->len ? f->o->on_body(b->data, b->len, f->o->body_arg) : 0;
  tern_buf_consume(b, took < b->len ? took : b->len);
  f->paused = b->len != 0;
  return !f->paused;
}

static void on_read(struct fetch *f, struct tern_conn *c) {
  struct tern_http_response *r = f->r;
  size_t cap = f->o->max_response ? f->o->max_response : 64u * 1024 * 1024;
  if (f->paused) return; /* streaming: the reader is behind */
  while (c->rx.len && f->phase != PH_DONE && !f->done) {
    if (f->phase == PH_HEAD) {
      int n = tern_http_parse_response(c->rx.data, c->rx.len, &r->msg);
      if (n == TERN_EAGAIN) return;
      if (n < 0) {
        finish(f, TERN_EPROTO, "malformed response");
        tern_close_now(c);
        return;
      }
      if (r->msg.status >= 100 && r->msg.status < 200) {
        tern_buf_consume(&c->rx, (size_t)n);
        continue;
      }
      /* keep the head: the headers in r->msg point into r->head */
      r->head.len = 0;
      tern_buf_append(&r->head, c->rx.data, (size_t)n);
      tern_http_parse_response(r->head.data, r->head.len, &r->msg);
      tern_buf_consume(&c->rx, (size_t)n);
      tern_timer_stop(f->loop, &f->head_timer);
      r->status = r->msg.status;
      f->chunked = r->msg.chunked;
      f->until_close = 0;
      f->left = 0;
      int no_body = !strcmp(f->method, "HEAD") || r->status == 204 || r->status == 304;
      if (no_body) {
        body_done(f);
        continue;
      }
      if (!f->chunked) {
        if (r->msg.content_length >= 0) f->left = r->msg.content_length;
        else f->until_close = 1;
        if ((uint64_t)f->left > cap) {
          finish(f, TERN_ELIMIT, "response body over the cap");
          tern_close_now(c);
          return;
        }
      }
      f->phase = PH_BODY;
      if (!f->chunked && !f->until_close && f->left == 0) {
        body_done(f);
        continue;
      }
    }
    if (f->phase == PH_BODY) {
      if (f->chunked) {
        int done = 0;
        int n = tern_http_chunked_feed(&f->ch, c->rx.data, c->rx.len, &r->body, &done);
        if (n < 0 || r->body.len > cap) {
          finish(f, n == TERN_EPARSE ? TERN_EPROTO : TERN_ELIMIT, "bad chunked body");
          tern_close_now(c);
          return;
        }
        tern_buf_consume(&c->rx, (size_t)n);
        if (f->o->on_body && !offer_decoded(f)) {
          f->chunks_ended = done; /* the rest when resumed */
          return;
        }
        if (done) body_done(f);
        else return;
      } else {
        size_t take = f->until_close || (int64_t)c->rx.len < f->left ? c->rx.len : (size_t)f->left;
        if (f->o->on_body) { /* streaming: as much as the reader takes */
          size_t took = f->o->on_body(c->rx.data, take, f->o->body_arg);
          if (took < take) take = took, f->paused = 1;
        } else if (r->body.len + take > cap || tern_buf_append(&r->body, c->rx.data, take)) {
          finish(f, TERN_ELIMIT, "response body over the cap");
          tern_close_now(c);
          return;
        }
        tern_buf_consume(&c->rx, take);
        if (!f->until_close) {
          f->left -= (int64_t)take;
          if (!f->left) body_done(f);
        }
        if (f->paused) return;
      }
    }
  }
}

static void read_on(struct fetch *f, struct tern_conn *c) {
  if (c->rx.len) f->got_bytes = 1;
  on_read(f, c);
  if (f->paused) return; /* the end of a body waits for its reader */
  if (c->is_readable_shut && f->phase == PH_BODY && f->until_close && !f->done) body_done(f);
  else if (c->is_readable_shut && !f->done && !(f->reused && !f->got_bytes)) {
    f->r->eof_early = 1;
    finish(f, TERN_ECONNRESET,
           f->phase == PH_HEAD ? "the server closed without a response"
                               : "the response was cut short");
  }
}

static void conn_fn(struct tern_conn *c, int ev, void *ev_data) {
  struct fetch *f = c->fn_data;
  switch (ev) {
  case TERN_EV_CONNECT:
    f->phase = PH_HEAD;
    tern_timer_start(f->loop, &f->head_timer,
                     f->o->header_timeout_ms ? f->o->header_timeout_ms : 30000, 0, head_timeout, f);
    if (send_request(f) != 0) {
      finish(f, TERN_EIO, "cannot send the request");
      tern_close_now(c);
    }
    break;
  case TERN_EV_READ: read_on(f, c); break;
  case TERN_EV_ERROR: finish(f, c->err, ev_data); break;
  case TERN_EV_CLOSE:
    if (f->conn == c) f->conn = NULL;
    if (!f->done && f->reused && !f->got_bytes &&
        (!strcmp(f->method, "GET") || !strcmp(f->method, "HEAD"))) {
      /* the server closed the idle connection as we reused it: once more, fresh */
      f->reused = 0;
      int rc = start(f);
      if (rc) finish(f, rc, "cannot reconnect");
      break;
    }
    if (!f->done) finish(f, TERN_ECONNRESET, "connection closed");
    break;
  }
}

/* Set a request going. file_body gets the buffer to free afterwards. */
static int begin(struct fetch *f, struct tern_loop *loop, struct tern_http_client *cl,
                 const struct tern_http_client_opts *o, struct tern_http_response *r,
                 char **file_body) {
  memset(r, 0, sizeof(*r));
  int rc = tern_dns_attach(loop, NULL); /* host names resolve */
  if (rc) return rc;
  tern_buf_init(&r->head, tern_loop_alloc(loop), TERN_HTTP_MAX_HEAD + 4);
  tern_buf_init(&r->request, tern_loop_alloc(loop), TERN_URL_MAX + 64 * 1024);
  tern_buf_init(&r->body, tern_loop_alloc(loop),
                o->max_response ? o->max_response : 64u * 1024 * 1024);
  f->loop = loop;
  f->client = cl;
  f->o = o;
  f->r = r;
  f->send_auth = 1;
  f->body = o->body;
  f->body_len = o->body_len;
  *file_body = NULL;
  if (o->body_file) {
    char *buf;
    size_t n;
    rc = tern_file_load(tern_loop_alloc(loop), o->body_file, TERN_HTTP_MAX_BODY_FILE, &buf, &n);
    if (rc) {
      snprintf(r->error, sizeof(r->error), "cannot read %s: %s", o->body_file, tern_strerror(rc));
      return rc;
    }
    *file_body = buf;
    f->body = buf;
    f->body_len = n;
  }
  f->method = o->method ? o->method : f->body ? "POST" : "GET";
  rc = set_url(f, o->url);
  if (rc) {
    snprintf(r->error, sizeof(r->error), "bad URL: %s", o->url);
    return rc;
  }
  tern_timer_start(loop, &f->total_timer, o->total_timeout_ms ? o->total_timeout_ms : 60000, 0,
                   total_timeout, f);
  rc = start(f);
  if (rc) finish(f, rc, r->error[0] ? r->error : tern_strerror(rc));
  return 0;
}

/* After the exchange: keep a clean kept-alive connection, or close it. */
static int end(struct fetch *f, char *file_body) {
  struct tern_http_response *r = f->r;
  tern_timer_stop(f->loop, &f->total_timer);
  tern_timer_stop(f->loop, &f->head_timer);
  if (f->conn && f->client && !f->err && f->phase == PH_DONE && r->msg.keep_alive &&
      !f->until_close && !f->conn->is_closing && !f->conn->is_draining && f->conn->rx.len == 0)
    keep_idle(f->client, f->conn, f->origin); /* a clean end of a kept-alive exchange */
  else if (f->conn) {
    f->conn->fn = NULL;
    tern_close(f->conn);
  }
  f->conn = NULL;
  if (f->tls) tern_tls_ctx_unref(f->tls);
  f->tls = NULL;
  tern_free(tern_loop_alloc(f->loop), file_body);
  if (f->err && !r->error[0]) snprintf(r->error, sizeof(r->error), "%s", tern_strerror(f->err));
  return f->err;
}

static int fetch(struct tern_loop *loop, struct tern_http_client *cl,
                 const struct tern_http_client_opts *o, struct tern_http_response *r) {
  struct fetch f;
  char *file_body;
  memset(&f, 0, sizeof(f));
  int rc = begin(&f, loop, cl, o, r, &file_body);
  if (rc) {
    tern_free(tern_loop_alloc(loop), file_body);
    return rc;
  }
  while (!f.done) tern_loop_poll(loop, 1000);
  rc = end(&f, file_body);
  tern_loop_poll(loop, 0);
  return rc;
}

/* ---- asynchronous ---- */

static void call_done(struct tern_timer *t, void *arg) {
  (void)t;
  struct tern_http_call *c = arg;
  struct tern_loop *loop = c->f.loop;
  int err = end(&c->f, c->file_body);
  c->fn(err, &c->r, c->arg);
  tern_http_response_free(&c->r);
  tern_free(tern_loop_alloc(loop), c);
}

struct tern_http_call *tern_http_start(struct tern_loop *loop,
                                       const struct tern_http_client_opts *o, tern_http_done_fn fn,
                                       void *arg) {
  struct tern_http_call *c = tern_alloc(tern_loop_alloc(loop), sizeof(*c));
  if (!c) return NULL;
  c->o = *o;
  c->fn = fn;
  c->arg = arg;
  c->f.call = c;
  if (begin(&c->f, loop, NULL, &c->o, &c->r, &c->file_body) != 0) {
    c->f.loop = loop;
    c->f.done = 1;
    c->f.err = TERN_EINVAL;
    tern_timer_start(loop, &c->done_timer, 0, 0, call_done, c); /* report it the same way */
  }
  return c;
}

void tern_http_cancel(struct tern_http_call *c) {
  if (!c) return;
  struct tern_loop *loop = c->f.loop;
  tern_timer_stop(loop, &c->done_timer);
  c->f.err = TERN_ECLOSED;
  end(&c->f, c->file_body);
  tern_http_response_free(&c->r);
  tern_free(tern_loop_alloc(loop), c);
}

void tern_http_resume(struct tern_http_call *c) {
  struct fetch *f = c ? &c->f : NULL;
  if (!f || !f->paused || f->done) return;
  f->paused = 0;
  if (f->chunked && !offer_decoded(f)) return;
  if (f->chunks_ended) body_done(f);
  else if (f->conn) read_on(f, f->conn);
}

void tern_http_response_free(struct tern_http_response *r) {
  tern_buf_free(&r->head);
  tern_buf_free(&r->body);
  tern_buf_free(&r->request);
}

int tern_http_fetch(struct tern_loop *loop, const struct tern_http_client_opts *o,
                    struct tern_http_response *r) {
  return fetch(loop, NULL, o, r);
}

struct tern_http_client *tern_http_client_new(struct tern_loop *loop) {
  struct tern_http_client *cl = tern_alloc(tern_loop_alloc(loop), sizeof(*cl));
  if (cl) cl->loop = loop;
  return cl;
}

void tern_http_client_free(struct tern_http_client *cl) {
  if (!cl) return;
  for (int i = 0; i < TERN_HTTP_CLIENT_IDLE; i++)
    if (cl->idle[i].conn) {
      cl->idle[i].conn->fn = NULL;
      tern_close(cl->idle[i].conn);
    }
  tern_free(tern_loop_alloc(cl->loop), cl);
}

int tern_http_client_fetch(struct tern_http_client *cl, const struct tern_http_client_opts *o,
                           struct tern_http_response *r) {
  return fetch(cl->loop, cl, o, r);
}
