/* The device clock (rtc.h): monotonic time plus an offset learned from
 * SNTP. Part of the core because TLS, HTTP's Date header and the console
 * all read it, and only the port knows the OS clock. */
#include "loop_internal.h"
#include "tern/rtc.h"

double tern_rtc_now(struct tern_loop *loop) {
  if (!loop->rtc_synced) return tern_port_wall_time();
  return (double)tern_port_micros() / 1e6 + loop->rtc_offset;
}

void tern_rtc_adjust(struct tern_loop *loop, double offset_s) {
  double now = tern_rtc_now(loop) + offset_s;
  loop->rtc_offset = now - (double)tern_port_micros() / 1e6;
  loop->rtc_synced = 1;
}

int tern_rtc_synced(struct tern_loop *loop) { return loop->rtc_synced; }

int tern_rtc_set_system(struct tern_loop *loop) {
  return tern_port_set_wall_time(tern_rtc_now(loop));
}
