/* libFuzzer target: WebSocket frame headers in both directions. */
#include <stddef.h>
#include <stdint.h>
#include "tern/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_ws_frame f;
  for (int from_client = 0; from_client < 2; from_client++) {
    int n = tern_ws_parse_header(data, size, from_client, &f);
    if (n > 0 && ((size_t)n > size || f.header_len != (size_t)n)) __builtin_trap();
  }
  return 0;
}
