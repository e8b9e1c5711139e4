/* libFuzzer target: HTTP request/response heads, chunked bodies, forms. */
#include <stddef.h>
#include <stdint.h>
#include "tern/http_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct tern_http_msg m;
  int n = tern_http_parse_request(data, size, &m);
  if (n > 0 && (size_t)n > size) __builtin_trap();
  tern_http_parse_response(data, size, &m);
  struct tern_buf out;
  tern_buf_init(&out, NULL, 1 << 20);
  struct tern_http_chunked st = {0};
  int done;
  tern_http_chunked_feed(&st, data, size, &out, &done);
  tern_buf_free(&out);
  char v[64];
  tern_form_get((struct tern_str){(const char *)data, size}, "a", v, sizeof(v));
  return 0;
}
