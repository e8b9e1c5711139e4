/* tern get URL / tern post URL: curl's flags with curl's meaning, and
 * curl's exit codes: 2 usage, 3 bad URL, 6 resolve, 7 connect, 18 partial
 * body, 22 HTTP >= 400 with -f, 23 write, 26 read, 28 timeout, 35 TLS
 * handshake, 47 too many redirects, 52 empty reply, 56 reset, 60
 * certificate not trusted. Short flags combine (-fsSL) and take their value
 * attached or next (-XPUT, -X PUT). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "app.h"
#include "tern/error.h"
#include "tern/http.h"
#include "tern/http_codec.h"
#include "tern/log.h"
#include "tern/tls.h"

static const char usage[] =
    "usage: tern get|post URL [options]   (curl's flags, curl's exit codes)\n"
    "  -f, --fail             HTTP >= 400: no body, exit 22 (without -f: exit 0)\n"
    "  -s, --silent           no error messages;  -S, --show-error: errors even with -s\n"
    "  -v, --verbose          the request and response heads on standard error\n"
    "  -i, --include          the response head before the body;  -I, --head: HEAD, head only\n"
    "  -o, --output FILE      the body to FILE;  -O, --remote-name: to the URL's file name\n"
    "  -w, --write-out FMT    after the transfer: %{http_code} %{size_download} %{size_header}\n"
    "                         %{content_type} %{num_redirects} %{time_total} %{exitcode}\n"
    "                         %{errormsg} %{method} %{scheme}, \\n \\t \\r\n"
    "  -H, --header LINE      an extra header (repeatable);  -A, --user-agent NAME\n"
    "  -u, --user USER:PASS   Basic auth\n"
    "  -X, --request METHOD   the method (default GET; POST with a body or for tern post)\n"
    "  -d, --data DATA        body, joined with '&' (@FILE: a file, newlines dropped)\n"
    "  --data-binary DATA     the same, @FILE as it is;  --data-raw DATA: no @\n"
    "  --data-urlencode N=V   form field, V percent-encoded (N@FILE: a file's content)\n"
    "  --json DATA            a JSON body (@FILE), with JSON Content-Type and Accept\n"
    "  -F, --form N=V         multipart/form-data field (N=@FILE: a file upload, N=<FILE)\n"
    "  -L, --location         follow redirects;  --max-redirs N (50; -1: no limit)\n"
    "  -m, --max-time S       give up after S seconds (exit 28);  --connect-timeout S\n"
    "  --retry N              retry timeouts and HTTP 408/429/500/502/503/504, waiting 1 s,\n"
    "                         then twice as long each time;  --retry-delay S: a fixed wait\n"
    "  -k, --insecure         do not verify the server's certificate\n"
    "  --cacert FILE          trust this CA bundle (else $CURL_CA_BUNDLE, $SSL_CERT_FILE,\n"
    "                         the system's);  --capath DIR: a folder of CAs ($SSL_CERT_DIR)\n"
    "  -E, --cert FILE        a client certificate;  --key FILE: its key\n"
    "  --json-field PATH      print one field of a JSON answer (a.b, list[0].name);\n"
    "                         missing: exit 1\n";

struct cli {
  const char *cmd, *url, *out, *json_field, *userpass, *write_out, *method, *agent;
  int fail, silent, show_error, verbose, include, head, remote_name, follow, retry;
  int max_redirs, has_data, has_form;
  double max_time, connect_timeout, retry_delay;
  struct tern_buf headers, data, json, form;
  char content_type[128];
  char boundary[48];
  struct tern_tls_opts tls;
};

static int say(const struct cli *c, int code, const char *fmt, const char *a, const char *b) {
  if (c->silent && !c->show_error) return code;
  fprintf(stderr, "tern %s: (%d) ", c->cmd, code);
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return code;
}

static int exit_code(int err, const struct tern_http_response *r) {
  switch (err) {
  case TERN_ERESOLVE: return 6;
  case TERN_ECONNREFUSED:
  case TERN_EUNREACH: return 7;
  case TERN_ECONNRESET: return !r->eof_early ? 56 : r->status ? 18 : 52;
  case TERN_ETIMEDOUT: return 28;
  case TERN_ETLS: return 35;
  case TERN_ETLS_CA:
  case TERN_ETLS_HOST:
  case TERN_ETLS_EXPIRED: return 60;
  case TERN_ELIMIT: return 47;
  case TERN_EPARSE:
  case TERN_EINVAL:
  case TERN_EUNSUPPORTED: return 3;
  default: return 1;
  }
}

/* A file's bytes into b; strip drops CR and LF (curl's -d @file). */
static int read_file(struct tern_buf *b, const char *path, int strip) {
  FILE *f = !strcmp(path, "-") ? stdin : fopen(path, "rb");
  if (!f) return -1;
  int ch, rc = 0;
  while ((ch = fgetc(f)) != EOF && !rc) {
    char c = (char)ch;
    if (!strip || (c != '\n' && c != '\r')) rc = tern_buf_append(b, &c, 1);
  }
  if (f != stdin) fclose(f);
  return rc;
}

/* -d, --data-binary, --data-raw, --data-urlencode: joined with '&' */
static int add_data(struct cli *c, const char *d, int kind) {
  struct tern_buf *b = &c->data;
  if (b->len) tern_buf_append(b, "&", 1);
  c->has_data = 1;
  if (kind == 'u') { /* curl's forms: name=value, =value, value, name@file */
    const char *eq = strchr(d, '='), *at = strchr(d, '@');
    if (at && (!eq || at < eq)) {
      struct tern_buf raw;
      tern_buf_init(&raw, NULL, 16 * 1024 * 1024);
      if (at > d) tern_buf_append(b, d, (size_t)(at - d + 1)), b->data[b->len - 1] = '=';
      int rc = read_file(&raw, at + 1, 0);
      if (!rc) rc = tern_url_encode((const char *)raw.data, raw.len, b, 1);
      tern_buf_free(&raw);
      return rc ? say(c, 26, "cannot read %s%s", at + 1, "") : 0;
    }
    if (eq && eq > d) tern_buf_append(b, d, (size_t)(eq - d + 1));
    const char *v = eq ? eq + 1 : d;
    return tern_url_encode(v, strlen(v), b, 1);
  }
  if (d[0] == '@' && kind != 'r')
    return read_file(b, d + 1, kind == 'd') ? say(c, 26, "cannot read %s%s", d + 1, "") : 0;
  return tern_buf_append(b, d, strlen(d));
}

/* -F name=value, name=@file[;type=T], name=<file: one multipart part */
static int add_form(struct cli *c, const char *spec) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec) return say(c, 2, "-F %s: want NAME=VALUE%s", spec, "");
  struct tern_buf *b = &c->form;
  char line[600];
  int n = snprintf(line, sizeof(line), "--%s\r\nContent-Disposition: form-data; name=\"%.*s\"",
                   c->boundary, (int)(eq - spec), spec);
  tern_buf_append(b, line, (size_t)n);
  const char *v = eq + 1;
  if (*v == '@') {
    char path[512], type[128] = "application/octet-stream";
    snprintf(path, sizeof(path), "%s", v + 1);
    char *semi = strstr(path, ";type=");
    if (semi) snprintf(type, sizeof(type), "%s", semi + 6), *semi = '\0';
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    n = snprintf(line, sizeof(line), "; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", base, type);
    tern_buf_append(b, line, (size_t)n);
    if (read_file(b, path, 0)) return say(c, 26, "cannot read %s%s", path, "");
  } else {
    tern_buf_append(b, "\r\n\r\n", 4);
    if (*v == '<') {
      if (read_file(b, v + 1, 0)) return say(c, 26, "cannot read %s%s", v + 1, "");
    } else {
      tern_buf_append(b, v, strlen(v));
    }
  }
  tern_buf_append(b, "\r\n", 2);
  c->has_form = 1;
  return 0;
}

static int number(struct cli *c, const char *flag, const char *v, double *out) {
  char *end;
  double d = strtod(v, &end);
  if (end == v || *end || d != d) {
    if (!c->silent || c->show_error)
      fprintf(stderr, "tern %s: option %s: expected a proper numerical parameter\n", c->cmd, flag);
    return 2;
  }
  *out = d;
  return 0;
}

static int whole(struct cli *c, const char *flag, const char *v, int *out) {
  double d;
  if (number(c, flag, v, &d)) return 2;
  if (d != (int)d) return number(c, flag, "x", &d);
  *out = (int)d;
  return 0;
}

/* One flag and its value (NULL for a switch). 0, or an exit code. */
static int take(struct cli *c, const char *f, const char *v) {
#define IS(s, l) (!strcmp(f, s) || !strcmp(f, l))
  if (IS("-f", "--fail")) c->fail = 1;
  else if (IS("-s", "--silent")) c->silent = 1;
  else if (IS("-S", "--show-error")) c->show_error = 1;
  else if (IS("-v", "--verbose")) c->verbose = 1;
  else if (IS("-i", "--include")) c->include = 1;
  else if (IS("-I", "--head")) c->head = 1;
  else if (IS("-O", "--remote-name")) c->remote_name = 1;
  else if (IS("-L", "--location")) c->follow = 1;
  else if (IS("-k", "--insecure")) c->tls.insecure = 1;
  else if (IS("-o", "--output")) c->out = v;
  else if (IS("-w", "--write-out")) c->write_out = v;
  else if (IS("-u", "--user")) c->userpass = v;
  else if (IS("-X", "--request")) c->method = v;
  else if (IS("-A", "--user-agent")) c->agent = v;
  else if (IS("-E", "--cert")) c->tls.cert_file = v;
  else if (IS("--key", "--key")) c->tls.key_file = v;
  else if (IS("--cacert", "--cacert")) c->tls.ca_file = v;
  else if (IS("--capath", "--capath")) c->tls.ca_path = v;
  else if (IS("--json-field", "--json-field")) c->json_field = v;
  else if (IS("-d", "--data")) return add_data(c, v, 'd');
  else if (IS("--data-ascii", "--data-ascii")) return add_data(c, v, 'd');
  else if (IS("--data-binary", "--data-binary")) return add_data(c, v, 'b');
  else if (IS("--data-raw", "--data-raw")) return add_data(c, v, 'r');
  else if (IS("--data-urlencode", "--data-urlencode")) return add_data(c, v, 'u');
  else if (IS("-F", "--form")) return add_form(c, v);
  else if (IS("--json", "--json")) {
    c->has_data = 1;
    if (v[0] == '@')
      return read_file(&c->json, v + 1, 0) ? say(c, 26, "cannot read %s%s", v + 1, "") : 0;
    return tern_buf_append(&c->json, v, strlen(v));
  } else if (IS("-H", "--header")) {
    /* our own Content-Type goes through the client's field, never twice */
    if (!strncasecmp(v, "content-type:", 13)) {
      const char *t = v + 13;
      while (*t == ' ') t++;
      snprintf(c->content_type, sizeof(c->content_type), "%s", t);
      return 0;
    }
    tern_buf_append(&c->headers, v, strlen(v));
    tern_buf_append(&c->headers, "\r\n", 2);
  } else if (IS("-m", "--max-time")) return number(c, f, v, &c->max_time);
  else if (IS("--connect-timeout", "--connect-timeout"))
    return number(c, f, v, &c->connect_timeout);
  else if (IS("--retry", "--retry")) return whole(c, f, v, &c->retry);
  else if (IS("--retry-delay", "--retry-delay")) { /* whole seconds, as curl takes them */ int s;
    if (whole(c, f, v, &s)) return 2;
    c->retry_delay = s;
  } else if (IS("--max-redirs", "--max-redirs")) return whole(c, f, v, &c->max_redirs);
  else return app_bad_flag(c->cmd, f);
#undef IS
  return 0;
}

/* Which flags take a value: the short ones, and every long one not a switch. */
static int wants_value(const char *f) {
  static const char *const switches[] = {"--fail",     "--silent", "--show-error",  "--verbose",
                                         "--include",  "--head",   "--remote-name", "--location",
                                         "--insecure", NULL};
  if (f[1] != '-') return strchr("owuXAEdFHm", f[1]) != NULL;
  for (int i = 0; switches[i]; i++)
    if (!strcmp(f, switches[i])) return 0;
  return 1;
}

static int parse(struct cli *c, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return 0;
    }
    if (a[0] != '-' || !a[1]) {
      if (c->url) {
        fprintf(stderr, "tern %s: one URL only\n", c->cmd);
        return 2;
      }
      c->url = a;
      continue;
    }
    int rc;
    if (a[1] == '-') { /* --name value, or --name=value */
      char name[64];
      const char *eq = strchr(a, '='), *v = NULL;
      snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
      if (wants_value(name)) {
        if (eq) v = eq + 1;
        else if (i + 1 < argc) v = argv[++i];
        else {
          fprintf(stderr, "tern %s: option %s: requires parameter\n", c->cmd, name);
          return 2;
        }
      } else if (eq) {
        return app_bad_flag(c->cmd, a);
      }
      if ((rc = take(c, name, v)) != 0) return rc;
      continue;
    }
    for (const char *p = a + 1; *p; p++) { /* -fsSL, -XPUT, -o FILE */
      char f[3] = {'-', *p, 0};
      const char *v = NULL;
      if (wants_value(f)) {
        if (p[1]) v = p + 1;
        else if (i + 1 < argc) v = argv[++i];
        else {
          fprintf(stderr, "tern %s: option %s: requires parameter\n", c->cmd, f);
          return 2;
        }
      }
      if ((rc = take(c, f, v)) != 0) return rc;
      if (v) break;
    }
  }
  if (!c->url) {
    fprintf(stderr, "tern %s: give a URL (see --help)\n", c->cmd);
    return 2;
  }
  if (c->has_form && (c->has_data || c->json.len)) {
    fprintf(stderr, "tern %s: -F and -d/--json cannot go together\n", c->cmd);
    return 2;
  }
  return -1;
}

/* "\n" "\t" "\r" and %{variable} of -w */
static void write_out(const struct cli *c, const struct tern_http_response *r, int code,
                      const char *method, double seconds) {
  for (const char *p = c->write_out; *p; p++) {
    if (*p == '\\' && p[1]) {
      p++;
      putchar(*p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p);
      continue;
    }
    if (*p == '%' && p[1] == '%') {
      putchar('%'), p++;
      continue;
    }
    const char *end;
    if (*p != '%' || p[1] != '{' || !(end = strchr(p, '}'))) {
      putchar(*p);
      continue;
    }
    char var[40];
    snprintf(var, sizeof(var), "%.*s", (int)(end - p - 2), p + 2);
    const struct tern_str *ct = r->status ? tern_http_header(&r->msg, "content-type") : NULL;
    if (!strcmp(var, "http_code") || !strcmp(var, "response_code")) printf("%03d", r->status);
    else if (!strcmp(var, "size_download")) printf("%lu", (unsigned long)r->body.len);
    else if (!strcmp(var, "size_header")) printf("%lu", (unsigned long)r->head.len);
    else if (!strcmp(var, "content_type")) printf("%.*s", ct ? (int)ct->len : 0, ct ? ct->p : "");
    else if (!strcmp(var, "num_redirects")) printf("%d", r->redirects);
    else if (!strcmp(var, "time_total")) printf("%.6f", seconds);
    else if (!strcmp(var, "exitcode")) printf("%d", code);
    else if (!strcmp(var, "errormsg")) printf("%s", code ? r->error : "");
    else if (!strcmp(var, "method")) printf("%s", method);
    else if (!strcmp(var, "scheme")) printf("%s", !strncmp(c->url, "https:", 6) ? "HTTPS" : "HTTP");
    else printf("%%{%s}", var); /* unknown: as written */
    p = end;
  }
  fflush(stdout);
}

/* The lines of a head, each prefixed (curl -v: "> " sent, "< " received). */
static void trace(const char *prefix, const struct tern_buf *b) {
  const char *p = (const char *)b->data, *end = p + b->len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n && p[n - 1] == '\r') n--;
    fprintf(stderr, "%s%.*s\n", prefix, (int)n, p);
    p = nl ? nl + 1 : end;
  }
}

static int retryable(int rc, int status) {
  return rc == TERN_ETIMEDOUT || status == 408 || status == 429 || status == 500 || status == 502 ||
         status == 503 || status == 504;
}

/* The body (or one JSON field of it) where it goes. 0, or an exit code. */
static int output(struct cli *c, const struct tern_http_response *r) {
  char name[256];
  const char *out = c->out;
  if (c->remote_name && !out) {
    struct tern_url u;
    tern_url_parse(c->url, strlen(c->url), &u);
    size_t i = u.path.len;
    while (i > 0 && u.path.p[i - 1] != '/') i--;
    if (i == u.path.len) return say(c, 23, "Remote file name has no length%s%s", "", "");
    snprintf(name, sizeof(name), "%.*s", (int)(u.path.len - i), u.path.p + i);
    out = name;
  }
  FILE *dst = out ? fopen(out, "wb") : stdout;
  if (!dst) return say(c, 23, "cannot write %s%s", out, "");
  int code = 0;
  if (c->include || c->head) fwrite(r->head.data, 1, r->head.len, dst);
  if (c->json_field && !c->head) {
    struct tern_str v;
    int t = tern_json_get((const char *)r->body.data, r->body.len, c->json_field, &v);
    if (t == TERN_JSON_STRING) {
      char *buf = malloc(v.len + 1);
      if (buf && tern_json_unescape(v, buf, v.len + 1) >= 0) fprintf(dst, "%s\n", buf);
      free(buf);
    } else if (t == TERN_JSON_OBJECT || t == TERN_JSON_ARRAY) {
      app_json_compact(dst, v.p, v.len);
      fputc('\n', dst);
    } else if (t > 0) {
      fprintf(dst, "%.*s\n", (int)v.len, v.p);
    } else {
      fprintf(stderr, "tern %s: %s: %s\n", c->cmd, c->json_field,
              t == TERN_ENOTFOUND ? "no such field" : "the body is not valid JSON");
      code = 1;
    }
  } else if (!c->head && r->body.len) {
    fwrite(r->body.data, 1, r->body.len, dst);
  }
  if (dst != stdout && fclose(dst) != 0) code = say(c, 23, "cannot write %s%s", out, "");
  return code;
}

static int run(int argc, char **argv, const char *cmd, int post) {
  struct cli c;
  memset(&c, 0, sizeof(c));
  c.cmd = cmd;
  c.max_redirs = 50; /* curl's */
  tern_buf_init(&c.headers, NULL, 64 * 1024);
  tern_buf_init(&c.data, NULL, 64 * 1024 * 1024);
  tern_buf_init(&c.json, NULL, 64 * 1024 * 1024);
  tern_buf_init(&c.form, NULL, 64 * 1024 * 1024);
  /* a multipart boundary as curl makes them: 24 dashes, 16 random hex digits */
  uint8_t rnd[8] = {0};
  FILE *ur = fopen("/dev/urandom", "rb");
  if (ur) {
    if (fread(rnd, 1, sizeof(rnd), ur) != sizeof(rnd)) memset(rnd, 0x5a, sizeof(rnd));
    fclose(ur);
  }
  int n = snprintf(c.boundary, sizeof(c.boundary), "------------------------");
  for (int i = 0; i < 8; i++)
    n += snprintf(c.boundary + n, sizeof(c.boundary) - (size_t)n, "%02x", rnd[i]);
  struct tern_loop *loop = NULL;
  int code = parse(&c, argc, argv);
  if (code >= 0) goto out;
  code = 0;

  struct tern_http_client_opts o = {.url = c.url, .tls = &c.tls, .record_request = c.verbose};
  /* the CA: the flags, then curl's and OpenSSL's variables, then the system's */
  if (!c.tls.ca_file) c.tls.ca_file = getenv("CURL_CA_BUNDLE");
  if (!c.tls.ca_file) c.tls.ca_file = getenv("SSL_CERT_FILE");
  if (!c.tls.ca_path) c.tls.ca_path = getenv("SSL_CERT_DIR");
  char user[256] = "", *pass = NULL;
  if (c.userpass) {
    snprintf(user, sizeof(user), "%s", c.userpass);
    pass = strchr(user, ':');
    if (pass) *pass++ = '\0';
    o.user = user;
    o.pass = pass ? pass : "";
  }
  if (c.agent) {
    tern_buf_append(&c.headers, "User-Agent: ", 12);
    tern_buf_append(&c.headers, c.agent, strlen(c.agent));
    tern_buf_append(&c.headers, "\r\n", 2);
  }
  if (c.has_form) {
    char close[64];
    int m = snprintf(close, sizeof(close), "--%s--\r\n", c.boundary);
    tern_buf_append(&c.form, close, (size_t)m);
    snprintf(c.content_type, sizeof(c.content_type), "multipart/form-data; boundary=%s",
             c.boundary);
    o.body = c.form.data;
    o.body_len = c.form.len;
  } else if (c.json.len) { /* curl --json: the JSON after any -d data */
    if (c.data.len) tern_buf_append(&c.data, (const char *)c.json.data, c.json.len);
    const struct tern_buf *b = c.data.len ? &c.data : &c.json;
    o.body = b->len ? (const char *)b->data : "";
    o.body_len = b->len;
    if (!c.content_type[0]) snprintf(c.content_type, sizeof(c.content_type), "application/json");
    tern_buf_append(&c.headers, "Accept: application/json\r\n", 26);
  } else if (c.has_data || post) {
    o.body = c.data.len ? (const char *)c.data.data : "";
    o.body_len = c.data.len;
  }
  if (c.content_type[0]) o.content_type = c.content_type;
  if (c.headers.len) {
    tern_buf_append(&c.headers, "", 1);
    o.headers = (const char *)c.headers.data;
  }
  o.method = c.method ? c.method : c.head ? "HEAD" : (o.body || post) ? "POST" : "GET";
  o.follow_redirects = c.follow;
  o.max_redirects = c.max_redirs;
  if (c.max_time > 0)
    o.total_timeout_ms = o.header_timeout_ms = o.connect_timeout_ms = (uint32_t)(c.max_time * 1000);
  if (c.connect_timeout > 0) o.connect_timeout_ms = (uint32_t)(c.connect_timeout * 1000);
  struct tern_loop_opts lo = {.connect_timeout_ms = o.connect_timeout_ms};
  loop = app_loop_new(&lo);
  if (!loop) {
    code = 1;
    goto out;
  }
  tern_log_set(loop, TERN_LOG_NONE, NULL, NULL);

  struct tern_http_response r;
  double delay = c.retry_delay > 0 ? c.retry_delay : 1;
  uint32_t started = tern_loop_now(loop);
  for (int attempt = 0;; attempt++) {
    int rc = tern_http_fetch(loop, &o, &r);
    if (c.verbose && r.request.len) trace("> ", &r.request);
    if (c.verbose && r.head.len) trace("< ", &r.head);
    if (attempt < c.retry && retryable(rc, rc ? 0 : r.status)) {
      if (!rc && !c.fail && !c.out && !c.remote_name) output(&c, &r); /* curl shows each answer */
      if (!c.silent)
        fprintf(stderr, "Warning: Problem : %s. Will retry in %g seconds. %d retr%s left.\n",
                rc ? "timeout" : "HTTP error", delay, c.retry - attempt,
                c.retry - attempt == 1 ? "y" : "ies");
      tern_http_response_free(&r);
      static const int never = 0; /* the loop runs out the wait */
      tern_loop_run_until(loop, &never, (uint32_t)(delay * 1000));
      if (c.retry_delay <= 0 && delay < 600) delay *= 2; /* curl: 1, 2, 4, ... 10 minutes */
      continue;
    }
    if (rc) {
      /* what arrived before the failure is written, as curl does */
      if (r.status && r.body.len && !c.json_field) output(&c, &r);
      code = say(&c, exit_code(rc, &r), "%s%s", r.error[0] ? r.error : tern_strerror(rc), "");
    } else if (c.fail && r.status >= 400) {
      char st[16];
      snprintf(st, sizeof(st), "%d", r.status);
      code = say(&c, 22, "The requested URL returned error: %s%s", st, "");
    } else {
      code = output(&c, &r);
    }
    break;
  }
  if (c.write_out)
    write_out(&c, &r, code, o.method, (double)(tern_loop_now(loop) - started) / 1000.0);
  tern_http_response_free(&r);
out:
  if (loop) tern_loop_free(loop);
  tern_buf_free(&c.headers);
  tern_buf_free(&c.data);
  tern_buf_free(&c.json);
  tern_buf_free(&c.form);
  return code;
}

int cmd_get(int argc, char **argv) { return run(argc, argv, "get", 0); }
int cmd_post(int argc, char **argv) { return run(argc, argv, "post", 1); }
