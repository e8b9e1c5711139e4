/* Mosquitto's configuration read by the broker, on any bytes: no crash,
 * no leak, and whatever is accepted gives options with well-formed
 * listener URLs. (include_dir is left out: it would read this machine's
 * directories.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tern/broker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (strstr(text, "include_dir")) {
    free(text);
    return 0;
  }
  struct tern_broker_conf *c = tern_broker_conf_new();
  char err[600];
  if (c && tern_broker_conf_parse(c, text, "fuzz", err, sizeof(err)) == 0) {
    const struct tern_broker_opts *o = tern_broker_conf_opts(c);
    for (int i = 0; i < TERN_BROKER_MAX_LISTENERS && o->listeners[i].url; i++)
      if (strncmp(o->listeners[i].url, "tcp://", 6) != 0) __builtin_trap();
  }
  tern_broker_conf_free(c);
  free(text);
  return 0;
}
