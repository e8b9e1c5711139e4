/* The device clock: monotonic time plus an offset learned from SNTP, so
 * setting it needs no privileges and never makes the loop's timers jump.
 * Before the first sync it is the port's wall clock (the OS clock; 0 on a
 * bare device, where it reads 1970). */
#ifndef TERN_RTC_H
#define TERN_RTC_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include "loop.h"

/* Integers, not doubles: a Cortex-M4 has no double-precision FPU, and the
 * soft-float routines would cost a small image 3 KB. */
int64_t tern_rtc_micros(struct tern_loop *loop);  /* Unix time, microseconds */
int64_t tern_rtc_seconds(struct tern_loop *loop); /* Unix time, whole seconds (floor) */
/* Moves the loop's wall clock by offset_us (SNTP's correction) and marks it
 * synced; the OS clock is not touched. */
void tern_rtc_adjust(struct tern_loop *loop, int64_t offset_us);
/* 1 once tern_rtc_adjust has run on this loop (the time can be trusted). */
int tern_rtc_synced(struct tern_loop *loop);
/* Step the OS clock to tern_rtc_micros() (sntp -S); TERN_EDENIED without the
 * privilege, TERN_EUNSUPPORTED on a port without one. */
int tern_rtc_set_system(struct tern_loop *loop);

/* The calendar (proleptic Gregorian, Howard Hinnant's algorithms): days
 * since 1970-01-01 of a civil date, and back. No libc time functions, so
 * it runs on a board. */
int64_t tern_days_from_civil(int64_t year, int month, int day);
/* The civil date of days since 1970-01-01 (negative: before). */
void tern_civil_from_days(int64_t days, int *year, int *month, int *day);
#pragma GCC visibility pop
#endif
