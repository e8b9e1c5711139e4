/* The device clock: monotonic time plus an offset learned from SNTP, so
 * setting it needs no privileges and never makes the loop's timers jump. */
#include "../core/loop_internal.h"
#include "tern/sntp.h"

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
