/* tern get URL / tern post URL: curl's flags with curl's meaning, and
 * curl's exit codes (6 resolve, 7 connect, 22 HTTP >= 400, 28 timeout,
 * 35 TLS handshake, 60 certificate not trusted). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/error.h"
#include "tern/http.h"
#include "tern/log.h"
#include "tern/tls.h"

static const char usage[] =
    "usage: tern get|post URL [-H 'Name: value'] [-u USER:PASS] [-d DATA] [--data-urlencode "
    "NAME=VALUE]\n"
    "                [-o FILE] [-i] [-k] [--cacert F] [-L] [--max-time S] [-X METHOD] [--json "
    "PATH]\n"
    "Fetches URL and prints the body, with curl's flags and exit codes.\n"
    "  -H LINE               extra header (repeatable)\n"
    "  -u USER:PASS          Basic auth\n"
    "  -d DATA               body (repeatable, joined with '&'; @FILE reads a file); POST by "
    "default\n"
    "  --data-urlencode N=V  form field, V percent-encoded\n"
    "  -o FILE               write the body to FILE\n"
    "  -i                    print the response head too\n"
    "  -k                    do not verify the server's certificate\n"
    "  --cacert F            trust this CA bundle\n"
    "  -L                    follow redirects (at most 5; credentials dropped on another host)\n"
    "  --max-time S          give up after S seconds (exit 28)\n"
    "  --json PATH           print one JSON field (a.b, list[0].name); missing: exit 1\n";

static int exit_code(int err) {
  switch (err) {
  case TERN_ERESOLVE: return 6;
  case TERN_ECONNREFUSED:
  case TERN_EUNREACH:
  case TERN_ECONNRESET: return 7;
  case TERN_ETIMEDOUT: return 28;
  case TERN_ETLS: return 35;
  case TERN_ETLS_CA:
  case TERN_ETLS_HOST:
  case TERN_ETLS_EXPIRED: return 60;
  case TERN_ELIMIT: return 47;
  case TERN_EINVAL:
  case TERN_EUNSUPPORTED: return 3;
  default: return 1;
  }
}

/* Compact JSON: whitespace outside strings removed. */
static void print_compact(struct tern_str v) {
  int in_str = 0;
  for (size_t i = 0; i < v.len; i++) {
    char c = v.p[i];
    if (in_str) {
      putchar(c);
      if (c == '\\' && i + 1 < v.len) putchar(v.p[++i]);
      else if (c == '"') in_str = 0;
    } else if (c == '"') {
      in_str = 1;
      putchar(c);
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      putchar(c);
    }
  }
}

static int append_data(struct tern_buf *b, const char *d) {
  if (b->len) tern_buf_append(b, "&", 1);
  if (d[0] == '@') { /* curl: -d @file (newlines dropped) */
    FILE *f = fopen(d + 1, "rb");
    if (!f) {
      fprintf(stderr, "tern: cannot read %s\n", d + 1);
      return -1;
    }
    int c;
    while ((c = fgetc(f)) != EOF)
      if (c != '\n' && c != '\r') {
        char ch = (char)c;
        tern_buf_append(b, &ch, 1);
      }
    fclose(f);
    return 0;
  }
  return tern_buf_append(b, d, strlen(d));
}

static int urlencode_field(struct tern_buf *b, const char *d) {
  /* curl's forms: "name=value", "=value", "value" */
  if (b->len) tern_buf_append(b, "&", 1);
  const char *eq = strchr(d, '=');
  if (eq && eq > d) tern_buf_append(b, d, (size_t)(eq - d + 1));
  const char *v = eq ? eq + 1 : d;
  return tern_url_encode(v, strlen(v), b, 1);
}

static int run(int argc, char **argv, const char *cmd, int post) {
  struct tern_http_client_opts o = {0};
  struct tern_tls_opts tls = {0};
  struct tern_buf headers, data;
  tern_buf_init(&headers, NULL, 64 * 1024);
  tern_buf_init(&data, NULL, 16 * 1024 * 1024);
  const char *url = NULL, *out = NULL, *json = NULL, *userpass = NULL;
  int include = 0, bad = 0, has_data = 0;
  double max_time = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "-H", &bad)) ||
        (v = app_opt(argc, argv, &i, "--header", &bad))) {
      tern_buf_append(&headers, v, strlen(v));
      tern_buf_append(&headers, "\r\n", 2);
    } else if ((v = app_opt(argc, argv, &i, "-u", &bad)) ||
               (v = app_opt(argc, argv, &i, "--user", &bad)))
      userpass = v;
    else if ((v = app_opt(argc, argv, &i, "-d", &bad)) ||
             (v = app_opt(argc, argv, &i, "--data", &bad))) {
      if (append_data(&data, v)) return 26;
      has_data = 1;
    } else if ((v = app_opt(argc, argv, &i, "--data-urlencode", &bad))) {
      urlencode_field(&data, v);
      has_data = 1;
    } else if ((v = app_opt(argc, argv, &i, "-o", &bad)) ||
               (v = app_opt(argc, argv, &i, "--output", &bad)))
      out = v;
    else if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--include")) include = 1;
    else if (!strcmp(argv[i], "-k") || !strcmp(argv[i], "--insecure")) tls.insecure = 1;
    else if ((v = app_opt(argc, argv, &i, "--cacert", &bad))) tls.ca_file = v;
    else if (!strcmp(argv[i], "-L") || !strcmp(argv[i], "--location")) o.follow_redirects = 1;
    else if ((v = app_opt(argc, argv, &i, "--max-time", &bad)) ||
             (v = app_opt(argc, argv, &i, "-m", &bad)))
      max_time = atof(v);
    else if ((v = app_opt(argc, argv, &i, "-X", &bad)) ||
             (v = app_opt(argc, argv, &i, "--request", &bad)))
      o.method = v;
    else if ((v = app_opt(argc, argv, &i, "--json", &bad))) json = v;
    else if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--silent")) { /* we are quiet already */
    } else if (bad) return 2;
    else if (argv[i][0] == '-') return app_bad_flag(cmd, argv[i]);
    else if (!url) url = argv[i];
    else {
      fprintf(stderr, "tern %s: one URL only\n", cmd);
      return 2;
    }
    if (bad) return 2;
  }
  if (!url) {
    fprintf(stderr, "tern %s: give a URL (see --help)\n", cmd);
    return 2;
  }
  char user[256] = "", *pass = NULL;
  if (userpass) {
    snprintf(user, sizeof(user), "%s", userpass);
    pass = strchr(user, ':');
    if (pass) *pass++ = '\0';
    o.user = user;
    o.pass = pass ? pass : "";
  }
  o.url = url;
  o.tls = &tls;
  if (headers.len) {
    tern_buf_append(&headers, "", 1);
    o.headers = (const char *)headers.data;
  }
  if (has_data || post) {
    o.body = data.len ? (const char *)data.data : "";
    o.body_len = data.len;
  }
  if (post && !o.method) o.method = "POST";
  if (max_time > 0)
    o.total_timeout_ms = o.connect_timeout_ms = o.header_timeout_ms = (uint32_t)(max_time * 1000);
  struct tern_loop_opts lo = {.connect_timeout_ms = o.connect_timeout_ms};
  struct tern_loop *loop = app_loop_new(&lo);
  tern_log_set(loop, TERN_LOG_NONE, NULL, NULL);
  struct tern_http_response r;
  int rc = tern_http_fetch(loop, &o, &r);
  int code = 0;
  if (rc) {
    fprintf(stderr, "tern %s: %s\n", cmd, r.error[0] ? r.error : tern_strerror(rc));
    code = exit_code(rc);
  } else {
    FILE *dst = stdout;
    if (out && !(dst = fopen(out, "wb"))) {
      fprintf(stderr, "tern %s: cannot write %s\n", cmd, out);
      code = 23;
    }
    if (!code && include) fwrite(r.head.data, 1, r.head.len, stdout);
    if (!code && json) {
      struct tern_str v;
      int t = r.status < 400 ? tern_json_get((const char *)r.body.data, r.body.len, json, &v) : 0;
      if (t == TERN_JSON_STRING) {
        char *buf = malloc(v.len + 1);
        if (buf && tern_json_unescape(v, buf, v.len + 1) >= 0) printf("%s\n", buf);
        free(buf);
      } else if (t == TERN_JSON_OBJECT || t == TERN_JSON_ARRAY) {
        print_compact(v);
        putchar('\n');
      } else if (t > 0) {
        printf("%.*s\n", (int)v.len, v.p);
      } else if (r.status < 400) {
        fprintf(stderr, "tern %s: %s: %s\n", cmd, json,
                t == TERN_ENOTFOUND ? "no such field" : "the body is not valid JSON");
        code = 1;
      }
    } else if (!code && r.body.len) {
      fwrite(r.body.data, 1, r.body.len, dst);
    }
    if (dst && dst != stdout) fclose(dst);
    if (!code && r.status >= 400) {
      fprintf(stderr, "tern %s: HTTP %d %.*s\n", cmd, r.status, (int)r.msg.reason.len,
              r.msg.reason.p);
      code = 22;
    }
  }
  tern_http_response_free(&r);
  tern_loop_free(loop);
  tern_buf_free(&headers);
  tern_buf_free(&data);
  return code;
}

int cmd_get(int argc, char **argv) { return run(argc, argv, "get", 0); }
int cmd_post(int argc, char **argv) { return run(argc, argv, "post", 1); }
