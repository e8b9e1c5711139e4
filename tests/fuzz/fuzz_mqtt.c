/* libFuzzer target: the MQTT decoder as 3.1.1 and as 5.0, both directions.
 * What it accepts must encode back at the size the encoder predicts, and
 * (5.0, where properties are re-laid out) decode again to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tern/mqtt_codec.h"

static struct tern_mqtt_packet p, again;

static void check_reencode(int from, int version) {
  struct tern_buf b, b2;
  tern_buf_init(&b, NULL, 1 << 20);
  tern_buf_init(&b2, NULL, 1 << 20);
  p.version = (uint8_t)version;
  /* a 3.1 CONNECT ("MQIsdp") is written back as 3.1.1: not the same bytes */
  int skip = p.type == TERN_MQTT_CONNECT && version != TERN_MQTT_V5;
  if (!skip && tern_mqtt_encode(&b, &p) == 0) {
    if (b.len != tern_mqtt_encoded_size(&p)) abort();
    if (version == TERN_MQTT_V5) {
      if (tern_mqtt_decode_v(b.data, b.len, 1 << 20, from, version, &again) != (int)b.len) abort();
      again.version = (uint8_t)version;
      if (tern_mqtt_encode(&b2, &again) != 0 || b2.len != b.len ||
          memcmp(b.data, b2.data, b.len) != 0)
        abort();
    }
  }
  tern_buf_free(&b);
  tern_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int versions[] = {TERN_MQTT_V311, TERN_MQTT_V5};
  for (int v = 0; v < 2; v++) {
    for (int from = 1; from <= 2; from++) {
      size_t off = 0;
      while (off < size) {
        int n = tern_mqtt_decode_v(data + off, size - off, 65536, from, versions[v], &p);
        if (n <= 0) break;
        check_reencode(from, p.type == TERN_MQTT_CONNECT ? p.version : versions[v]);
        off += (size_t)n;
      }
    }
  }
  return 0;
}
