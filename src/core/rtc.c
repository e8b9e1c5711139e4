/* The device clock (rtc.h): monotonic time plus an offset learned from
 * SNTP. Part of the core because TLS, HTTP's Date header and the console
 * all read it, and only the port knows the OS clock. */
#include "loop_internal.h"
#include "tern/rtc.h"

int64_t tern_rtc_micros(struct tern_loop *loop) {
  if (!loop->rtc_synced) return tern_port_wall_micros();
  return (int64_t)tern_port_micros() + loop->rtc_offset_us;
}

int64_t tern_rtc_seconds(struct tern_loop *loop) {
  int64_t us = tern_rtc_micros(loop);
  return us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
}

void tern_rtc_adjust(struct tern_loop *loop, int64_t offset_us) {
  int64_t now = tern_rtc_micros(loop) + offset_us;
  loop->rtc_offset_us = now - (int64_t)tern_port_micros();
  loop->rtc_synced = 1;
}

int tern_rtc_synced(struct tern_loop *loop) { return loop->rtc_synced; }

int tern_rtc_set_system(struct tern_loop *loop) {
  return tern_port_set_wall_micros(tern_rtc_micros(loop));
}

int64_t tern_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void tern_civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}
