/* wpa_supplicant control-interface text, built and parsed without I/O. */
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/wlan.h"

int tern_wpa_set_quoted(char *out, size_t outlen, int id, const char *key, const char *value) {
  /* A quote or newline inside would break the command's framing. */
  if (strpbrk(value, "\"\n\r")) return TERN_EINVAL;
  int n = snprintf(out, outlen, "SET_NETWORK %d %s \"%s\"", id, key, value);
  return n > 0 && (size_t)n < outlen ? n : TERN_EFULL;
}

int tern_wpa_status_get(const char *reply, const char *key, char *out, size_t outlen) {
  size_t kl = strlen(key);
  for (const char *p = reply; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
      size_t vl = len - kl - 1;
      if (vl >= outlen) return TERN_EFULL;
      memcpy(out, p + kl + 1, vl);
      out[vl] = '\0';
      return 0;
    }
    p = nl ? nl + 1 : NULL;
  }
  return TERN_ENOTFOUND;
}
