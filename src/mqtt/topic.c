/* MQTT topic names and filters (MQTT 3.1.1 section 4.7). */
#include <string.h>
#include "tern/mqtt_codec.h"

int tern_mqtt_valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c == 0) return 0; /* U+0000 is forbidden [MQTT-1.5.3-2] */
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07u;
    } else return 0;
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3fu);
    }
    /* overlong forms, surrogates [MQTT-1.5.3-1] and beyond U+10FFFF */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
    i += len;
  }
  return 1;
}

int tern_mqtt_valid_topic(const char *t, size_t n) {
  if (n == 0 || n > TERN_MQTT_MAX_TOPIC) return 0;
  if (memchr(t, '+', n) || memchr(t, '#', n)) return 0;
  return tern_mqtt_valid_utf8((const uint8_t *)t, n);
}

int tern_mqtt_valid_filter(const char *f, size_t n) {
  if (n == 0 || n > TERN_MQTT_MAX_TOPIC) return 0;
  if (!tern_mqtt_valid_utf8((const uint8_t *)f, n)) return 0;
  for (size_t i = 0; i < n; i++) {
    int starts_level = i == 0 || f[i - 1] == '/';
    int ends_level = i + 1 == n || f[i + 1] == '/';
    if (f[i] == '+' && !(starts_level && ends_level)) return 0;
    if (f[i] == '#' && !(starts_level && i + 1 == n)) return 0; /* '#' alone, and last */
  }
  return 1;
}

int tern_mqtt_topic_matches(const char *f, size_t fn, const char *t, size_t tn) {
  /* [MQTT-4.7.2-1]: '#' or '+' first never matches a topic starting with '$' */
  if (tn > 0 && t[0] == '$' && fn > 0 && (f[0] == '#' || f[0] == '+')) return 0;
  size_t i = 0, j = 0;
  for (;;) {
    if (i == fn) return j == tn;
    if (f[i] == '#') return 1; /* matches the parent level and everything below */
    if (f[i] == '+') {
      while (j < tn && t[j] != '/') j++; /* one whole level, possibly empty */
      i++;
    } else {
      /* compare literally up to the end of this filter level */
      while (i < fn && f[i] != '/') {
        if (j >= tn || f[i] != t[j]) return 0;
        i++;
        j++;
      }
      if (j < tn && t[j] != '/') return 0;
    }
    if (i == fn) return j == tn;
    /* f[i] == '/' */
    if (j == tn) {
      /* "a/#" matches "a": a '/' then '#' ends the filter */
      return i + 2 == fn && f[i + 1] == '#';
    }
    i++;
    j++;
  }
}

const char *tern_mqtt_connack_str(int code) {
  switch (code) {
  case 0: return "accepted";
  case 1: return "refused: unacceptable protocol version";
  case 2: return "refused: identifier rejected";
  case 3: return "refused: server unavailable";
  case 4: return "refused: bad user name or password";
  case 5: return "refused: not authorised";
  default: return "refused: unknown reason";
  }
}

const char *tern_mqtt_type_name(int type) {
  static const char *const names[] = {"?",         "CONNECT",  "CONNACK",     "PUBLISH",
                                      "PUBACK",    "PUBREC",   "PUBREL",      "PUBCOMP",
                                      "SUBSCRIBE", "SUBACK",   "UNSUBSCRIBE", "UNSUBACK",
                                      "PINGREQ",   "PINGRESP", "DISCONNECT",  "AUTH"};
  return type > 0 && type <= 15 ? names[type] : "?";
}
