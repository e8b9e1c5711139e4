/* HTTP/1.1 server and client on the tern loop, over TCP or TLS. */
#ifndef TERN_HTTP_H
#define TERN_HTTP_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "http_codec.h"
#include "loop.h"

struct tern_tls_ctx;
struct tern_tls_opts;
struct tern_http_server;

/* ---- server ---- */

struct tern_http_request {
  struct tern_str method, target, path, query; /* path is still percent-encoded */
  const struct tern_http_msg *head;            /* all headers */
  struct tern_str body;                        /* whole, decoded from chunked if need be */
  struct tern_conn *conn;
  struct tern_http_server *server;
  const char *user; /* Basic-auth user, when authenticated */
};
typedef void (*tern_http_handler)(struct tern_http_request *req, void *arg);

struct tern_http_server_opts {
  const char *listen;                /* "tcp://127.0.0.1:8080" (0 picks a port) */
  struct tern_tls_ctx *tls;          /* serve HTTPS (server context) */
  const char *root;                  /* serve files from here when no route matches */
  const char *auth_user, *auth_pass; /* Basic auth on protected routes (all, with root) */
  size_t max_conns;                  /* 0: TERN_HTTP_MAX_CONNS */
  size_t max_body;                   /* 0: TERN_HTTP_MAX_BODY */
  uint32_t idle_ms, request_ms;      /* 0: TERN_HTTP_IDLE_MS, TERN_HTTP_REQUEST_MS */
  /* One line per response in the Common Log Format (TERN_HTTP_ACCESS_LOG
   * builds): host - user [date] "request line" status bytes */
  void (*access_log)(void *arg, const char *line);
  void *access_log_arg;
  const char *health_path; /* answers 200 "ok" when root holds no file of that name */
  int list_dirs;           /* a folder without index.html: a listing (else 404) */
};

/* Listens on o->listen; routes are added after. NULL with *err:
 * TERN_ENOMEM or the listener's error (TERN_EADDRINUSE ...). The strings in
 * o are the caller's and must outlive the server. */
struct tern_http_server *tern_http_server_start(struct tern_loop *loop,
                                                const struct tern_http_server_opts *o, int *err);
/* Closes the listener and every connection at once, frees s; NULL is fine. */
void tern_http_server_stop(struct tern_http_server *s);
/* The port bound (useful with port 0). */
uint16_t tern_http_server_port(const struct tern_http_server *s);
/* pattern: an exact path ("/api/led"), or a prefix when it ends in an
 * asterisk ("/files/" followed by one matches everything below /files/).
 * method NULL matches any. protect = 1 requires the Basic-auth user. */
int tern_http_route(struct tern_http_server *s, const char *method, const char *pattern,
                    int protect, tern_http_handler fn, void *arg);

/* Replies from inside a handler. headers: extra "Name: value\r\n" lines or NULL. */
int tern_http_reply(struct tern_http_request *req, int status, const char *headers,
                    const void *body, size_t len);
/* A NUL-terminated text body; content_type NULL: text/plain in UTF-8. */
int tern_http_reply_text(struct tern_http_request *req, int status, const char *content_type,
                         const char *text);
/* Chunked streaming: start, send pieces as they come (from any handler or
 * timer while the connection lives), then end. */
int tern_http_reply_chunked(struct tern_http_request *req, int status, const char *headers);
/* One chunk of len bytes (0 sends nothing). TERN_EINVAL when c is not
 * streaming; TERN_EFULL when its send buffer is full (wait for SENT). */
int tern_http_chunk(struct tern_conn *c, const void *data, size_t len);
/* The last chunk; the connection then serves its next request. */
int tern_http_chunk_end(struct tern_conn *c);
/* Server-Sent Events: the connection stays open; send events with tern_http_sse_send. */
int tern_http_sse_start(struct tern_http_request *req);
/* One event (event NULL: unnamed); each line of data becomes a data: field.
 * 0, or tern_send's error (TERN_EFULL: a slow reader, TERN_ECLOSED). */
int tern_http_sse_send(struct tern_conn *c, const char *event, const char *data);
/* The reason phrase for status ("Not Found"), "Unknown" for others. */
const char *tern_http_status_text(int status);

/* ---- client ---- */

struct tern_http_client_opts {
  const char *method;  /* NULL: GET, or POST when there is a body */
  const char *url;     /* http:// or https:// */
  const char *headers; /* extra "Name: value\r\n" lines */
  const void *body;
  size_t body_len;
  const char *body_file;    /* send this file as the body */
  const char *content_type; /* for the body; form data gets its own */
  const char *user, *pass;  /* Basic auth; NULL: the URL's user:password@, if any */
  const char *bearer;       /* Authorization: Bearer */
  const struct tern_tls_opts *tls;
  int follow_redirects; /* up to max_redirects; Authorization dropped across hosts */
  int max_redirects;    /* 0: TERN_HTTP_MAX_REDIRECTS; < 0: no limit (curl's -1) */
  int record_request;   /* keep each request's head in the response (curl -v) */
  uint32_t connect_timeout_ms, header_timeout_ms, total_timeout_ms; /* 0: 10 s, 30 s, 60 s */
  size_t max_response;                                              /* body cap; 0: 64 MiB */
  /* Streaming: each piece of the body goes to on_body as it arrives, and
   * r->body stays empty. on_body returns how many bytes it took; taking
   * fewer pauses the call (its connection stops reading, so the server's
   * TCP window closes) until tern_http_resume(). */
  size_t (*on_body)(const void *data, size_t len, void *arg);
  void *body_arg;
};

struct tern_http_response {
  int status;
  struct tern_buf head; /* the final response's head bytes (headers point here) */
  struct tern_http_msg msg;
  struct tern_buf body;
  int redirects;
  int eof_early;           /* the server closed (FIN) before the response was whole */
  struct tern_buf request; /* with record_request: the last request's head as sent */
  char error[160];         /* why, when the call failed */
};

/* Blocking for short programs: runs the loop until done. 0 or a TERN_E
 * code (TERN_ERESOLVE, TERN_ECONNREFUSED, TERN_ETIMEDOUT, TERN_ETLS*...). */
int tern_http_fetch(struct tern_loop *loop, const struct tern_http_client_opts *o,
                    struct tern_http_response *r);

/* Asynchronous: fn runs once, from the loop, with the response (borrowed
 * for the call). The URL is copied; other strings in o must outlive the call. */
struct tern_http_call;
typedef void (*tern_http_done_fn)(int err, struct tern_http_response *r, void *arg);
/* Starts a call; NULL only without memory. A bad URL or option comes to
 * fn as TERN_EINVAL, from the loop, like every other failure. The call is
 * freed after fn returns. */
struct tern_http_call *tern_http_start(struct tern_loop *loop,
                                       const struct tern_http_client_opts *o, tern_http_done_fn fn,
                                       void *arg);
void tern_http_cancel(struct tern_http_call *c); /* fn is not called */
/* A streaming call whose on_body took less than it was given: offer the
 * rest again, and read on. */
void tern_http_resume(struct tern_http_call *c);

/* A client keeps kept-alive connections between requests (one per origin,
 * up to TERN_HTTP_CLIENT_IDLE), so a device polling an API does not pay a
 * TCP and TLS handshake every time. */
struct tern_http_client;
/* An empty client; NULL without memory. */
struct tern_http_client *tern_http_client_new(struct tern_loop *loop);
/* Closes its kept connections and frees cl; NULL is fine. */
void tern_http_client_free(struct tern_http_client *cl);
/* tern_http_fetch, reusing cl's connection to the same origin when one is
 * kept (and keeping this one when the server allows). */
int tern_http_client_fetch(struct tern_http_client *cl, const struct tern_http_client_opts *o,
                           struct tern_http_response *r);
/* Frees what a fetch put in r (head, body, request); r may be reused. */
void tern_http_response_free(struct tern_http_response *r);

#pragma GCC visibility pop
#endif
