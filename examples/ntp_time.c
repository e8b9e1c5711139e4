/* Set the clock from NTP and print the local time with %c.
 *   ntp_time [SERVER[:PORT]] [TZ]      (default pool.ntp.org, UTC0; TZ is a POSIX string) */
#include <stdio.h>
#include <stdlib.h>
#include "tern/error.h"
#include "tern/sntp.h"

int main(int argc, char **argv) {
  const char *server = argc > 1             ? argv[1]
                       : getenv("TERN_NTP") ? getenv("TERN_NTP")
                                            : "pool.ntp.org";
  const char *tz_spec = argc > 2 ? argv[2] : "UTC0";
  struct tern_tz tz;
  if (tern_tz_parse(tz_spec, &tz) != 0) {
    fprintf(stderr, "bad TZ string: %s\n", tz_spec);
    return 2;
  }

  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_sntp_opts opts = {.servers = {server}, .timeout_ms = 3000};
  struct tern_sntp_result r;
  if (tern_sntp_sync(loop, &opts, 5000, &r) != 0) {
    printf("Unable to get NTP time: %s\n", r.error);
    return 1;
  }
  struct tern_localtime lt;
  char text[64];
  tern_localtime(&tz, tern_rtc_seconds(loop), &lt); /* the device clock, now synced */
  tern_strftime(text, sizeof(text), "%c", &lt);
  printf("%s (offset %+.6f s from %s)\n", text, (double)r.offset_us / 1e6, r.server);
  tern_loop_free(loop);
  return 0;
}
