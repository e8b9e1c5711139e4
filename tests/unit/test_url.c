#include "test.h"
#include "tern/error.h"
#include "tern/url.h"

static int parse(const char *s, struct tern_url *u) { return tern_url_parse(s, strlen(s), u); }

int main(void) {
  struct tern_url u;
  char buf[128];
  CHECK_EQ(parse("mqtts://user:key@io.example:8883/feeds?x=1#f", &u), 0);
  CHECK(tern_str_eq(u.scheme, "mqtts") && tern_str_eq(u.user, "user") &&
        tern_str_eq(u.pass, "key"));
  CHECK(tern_str_eq(u.host, "io.example") && u.port == 8883);
  CHECK(tern_str_eq(u.path, "/feeds") && tern_str_eq(u.query, "x=1") &&
        tern_str_eq(u.fragment, "f"));
  CHECK_EQ(parse("http://example.com", &u), 0);
  CHECK(u.port == 80 && u.path.len == 0);
  CHECK_EQ(parse("mqtt://h", &u), 0);
  CHECK_EQ(u.port, 1883);
  CHECK_EQ(parse("https://[::1]:8443/a", &u), 0);
  CHECK(u.host_is_ip6 && tern_str_eq(u.host, "::1") && u.port == 8443);
  CHECK_EQ(parse("tcp://127.0.0.1:0", &u), 0); /* port 0: any, for listeners */
  CHECK(u.has_port && u.port == 0);
  CHECK_EQ(parse("tcp://127.0.0.1:65536", &u), TERN_EPARSE); /* too big */
  CHECK_EQ(parse("tcp://127.0.0.1:8x", &u), TERN_EPARSE);
  CHECK_EQ(parse("tcp://[::1", &u), TERN_EPARSE);
  CHECK_EQ(parse("http://a b/", &u), TERN_EPARSE); /* control/space */
  CHECK_EQ(parse("", &u), TERN_EPARSE);
  /* the last '@' splits userinfo, so '@' in a password works */
  CHECK_EQ(parse("mqtt://u:p@ss@h:1", &u), 0);
  CHECK(tern_str_eq(u.pass, "p@ss") && tern_str_eq(u.host, "h"));
  CHECK_EQ(parse("localhost:1883", &u), 0);
  CHECK(tern_str_eq(u.host, "localhost") && u.port == 1883 && u.scheme.len == 0);
  CHECK_EQ(tern_url_decode("a%20b+c", 7, buf, sizeof(buf), 1), 5);
  CHECK_STR(buf, "a b c");
  CHECK_EQ(tern_url_decode("%2", 2, buf, sizeof(buf), 0), TERN_EPARSE);
  CHECK_EQ(tern_url_decode("%zz", 3, buf, sizeof(buf), 0), TERN_EPARSE);
  CHECK_EQ(tern_str_copy(u.host, buf, 4), TERN_EFULL);
  TEST_MAIN_END();
}
