/* mosquitto_sub -F, as its manual describes it (sub_format.h). */
#define _POSIX_C_SOURCE 200809L
#include "sub_format.h"
#include "app.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tern/http_codec.h" /* tern_json_get: is a payload JSON? */

/* A field with mosquitto_sub's flags: '-' left-aligned, '0' zero-padded
 * (numbers), width, and .max (a maximum width, for strings). */
struct spec {
  int left, zero, width, max;
};

static void pad(FILE *out, int n, char c) {
  while (n-- > 0) fputc(c, out);
}

static void put_str(FILE *out, const struct spec *s, const char *p, size_t n) {
  if (s->max >= 0 && n > (size_t)s->max) n = (size_t)s->max;
  int fill = s->width > (int)n ? s->width - (int)n : 0;
  if (!s->left) pad(out, fill, ' ');
  fwrite(p, 1, n, out);
  if (s->left) pad(out, fill, ' ');
}

static void put_num(FILE *out, const struct spec *s, long v) {
  char num[32];
  int n = snprintf(num, sizeof(num), "%ld", v);
  int fill = s->width > n ? s->width - n : 0;
  if (!s->left) pad(out, fill, s->zero ? '0' : ' ');
  fputs(num, out);
  if (s->left) pad(out, fill, ' ');
}

static void put_hex(FILE *out, const struct spec *s, const uint8_t *p, size_t n, int upper) {
  int fill = s->width > (int)(2 * n) ? s->width - (int)(2 * n) : 0;
  if (!s->left) pad(out, fill, s->zero ? '0' : ' ');
  for (size_t i = 0; i < n; i++) fprintf(out, upper ? "%02X" : "%02x", p[i]);
  if (s->left) pad(out, fill, ' ');
}

/* A JSON string's content, escaped */
static void json_escaped(FILE *out, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c == '\n') fputs("\\n", out);
    else if (c == '\r') fputs("\\r", out);
    else if (c == '\t') fputs("\\t", out);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
}

static void local_time(const struct sub_msg *m, struct tm *tm) {
  time_t t = (time_t)(m->unix_ns / 1000000000);
  localtime_r(&t, tm);
}

/* "2020-05-06T22:12:00.000000+0100" (%j's tst) or, without the fraction, %I's */
static void iso(FILE *out, const struct sub_msg *m, int micros) {
  struct tm tm;
  char b[64], z[8];
  local_time(m, &tm);
  strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
  strftime(z, sizeof(z), "%z", &tm);
  /* (mosquitto_sub writes a 'Z' before the zone: "...00.000000Z+0000") */
  if (micros) fprintf(out, "%s.%06ldZ%s", b, (long)(m->unix_ns % 1000000000 / 1000), z);
  else fprintf(out, "%s%s", b, z);
}

static int json_line(FILE *out, const struct sub_msg *m, int raw) {
  struct tern_str v;
  if (raw && tern_json_get(m->payload, m->len, "", &v) <= 0) return -1;
  fputs("{\"tst\":\"", out);
  iso(out, m, 1);
  fputs("\",\"topic\":\"", out);
  json_escaped(out, m->topic, m->topic_len);
  fprintf(out, "\",\"qos\":%d,\"retain\":%d,\"payloadlen\":%lu,\"payload\":", m->qos, m->retain,
          (unsigned long)m->len);
  if (raw) { /* compact, as mosquitto_sub's JSON library prints it */
    app_json_compact(out, m->payload, m->len);
  } else {
    fputc('"', out);
    json_escaped(out, m->payload, m->len);
    fputc('"', out);
  }
  fputc('}', out);
  return 0;
}

/* One MQTT 5 property as mosquitto_sub prints it: empty when absent; user
 * properties as "name:value", space-separated. */
static void put_prop(FILE *out, const struct spec *s, const struct tern_mqtt_props *pr, char c) {
  struct tern_str name, value;
  size_t off = 0;
  int first = 1;
  switch (c) {
  case 'A':
    if (TERN_MQTT_HAS(pr, TERN_MQTT_PROP_TOPIC_ALIAS)) put_num(out, s, pr->topic_alias);
    break;
  case 'C': put_str(out, s, pr->content_type.p, pr->content_type.len); break;
  case 'D': put_str(out, s, pr->correlation_data.p, pr->correlation_data.len); break;
  case 'E':
    if (TERN_MQTT_HAS(pr, TERN_MQTT_PROP_MESSAGE_EXPIRY)) put_num(out, s, (long)pr->message_expiry);
    break;
  case 'F':
    if (TERN_MQTT_HAS(pr, TERN_MQTT_PROP_PAYLOAD_FORMAT)) put_num(out, s, pr->payload_format);
    break;
  case 'P':
    while (tern_mqtt_user_prop_next(pr->user, &off, &name, &value)) {
      fprintf(out, "%s%.*s:%.*s", first ? "" : " ", (int)name.len, name.p, (int)value.len, value.p);
      first = 0;
    }
    break;
  case 'R': put_str(out, s, pr->response_topic.p, pr->response_topic.len); break;
  case 'S':
    for (uint8_t k = 0; k < pr->nsub_ids; k++)
      fprintf(out, k ? ",%lu" : "%lu", (unsigned long)pr->sub_ids[k]);
    break;
  }
}

int sub_format(FILE *out, const char *fmt, const struct sub_msg *m) {
  /* %J with a payload that is not JSON: nothing printed, an error instead */
  if (strstr(fmt, "%J")) {
    struct tern_str v;
    if (tern_json_get(m->payload, m->len, "", &v) <= 0) {
      fprintf(stderr, "Error: Message payload is not valid JSON on topic %.*s.\n",
              (int)m->topic_len, m->topic);
      return -1;
    }
  }
  for (const char *p = fmt; *p; p++) {
    if (*p == '\\' && p[1]) {
      static const char from[] = "\\0aenrtv", to[] = "\\\0\a\033\n\r\t\v";
      const char *k = strchr(from, p[1]);
      if (k && p[1]) fputc(to[k - from], out), p++;
      else fputc(*p, out);
      continue;
    }
    if (*p == '@' && p[1]) {
      p++;
      if (*p == '@') {
        fputc('@', out);
      } else if (*p == 'N') {
        fprintf(out, "%09ld", (long)(m->unix_ns % 1000000000));
      } else {
        struct tm tm;
        char f[3] = {'%', *p, 0}, b[128];
        local_time(m, &tm);
        if (strftime(b, sizeof(b), f, &tm)) fputs(b, out);
      }
      continue;
    }
    if (*p != '%' || !p[1]) {
      fputc(*p, out);
      continue;
    }
    struct spec s = {0, 0, 0, -1};
    const char *q = p + 1;
    for (; *q == '-' || *q == '0'; q++) *q == '-' ? (s.left = 1) : (s.zero = 1);
    if (s.left) s.zero = 0;
    while (*q >= '0' && *q <= '9') s.width = s.width * 10 + (*q++ - '0');
    if (*q == '.') {
      s.max = 0;
      for (q++; *q >= '0' && *q <= '9'; q++) s.max = s.max * 10 + (*q - '0');
    }
    switch (*q) {
    case '%': fputc('%', out); break;
    case 't': put_str(out, &s, m->topic, m->topic_len); break;
    case 'p': put_str(out, &s, m->payload, m->len); break;
    case 'q': fprintf(out, "%d", m->qos); break;
    case 'r': fprintf(out, "%d", m->retain); break;
    case 'm': put_num(out, &s, m->mid); break;
    case 'l': put_num(out, &s, (long)m->len); break;
    case 'x': put_hex(out, &s, m->payload, m->len, 0); break;
    case 'X': put_hex(out, &s, m->payload, m->len, 1); break;
    case 'I': iso(out, m, 0); break;
    case 'U':
      fprintf(out, "%lld.%09ld", (long long)(m->unix_ns / 1000000000),
              (long)(m->unix_ns % 1000000000));
      break;
    case 'j': json_line(out, m, 0); break;
    case 'J': json_line(out, m, 1); break;
    case 'A':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
    case 'P':
    case 'R':
    case 'S':
      if (m->props) put_prop(out, &s, m->props, *q); /* nothing on a 3.1.1 message */
      break;
    case '\0':
      fputc('%', out);
      q--;
      break;
    default: fputc('%', out), fputc(*q, out); break;
    }
    p = q;
  }
  return 0;
}
