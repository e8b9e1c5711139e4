/* POSIX TZ strings and local time, without the C library's tz database:
 * a device gets its zone as one short string ("CET-1CEST,M3.5.0,M10.5.0/3"). */
#include <stdio.h>
#include <string.h>
#include "tern/error.h"
#include "tern/sntp.h"

static int parse_name(const char **p, char *out, size_t outlen) {
  const char *s = *p;
  size_t n = 0;
  if (*s == '<') { /* quoted form: <+0330> */
    s++;
    while (*s && *s != '>' && n + 1 < outlen) out[n++] = *s++;
    if (*s != '>') return -1;
    s++;
  } else {
    while (((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) && n + 1 < outlen)
      out[n++] = *s++;
  }
  out[n] = '\0';
  *p = s;
  return n >= 3 ? 0 : -1;
}

/* [+-]hh[:mm[:ss]] in seconds */
static int parse_time(const char **p, int32_t *out) {
  const char *s = *p;
  int sign = 1;
  if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
  int32_t parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; i++) {
    if (*s < '0' || *s > '9') {
      if (i == 0) return -1;
      break;
    }
    int v = 0, digits = 0;
    while (*s >= '0' && *s <= '9') {
      if (++digits > 3) return -1; /* hours go to 167 at most */
      v = v * 10 + (*s++ - '0');
    }
    parts[i] = v;
    if (*s != ':') break;
    s++;
  }
  if (parts[0] > 167 || parts[1] > 59 || parts[2] > 59) return -1;
  *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  *p = s;
  return 0;
}

static int parse_rule(const char **p, int *month, int *week, int *wday, int32_t *time) {
  const char *s = *p;
  if (*s++ != 'M') return -1; /* the Jn and n forms are rare; M is what zones use */
  int v[3];
  for (int i = 0; i < 3; i++) {
    if (*s < '0' || *s > '9') return -1;
    v[i] = 0;
    for (int digits = 0; *s >= '0' && *s <= '9'; digits++) {
      if (digits == 2) return -1; /* month 1-12, week 1-5, day 0-6 */
      v[i] = v[i] * 10 + (*s++ - '0');
    }
    if (i < 2 && *s++ != '.') return -1;
  }
  if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 5 || v[2] > 6) return -1;
  *month = v[0];
  *week = v[1];
  *wday = v[2];
  *time = 7200;
  if (*s == '/') {
    s++;
    if (parse_time(&s, time)) return -1;
  }
  *p = s;
  return 0;
}

int tern_tz_parse(const char *spec, struct tern_tz *tz) {
  memset(tz, 0, sizeof(*tz));
  const char *p = spec;
  int32_t off;
  if (parse_name(&p, tz->std_name, sizeof(tz->std_name)) || parse_time(&p, &off))
    return TERN_EPARSE;
  tz->std_offset = -off; /* POSIX counts west of Greenwich as positive */
  if (!*p) return 0;
  if (parse_name(&p, tz->dst_name, sizeof(tz->dst_name))) return TERN_EPARSE;
  tz->has_dst = 1;
  tz->dst_offset = tz->std_offset + 3600;
  if (*p && *p != ',') {
    if (parse_time(&p, &off)) return TERN_EPARSE;
    tz->dst_offset = -off;
  }
  if (!*p) { /* no rules given: the US ones, as glibc assumes */
    tz->start.month = 3;
    tz->start.week = 2;
    tz->start.wday = 0;
    tz->start.time = 7200;
    tz->end.month = 11;
    tz->end.week = 1;
    tz->end.wday = 0;
    tz->end.time = 7200;
    return 0;
  }
  if (*p++ != ',' ||
      parse_rule(&p, &tz->start.month, &tz->start.week, &tz->start.wday, &tz->start.time))
    return TERN_EPARSE;
  if (*p++ != ',' || parse_rule(&p, &tz->end.month, &tz->end.week, &tz->end.wday, &tz->end.time))
    return TERN_EPARSE;
  return *p ? TERN_EPARSE : 0;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Unix time of a rule's transition in 'year', the rule's time being local
 * time at the given UTC offset. */
static int64_t transition(int year, int month, int week, int wday, int32_t time, int32_t offset) {
  int64_t first = tern_days_from_civil(year, month, 1);
  int first_wday = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
  int day = 1 + (wday - first_wday + 7) % 7 + (week - 1) * 7;
  while (day > days_in_month(year, month)) day -= 7;
  return (first + day - 1) * 86400 + time - offset;
}

void tern_localtime(const struct tern_tz *tz, int64_t t, struct tern_localtime *lt) {
  int32_t off = tz->std_offset;
  int dst = 0;
  if (tz->has_dst) {
    int y, m, d;
    tern_civil_from_days((t + tz->std_offset) >= 0 ? (t + tz->std_offset) / 86400
                                                   : ((t + tz->std_offset) - 86399) / 86400,
                         &y, &m, &d);
    int64_t start = transition(y, tz->start.month, tz->start.week, tz->start.wday, tz->start.time,
                               tz->std_offset);
    int64_t end =
        transition(y, tz->end.month, tz->end.week, tz->end.wday, tz->end.time, tz->dst_offset);
    dst = start < end ? (t >= start && t < end)
                      : (t >= start || t < end); /* southern zones wrap the year */
    if (dst) off = tz->dst_offset;
  }
  int64_t local = t + off;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  tern_civil_from_days(days, &lt->year, &lt->month, &lt->mday);
  lt->hour = (int)(secs / 3600);
  lt->min = (int)(secs / 60 % 60);
  lt->sec = (int)(secs % 60);
  lt->wday = (int)((days % 7 + 11) % 7);
  lt->yday = (int)(days - tern_days_from_civil(lt->year, 1, 1));
  lt->isdst = dst;
  lt->gmtoff = off;
  lt->zone = dst ? tz->dst_name : tz->std_name;
}

size_t tern_strftime(char *out, size_t len, const char *fmt, const struct tern_localtime *lt) {
  static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  size_t o = 0;
  if (!len) return 0;
  for (const char *p = fmt; *p && o + 1 < len; p++) {
    char buf[64];
    const char *piece = buf;
    if (*p != '%' || !p[1]) {
      buf[0] = *p;
      buf[1] = '\0';
    } else {
      switch (*++p) {
      case 'Y': snprintf(buf, sizeof(buf), "%d", lt->year); break;
      case 'y': snprintf(buf, sizeof(buf), "%02d", lt->year % 100); break;
      case 'm': snprintf(buf, sizeof(buf), "%02d", lt->month); break;
      case 'd': snprintf(buf, sizeof(buf), "%02d", lt->mday); break;
      case 'e': snprintf(buf, sizeof(buf), "%2d", lt->mday); break;
      case 'H': snprintf(buf, sizeof(buf), "%02d", lt->hour); break;
      case 'M': snprintf(buf, sizeof(buf), "%02d", lt->min); break;
      case 'S': snprintf(buf, sizeof(buf), "%02d", lt->sec); break;
      case 'j': snprintf(buf, sizeof(buf), "%03d", lt->yday + 1); break;
      case 'a': piece = wd[lt->wday]; break;
      case 'b': piece = mo[lt->month - 1]; break;
      case 'Z': piece = lt->zone ? lt->zone : ""; break;
      case 'z': {
        int off =
            (int)(lt->gmtoff < 0 ? -lt->gmtoff : lt->gmtoff); /* int32_t is long on some targets */
        snprintf(buf, sizeof(buf), "%c%02d%02d", lt->gmtoff < 0 ? '-' : '+', off / 3600,
                 off / 60 % 60);
        break;
      }
      case 'c': /* the C locale's: "Wed Nov 25 08:40:00 2026" */
        snprintf(buf, sizeof(buf), "%s %s %2d %02d:%02d:%02d %d", wd[lt->wday], mo[lt->month - 1],
                 lt->mday, lt->hour, lt->min, lt->sec, lt->year);
        break;
      case '%': piece = "%"; break;
      default: snprintf(buf, sizeof(buf), "%%%c", *p); break;
      }
    }
    size_t n = strlen(piece);
    if (o + n >= len) n = len - o - 1;
    memcpy(out + o, piece, n);
    o += n;
  }
  out[o] = '\0';
  return o;
}
