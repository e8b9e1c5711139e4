/* mosquitto_sub's -F output format (tern sub -F): %-sequences for the
 * message, @-sequences for strftime, \-escapes. MQTT 5.0 properties (%A %C
 * %D %E %F %P %R %S) print what the message carries (nothing in 3.1.1). */
#ifndef TERN_APP_SUB_FORMAT_H
#define TERN_APP_SUB_FORMAT_H
#include <stdint.h>
#include <stdio.h>
#include "tern/mqtt_codec.h"

struct sub_msg {
  const char *topic;
  size_t topic_len;
  const void *payload;
  size_t len;
  int qos, retain, mid;
  int64_t unix_ns;                     /* when it arrived */
  const struct tern_mqtt_props *props; /* MQTT 5, or NULL */
};

/* Writes one message as fmt says. 0, or -1 when %J met a payload that is not JSON
 * (the message is then not printed, as mosquitto_sub does). */
int sub_format(FILE *out, const char *fmt, const struct sub_msg *m);
#endif
