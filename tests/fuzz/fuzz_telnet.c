/* libFuzzer target: the telnet decoder and the line editor on any bytes. */
#include <stddef.h>
#include <stdint.h>
#include "tern/loop.h"
#include "tern/shell.h"
#include "tern/telnet.h"

static void sink(void *ctx, const char *d, size_t n) {
  (void)ctx;
  (void)d;
  (void)n;
}
static int nop(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)s;
  (void)argc;
  (void)argv;
  (void)arg;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct tern_telnet t;
  static struct tern_loop *loop;
  static struct tern_shell *sh;
  if (!loop) {
    loop = tern_loop_new(NULL);
    sh = tern_shell_new(loop, "f");
    tern_shell_register(sh, "x", "", nop, NULL);
  }
  struct tern_buf d, out;
  tern_buf_init(&d, NULL, 1 << 20);
  tern_buf_init(&out, NULL, 1 << 20);
  tern_telnet_init(&t);
  tern_telnet_decode(&t, data, size, &d, &out);
  struct tern_shell_session *s = tern_shell_session_new(sh, sink, NULL, 1);
  tern_shell_input(s, d.data ? d.data : (const uint8_t *)"", d.len);
  tern_shell_session_free(s);
  tern_buf_free(&d);
  tern_buf_free(&out);
  return 0;
}
