/* libFuzzer target: the MQTT decoder, both directions, re-encoding what it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "tern/mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct tern_mqtt_packet p;
  for (int from = 1; from <= 2; from++) {
    size_t off = 0;
    while (off < size) {
      int n = tern_mqtt_decode(data + off, size - off, 65536, from, &p);
      if (n <= 0) break;
      struct tern_buf b;
      tern_buf_init(&b, NULL, 1 << 20);
      /* what we accept we can also write back, at the same size */
      if (p.type != TERN_MQTT_CONNECT && tern_mqtt_encode(&b, &p) == 0 &&
          b.len != tern_mqtt_encoded_size(&p))
        abort();
      tern_buf_free(&b);
      off += (size_t)n;
    }
  }
  return 0;
}
