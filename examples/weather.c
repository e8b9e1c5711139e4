/* Fetch a weather reading (JSON) and print temperature and conditions.
 *   weather [URL]    (default: Open-Meteo's current weather for Oslo; tests pass a local stand-in)
 */
#include <stdio.h>
#include <stdlib.h>
#include "tern/error.h"
#include "tern/http.h"

int main(int argc, char **argv) {
  const char *url =
      argc > 1 ? argv[1]
      : getenv("TERN_WEATHER_URL")
          ? getenv("TERN_WEATHER_URL")
          : "https://api.open-meteo.com/v1/"
            "forecast?latitude=59.91&longitude=10.75&current=temperature_2m,weather_code";
  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_http_client_opts opts = {.url = url, .total_timeout_ms = 15000};
  struct tern_http_response r;
  if (tern_http_fetch(loop, &opts, &r) != 0 || r.status != 200) {
    fprintf(stderr, "weather: %s (HTTP %d)\n", r.error, r.status);
    return 1;
  }
  struct tern_str temp, cond;
  const char *json = (const char *)r.body.data;
  if (tern_json_get(json, r.body.len, "current.temperature_2m", &temp) != TERN_JSON_NUMBER) {
    fprintf(stderr, "weather: no current.temperature_2m in the answer\n");
    return 1;
  }
  int has_cond = tern_json_get(json, r.body.len, "current.conditions", &cond) == TERN_JSON_STRING ||
                 tern_json_get(json, r.body.len, "current.weather_code", &cond) > 0;
  printf("temperature %.*s C, conditions %.*s\n", (int)temp.len, temp.p,
         has_cond ? (int)cond.len : 1, has_cond ? cond.p : "?");
  tern_http_response_free(&r);
  tern_loop_free(loop);
  return 0;
}
