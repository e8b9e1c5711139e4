/* libFuzzer target: URL parsing and percent-decoding. */
#include <stddef.h>
#include <stdint.h>
#include "tern/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_url u;
  char out[512];
  if (tern_url_parse((const char *)data, size, &u) == 0) {
    /* every slice must lie inside the input */
    struct tern_str parts[] = {u.scheme, u.user, u.pass, u.host, u.path, u.query, u.fragment};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
      if (parts[i].len && (parts[i].p < (const char *)data ||
                           parts[i].p + parts[i].len > (const char *)data + size))
        __builtin_trap();
  }
  tern_url_decode((const char *)data, size, out, sizeof(out), 1);
  return 0;
}
