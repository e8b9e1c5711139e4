/* libFuzzer target: JSON path lookup and unescaping. */
#include <stddef.h>
#include <stdint.h>
#include "tern/http_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_str v;
  char out[256];
  static const char *paths[] = {"a", "a.b", "list[0].name", "[1]", "x[0][1].y"};
  for (int i = 0; i < 5; i++) {
    if (tern_json_get((const char *)data, size, paths[i], &v) == TERN_JSON_STRING)
      tern_json_unescape(v, out, sizeof(out));
  }
  tern_json_unescape((struct tern_str){(const char *)data, size}, out, sizeof(out));
  return 0;
}
