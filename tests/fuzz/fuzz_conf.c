/* The configuration reader on any bytes: no crash, and every key and value
 * handed to the handler is a string inside the copy it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tern/conf.h"

static char *copy;
static size_t copy_len;

static int check(void *arg, const char *key, const char *value, int line, char *why,
                 size_t whylen) {
  (void)arg, (void)line, (void)why, (void)whylen;
  if (*key != '[' && (key < copy || key >= copy + copy_len + 1)) __builtin_trap();
  if (*value && (value < copy || value + strlen(value) > copy + copy_len)) __builtin_trap();
  return key[0] == 'x' ? -1 : 0; /* sometimes an error, to reach that path too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  copy = malloc(size + 1);
  if (!copy) return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  copy_len = size;
  char err[256];
  tern_conf_parse(copy, "fuzz", check, NULL, err, sizeof(err));
  free(copy);
  return 0;
}
