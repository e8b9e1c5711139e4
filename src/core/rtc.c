/* The device clock (rtc.h): monotonic time plus an offset learned from
 * SNTP. Part of the core because TLS, HTTP's Date header and the console
 * all read it, and only the port knows the OS clock. */
#include "loop_internal.h"
#include "tern/fmt.h"
#include "tern/rtc.h"

int64_t tern_rtc_micros(struct tern_loop *loop) {
  if (!loop->rtc_synced) return tern_port_wall_micros();
  return (int64_t)tern_port_micros() + loop->rtc_offset_us;
}

int64_t tern_rtc_seconds(struct tern_loop *loop) {
  return tern_div_floor(tern_rtc_micros(loop), 1000000, NULL);
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

/* Howard Hinnant's algorithms, in 400-year eras: within an era every
 * number fits 32 bits, and only the era needs a 64-bit (floor) division. */
int64_t tern_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  uint32_t yoe; /* year of the era, 0..399 */
  int64_t era = tern_div_floor(y, 400, &yoe);
  int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int32_t doe = (int32_t)(yoe * 365 + yoe / 4 - yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

void tern_civil_from_days(int64_t z, int *y, int *m, int *d) {
  uint32_t doe; /* day of the era, 0..146096 */
  int64_t era = tern_div_floor(z + 719468, 146097, &doe);
  uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  uint32_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}
