/* HTTP/1.1 heads, chunked bodies, forms and JSON paths. */
#include "test.h"
#include "tern/error.h"
#include "tern/http_codec.h"
#include "tern/ws.h"

static struct tern_http_msg m;
static int req(const char *s) { return tern_http_parse_request((const uint8_t *)s, strlen(s), &m); }

static void test_requests(void) {
  const char *ok = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Y:  v  \r\n\r\nBODY";
  CHECK_EQ(req(ok), (int)strlen(ok) - 4);
  CHECK(tern_str_eq(m.method, "GET") && tern_str_eq(m.target, "/a?b=1") && m.minor == 1 &&
        m.keep_alive);
  CHECK(tern_str_eq(*tern_http_header(&m, "x-y"), "v"));
  CHECK(m.content_length == -1 && !m.chunked);
  /* every prefix is "need more" */
  int all = 1;
  for (size_t i = 0; i < strlen(ok) - 4; i++)
    all &= tern_http_parse_request((const uint8_t *)ok, i, &m) == TERN_EAGAIN;
  CHECK(all);
  CHECK(req("POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n") > 0);
  CHECK(m.content_length == 5 && !m.keep_alive);
  CHECK(req("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") > 0 && !m.keep_alive);
  CHECK(req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") > 0 && m.chunked);
  /* smuggling shapes and other refusals */
  CHECK_EQ(
      req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
      TERN_EPARSE);
  CHECK_EQ(req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
           TERN_EPARSE);
  CHECK_EQ(req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"), TERN_EPARSE);
  CHECK_EQ(req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n"), TERN_EPARSE);
  CHECK_EQ(req("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
           TERN_EPARSE);
  CHECK_EQ(req("GET / HTTP/1.1\nHost: x\n\n"), TERN_EPARSE);                     /* bare LF */
  CHECK_EQ(req("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n"), TERN_EPARSE); /* obs-fold */
  CHECK_EQ(req("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), TERN_EPARSE); /* space before ':' */
  CHECK_EQ(req("GET / HTTP/1.1\r\n\r\n"), TERN_EPARSE);             /* no Host in 1.1 */
  CHECK_EQ(req("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), TERN_EPARSE);
  CHECK_EQ(req("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"), TERN_EPARSE);
  CHECK_EQ(req("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"), TERN_EPARSE);
  CHECK_EQ(req("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n"), TERN_EPARSE);
  /* caps */
  static char big[TERN_HTTP_MAX_HEAD + 100];
  memset(big, 'a', sizeof(big) - 1);
  memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX: ", 28);
  CHECK_EQ(req(big), TERN_ELIMIT);
  static char many[TERN_HTTP_MAX_HEADERS * 8 + 64];
  strcpy(many, "GET / HTTP/1.1\r\nHost: x\r\n");
  for (int i = 0; i < TERN_HTTP_MAX_HEADERS; i++) strcat(many, "A: b\r\n");
  strcat(many, "\r\n");
  CHECK_EQ(req(many), TERN_ELIMIT);
}

static void test_responses(void) {
  const char *r = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}";
  CHECK(tern_http_parse_response((const uint8_t *)r, strlen(r), &m) > 0);
  CHECK(m.status == 201 && tern_str_eq(m.reason, "Created") && m.content_length == 2);
  const char *bad = "HTTP/1.1 2x0 OK\r\n\r\n";
  CHECK_EQ(tern_http_parse_response((const uint8_t *)bad, strlen(bad), &m), TERN_EPARSE);
}

static void test_chunked(void) {
  const char *body = "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  struct tern_buf out;
  tern_buf_init(&out, NULL, 1024);
  /* fed one byte at a time, as a slow peer would */
  struct tern_http_chunked st = {0};
  int done = 0;
  size_t i = 0;
  for (; i < strlen(body) && !done; i++)
    CHECK(tern_http_chunked_feed(&st, (const uint8_t *)body + i, 1, &out, &done) == 1);
  CHECK(done);
  CHECK_EQ(i, strlen(body) - 4);
  CHECK(out.len == 9 && memcmp(out.data, "Wikipedia", 9) == 0);
  struct tern_http_chunked st2 = {0};
  CHECK_EQ(tern_http_chunked_feed(&st2, (const uint8_t *)"zz\r\n", 4, &out, &done), TERN_EPARSE);
  struct tern_http_chunked st3 = {0};
  CHECK_EQ(tern_http_chunked_feed(&st3, (const uint8_t *)"3\r\nabcX", 7, &out, &done), TERN_EPARSE);
  struct tern_http_chunked st4 = {0};
  CHECK_EQ(tern_http_chunked_feed(&st4, (const uint8_t *)"fffffffffffffffff\r\n", 19, &out, &done),
           TERN_EPARSE);
  tern_buf_free(&out);
}

static void test_forms(void) {
  char v[64];
  struct tern_str f = {"To=%2B15551234567&Body=hello+world&Empty=&Flag", 46};
  CHECK_EQ(tern_form_get(f, "To", v, sizeof(v)), 0);
  CHECK_STR(v, "+15551234567");
  CHECK_EQ(tern_form_get(f, "Body", v, sizeof(v)), 0);
  CHECK_STR(v, "hello world");
  CHECK_EQ(tern_form_get(f, "Empty", v, sizeof(v)), 0);
  CHECK_STR(v, "");
  CHECK_EQ(tern_form_get(f, "Nope", v, sizeof(v)), TERN_ENOTFOUND);
  CHECK_EQ(tern_form_get((struct tern_str){NULL, 0}, "LED", v, sizeof(v)),
           TERN_ENOTFOUND); /* no query */
  struct tern_buf b;
  tern_buf_init(&b, NULL, 1024);
  tern_form_append(&b, "To", "+1 555");
  tern_form_append(&b, "Body", "a&b=c");
  CHECK(b.len == strlen("To=%2B1+555&Body=a%26b%3Dc") &&
        memcmp(b.data, "To=%2B1+555&Body=a%26b%3Dc", b.len) == 0);
  tern_buf_free(&b);
}

static void test_json(void) {
  const char *j = "{\"current\": {\"temperature_2m\": -3.5e1, \"weather\": \"snow \\\"heavy\\\"\"},"
                  " \"list\": [{\"name\": \"Oslo\"}, {\"name\": \"Bergen\", \"x\": [1, 2, {\"y\": "
                  "null}]}], \"ok\": true}";
  struct tern_str v;
  char buf[64];
  CHECK_EQ(tern_json_get(j, strlen(j), "current.temperature_2m", &v), TERN_JSON_NUMBER);
  CHECK(tern_str_eq(v, "-3.5e1"));
  CHECK_EQ(tern_json_get(j, strlen(j), "current.weather", &v), TERN_JSON_STRING);
  CHECK(tern_json_unescape(v, buf, sizeof(buf)) > 0);
  CHECK_STR(buf, "snow \"heavy\"");
  CHECK_EQ(tern_json_get(j, strlen(j), "list[1].name", &v), TERN_JSON_STRING);
  CHECK(tern_str_eq(v, "Bergen"));
  CHECK_EQ(tern_json_get(j, strlen(j), "list[1].x[2].y", &v), TERN_JSON_NULL);
  CHECK_EQ(tern_json_get(j, strlen(j), "list[0]", &v), TERN_JSON_OBJECT);
  CHECK(tern_str_eq(v, "{\"name\": \"Oslo\"}"));
  CHECK_EQ(tern_json_get(j, strlen(j), "ok", &v), TERN_JSON_TRUE);
  CHECK_EQ(tern_json_get(j, strlen(j), "list[2].name", &v), TERN_ENOTFOUND);
  CHECK_EQ(tern_json_get(j, strlen(j), "missing", &v), TERN_ENOTFOUND);
  CHECK_EQ(tern_json_get("{\"a\": [1,}", 10, "a[1]", &v), TERN_EPARSE);
  CHECK_EQ(tern_json_get("{\"a\": 01}", 9, "a", &v), TERN_EPARSE);
  CHECK_EQ(tern_json_get(NULL, 0, "a", &v), TERN_EPARSE); /* an empty body */
  static char deep[300];
  memset(deep, '[', 200);
  CHECK(tern_json_get(deep, 200, "", &v) < 0);
  struct tern_str u = {"caf\\u00e9 \\ud83d\\ude00", 22};
  CHECK(tern_json_unescape(u, buf, sizeof(buf)) > 0);
  CHECK_STR(buf, "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

static void test_ws(void) {
  struct tern_buf b;
  tern_buf_init(&b, NULL, 1 << 20);
  uint8_t key[4] = {1, 2, 3, 4};
  CHECK_EQ(tern_ws_encode(&b, TERN_WS_TEXT, 1, "Hi", 2, key), 0);
  struct tern_ws_frame f;
  CHECK_EQ(tern_ws_parse_header(b.data, b.len, 1, &f), 6);
  CHECK(f.fin && f.opcode == TERN_WS_TEXT && f.masked && f.len == 2);
  tern_ws_unmask(b.data + 6, 2, f.mask, 0);
  CHECK(memcmp(b.data + 6, "Hi", 2) == 0);
  CHECK_EQ(tern_ws_parse_header(b.data, b.len, 0, &f), TERN_EPROTO); /* masked frame to a client */
  b.len = 0;
  static char big[70000];
  CHECK_EQ(tern_ws_encode(&b, TERN_WS_BINARY, 1, big, sizeof(big), NULL), 0);
  CHECK_EQ(tern_ws_parse_header(b.data, b.len, 0, &f), 10);
  CHECK_EQ(f.len, sizeof(big));
  const uint8_t nonminimal[] = {0x82, 126, 0, 5};
  CHECK_EQ(tern_ws_parse_header(nonminimal, 4, 0, &f), TERN_EPROTO);
  const uint8_t bigping[] = {0x89, 126, 0, 200};
  CHECK_EQ(tern_ws_parse_header(bigping, 4, 0, &f), TERN_EPROTO);
  const uint8_t rsv[] = {0xc1, 0};
  CHECK_EQ(tern_ws_parse_header(rsv, 2, 0, &f), TERN_EPROTO);
  const uint8_t op3[] = {0x83, 0};
  CHECK_EQ(tern_ws_parse_header(op3, 2, 0, &f), TERN_EPROTO);
  CHECK_EQ(tern_ws_parse_header(nonminimal, 3, 0, &f), TERN_EAGAIN);
  tern_buf_free(&b);
}

/* Expected strings from Python's email.utils.formatdate(t, usegmt=True). */
static void test_date(void) {
  char d[30];
  tern_http_date(784111777, d);
  CHECK_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
  tern_http_date(0, d);
  CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
  tern_http_date(951782400, d); /* a leap day of a century year */
  CHECK_STR(d, "Tue, 29 Feb 2000 00:00:00 GMT");
  tern_http_date(4102444799, d);
  CHECK_STR(d, "Thu, 31 Dec 2099 23:59:59 GMT");
}

int main(void) {
  test_date();
  test_ws();
  test_requests();
  test_responses();
  test_chunked();
  test_forms();
  test_json();
  TEST_MAIN_END();
}
