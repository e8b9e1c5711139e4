/* Telnet negotiation (RFC 1143: no loops), IAC handling, and the line editor. */
#include "test.h"
#include "tern/error.h"
#include "tern/loop.h"
#include "tern/shell.h"
#include "tern/telnet.h"

static void test_telnet(void) {
  struct tern_telnet t;
  struct tern_buf data, out;
  tern_buf_init(&data, NULL, 4096);
  tern_buf_init(&out, NULL, 4096);
  tern_telnet_init(&t);
  tern_telnet_start(&t, &out);
  CHECK(out.len == 9 && memcmp(out.data, "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f", 9) == 0);
  out.len = 0;
  /* the client agrees: no reply (no loop); NAWS 80x24 arrives */
  const uint8_t agree[] = {255, 253, 1,  255, 253, 3, 255, 251, 31,
                           255, 250, 31, 0,   80,  0, 24,  255, 240};
  CHECK_EQ(tern_telnet_decode(&t, agree, sizeof(agree), &data, &out), 0);
  CHECK_EQ(out.len, 0);
  CHECK(t.width == 80 && t.height == 24);
  /* the same again: still no reply */
  CHECK_EQ(tern_telnet_decode(&t, agree, 9, &data, &out), 0);
  CHECK_EQ(out.len, 0);
  /* an option we refuse: one WONT, once */
  const uint8_t ask[] = {255, 253, 24, 255, 253, 24};
  tern_telnet_decode(&t, ask, sizeof(ask), &data, &out);
  CHECK(out.len == 6 && memcmp(out.data, "\xff\xfc\x18\xff\xfc\x18", 6) == 0);
  out.len = 0;
  /* the client turns ECHO off: we acknowledge once, then silence */
  const uint8_t dont[] = {255, 254, 1, 255, 254, 1};
  tern_telnet_decode(&t, dont, sizeof(dont), &data, &out);
  CHECK(out.len == 3 && memcmp(out.data, "\xff\xfc\x01", 3) == 0);
  /* data: IAC IAC, CR LF, CR NUL, IP */
  data.len = 0;
  const uint8_t d[] = {'a', 255, 255, '\r', '\n', 'b', '\r', 0, 255, 244};
  tern_telnet_decode(&t, d, sizeof(d), &data, &out);
  CHECK(data.len == 6 && memcmp(data.data, "a\xff\rb\r\x03", 6) == 0);
  /* an endless subnegotiation stays bounded */
  static uint8_t sb[10000];
  memset(sb, 'A', sizeof(sb));
  sb[0] = 255;
  sb[1] = 250;
  sb[2] = 31;
  data.len = 0;
  tern_telnet_decode(&t, sb, sizeof(sb), &data, &out);
  CHECK(data.len == 0 && t.sb_len == TERN_TELNET_SB_MAX && t.sb_overflow);
  out.len = 0;
  tern_telnet_encode("x\n\xff", 3, &out);
  CHECK(out.len == 5 && memcmp(out.data, "x\r\n\xff\xff", 5) == 0);
  tern_buf_free(&data);
  tern_buf_free(&out);
}

static char screen[8192];
static size_t screen_len;
static void capture(void *ctx, const char *data, size_t len) {
  (void)ctx;
  if (screen_len + len < sizeof(screen)) {
    memcpy(screen + screen_len, data, len);
    screen_len += len;
  }
  screen[screen_len] = '\0';
}
static char last_args[256];
static int echo_cmd(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)s;
  (void)arg;
  last_args[0] = '\0';
  for (int i = 1; i < argc; i++) {
    strcat(last_args, "[");
    strcat(last_args, argv[i]);
    strcat(last_args, "]");
  }
  return 0;
}
static void type(struct tern_shell_session *s, const char *keys) {
  tern_shell_input(s, (const uint8_t *)keys, strlen(keys));
}

static void test_shell(void) {
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_shell *sh = tern_shell_new(loop, "dev");
  tern_shell_register(sh, "echo", "print args", echo_cmd, NULL);
  struct tern_shell_session *s = tern_shell_session_new(sh, capture, NULL, 1);
  tern_shell_start(s);
  CHECK_STR(screen, "dev> ");
  type(s, "echo a \"b c\" 'd e' f\\ g\r");
  CHECK_STR(last_args, "[a][b c][d e][f g]");
  type(s, "echo xyz\x7f\x7fw\r"); /* backspace */
  CHECK_STR(last_args, "[xw]");
  type(s, "garbage\x15"
          "echo u\r"); /* Ctrl-U */
  CHECK_STR(last_args, "[u]");
  type(s, "echo one two\x17three\r"); /* Ctrl-W */
  CHECK_STR(last_args, "[one][three]");
  type(s, "echo ac\x1b[Db\r"); /* left arrow, insert */
  CHECK_STR(last_args, "[abc]");
  type(s, "\x1b[A\x1b[A\r"); /* history: two back */
  CHECK_STR(last_args, "[one][three]");
  last_args[0] = '\0';
  type(s, "echo never\x03"); /* Ctrl-C drops the line */
  CHECK_STR(last_args, "");
  screen_len = 0;
  type(s, "nosuch\r");
  CHECK(strstr(screen, "unknown command") != NULL);
  type(s, "echo \"open\r");
  CHECK(strstr(screen, "unterminated quote") != NULL);
  static char huge[TERN_SHELL_LINE_MAX * 3];
  memset(huge, 'x', sizeof(huge) - 1);
  type(s, huge); /* the line is capped */
  type(s, "\x15");
  static char nuls[1000];
  tern_shell_input(s, (const uint8_t *)nuls, sizeof(nuls)); /* NUL flood changes nothing */
  type(s, "echo ok\r");
  CHECK_STR(last_args, "[ok]");
  CHECK(!tern_shell_ended(s));
  type(s, "\x04"); /* Ctrl-D on an empty line */
  CHECK(tern_shell_ended(s));
  tern_shell_session_free(s);
  tern_shell_free(sh);
  tern_loop_free(loop);
}

int main(void) {
  test_telnet();
  test_shell();
  TEST_MAIN_END();
}
